/* Cholesky log-determinants, eigenvalues and quadratic forms. */
#include "sigma/linalg.h"

#include <cblas.h>
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sigma/error.h"

int sigma_cholesky(const double *A, int d, double *L) {
  memcpy(L, A, (size_t)d * d * sizeof(double));
  lapack_int info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', d, L, d);
  if (info > 0)
    return sigma_set_error(SIGMA_ESINGULAR,
                           "matrix is not numerically positive definite (leading minor %d of %d)",
                           (int)info, d);
  if (info < 0) return sigma_set_error(SIGMA_ELAPACK, "dpotrf: argument %d invalid", (int)-info);
  for (int j = 1; j < d; j++) memset(L + (size_t)j * d, 0, (size_t)j * sizeof(double));
  return SIGMA_OK;
}

int sigma_logdet_chol(const double *A, int d, double *logdet) {
  double *L = malloc((size_t)d * d * sizeof(double));
  if (!L) return sigma_set_error(SIGMA_ENOMEM, "out of memory (Cholesky, d = %d)", d);
  int rc = sigma_cholesky(A, d, L);
  if (rc == SIGMA_OK) {
    double s = 0.0;
    for (int i = 0; i < d; i++) s += log(L[(size_t)i * d + i]);
    *logdet = 2.0 * s;
  }
  free(L);
  return rc;
}

int sigma_eigvalsh(const double *A, int d, double *w) {
  double *B = malloc((size_t)d * d * sizeof(double));
  if (!B) return sigma_set_error(SIGMA_ENOMEM, "out of memory (eigenvalues, d = %d)", d);
  memcpy(B, A, (size_t)d * d * sizeof(double));
  lapack_int info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'N', 'L', d, B, d, w);
  free(B);
  if (info != 0) return sigma_set_error(SIGMA_ELAPACK, "dsyevd failed (info %d)", (int)info);
  for (int i = 0, j = d - 1; i < j; i++, j--) { /* ascending -> descending */
    double t = w[i];
    w[i] = w[j];
    w[j] = t;
  }
  return SIGMA_OK;
}

int sigma_numerical_rank(const double *w, int d) {
  double tol = (double)d * DBL_EPSILON * fabs(w[0]);
  int r = 0;
  for (int i = 0; i < d; i++)
    if (w[i] > tol) r++;
  return r;
}

double sigma_logdet_shifted(const double *w, int d, double shift) {
  double s = 0.0;
  for (int i = 0; i < d; i++) {
    double v = w[i] + shift;
    if (!(v > 0.0)) return -INFINITY;
    s += log(v);
  }
  return s;
}

int sigma_tri_inverse(const double *L, int d, double *Linv) {
  if (Linv != L) memcpy(Linv, L, (size_t)d * d * sizeof(double)); /* in place allowed */
  lapack_int info = LAPACKE_dtrtri(LAPACK_COL_MAJOR, 'L', 'N', d, Linv, d);
  if (info > 0)
    return sigma_set_error(SIGMA_ESINGULAR, "triangular factor has a zero at diagonal %d of %d",
                           (int)info, d);
  if (info < 0) return sigma_set_error(SIGMA_ELAPACK, "dtrtri: argument %d invalid", (int)-info);
  for (int j = 1; j < d; j++) memset(Linv + (size_t)j * d, 0, (size_t)j * sizeof(double));
  return SIGMA_OK;
}

void sigma_inv_quadform(const double *Linv, int d, const double *X, int64_t b, double *work,
                        double *q) {
  if (b <= 0) return;
  if (work != X) memcpy(work, X, (size_t)b * d * sizeof(double));
  /* Columns of the column-major d x b view are the rows x_i: Y = Linv X^T. */
  cblas_dtrmm(CblasColMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, d, (int)b, 1.0,
              Linv, d, work, d);
  for (int64_t i = 0; i < b; i++) {
    const double *y = work + (size_t)i * d;
    q[i] = cblas_ddot(d, y, 1, y, 1);
  }
}
