/* The files of a study directory DIR (no MPI: callers decide which rank works):
 *
 *   DIR/study.json                  the description (io/study_desc.h)
 *   DIR/replicates/rep-NNNNNN.csv   one replicate (header + K rows), written atomically
 *                                   by the rank that computed it; what --resume skips
 *                                   and what --replicate-range jobs and merge share
 *   DIR/replicates.csv              every replicate's rows, in replicate order
 *   DIR/summary.csv, summary.json, report.md, plots/   the report layer's
 *
 * The replicate CSV is the replicate row of sigma/study_stats.h with names: the head
 * columns, then for each registered estimator (sigma/registry.h, registry order)
 * KEY_est, KEY_err, KEY_s_oracle, KEY_s_observed, KEY_covers_oracle, KEY_covers_observed;
 * numbers as %.17g (a resumed study reads back the exact doubles), not applicable empty.
 * Every file is written through io/files.h (atomic, never onto an input); every path is
 * built to its length (io/str.h), never into a buffer of a guessed size.
 */
#ifndef SIGMA_IO_STUDY_FILES_H
#define SIGMA_IO_STUDY_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "sigma/replicate.h"

/* Before any work: DIR must be new (its parent writable), empty, or a study. A study is
 * refused unless allow_study and resume, and then must hold a readable study.json
 * (io/study_desc.h). A non-empty directory without study.json is the user's, never
 * written into. Errors: SIGMA_EIO (cannot create, not a directory, unreadable),
 * SIGMA_EINVAL ("is not empty and holds no study", "already holds a study", corrupt). */
int sigma_study_check_dir(const char *dir, int resume, int allow_study);

/* Create DIR and DIR/replicates (existing is fine). Errors: SIGMA_EIO. */
int sigma_study_make_dirs(const char *dir);

/* "DIR/NAME", newly allocated (NULL with SIGMA_ENOMEM recorded). */
char *sigma_study_path(const char *dir, const char *name);

/* DIR/replicates/rep-NNNNNN.csv of replicate i, newly allocated (NULL: SIGMA_ENOMEM). */
char *sigma_study_rep_path(const char *dir, int64_t i);

/* Write text to DIR/NAME through the one output writer. Errors: those of
 * sigma_file_write, SIGMA_ENOMEM. */
int sigma_study_write(const char *dir, const char *name, const char *text);

/* The replicate CSV header line (no newline), newly allocated (NULL: SIGMA_ENOMEM). */
char *sigma_rep_csv_header(void);

/* Replicate i over the K sweep points p as CSV text (header + K lines), newly allocated
 * in *text. Errors: SIGMA_ENOMEM. */
int sigma_rep_csv_format(int64_t i, const sigma_rep_point *p, int K, char **text);

/* Whether path is a complete replicate file of replicate i of this sweep (n1s, K); if so
 * its rows are in v (K x sigma_rep_ncol(), sigma/study_stats.h). A question, not an
 * error: a missing, partial or foreign file answers 0 and records no message. */
int sigma_rep_csv_complete(const char *path, int64_t i, const int64_t *n1s, int K, double *v);

/* Replicates [lo, hi) of the sweep (n1s, K), each from the first of dirs holding a
 * complete file: their rows in V ((hi - lo) x K x sigma_rep_ncol()) and, after one
 * header, in out_dir/replicates.csv. Errors: SIGMA_EIO naming a replicate that no
 * directory holds complete, or a file that cannot be read or written; SIGMA_ENOMEM. */
int sigma_study_gather(const char *out_dir, char *const *dirs, int ndirs, int64_t lo, int64_t hi,
                       const int64_t *n1s, int K, double *V);

/* The whole content of path in *text (NUL-terminated; *len bytes). Errors: SIGMA_EIO
 * naming path, SIGMA_ENOMEM. */
int sigma_study_slurp(const char *path, char **text, size_t *len);

#endif
