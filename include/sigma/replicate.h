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

#include "sigma/registry.h"

typedef struct {
  int d;
  double N;            /* rows of the full matrix */
  double L;            /* log det G, the truth */
  double tau2_oracle;  /* from the full pass */
  double level;        /* CI level */
  int64_t bj_groups;   /* --block-jackknife G: the delete-G-block jackknife variance v_bj of
                          LEV at every n1 (SPEC 4.1, sigma/calibrated.h); 0: off */
} sigma_rep_truth;

typedef struct {
  int64_t n1;
  double logdet_G1, logdet_Ga, logdet_Gb;  /* nats; halves NaN if < d rows */
  double tau2_observed;                    /* leave-one-out over O(n1) */
  double tau2_dec, V_G;                    /* SPEC 4.1 (NaN when not applicable) */
  double v_bj;                             /* SPEC 4.1, nats^2: NaN when off or when some
                                              n1 - m_g <= d + 4 */
  sigma_est_line line[SIGMA_EST_MAX];      /* sigma_nest lines, registry order */
} sigma_rep_point;

/* Estimators at every n1s[k] (k < K, ascending, n1s[0] >= d, n1s[K-1] <= rows in X)
 * from X (row-major, n1s[K-1] x d, draw order). out: K points. With t->bj_groups = G,
 * the groups of O(n1) are contiguous in draw order (sigma_bj_group_start); each LEV_{-g}
 * costs a group Gram, two Cholesky factorizations and the leverages of the other rows
 * (about G n1 d^2 flops per n1 in all). A G1_{-g} that is not positive definite makes
 * v_bj not applicable (NaN), not an error.
 * Errors: SIGMA_EINVAL (sweep not ascending or below d; bj_groups not 0 or 2..n1s[0],
 * naming n1), SIGMA_ESINGULAR (a G1 is not positive definite: message names n1),
 * SIGMA_ENOMEM. */
int sigma_replicate_run(const sigma_rep_truth *t, const double *X, const int64_t *n1s, int K,
                        sigma_rep_point *out);

/* A source of the block's rows in draw order: rows [p0, p1) (p1 - p0 <= the chunk
 * given to sigma_replicate_stream) as a row-major (p1 - p0) x d array in *rows, owned
 * by the source and valid until its next call. Returns a SIGMA_ error code. */
typedef int (*sigma_rows_fn)(void *ctx, int64_t p0, int64_t p1, const double **rows);

/* sigma_replicate_run with the rows fetched from a source, at most `chunk` rows at a
 * time, so a block larger than memory can be studied (--memory-limit). chunk >=
 * n1s[K-1] fetches [0, n1s[K-1]) once; a smaller chunk must be a multiple of
 * SIGMA_BLAS_ROWS and costs one more fetch of the first n1s[k] rows per k (the
 * leave-one-out distances need G1(n1s[k]) first). The results are bit-identical to
 * sigma_replicate_run for every chunk: Gram pieces and distance blocks keep the same
 * boundaries. Errors: those of sigma_replicate_run, SIGMA_EINVAL (chunk), and the
 * source's. */
int sigma_replicate_stream(const sigma_rep_truth *t, sigma_rows_fn fetch, void *ctx,
                           int64_t chunk, const int64_t *n1s, int K, sigma_rep_point *out);

/* Bytes sigma_replicate_stream allocates for dimension d, a sweep of K values and
 * bj_groups G (0: off) (Gram snapshots at up to 2K boundaries, four d x d matrices, BLAS
 * scratch; with G a group Gram, one more d x d matrix and G values); the source's row
 * buffers are not included. */
double sigma_replicate_work_bytes(int d, int K, int64_t bj_groups);

/* One block's leave-one-out tau2 (SPEC 3) and leverage sums (SPEC 4.1), as a replicate
 * computes them: G1 = X^T X (d x d) of the n rows of X (row-major n x d), its Cholesky
 * factor inverted, h_j = x_j^T G1^{-1} x_j by dtrmm in pieces of SIGMA_BLAS_ROWS rows.
 * n <= d: tau2 as sigma_loo_tau2 gives it, no leverages (lev->n = 0). A monitor's block.
 * Errors: SIGMA_ESINGULAR (G1), SIGMA_ENOMEM. */
int sigma_block_loo(const double *G1, const double *X, int64_t n, int d, double *tau2,
                    sigma_leverage_sums *lev);

#endif
