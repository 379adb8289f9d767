/* Sigma-UB monitoring over a checkpoint series (include/sigma/monitor.h). */
#include "sigma/monitor.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>

#include "sigma/calibrated.h"
#include "sigma/linalg.h"
#include "sigma/tracks.h"

void sigma_mon_point_fill(sigma_mon_point *p, const double *w_G1, int d, double N, double n1,
                          double delta, double energy_cap, double tau2_loo, double tau2_dec,
                          double V_G) {
  sigma_tracks tr;
  sigma_tracks_compute(w_G1, d, N, n1, energy_cap, delta, &tr);
  p->N = N;
  p->n1 = n1;
  p->d = d;
  p->logdet_G1d = sigma_logdet_shifted(w_G1, d, delta);
  p->U = tr.U;
  p->Gamma = tr.gamma;
  p->B = tr.B;
  p->tau2_loo = tau2_loo;
  p->tau2_dec = tau2_dec;
  p->V_G = V_G;
  p->V = sigma_var_calibrated(V_G, tau2_dec, d, N, n1);
  p->distinct_1 = p->distinct_2 = p->hhi = NAN;
  p->effective_rank = tr.health.effective_rank;
  p->participation = tr.health.participation;
  p->alpha = tr.health.powerlaw_alpha;
}

void sigma_mon_drift_of(const sigma_mon_point *t, const sigma_mon_point *b, int is_baseline,
                        double z, sigma_mon_drift *out) {
  out->dU = t->U - b->U;
  out->dGamma = t->Gamma - b->Gamma;
  out->dU_full = t->U_full - b->U_full;
  out->sd = is_baseline ? 0.0 : sqrt(t->V + b->V);
  out->lo = out->dU - z * out->sd;
  out->hi = out->dU + z * out->sd;
}

static const char *verdict_of(double slope, double se, double crit) {
  if (se == 0) return slope < 0 ? "contracting" : slope > 0 ? "expanding" : "stable";
  if (fabs(slope) / se <= crit) return "stable";
  return slope < 0 ? "contracting" : "expanding";
}

void sigma_mon_trend_fit(const double *y, int K, double level, sigma_mon_trend *out) {
  *out = (sigma_mon_trend){.n = K, .slope = NAN, .se = NAN, .t = NAN, .crit = NAN};
  for (int k = 0; k < K; k++)
    if (!isfinite(y[k])) return;
  if (K < 2) return;
  double *x = malloc((size_t)K * sizeof *x);
  if (!x) return; /* out of memory: the slope is reported as not applicable */
  for (int k = 0; k < K; k++) x[k] = k;
  double c0, c1, cov00, cov01, cov11, sumsq;
  gsl_fit_linear(x, 1, y, 1, (size_t)K, &c0, &c1, &cov00, &cov01, &cov11, &sumsq);
  free(x);
  out->slope = isfinite(c1) ? c1 : NAN;
  if (K < 3 || !isfinite(c1) || !isfinite(cov11)) return;
  out->se = sqrt(cov11);
  out->crit = gsl_cdf_tdist_Pinv(1.0 - 0.5 * (1.0 - level), K - 2.0);
  out->t = out->se > 0 ? c1 / out->se : NAN;
  out->verdict = verdict_of(c1, out->se, out->crit);
}

/* 1 if a and b have the same nonzero sign, 0 if opposite, -1 if either is NaN or 0. */
static int same_sign(double a, double b) {
  if (!(a != 0) || !(b != 0)) return -1;
  return (a < 0) == (b < 0);
}

void sigma_mon_summarize(const sigma_mon_drift *d, int K, double level, sigma_mon_summary *s) {
  const int n = K > 0 ? K : 0;
  double *y = calloc(3 * (size_t)n + 1, sizeof *y);
  const int m = y ? n : 0; /* out of memory: the slopes are reported as not applicable */
  for (int k = 0; k < m; k++) {
    y[k] = d[k].dU;
    y[n + k] = d[k].dGamma;
    y[2 * n + k] = d[k].dU_full;
  }
  sigma_mon_trend_fit(y, m, level, &s->U);
  sigma_mon_trend_fit(y ? y + n : NULL, m, level, &s->Gamma);
  sigma_mon_trend_fit(y ? y + 2 * n : NULL, m, level, &s->U_full);
  free(y);
  s->dU_final = n > 0 ? d[n - 1].dU : NAN;
  s->dGamma_final = n > 0 ? d[n - 1].dGamma : NAN;
  s->dU_full_final = n > 0 ? d[n - 1].dU_full : NAN;
  s->agree = same_sign(s->U.slope, s->Gamma.slope);
  if (!s->U.verdict || !s->Gamma.verdict)
    s->early_collapse = -1;
  else
    s->early_collapse = s->U.verdict[0] == 'c' && s->Gamma.verdict[0] != 'c';
  for (int k = 0; k < 3; k++) s->rho_U[k] = s->rho_Gamma[k] = NAN;
}

static int constant(const double *x, int n) {
  for (int i = 1; i < n; i++)
    if (x[i] != x[0]) return 0;
  return 1;
}

double sigma_spearman(const double *x, const double *y, int n) {
  if (n < 3 || constant(x, n) || constant(y, n)) return NAN;
  for (int i = 0; i < n; i++)
    if (!isfinite(x[i]) || !isfinite(y[i])) return NAN;
  double *work = malloc(2 * (size_t)n * sizeof *work);
  if (!work) return NAN;
  const double r = gsl_stats_spearman(x, 1, y, 1, (size_t)n, work);
  free(work);
  return !isfinite(r) ? NAN : r == 0 ? 0.0 : r; /* no -0 in the outputs */
}
