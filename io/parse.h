/* Parsers of untrusted text: flag values and observed-index files.
 *
 * Each reads a whole string (or stream) and accepts it only if every byte is consumed;
 * nothing goes through a double that must come out an integer. They set no error
 * message for flags (the command words the usage error, exit 2) and a one-line message
 * naming file and line for index files. Fuzzed by tests/fuzz/.
 */
#ifndef SIGMA_IO_PARSE_H
#define SIGMA_IO_PARSE_H

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

#endif
