/* The description of a study: what it is (inputs, sweep, replicates, seed, options) and
 * its truth, as distinct from the command-line options that started it. A run writes it
 * to DIR/study.json; --resume and merge read it back (validated, io/parse.h) and compare
 * it, and the summary is made from it, so no command fabricates options from a file.
 *
 * DIR/study.json: {"study": the header (io/parse.h, sigma_study_header), "L": ...,
 * "tau2_oracle": ..., "replicate_columns": the replicate CSV header (io/study_files.h),
 * "provenance": {...}}. Reals are written with 17 digits, so a
 * description read back equals the one written, bit for bit. No MPI.
 */
#ifndef SIGMA_IO_STUDY_DESC_H
#define SIGMA_IO_STUDY_DESC_H

#include <jansson.h>

#include "parse.h"

typedef struct {
  sigma_study_header study; /* the identity: files, N, d, seed, R, sweep, options (owned) */
  double L;                 /* log det G of the full matrix, nats */
  double tau2_oracle;       /* the tau2 oracle of the full pass */
  double logdet_G1_rep0;    /* log det G1 of replicate 0 at n1_max (the truth audit's block);
                               NaN when not known: study.json does not record it */
} sigma_study_desc;

/* The "study" object of study.json (and of summary.json), keys in the order a study has
 * always written them. New reference; NULL only when out of memory. */
json_t *sigma_study_header_json(const sigma_study_header *h);

/* Write d to path (study.json) through the one output writer (io/files.h), with
 * provenance (borrowed; may be NULL) under "provenance".
 * Errors: SIGMA_ENOMEM, SIGMA_EINVAL (L or tau2 oracle not finite), those of
 * sigma_file_write. */
int sigma_study_desc_write(const char *path, const sigma_study_desc *d, json_t *provenance);

/* Read and validate path (a study.json): the header (sigma_parse_study_header), a number L
 * and a number tau2_oracle; logdet_G1_rep0 is NaN. Free with sigma_study_desc_free.
 * Errors: SIGMA_EINVAL "PATH: corrupt (...): cannot verify the study" (not JSON or not
 * readable), "PATH: corrupt or not a study (no L)", "PATH: begun by an older sigma whose
 * replicates have other columns" (no or another "replicate_columns": a study from before
 * the SPEC 4.1 estimators is refused by --resume and merge), the header's; SIGMA_ENOMEM. */
int sigma_study_desc_read(const char *path, sigma_study_desc *d);

/* The first key of the "study" object (in written order) where a and b differ, or NULL
 * if they describe the same study. */
const char *sigma_study_header_diff(const sigma_study_header *a, const sigma_study_header *b);

void sigma_study_desc_free(sigma_study_desc *d);

#endif
