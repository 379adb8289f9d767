/* SIGMA estimators and bounds as scalar functions (SPEC sections 3-4). */
#include "sigma/estimators.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_psi.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>


double sigma_plugin(double logdet_G1, int d, double N, double n1) {
  return logdet_G1 + d * log(N / n1);
}

/* The series needs large arguments; close ones are where a plain difference cancels. */
static int series_diff(double a, double b) {
  const double m = fmin(a, b);
  return m >= 32 && fabs(a - b) < m / 8;
}

/* D[k] = u^k - v^k for k = 1..kmax, from D1 = u - v formed without cancellation. */
static void power_diffs(double u, double v, double D1, int kmax, double *D) {
  double up[12] = {1}, vp[12] = {1};
  for (int k = 1; k <= kmax; k++) up[k] = up[k - 1] * u, vp[k] = vp[k - 1] * v;
  for (int k = 1; k <= kmax; k++) {
    double s = 0;
    for (int i = 0; i < k; i++) s += up[i] * vp[k - 1 - i];
    D[k] = D1 * s;
  }
}

double sigma_digamma_diff(double a, double b) {
  if (!series_diff(a, b)) return gsl_sf_psi(a) - gsl_sf_psi(b);
  double D[11];
  power_diffs(1 / a, 1 / b, (b - a) / (a * b), 10, D);
  /* psi(x) = log x - 1/(2x) - 1/(12x^2) + 1/(120x^4) - 1/(252x^6) + 1/(240x^8) - 1/(132x^10) */
  return log1p((a - b) / b) - D[1] / 2 - D[2] / 12 + D[4] / 120 - D[6] / 252 + D[8] / 240 -
         D[10] / 132;
}

double sigma_trigamma_diff(double a, double b) {
  if (!series_diff(a, b)) return gsl_sf_psi_1(a) - gsl_sf_psi_1(b);
  double D[12];
  power_diffs(1 / a, 1 / b, (b - a) / (a * b), 11, D);
  /* psi'(x) = 1/x + 1/(2x^2) + 1/(6x^3) - 1/(30x^5) + 1/(42x^7) - 1/(30x^9) + 5/(66x^11) */
  return D[1] + D[2] / 2 + D[3] / 6 - D[5] / 30 + D[7] / 42 - D[9] / 30 + 5 * D[11] / 66;
}

double sigma_wishart_correction(int d, double N, double n1) {
  double s = 0.0;
  for (int i = 1; i <= d; i++) s += sigma_digamma_diff((N - i + 1) / 2.0, (n1 - i + 1) / 2.0);
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
    sigma_ci_fill(&ln->cal[k], NAN, NAN, NAN, NAN); /* set by sigma_est_lines */
  }
  sigma_ci_fill(&ln->own, NAN, NAN, NAN, NAN);
}

void sigma_ci_fill(sigma_ci *c, double est, double L, double zq, double var) {
  if (!isfinite(est) || !(var >= 0) || !isfinite(var)) {
    *c = (sigma_ci){NAN, NAN, NAN, NAN, -1};
    return;
  }
  c->s = sqrt(var);
  c->lo = est - zq * c->s;
  c->hi = est + zq * c->s;
  c->z = (L - est) / c->s;
  c->covers = c->lo <= L && L <= c->hi;
}

void sigma_est_nan_line(sigma_est_line *ln) {
  ln->est = ln->err = NAN;
  for (int k = 0; k < 2; k++) {
    ln->s[k] = ln->lo[k] = ln->hi[k] = ln->zscore[k] = NAN;
    ln->covers[k] = -1;
    sigma_ci_fill(&ln->cal[k], NAN, NAN, NAN, NAN);
  }
  sigma_ci_fill(&ln->own, NAN, NAN, NAN, NAN);
}
