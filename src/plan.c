/* Sample-size planning: invert bias + z s <= eps for n1. */
#include "sigma/plan.h"

#include <math.h>

double sigma_plan_n1(double eps, double z, double tau2, double c, double N) {
  /* u = sqrt(1/n1 - 1/N) >= 0 solves c u^2 + z tau u - eps = 0. */
  double zt = z * sqrt(tau2), u;
  if (c > 0) u = (-zt + sqrt(zt * zt + 4.0 * c * eps)) / (2.0 * c);
  else u = eps / zt;
  return 1.0 / (u * u + 1.0 / N);
}
