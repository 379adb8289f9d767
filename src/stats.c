/* Kolmogorov-Smirnov against N(0,1), binomial errors, precision interpolation. */
#include "sigma/stats.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sigma/error.h"

double sigma_kolmogorov_q(double lambda) {
  if (lambda <= 0) return 1.0;
  /* The alternating series converges fast for lambda >~ 0.2; below, Q is 1 to
   * double precision. */
  if (lambda < 0.2) return 1.0;
  double sum = 0.0, sign = 1.0;
  for (int k = 1; k <= 100; k++) {
    double term = sign * exp(-2.0 * k * k * lambda * lambda);
    sum += term;
    if (fabs(term) < 1e-17 * fabs(sum)) break;
    sign = -sign;
  }
  double q = 2.0 * sum;
  return q < 0 ? 0 : (q > 1 ? 1 : q);
}

int sigma_ks_normal(const double *x, size_t n, double *D, double *pvalue) {
  if (n < 1) return sigma_set_error(SIGMA_EINVAL, "KS test needs at least one value");
  double *s = malloc(n * sizeof *s);
  if (!s) return sigma_set_error(SIGMA_ENOMEM, "out of memory (KS test)");
  memcpy(s, x, n * sizeof *s);
  gsl_sort(s, 1, n);
  double d = 0.0;
  for (size_t i = 0; i < n; i++) {
    double F = gsl_cdf_ugaussian_P(s[i]);
    double lo = F - (double)i / n, hi = (double)(i + 1) / n - F;
    if (lo > d) d = lo;
    if (hi > d) d = hi;
  }
  free(s);
  double rn = sqrt((double)n);
  *D = d;
  *pvalue = sigma_kolmogorov_q((rn + 0.12 + 0.11 / rn) * d);
  return SIGMA_OK;
}

double sigma_binomial_se(double p, size_t n) { return n ? sqrt(p * (1.0 - p) / (double)n) : NAN; }

double sigma_n1_for_precision(const double *n1, const double *q, size_t K, double eps) {
  if (K == 0) return NAN;
  if (q[0] <= eps) return n1[0];
  for (size_t k = 1; k < K; k++) {
    if (q[k] > eps) continue;
    /* log q is about linear in log n1 (q ~ n1^-1/2 or n1^-1): interpolate there. */
    double x0 = log(n1[k - 1]), x1 = log(n1[k]), y0 = log(q[k - 1]), y1 = log(q[k]);
    double t = (log(eps) - y0) / (y1 - y0);
    return ceil(exp(x0 + t * (x1 - x0)));
  }
  return NAN;
}
