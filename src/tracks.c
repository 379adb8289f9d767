/* Sigma-UB tracks, drift and the spectrum slope (include/sigma/tracks.h). */
#include "sigma/tracks.h"

#include <math.h>

#include "sigma/linalg.h"

double sigma_track_gamma(const double *w_G1, int d, double B, double delta) {
  double s = 0.0;
  for (int i = 0; i < d; i++) s += log1p(w_G1[i] / (B + delta));
  return s;
}

double sigma_track_u(const double *w_G1, int d, double n1, double delta) {
  return sigma_logdet_shifted(w_G1, d, delta) - d * log(n1);
}

double sigma_track_drift(double value, double baseline) { return value - baseline; }

double sigma_powerlaw_alpha(const double *w, int d) {
  /* Centred sums: uncentred ones lose ~1e-13 on flat spectra at large d. */
  double mx = 0, my = 0;
  int m = 0;
  for (int i = 0; i < d; i++)
    if (w[i] > 0) {
      mx += log((double)(i + 1));
      my += log(w[i]);
      m++;
    }
  double sxx = 0, sxy = 0;
  if (m > 0) {
    mx /= m;
    my /= m;
  }
  for (int i = 0; i < d; i++)
    if (w[i] > 0) {
      double x = log((double)(i + 1)) - mx;
      sxx += x * x;
      sxy += x * (log(w[i]) - my);
    }
  return (m >= 2 && sxx > 0) ? -sxy / sxx : NAN;
}

void sigma_tracks_compute(const double *w_G1, int d, double N, double n1, double energy_cap,
                          double delta, sigma_tracks *t) {
  t->B = energy_cap * (N - n1);
  t->gamma = sigma_track_gamma(w_G1, d, t->B, delta);
  t->U = sigma_track_u(w_G1, d, n1, delta);
  sigma_spectral_metrics(w_G1, d, &t->health);
}
