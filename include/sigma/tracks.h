/* Sigma-UB monitoring metrics from the observed block alone (SPEC section 5, [3.15]-[3.21];
 * SPEC 6 health), their drift against a baseline, and the log-log slope of a spectrum.
 *
 * Everything here needs only the eigenvalues of G1 (and N, n1): a monitor that forms G1
 * at each checkpoint, and never G, computes its tracks with these functions.
 * Units: nats; eigenvalues in the units of x x^T.
 */
#ifndef SIGMA_TRACKS_H
#define SIGMA_TRACKS_H

#include "sigma/spectral.h"

/* Track I [3.18]-[3.19]: Gamma = sum_i log(1 + lambda_i(G1)/(B + delta)).
 * w_G1: d eigenvalues, descending. */
double sigma_track_gamma(const double *w_G1, int d, double B, double delta);

/* Track II [3.20]: U = log det(G1 + delta I) - d log n1. */
double sigma_track_u(const double *w_G1, int d, double n1, double delta);

/* Drift [3.21] of a track value against its baseline: value - baseline (NaN if either is). */
double sigma_track_drift(double value, double baseline);

/* Minus the least-squares slope of log w_i against log i over the positive eigenvalues
 * (w descending, d of them), with centred sums; NaN if fewer than 2 are positive or all
 * share one index. The alpha-ReQ power-law exponent of SPEC 6. */
double sigma_powerlaw_alpha(const double *w, int d);

typedef struct {
  double B;            /* budget c_E n2 [3.16], n2 = N - n1 */
  double gamma;        /* Track I */
  double U;            /* Track II */
  sigma_spectral health; /* SPEC 6 metrics of G1 */
} sigma_tracks;

/* Track I, Track II and the health of G1 from its eigenvalues w_G1 (d, descending):
 * B = energy_cap (N - n1), delta > 0 the regulariser. No errors. */
void sigma_tracks_compute(const double *w_G1, int d, double N, double n1, double energy_cap,
                          double delta, sigma_tracks *t);

#endif
