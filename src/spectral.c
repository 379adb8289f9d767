/* Spectral health metrics from eigenvalues. */
#include "sigma/spectral.h"

#include <math.h>

#include "sigma/linalg.h"
#include "sigma/tracks.h"

void sigma_spectral_metrics(const double *w, int d, sigma_spectral *o) {
  /* The participation ratio (sum l)^2 / sum l^2 is scale-free: form it from l / lambda_max
   * so that sum l^2 neither underflows (rows near 1e-150: 0 / 0) nor overflows. */
  const double scale = d > 0 && w[0] > 0 ? w[0] : 1.0;
  double tr = 0, trs = 0, tr2s = 0, ssum = 0;
  for (int i = 0; i < d; i++) {
    double l = w[i] > 0 ? w[i] : 0;
    tr += l;
    trs += l / scale;
    tr2s += (l / scale) * (l / scale);
    ssum += sqrt(l);
  }
  o->trace = tr;
  o->lambda_max = w[0];
  o->lambda_min = w[d - 1];
  o->condition = w[d - 1] > 0 ? w[0] / w[d - 1] : INFINITY;
  o->numerical_rank = sigma_numerical_rank(w, d);
  o->participation = tr2s > 0 ? trs * trs / tr2s : NAN;
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
  o->powerlaw_alpha = sigma_powerlaw_alpha(w, d);
}
