/* The recursive-refit collapse series: one generation's square root and log det. */
#include "sigma/refit.h"

#include <cblas.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_psi.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sigma/error.h"
#include "sigma/sample.h"

/* Philox stream id of the refit draws (synth.c uses 1 to 4). */
enum { STREAM_REFIT = 5 };
/* Rows of W per dsyrk call: fixed, so the summation order never depends on the caller. */
enum { TILE = 256 };

void sigma_refit_draw(uint64_t seed, uint64_t t, uint64_t k, int d, double *w) {
  const uint64_t a = t << 32 | k;
  for (int j = 0; j < d; j++)
    w[j] = gsl_cdf_ugaussian_Pinv(sigma_philox_u01(seed, a, (uint32_t)j >> 1, STREAM_REFIT, j & 1));
}

/* S = W^T W / M (lower triangle, column-major d x d), W's rows drawn TILE at a time. */
static int second_moment(int d, int64_t M, uint64_t seed, uint64_t t, double *S) {
  double *T = NULL;
  SIGMA_CHECK(sigma_calloc(&T, (size_t)TILE * d, sizeof(double)));
  memset(S, 0, (size_t)d * d * sizeof *S);
  for (int64_t k0 = 0; k0 < M; k0 += TILE) {
    int64_t b = M - k0 < TILE ? M - k0 : TILE;
    for (int64_t i = 0; i < b; i++)
      sigma_refit_draw(seed, t, (uint64_t)(k0 + i), d, T + (size_t)i * d);
    /* T is the column-major d x b matrix W_tile^T: S += T T^T. */
    cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, d, (int)b, 1.0, T, d, 1.0, S, d);
  }
  free(T);
  for (int j = 0; j < d; j++)
    for (int i = j; i < d; i++) S[(size_t)j * d + i] /= (double)M;
  return SIGMA_OK;
}

int sigma_refit_step(int d, int64_t M, uint64_t seed, uint64_t t, double *A, double *dlogdet) {
  if (d < 1) return sigma_set_error(SIGMA_EINVAL, "refit: d = %d must be >= 1", d);
  if (M < d || M > SIGMA_REFIT_MAX)
    return sigma_set_error(SIGMA_EINVAL, "refit: M = %lld rows must be in [d, %lld] (d = %d)",
                           (long long)M, (long long)SIGMA_REFIT_MAX, d);
  if (t < 1 || t > (uint64_t)SIGMA_REFIT_MAX)
    return sigma_set_error(SIGMA_EINVAL, "refit: generation %llu must be in [1, %lld]",
                           (unsigned long long)t, (long long)SIGMA_REFIT_MAX);
  double *S = NULL;
  SIGMA_CHECK(sigma_calloc(&S, (size_t)d * d, sizeof(double)));
  int rc = second_moment(d, M, seed, t, S);
  if (rc == SIGMA_OK && LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', d, S, d) != 0)
    rc = sigma_set_error(SIGMA_ESINGULAR, "refit generation %llu: W^T W / M (M = %lld, d = %d) "
                         "is not numerically positive definite", (unsigned long long)t,
                         (long long)M, d);
  if (rc == SIGMA_OK) {
    double l = 0.0;
    for (int i = 0; i < d; i++) l += log(S[(size_t)i * d + i]);
    *dlogdet = 2.0 * l;
    /* A <- A C, C = the lower triangle of S (dtrmm reads nothing above the diagonal). */
    cblas_dtrmm(CblasColMajor, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit, d, d, 1.0, S,
                d, A, d);
  }
  free(S);
  return rc;
}

double sigma_refit_expected_drift(int d, int64_t M) {
  double s = 0.0;
  for (int i = 1; i <= d; i++) s += gsl_sf_psi((double)(M - i + 1) / 2.0);
  return s + d * log(2.0 / (double)M);
}

double sigma_refit_drift_var(int d, int64_t M) {
  double s = 0.0;
  for (int i = 1; i <= d; i++) s += gsl_sf_psi_1((double)(M - i + 1) / 2.0);
  return s;
}

int sigma_refit_spectrum(int d, const double *A, double *sigma) {
  double *B = NULL;
  SIGMA_CHECK(sigma_calloc(&B, (size_t)d * d, sizeof(double)));
  memcpy(B, A, (size_t)d * d * sizeof *B);
  int rc = SIGMA_OK;
  if (LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'N', d, d, B, d, sigma, NULL, 1, NULL, 1) != 0)
    rc = sigma_set_error(SIGMA_ELAPACK, "dgesdd failed (the spectrum of Sigma_t, d = %d)", d);
  for (int i = 0; rc == SIGMA_OK && i < d; i++) sigma[i] *= sigma[i];
  free(B);
  return rc;
}
