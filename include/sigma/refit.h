/* The recursive-refit collapse series (SPEC section 8; Shumailov et al., "The curse of
 * recursion"): generation t >= 1 draws M rows from N(0, Sigma_{t-1}) and sets Sigma_t to
 * their second-moment matrix.
 *
 * With Sigma_{t-1} = A_{t-1} A_{t-1}^T, the draws are A_{t-1} w_k, w_k the rows of an
 * M x d standard normal W, so Sigma_t = A_{t-1} S_t A_{t-1}^T with S_t = W^T W / M, and
 * A_t = A_{t-1} C_t (C_t the lower Cholesky factor of S_t) is a square root of Sigma_t:
 * no d x d Sigma is ever formed or refactored. log det Sigma_t = log det Sigma_{t-1} +
 * log det S_t, with log det S_t = 2 sum_i log C_t[i,i] from the Cholesky diagonal (no
 * exp/log round trip). Since W ~ Wishart, the increments are independent across
 * generations with mean sum_{i=1}^{d} psi((M-i+1)/2) + d log(2/M) and variance
 * sum_{i=1}^{d} psi'((M-i+1)/2) (a known negative drift: the collapse).
 *
 * W comes from Philox under the series' seed, stream 5 (see synth.h), counter
 * (t 2^32 + k, j/2, 5), lane j mod 2 for entry (k, j): independent of the file rows and
 * of Q, and the same for every rank and partition. Pure math: no MPI, no I/O.
 */
#ifndef SIGMA_REFIT_H
#define SIGMA_REFIT_H

#include <stdint.h>

/* Largest M and t the Philox counter layout holds (k and t in 32 bits each). */
#define SIGMA_REFIT_MAX ((int64_t)UINT32_MAX)

/* Row k (0 <= k < M) of generation t's W: d standard normal values into w. */
void sigma_refit_draw(uint64_t seed, uint64_t t, uint64_t k, int d, double *w);

/* One generation: A (d x d, column-major, a square root of Sigma_{t-1}) becomes A C_t,
 * a square root of Sigma_t; *dlogdet = log det S_t = log det Sigma_t - log det Sigma_{t-1}.
 * W^T W is accumulated in fixed tiles of rows with dsyrk, so the result depends on
 * (d, M, seed, t, A) and the BLAS kernels only; call it on one BLAS thread for bits that
 * do not depend on the thread count. Errors: SIGMA_EINVAL (d < 1, M < d, t < 1, M or t
 * above SIGMA_REFIT_MAX), SIGMA_ENOMEM, SIGMA_ESINGULAR (S_t not numerically positive
 * definite, naming t; probability 0 in exact arithmetic when M >= d). A is unchanged on
 * error. */
int sigma_refit_step(int d, int64_t M, uint64_t seed, uint64_t t, double *A, double *dlogdet);

/* E[log det S_t] = sum_{i=1}^{d} psi((M-i+1)/2) + d log(2/M) (GSL digamma), M >= d >= 1. */
double sigma_refit_expected_drift(int d, int64_t M);

/* Var[log det S_t] = sum_{i=1}^{d} psi'((M-i+1)/2) (GSL trigamma), M >= d >= 1. */
double sigma_refit_drift_var(int d, int64_t M);

/* The eigenvalues of Sigma = A A^T (A d x d, column-major), descending, into sigma (d):
 * the squared singular values of A (LAPACK dgesdd), accurate for small eigenvalues too.
 * Errors: SIGMA_ENOMEM, SIGMA_ELAPACK. */
int sigma_refit_spectrum(int d, const double *A, double *sigma);

#endif
