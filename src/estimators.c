/* SIGMA estimators, bounds and the audit's assembly of them (SPEC sections 2-6). */
#include "sigma/estimators.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_psi.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sigma/error.h"
#include "sigma/linalg.h"

double sigma_plugin(double logdet_G1, int d, double N, double n1) {
  return logdet_G1 + d * log(N / n1);
}

double sigma_wishart_correction(int d, double N, double n1) {
  double s = 0.0;
  for (int i = 1; i <= d; i++) s += gsl_sf_psi((N - i + 1) / 2.0) - gsl_sf_psi((n1 - i + 1) / 2.0);
  return s;
}

double sigma_bias_formula(int d, double N, double n1) {
  return 0.5 * d * (d + 1.0) * (1.0 / n1 - 1.0 / N);
}

double sigma_richardson(double Lhat, double logdet_Ga, double logdet_Gb, int d, double N,
                        double na, double nb, double *Lhat_h, double *c) {
  double n1 = na + nb, m = 0.5 * (1.0 / na + 1.0 / nb);
  double h = 0.5 * (sigma_plugin(logdet_Ga, d, N, na) + sigma_plugin(logdet_Gb, d, N, nb));
  double cc = (Lhat - h) / (m - 1.0 / n1);
  if (Lhat_h) *Lhat_h = h;
  if (c) *c = cc;
  return Lhat + cc * (1.0 / n1 - 1.0 / N);
}

double sigma_ci_sd(double tau2, double N, double n1) { return sqrt(tau2 * (1.0 / n1 - 1.0 / N)); }

double sigma_z_for_level(double level) { return gsl_cdf_ugaussian_Pinv(1.0 - (1.0 - level) / 2.0); }

double sigma_loo_d2(double h, double n1) { return (n1 - 1.0) * h / (1.0 - h); }

double sigma_variance_from_sums(double n, double sum_dev, double sum_dev2) {
  if (n < 2) return NAN;
  return (sum_dev2 - sum_dev * sum_dev / n) / (n - 1.0);
}

double sigma_loo_tau2(double n1, int d, double sum_dev, double sum_dev2) {
  if (n1 <= d) return NAN; /* every leverage is 1: no row can be left out */
  return sigma_variance_from_sums(n1, sum_dev, sum_dev2);
}

int64_t sigma_rule_n1(double c, int d, double eps) {
  /* A quotient that rounding pushed one ulp above an integer must not add a row. */
  double q = ceil(c * d / (eps * eps) * (1.0 - 8.0 * DBL_EPSILON));
  /* A tiny eps asks for more rows than an int64 counts: not a row count (-1), never the
   * undefined conversion of a huge double. */
  return isfinite(q) && q >= 0 && q < 9.2e18 ? (int64_t)q : -1;
}

double sigma_logR_predicted(const double *w_G, int d, double N, double n1) {
  double alpha = n1 / N, s = 0.0;
  for (int i = 0; i < d; i++) s += log(alpha + (1.0 - alpha) * w_G[0] / w_G[i]);
  return s;
}

double sigma_track_gamma(const double *w_G1, int d, double B, double delta) {
  double s = 0.0;
  for (int i = 0; i < d; i++) s += log1p(w_G1[i] / (B + delta));
  return s;
}

double sigma_track_u(const double *w_G1, int d, double n1, double delta) {
  return sigma_logdet_shifted(w_G1, d, delta) - d * log(n1);
}

/* Log-det by Cholesky; on failure, an error naming the matrix and its numerical
 * rank from the eigenvalues (SPEC section 2: never a garbage number). */
static int logdet_named(const double *A, int d, const char *name, const double *w,
                        double *ld, int *rank) {
  int rc = sigma_logdet_chol(A, d, ld);
  if (rc == SIGMA_ESINGULAR) {
    sigma_clear_error();
    *rank = sigma_numerical_rank(w, d);
    return sigma_set_error(SIGMA_ESINGULAR,
                           "%s is singular: not numerically positive definite, numerical rank "
                           "%d of d = %d (lambda_max %.6g, lambda_min %.6g)",
                           name, *rank, d, w[0], w[d - 1]);
  }
  return rc;
}

void sigma_est_fill_line(sigma_est_line *ln, double est, double L, double z,
                         const double tau2[2], double N, double n1) {
  ln->est = est;
  ln->err = L - est;
  for (int k = 0; k < 2; k++) {
    ln->s[k] = sigma_ci_sd(tau2[k], N, n1);
    ln->lo[k] = est - z * ln->s[k];
    ln->hi[k] = est + z * ln->s[k];
    ln->zscore[k] = ln->err / ln->s[k];
    ln->covers[k] = isfinite(ln->s[k]) && isfinite(est) ? (ln->lo[k] <= L && L <= ln->hi[k]) : -1;
  }
}

void sigma_est_nan_line(sigma_est_line *ln) {
  ln->est = ln->err = NAN;
  for (int k = 0; k < 2; k++) {
    ln->s[k] = ln->lo[k] = ln->hi[k] = ln->zscore[k] = NAN;
    ln->covers[k] = -1;
  }
}

int sigma_estimate(const sigma_est_input *in, sigma_est_result *r) {
  const int d = in->d;
  const size_t dd = (size_t)d * d;
  double *G2 = NULL;
  int rc = SIGMA_OK;
  memset(r, 0, sizeof *r);
  if (in->n1 < d)
    return sigma_set_error(SIGMA_EINVAL, "n1 = %.0f < d = %d: G1 would be singular", in->n1, d);
  if (in->n1 > in->N)
    return sigma_set_error(SIGMA_EINVAL, "n1 = %.0f > N = %.0f rows", in->n1, in->N);
  SIGMA_TRY(sigma_calloc(&r->w_G, (size_t)d, sizeof(double)));
  SIGMA_TRY(sigma_calloc(&r->w_G1, (size_t)d, sizeof(double)));
  SIGMA_TRY(sigma_calloc(&r->w_G2, (size_t)d, sizeof(double)));

  if (in->have_pre) { /* precomputed (ScaLAPACK): copy, factor nothing */
    const size_t wb = (size_t)d * sizeof(double);
    memcpy(r->w_G, in->w_G_pre, wb);
    memcpy(r->w_G1, in->w_G1_pre, wb);
    memcpy(r->w_G2, in->w_G2_pre, wb);
  } else {
    SIGMA_TRY(sigma_calloc(&G2, dd, sizeof(double)));
    /* Spectra first: they name the numerical rank if a Cholesky fails. */
    SIGMA_TRY(sigma_eigvalsh(in->G, d, r->w_G));
    SIGMA_TRY(sigma_eigvalsh(in->G1, d, r->w_G1));
    for (size_t k = 0; k < dd; k++) G2[k] = in->G[k] - in->G1[k];
    SIGMA_TRY(sigma_eigvalsh(G2, d, r->w_G2));
  }
  r->rank_G = sigma_numerical_rank(r->w_G, d);
  r->rank_G1 = sigma_numerical_rank(r->w_G1, d);
  sigma_spectral_metrics(r->w_G, d, &r->health_G);
  sigma_spectral_metrics(r->w_G1, d, &r->health_G1);

  if (in->have_pre) {
    r->L = in->L_pre;
    r->logdet_G1 = in->logdet_G1_pre;
  } else {
    SIGMA_TRY(logdet_named(in->G, d, "the full Gram G", r->w_G, &r->L, &r->rank_G));
    SIGMA_TRY(logdet_named(in->G1, d, "the observed Gram G1", r->w_G1, &r->logdet_G1,
                           &r->rank_G1));
  }

  const double N = in->N, n1 = in->n1, L = r->L;
  const double tau2[2] = {in->tau2_oracle, in->tau2_observed};
  r->z = sigma_z_for_level(in->level);
  r->bias_formula = sigma_bias_formula(d, N, n1);
  r->wishart_correction = sigma_wishart_correction(d, N, n1);
  double Lhat = sigma_plugin(r->logdet_G1, d, N, n1);
  sigma_est_fill_line(&r->line[SIGMA_EST_PLUGIN], Lhat, L, r->z, tau2, N, n1);
  sigma_est_fill_line(&r->line[SIGMA_EST_WISHART], r->logdet_G1 + r->wishart_correction, L, r->z,
                      tau2, N, n1);

  r->have_richardson = in->Ga && in->Gb && in->na >= d && in->nb >= d;
  r->logdet_Ga = r->logdet_Gb = r->Lhat_h = r->richardson_c = NAN;
  sigma_est_nan_line(&r->line[SIGMA_EST_RICHARDSON]);
  if (r->have_richardson) {
    if (sigma_logdet_chol(in->Ga, d, &r->logdet_Ga) != SIGMA_OK ||
        sigma_logdet_chol(in->Gb, d, &r->logdet_Gb) != SIGMA_OK) {
      sigma_clear_error();
      r->have_richardson = 0; /* a singular half disables Richardson, not the audit */
    } else {
      double LR = sigma_richardson(Lhat, r->logdet_Ga, r->logdet_Gb, d, N, in->na, in->nb,
                                   &r->Lhat_h, &r->richardson_c);
      sigma_est_fill_line(&r->line[SIGMA_EST_RICHARDSON], LR, L, r->z, tau2, N, n1);
    }
  }

  /* Theorem 1 [3.4]: log det G1 <= L <= U_Weyl, rho2 = lambda_1(G2). */
  r->rho2 = r->w_G2[0];
  r->U_weyl = sigma_logdet_shifted(r->w_G1, d, r->rho2);
  /* L comes from Cholesky, the bounds partly from eigenvalues: judge the inequalities
   * up to that rounding (at n1 = N, U_Weyl = L exactly in exact arithmetic). */
  const double tol = 64.0 * d * DBL_EPSILON * fmax(1.0, fabs(L));
  r->thm1_lower_ok = r->logdet_G1 <= L + tol;
  r->thm1_upper_ok = L <= r->U_weyl + tol;
  r->logR_measured = r->U_weyl - L;
  r->logR_predicted = sigma_logR_predicted(r->w_G, d, N, n1);
  r->size_inv_G1 = r->logdet_G1 - d * log(n1);
  r->size_inv_G = L - d * log(N);

  /* Envelope [3.16] and Track I need ||x_i||^2 <= c_E (tiny slack for rounding of
   * normalised rows). */
  r->B = in->energy_cap * (N - n1);
  r->envelope_applicable = r->track1_applicable = in->max_norm2 <= in->energy_cap * (1 + 1e-12);
  r->envelope_lhs = sigma_logdet_shifted(r->w_G, d, in->delta);
  r->envelope_rhs = sigma_logdet_shifted(r->w_G1, d, r->B + in->delta);
  r->envelope_ok = r->envelope_lhs <= r->envelope_rhs + tol;
  r->track_gamma = sigma_track_gamma(r->w_G1, d, r->B, in->delta);
  r->track_u = sigma_track_u(r->w_G1, d, n1, in->delta);
  r->track_u_full = sigma_track_u(r->w_G, d, N, in->delta);

  /* Rule [3.14]: n1 = ceil(c d / eps^2); the precision n1 and n1_rule give here. */
  r->epsilon = isnan(in->epsilon) ? sqrt(in->rule_constant * d / n1) : in->epsilon;
  r->n1_rule = sigma_rule_n1(in->rule_constant, d, r->epsilon);
  r->halfwidth_n1 = r->z * sigma_ci_sd(in->tau2_oracle, N, n1);
  r->halfwidth_rule = r->n1_rule > 0 && r->n1_rule <= N ? r->z * sigma_ci_sd(in->tau2_oracle, N, (double)r->n1_rule)
                                      : NAN;
  r->bias_rule = r->n1_rule > 0 ? sigma_bias_formula(d, N, (double)r->n1_rule) : NAN;
done:
  free(G2);
  return rc;
}

void sigma_est_free(sigma_est_result *r) {
  free(r->w_G);
  free(r->w_G1);
  free(r->w_G2);
  r->w_G = r->w_G1 = r->w_G2 = NULL;
}
