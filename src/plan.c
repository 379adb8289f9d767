/* Sample-size planning: invert bias + z s <= eps for n1. */
#include "sigma/plan.h"

#include <math.h>

#include "sigma/calibrated.h"

double sigma_plan_n1(double eps, double z, double tau2, double c, double N) {
  /* u = sqrt(1/n1 - 1/N) >= 0 solves c u^2 + z tau u - eps = 0. */
  double zt = z * sqrt(tau2), u;
  if (c > 0) u = (-zt + sqrt(zt * zt + 4.0 * c * eps)) / (2.0 * c);
  else u = eps / zt;
  return 1.0 / (u * u + 1.0 / N);
}

static double calibrated_excess(double n, double eps, double z, double tau2_dec, int d,
                                double N) {
  return sigma_var_calibrated(sigma_var_gauss(d, N, n), tau2_dec, d, N, n) - (eps / z) * (eps / z);
}

double sigma_plan_n1_calibrated(double eps, double z, double tau2_dec, int d, double N) {
  double lo = d + 5.0, hi = floor(N); /* f(hi) <= 0 always: V_G(N) = 0, u = 0 */
  if (isnan(tau2_dec) || !(hi >= lo)) return NAN;
  if (calibrated_excess(lo, eps, z, tau2_dec, d, N) <= 0) return lo;
  while (hi - lo > 1) { /* f(lo) > 0 >= f(hi) */
    double mid = floor(lo + (hi - lo) / 2);
    if (calibrated_excess(mid, eps, z, tau2_dec, d, N) <= 0) hi = mid;
    else lo = mid;
  }
  return hi;
}
