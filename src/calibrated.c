/* Calibrated variance, tau2_dec, LEV and the jackknife (include/sigma/calibrated.h). */
#include "sigma/calibrated.h"

#include <gsl/gsl_sf_psi.h>
#include <math.h>
#include <string.h>

#include "sigma/dd.h"
#include "sigma/estimators.h"

double sigma_log1mh_gauss(int d, double n) {
  return n * sigma_digamma_diff((n - d) / 2.0, n / 2.0);
}

void sigma_leverage_init(sigma_leverage_sums *s, int d, double n) {
  memset(s, 0, sizeof *s);
  s->c_log = n > d ? sigma_log1mh_gauss(d, n) / n : 0.0;
  s->c_a = n > d + 2 ? d / (n - d - 2) : 0.0;
}

void sigma_leverage_add(sigma_leverage_sums *s, const double *h, int64_t m) {
  for (int64_t j = 0; j < m; j++) {
    const double l = log1p(-h[j]) - s->c_log, a = h[j] / (1.0 - h[j]) - s->c_a;
    const double x[2] = {l, l * l}, y[2] = {a, a * a};
    sigma_dd_add(s->s_log, x, 2);
    sigma_dd_add(s->s_a, y, 2);
  }
  s->n += (double)m;
}

void sigma_leverage_merge(sigma_leverage_sums *a, const sigma_leverage_sums *b) {
  sigma_dd_merge(a->s_log, b->s_log, 2);
  sigma_dd_merge(a->s_a, b->s_a, 2);
  a->n += b->n;
}

void sigma_leverage_stats_of(const sigma_leverage_sums *s, sigma_leverage_stats *o) {
  double l[2], a[2];
  sigma_dd_value(s->s_log, l, 2);
  sigma_dd_value(s->s_a, a, 2);
  const double n = s->n;
  o->n = n;
  o->sum_log = l[0] + n * s->c_log;
  o->ss_log = n > 0 ? l[1] - l[0] * l[0] / n : NAN;  /* sum (x - mean)^2 */
  o->abar = n > 0 ? s->c_a + a[0] / n : NAN;
  o->var_a = n > 0 ? (a[1] - a[0] * a[0] / n) / n : NAN; /* 1/n normalisation */
}

double sigma_var_gauss(int d, double N, double n) {
  if (!(n >= d)) return NAN;
  double v = 0.0;
  for (int i = 1; i <= d; i++) v += sigma_trigamma_diff((n - i + 1) / 2.0, (N - i + 1) / 2.0);
  return v;
}

double sigma_tau2_dec(int d, double n, double abar, double var_a) {
  if (!(n > d + 4) || !(abar > 0)) return NAN;
  const double v_obs = var_a / (abar * abar), v_G = 2.0 * (n - 2) / (d * (n - d - 4));
  return (1.0 + v_obs) / (1.0 + v_G) * ((double)d * d + 2.0 * d) - (double)d * d;
}

double sigma_var_calibrated(double V_G, double tau2, int d, double N, double n) {
  if (isnan(tau2)) return NAN; /* fmax would take the 0 */
  return V_G + fmax(tau2 - 2.0 * d, 0.0) * (1.0 / n - 1.0 / N);
}

double sigma_lev(double Lhat_W, int d, double N, double n, double abar, double sum_log,
                 double tau2_dec) {
  if (!(n > d + 4)) return NAN;
  return Lhat_W + d * log(abar * (n - d - 2) / d) + sum_log - sigma_log1mh_gauss(d, n) -
         (tau2_dec - 2.0 * d) / (2.0 * N);
}

double sigma_jackknife(double Lhat_W, int d, double N, double n, double sum_log, double ss_log,
                       double *var) {
  *var = NAN;
  if (!(n > d)) return NAN;
  const double f = (n - 1) / n * (1 - n / N);
  *var = f * ss_log;
  return Lhat_W - f * (sum_log - sigma_log1mh_gauss(d, n));
}

int64_t sigma_bj_group_start(int64_t n, int64_t G, int64_t g) {
  /* g n / G = g q + g r / G with n = q G + r; g r < G^2 <= 2^62 */
  const int64_t q = n / G, r = n % G;
  return g * q + (g * r) / G;
}

int64_t sigma_bj_group_of(int64_t n, int64_t G, int64_t p) {
  int64_t lo = 0, hi = G - 1; /* the last g with start(g) <= p */
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo + 1) / 2;
    if (sigma_bj_group_start(n, G, mid) <= p) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

double sigma_lev_of_block(int d, double N, double n_rest, double logdet_rest,
                          const sigma_leverage_stats *lev) {
  if (!(n_rest > d + 4)) return NAN;
  const double tau2 = sigma_tau2_dec(d, n_rest, lev->abar, lev->var_a);
  const double W = logdet_rest + sigma_wishart_correction(d, N, n_rest);
  return sigma_lev(W, d, N, n_rest, lev->abar, lev->sum_log, tau2);
}

double sigma_bj_variance(const double *lev_minus, int64_t G) {
  if (G < 2) return NAN;
  double mean = 0.0, ss = 0.0;
  for (int64_t g = 0; g < G; g++) mean += lev_minus[g];
  mean /= (double)G;
  for (int64_t g = 0; g < G; g++) ss += (lev_minus[g] - mean) * (lev_minus[g] - mean);
  return isnan(ss) ? NAN : (double)(G - 1) / (double)G * ss;
}
