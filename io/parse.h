/* Parsers of untrusted text: flag values and observed-index files.
 *
 * Each reads a whole string (or stream) and accepts it only if every byte is consumed;
 * nothing goes through a double that must come out an integer. They set no error
 * message for flags (the command words the usage error, exit 2) and a one-line message
 * naming file and line for index files. Fuzzed by tests/fuzz/.
 */
#ifndef SIGMA_IO_PARSE_H
#define SIGMA_IO_PARSE_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

/* A decimal integer in [lo, hi]: digits with an optional sign, or an exact integer in
 * exponent form ("1e6", "2.5e3"), computed in integers over the full int64 range.
 * Returns 0 and sets *v, or -1 (not an integer, out of range, trailing bytes). */
int sigma_parse_int64(const char *s, int64_t lo, int64_t hi, int64_t *v);

/* A finite real number (strtod syntax without nan, inf or hex overflow). Returns 0 or -1
 * (not a number, not finite, out of double range, trailing bytes). */
int sigma_parse_real(const char *s, double *v);

/* "a,b,c": at most max values, each as sigma_parse_int64 in [lo, hi] / sigma_parse_real.
 * Returns the count (>= 1), or -1 (empty, an empty item, a bad item, more than max). */
int sigma_parse_int64_list(const char *s, int64_t lo, int64_t hi, int64_t *v, int max);
int sigma_parse_real_list(const char *s, double *v, int max);

/* Observed-index file: one row index per line (decimal, 0 .. N-1; blank lines and lines
 * starting with # skipped; lines of any length). name is for messages.
 * Returns SIGMA_OK with *rows (malloc'd, file order) and *n, or SIGMA_EINVAL naming
 * name, line and text ("is not a row index in 0..N-1"), SIGMA_ENOMEM. Duplicates are
 * the caller's to refuse (sigma_observed_sorted names them). */
int sigma_parse_indices(FILE *f, const char *name, int64_t N, uint64_t **rows, int64_t *n);

/* @LIST file: one FILE[:DATASET] spec per line (lines of any length; leading blanks, blank
 * lines and lines starting with # skipped; \r\n endings). Calls each(spec, ctx) in order
 * and stops at its first non-zero return, which it returns; *count: specs seen.
 * Returns SIGMA_OK, each()'s code, or SIGMA_EINVAL (a NUL byte in a line: not text). */
int sigma_parse_list(FILE *f, const char *name, int (*each)(const char *spec, void *ctx),
                     void *ctx, int *count);

/* A replicate file of a study (what --resume and merge read back): the header line
 * exactly, then K rows of ncol comma-separated numbers (%.17g, or empty = not applicable),
 * row k starting with replicate i and n1s[k], then nothing. v: K x ncol.
 * Returns 0 for a complete file of this sweep, -1 otherwise (a partial or foreign file). */
int sigma_parse_rep_csv(FILE *f, const char *header, int64_t i, const int64_t *n1s, int K,
                        int ncol, double *v);

/* The "study" object of a study.json: what makes two runs the same study (--resume and
 * merge compare it; io/study_desc.h reads and writes it), validated: files a non-empty
 * list of inputs {path, dataset: strings, rows >= 1} whose rows add up to N; n1 a strictly
 * ascending list of 1..64 row counts >= 1 with as many finite epsilon > 0; replicates >= 1,
 * seed >= 0, 1 <= d <= n1[0], N >= n1[K-1], level in (0, 1), rule_constant > 0, booleans
 * from_epsilon, normalize and center, and block_jackknife (--block-jackknife G: 0 = off, or
 * 2..n1[0]; absent means 0, as written by a sigma without the flag).
 * Returns SIGMA_OK (free the files with sigma_study_header_free), or SIGMA_EINVAL naming
 * name and the first bad field (nothing to free), SIGMA_ENOMEM. */
typedef struct {
  char *path;      /* absolute path of the input when the study began (owned) */
  char *dataset;   /* (owned) */
  int64_t rows;
} sigma_study_file;

typedef struct {
  int nfiles;
  sigma_study_file *files; /* owned */
  int K;
  int64_t n1[64];
  double eps[64];
  int64_t replicates, seed, N;
  int d;
  double level, rule_constant;
  int from_epsilon, normalize, center;
  int64_t block_jackknife;  /* G of the delete-G-block jackknife variance of LEV; 0: off */
} sigma_study_header;

int sigma_parse_study_header(const json_t *h, const char *name, sigma_study_header *out);

/* Free the files of a header and empty it (a zeroed header is fine). */
void sigma_study_header_free(sigma_study_header *h);

/* 1 if s is valid UTF-8 (no overlong forms, surrogates or code points above U+10FFFF),
 * else 0: labels and specs that go into JSON must be. */
int sigma_utf8_valid(const char *s);

#endif
