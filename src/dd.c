/* Double-double sums (Dekker/Knuth TwoSum). See include/sigma/dd.h. */
#include "sigma/dd.h"

static inline void dd_add_dd(double *hi, double *lo, double bh, double bl) {
  double s = *hi + bh;
  double v = s - *hi;
  double e = (*hi - (s - v)) + (bh - v); /* exact error of hi + bh */
  e += *lo + bl;
  double t = s + e;                      /* renormalise */
  *lo = e - (t - s);
  *hi = t;
}

void sigma_dd_add(double *acc, const double *x, size_t n) {
  for (size_t k = 0; k < n; k++) dd_add_dd(&acc[2 * k], &acc[2 * k + 1], x[k], 0.0);
}

void sigma_dd_merge(double *acc, const double *other, size_t n) {
  for (size_t k = 0; k < n; k++)
    dd_add_dd(&acc[2 * k], &acc[2 * k + 1], other[2 * k], other[2 * k + 1]);
}

void sigma_dd_value(const double *acc, double *out, size_t n) {
  for (size_t k = 0; k < n; k++) out[k] = acc[2 * k] + acc[2 * k + 1];
}
