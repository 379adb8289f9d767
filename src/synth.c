/* Synthetic Gaussian / Student t / lognormal-radius rows with a chosen spectrum. */
#include "sigma/synth.h"

#include <cblas.h>
#include <gsl/gsl_cdf.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sigma/error.h"
#include "sigma/sample.h"

/* Philox stream ids (counter word c) so the uses never share counters; 5 is refit.c's. */
enum { STREAM_Z = 1, STREAM_W = 2, STREAM_Q = 3, STREAM_R = 4 };

static const char *kSpecNames[] = {"isotropic", "powerlaw", "spiked", "exponential"};

int sigma_spectrum_parse(const char *name, sigma_spectrum_kind *kind) {
  for (int k = 0; k < 4; k++)
    if (strcmp(name, kSpecNames[k]) == 0) {
      *kind = (sigma_spectrum_kind)k;
      return SIGMA_OK;
    }
  return sigma_set_error(SIGMA_EINVAL,
                         "unknown spectrum '%s' (isotropic, powerlaw, spiked, exponential)", name);
}

const char *sigma_spectrum_name(sigma_spectrum_kind kind) { return kSpecNames[kind]; }

int sigma_radial_parse(const char *name, sigma_radial_kind *kind) {
  if (strcmp(name, "lognormal") == 0) {
    *kind = SIGMA_RADIAL_LOGNORMAL;
    return SIGMA_OK;
  }
  return sigma_set_error(SIGMA_EINVAL, "unknown radius '%s' (lognormal)", name);
}

const char *sigma_radial_name(sigma_radial_kind kind) {
  return kind == SIGMA_RADIAL_LOGNORMAL ? "lognormal" : "none";
}

static int is_gaussian(const sigma_synth_params *p) { return p->nu <= 0 || isinf(p->nu); }

static int check_params(const sigma_synth_params *p) {
  if (p->d < 1) return sigma_set_error(SIGMA_EINVAL, "d = %d must be >= 1", p->d);
  if (!is_gaussian(p) && p->nu <= 2)
    return sigma_set_error(SIGMA_EINVAL, "Student t needs nu > 2 for a finite second moment (nu = %g)",
                           p->nu);
  if (p->radial == SIGMA_RADIAL_NONE) return SIGMA_OK;
  if (p->radial != SIGMA_RADIAL_LOGNORMAL)
    return sigma_set_error(SIGMA_EINVAL, "unknown radial kind %d", (int)p->radial);
  if (!is_gaussian(p))
    return sigma_set_error(SIGMA_EINVAL, "a lognormal radius multiplies Gaussian z: not with "
                           "Student t (nu = %g)", p->nu);
  if (!(p->radial_var > 0) || isinf(p->radial_var))
    return sigma_set_error(SIGMA_EINVAL, "a lognormal radius needs a finite variance Var w > 0 "
                           "(got %g)", p->radial_var);
  return SIGMA_OK;
}

static void fill_spectrum(const sigma_synth_params *p, double *sigma) {
  for (int i = 0; i < p->d; i++) {
    switch (p->spectrum) {
    case SIGMA_SPEC_ISOTROPIC: sigma[i] = 1.0; break;
    case SIGMA_SPEC_POWERLAW: sigma[i] = pow(i + 1.0, -p->beta); break;
    case SIGMA_SPEC_SPIKED: sigma[i] = i < p->spikes ? p->spike_size : 1.0; break;
    case SIGMA_SPEC_EXPONENTIAL: sigma[i] = exp(-p->beta * i / p->d); break;
    }
  }
}

/* Haar orthogonal Q: QR of a Gaussian matrix with R's diagonal made positive. */
static int haar_orthogonal(int d, uint64_t seed, double *Q) {
  double *tau = malloc((size_t)d * sizeof(double));
  if (!tau) return sigma_set_error(SIGMA_ENOMEM, "out of memory (orthogonal matrix)");
  for (size_t k = 0; k < (size_t)d * d; k++)
    Q[k] = gsl_cdf_ugaussian_Pinv(sigma_philox_u01(seed, k, 0, STREAM_Q, 0));
  int rc = SIGMA_OK;
  if (LAPACKE_dgeqrf(LAPACK_COL_MAJOR, d, d, Q, d, tau) != 0) {
    rc = sigma_set_error(SIGMA_ELAPACK, "dgeqrf failed");
    goto done;
  }
  double *sign = malloc((size_t)d * sizeof(double));
  if (!sign) {
    rc = sigma_set_error(SIGMA_ENOMEM, "out of memory (orthogonal matrix)");
    goto done;
  }
  for (int j = 0; j < d; j++) sign[j] = Q[(size_t)j * d + j] < 0 ? -1.0 : 1.0;
  if (LAPACKE_dorgqr(LAPACK_COL_MAJOR, d, d, d, Q, d, tau) != 0)
    rc = sigma_set_error(SIGMA_ELAPACK, "dorgqr failed");
  for (int j = 0; j < d && rc == SIGMA_OK; j++) cblas_dscal(d, sign[j], Q + (size_t)j * d, 1);
  free(sign);
done:
  free(tau);
  return rc;
}

int sigma_synth_create(const sigma_synth_params *p, sigma_synth **out) {
  *out = NULL;
  int rc = check_params(p);
  if (rc) return rc;
  sigma_synth *s = calloc(1, sizeof *s);
  if (!s) return sigma_set_error(SIGMA_ENOMEM, "out of memory (synthetic generator)");
  s->p = *p;
  s->sigma = malloc((size_t)p->d * sizeof(double));
  s->A = malloc((size_t)p->d * p->d * sizeof(double));
  if (!s->sigma || !s->A) {
    sigma_synth_destroy(&s);
    return sigma_set_error(SIGMA_ENOMEM, "out of memory (synthetic generator, d = %d)", p->d);
  }
  fill_spectrum(p, s->sigma);
  rc = haar_orthogonal(p->d, p->seed, s->A);
  if (rc) {
    sigma_synth_destroy(&s);
    return rc;
  }
  for (int j = 0; j < p->d; j++) cblas_dscal(p->d, sqrt(s->sigma[j]), s->A + (size_t)j * p->d, 1);
  *out = s;
  return SIGMA_OK;
}

void sigma_synth_destroy(sigma_synth **s) {
  if (!s || !*s) return;
  free((*s)->sigma);
  free((*s)->A);
  free(*s);
  *s = NULL;
}

double sigma_synth_logdet(const sigma_synth *s) {
  double l = 0.0;
  for (int i = 0; i < s->p.d; i++) l += log(s->sigma[i]);
  return l;
}

double sigma_synth_tau2(const sigma_synth *s) {
  double d = s->p.d, nu = s->p.nu;
  if (s->p.radial == SIGMA_RADIAL_LOGNORMAL) return (1.0 + s->p.radial_var) * (d * d + 2.0 * d) - d * d;
  if (is_gaussian(&s->p)) return 2.0 * d;
  if (nu <= 4) return NAN;
  return (nu - 2.0) * d * (d + 2.0) / (nu - 4.0) - d * d;
}

uint64_t sigma_synth_row_seed(const sigma_synth_params *p) {
  return p->has_row_seed ? p->row_seed : p->seed;
}

void sigma_synth_z(const sigma_synth *s, uint64_t row, double *z) {
  const int d = s->p.d;
  const uint64_t seed = sigma_synth_row_seed(&s->p);
  for (int j = 0; j < d; j++)
    z[j] = gsl_cdf_ugaussian_Pinv(sigma_philox_u01(seed, row, (uint32_t)j >> 1, STREAM_Z, j & 1));
  if (!is_gaussian(&s->p)) {
    /* t_nu with unit second moment: z * sqrt((nu - 2) / W), W ~ chi2_nu. */
    double W = gsl_cdf_chisq_Pinv(sigma_philox_u01(seed, row, 0, STREAM_W, 0), s->p.nu);
    cblas_dscal(d, sqrt((s->p.nu - 2.0) / W), z, 1);
  } else if (s->p.radial == SIGMA_RADIAL_LOGNORMAL) {
    /* sqrt(w), log w ~ N(-s2/2, s2): E w = 1, Var w = exp(s2) - 1 = V. */
    double s2 = log1p(s->p.radial_var);
    double g = gsl_cdf_ugaussian_Pinv(sigma_philox_u01(seed, row, 0, STREAM_R, 0));
    cblas_dscal(d, exp(0.5 * (sqrt(s2) * g - 0.5 * s2)), z, 1);
  }
}

size_t sigma_synth_work_len(int d) { return (size_t)2 * SIGMA_SYNTH_TILE * (size_t)d; }

/* One whole tile [t0, t0 + TILE) of rows: X = Z A^T (row-major TILE x d), i.e. the
 * column-major d x TILE product A Z. Always the same call for the same tile, so the
 * bits of a row do not depend on how the caller blocks or partitions rows (BLAS edge
 * kernels round differently by a column's position within the call). */
static void tile_rows(const sigma_synth *s, uint64_t t0, double *X, double *Z) {
  const int d = s->p.d;
  for (int i = 0; i < SIGMA_SYNTH_TILE; i++) sigma_synth_z(s, t0 + (uint64_t)i, Z + (size_t)i * d);
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, d, SIGMA_SYNTH_TILE, d, 1.0, s->A, d, Z,
              d, 0.0, X, d);
}

void sigma_synth_rows(const sigma_synth *s, uint64_t row0, int64_t b, double *X, double *work) {
  const size_t d = (size_t)s->p.d;
  const uint64_t end = row0 + (uint64_t)b;
  double *Z = work, *T = work + (size_t)SIGMA_SYNTH_TILE * d;
  for (uint64_t t0 = row0 - row0 % SIGMA_SYNTH_TILE; t0 < end; t0 += SIGMA_SYNTH_TILE) {
    uint64_t lo = t0 > row0 ? t0 : row0, hi = t0 + SIGMA_SYNTH_TILE < end ? t0 + SIGMA_SYNTH_TILE : end;
    double *dst = X + (size_t)(lo - row0) * d;
    if (lo == t0 && hi - lo == SIGMA_SYNTH_TILE) {
      tile_rows(s, t0, dst, Z);
    } else { /* a partial tile: compute it whole, keep the rows asked for */
      tile_rows(s, t0, T, Z);
      memcpy(dst, T + (size_t)(lo - t0) * d, (size_t)(hi - lo) * d * sizeof *X);
    }
  }
}
