/* One replicate of a confidence-interval study (issue 3; SPEC sections 3, 4, 7).
 *
 * Input: the rows of one observed block in draw order (the Philox prefix of
 * sigma/sample.h), n1_max x d. For every n1 of an ascending sweep, O(n1) is the first
 * n1 rows (nested blocks), its Richardson halves are the first floor(n1/2) rows and
 * the rest (as in sigma audit). Prefix Grams are summed in double-double over the
 * segments between consecutive boundaries {n1_k, floor(n1_k/2)}, so one replicate
 * costs about n1_max d^2 flops for the Grams plus sum_k n1_k d^2 for the leave-one-out
 * distances. Pure serial math: the distributed layer feeds the rows.
 */
#ifndef SIGMA_REPLICATE_H
#define SIGMA_REPLICATE_H

#include <stdint.h>

#include "sigma/estimators.h"

typedef struct {
  int d;
  double N;            /* rows of the full matrix */
  double L;            /* log det G, the truth */
  double tau2_oracle;  /* from the full pass */
  double level;        /* CI level */
} sigma_rep_truth;

typedef struct {
  int64_t n1;
  double logdet_G1, logdet_Ga, logdet_Gb;  /* nats; halves NaN if < d rows */
  double tau2_observed;                    /* leave-one-out over O(n1) */
  sigma_est_line line[SIGMA_NEST];         /* plug-in, Wishart, Richardson */
} sigma_rep_point;

/* Estimators at every n1s[k] (k < K, ascending, n1s[0] >= d, n1s[K-1] <= rows in X)
 * from X (row-major, n1s[K-1] x d, draw order). out: K points.
 * Errors: SIGMA_EINVAL (sweep not ascending or below d), SIGMA_ESINGULAR (a G1 is
 * not positive definite: message names n1), SIGMA_ENOMEM. */
int sigma_replicate_run(const sigma_rep_truth *t, const double *X, const int64_t *n1s, int K,
                        sigma_rep_point *out);

#endif
