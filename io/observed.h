/* The observed block O (SPEC section 7): which rows, and the Richardson half of each.
 * Chosen once from N and d, the same on every rank (no communication), by a Philox draw
 * (--n1/--epsilon + --seed), the first n1 rows, or an observed-indices file; used by the
 * audit and by every command that needs a fixed block (the study's replicate 0, a
 * monitor's block at every checkpoint). */
#ifndef SIGMA_OBSERVED_H
#define SIGMA_OBSERVED_H

#include <stdint.h>
#include <stdio.h>

typedef enum { SIGMA_OBS_RANDOM, SIGMA_OBS_FIRST, SIGMA_OBS_INDICES } sigma_obs_mode;

/* How to choose O. */
typedef struct {
  sigma_obs_mode mode;
  int64_t n1;              /* rows; 0: from epsilon by the rule (or the index file's count) */
  double epsilon;          /* n1 = ceil(rule_constant d / eps^2) when n1 = 0 (NaN: unset) */
  double rule_constant;
  uint64_t seed;           /* the draw (RANDOM) or the split into halves (FIRST, INDICES) */
  const char *indices_path;/* INDICES: one row index per line (io/parse.h) */
} sigma_observed_spec;

typedef struct {
  int64_t n;               /* n1 */
  uint64_t *rows;          /* n rows, ascending (owned) */
  unsigned char *half;     /* n: Richardson half (0 = a, 1 = b) of each row (owned) */
  uint64_t *pos;           /* n: each row's position in the drawn order, 0..n-1 (owned) */
} sigma_observed;

/* Choose O among N rows of dimension d. RANDOM: the first n1 of the seed's Philox
 * permutation of 0..N-1; FIRST: rows 0..n1-1; INDICES: the file's rows. For FIRST and
 * INDICES the list is shuffled with the seed so the halves are a random split (SPEC 4:
 * positions < n1/2 of the drawn order form half a).
 * Errors: SIGMA_EINVAL (n1 < d: G1 singular; n1 > N; an index file that lists no rows,
 * disagrees with n1 or repeats a row, naming the file; epsilon asking for more rows than
 * an int64 counts), SIGMA_EIO (index file), SIGMA_ENOMEM. Free ob in any case. */
int sigma_observed_make(const sigma_observed_spec *sp, int64_t N, int d, sigma_observed *ob);

/* Half a's rows (ascending), then half b's, one index per line: the format
 * --observed-indices reads back (the same rows, the same halves up to the split's seed).
 * Errors: SIGMA_EIO. */
int sigma_observed_write(FILE *f, const sigma_observed *ob);

/* Rows in each half: nh[0] (a) and nh[1] (b). */
void sigma_observed_halves(const sigma_observed *ob, int64_t nh[2]);

/* The first position k with ob->rows[k] >= r (ob->n if none). */
int64_t sigma_observed_lower_bound(const sigma_observed *ob, uint64_t r);

/* A deep copy of src into dst. Errors: SIGMA_ENOMEM (dst left empty). */
int sigma_observed_copy(const sigma_observed *src, sigma_observed *dst);

void sigma_observed_free(sigma_observed *ob);

#endif
