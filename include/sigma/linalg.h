/* Dense symmetric linear algebra on d x d matrices (LAPACK via LAPACKE).
 * All matrices are full d x d, column-major, symmetric (so row-major too). */
#ifndef SIGMA_LINALG_H
#define SIGMA_LINALG_H

#include <stdint.h>

/* Cholesky factor: L (d x d, lower, upper part zeroed) with A = L L^T [B.19].
 * Errors: SIGMA_ESINGULAR if A is not numerically positive definite (message
 * names the failing leading minor), SIGMA_ENOMEM. */
int sigma_cholesky(const double *A, int d, double *L);

/* log det A = 2 sum_i log L_ii from the Cholesky factor (SPEC section 2, [2.2]).
 * Errors as sigma_cholesky. */
int sigma_logdet_chol(const double *A, int d, double *logdet);

/* Eigenvalues of symmetric A in descending order, w[0] >= ... >= w[d-1] (dsyevd).
 * Errors: SIGMA_ELAPACK (no convergence), SIGMA_ENOMEM. */
int sigma_eigvalsh(const double *A, int d, double *w);

/* Numerical rank of a PSD matrix from its descending eigenvalues: the count of
 * w_i > d * eps * w_0 (the LAPACK/numpy matrix_rank tolerance). */
int sigma_numerical_rank(const double *w, int d);

/* sum_i log(w_i + shift) for descending eigenvalues w (nats). Returns -inf if
 * some w_i + shift <= 0. Used for log det(A + shift I), U_Weyl, Track I/II. */
double sigma_logdet_shifted(const double *w, int d, double shift);

/* Inverse of a lower-triangular Cholesky factor L (d x d), lower triangle, upper
 * zeroed (dtrtri); Linv == L (in place) is allowed. Errors: SIGMA_ESINGULAR (zero diagonal), SIGMA_ENOMEM. */
int sigma_tri_inverse(const double *L, int d, double *Linv);

/* Squared norms q_i = ||Linv x_i||^2 = x_i^T (L L^T)^{-1} x_i for the b rows of X
 * (row-major b x d), Linv = L^{-1} from sigma_tri_inverse, with one level-3 dtrmm
 * (2.4x the speed of dtrsm on OpenBLAS; accuracy cond(L) eps). work: d*b doubles; work == X
 * (X then holds Linv x_i in row i) saves copying X.
 * Used for the Mahalanobis distances of tau^2 (SPEC section 3, [3.9]). */
void sigma_inv_quadform(const double *Linv, int d, const double *X, int64_t b, double *work,
                        double *q);

#endif
