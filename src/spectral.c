/* Spectral health metrics from eigenvalues. */
#include "sigma/spectral.h"

#include <math.h>

#include "sigma/linalg.h"

void sigma_spectral_metrics(const double *w, int d, sigma_spectral *o) {
  double tr = 0, tr2 = 0, ssum = 0;
  for (int i = 0; i < d; i++) {
    double l = w[i] > 0 ? w[i] : 0;
    tr += l;
    tr2 += l * l;
    ssum += sqrt(l);
  }
  o->trace = tr;
  o->lambda_max = w[0];
  o->lambda_min = w[d - 1];
  o->condition = w[d - 1] > 0 ? w[0] / w[d - 1] : INFINITY;
  o->numerical_rank = sigma_numerical_rank(w, d);
  o->participation = tr2 > 0 ? tr * tr / tr2 : NAN;
  double hs = 0, hv = 0;
  for (int i = 0; i < d; i++) {
    double l = w[i] > 0 ? w[i] : 0;
    if (l <= 0) continue;
    double p = sqrt(l) / ssum, mu = l / tr;
    hs -= p * log(p);
    hv -= mu * log(mu);
  }
  o->effective_rank = ssum > 0 ? exp(hs) : NAN;
  o->vn_entropy = tr > 0 ? hv : NAN;
  /* Least squares of y = log lambda_i on x = log i over positive eigenvalues. */
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  int m = 0;
  for (int i = 0; i < d; i++) {
    if (!(w[i] > 0)) continue;
    double x = log((double)(i + 1)), y = log(w[i]);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
    m++;
  }
  double den = m * sxx - sx * sx;
  o->powerlaw_alpha = (m >= 2 && den > 0) ? -(m * sxy - sx * sy) / den : NAN;
}
