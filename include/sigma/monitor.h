/* Sigma-UB collapse monitoring over a checkpoint series (paper section 3.4, Algorithm 1;
 * SPEC section 5 [3.18]-[3.21], the calibrated variance of SPEC 4.1, health of SPEC 6).
 *
 * At every checkpoint t the same observed rows O (n1 of them) give G1_t; from it alone:
 * U_t (Track II [3.20]), Gamma_t (Track I [3.18], B = c_E n2), the block statistics of
 * SPEC 4.1 and the health of G1. Against a baseline checkpoint b: the drifts
 * dU_t = U_t - U_b and dGamma_t = Gamma_t - Gamma_b [3.21], a confidence interval for dU_t,
 * and over the series the least-squares slope of each drift against the checkpoint index
 * with a verdict. Pure math: no MPI, no I/O. Units: nats (tracks, drifts, slopes per
 * checkpoint), nats^2 (variances).
 *
 * The drift CI (derived for this project, docs/monitor.md): U_t - L_t has the calibrated
 * variance V_t = V_G + max(tau2_dec - 2d, 0) u of SPEC 4.1 (u = 1/n1 - 1/N_t, L_t the
 * per-row-normalised full-Gram log det; the Wishart bias of U is the same at every
 * checkpoint of equal n1, N and d and cancels in the drift). Two checkpoints whose rows are
 * independent draws have Var(dU_t - dL_t) = V_t + V_b; rows that are the same prompts at
 * both checkpoints are positively correlated, which only lowers the variance, so the CI
 * dU_t +- z sqrt(V_t + V_b) is conservative for them. At the baseline the drift is 0 by
 * definition (variance 0).
 */
#ifndef SIGMA_MONITOR_H
#define SIGMA_MONITOR_H

/* One checkpoint, from its observed block (and the full Gram under --full). */
typedef struct {
  double N, n1;              /* rows of the checkpoint, observed rows */
  int d;
  double logdet_G1d;         /* log det(G1 + delta I) */
  double U, Gamma, B;        /* Track II [3.20], Track I [3.18], budget B = c_E (N - n1) */
  double tau2_loo;           /* leave-one-out tau^2 of the block (SPEC 3) */
  double tau2_dec, V_G, V;   /* SPEC 4.1; V = V_G + max(tau2_dec - 2d, 0) u (NaN: n1 <= d + 4) */
  double effective_rank, participation, alpha; /* SPEC 6 health of G1 */
  double max_norm2;          /* max ||x||^2 over the rows read (observed; all with --full) */
  double U_full;             /* log det(G + delta I) - d log N (NaN without --full) */
  double distinct_1, distinct_2, hhi; /* surface proxies of the checkpoint's text
                                         (sigma proxies, --proxies; NaN without) */
} sigma_mon_point;

/* The point from the descending eigenvalues w_G1 (d of them) and the block statistics:
 * U, Gamma, B, logdet_G1d and the health; tau2_loo, tau2_dec, V_G copied, V computed.
 * max_norm2 and U_full are left to the caller; the proxies are set NaN. No errors. */
void sigma_mon_point_fill(sigma_mon_point *p, const double *w_G1, int d, double N, double n1,
                          double delta, double energy_cap, double tau2_loo, double tau2_dec,
                          double V_G);

/* Drift of checkpoint t against the baseline b [3.21] and its CI at level. */
typedef struct {
  double dU, dGamma, dU_full; /* NaN where a track is */
  double sd;                  /* sqrt(V_t + V_b); 0 at the baseline; NaN if a V is */
  double lo, hi;              /* dU -+ z sd (NaN if sd is) */
} sigma_mon_drift;

void sigma_mon_drift_of(const sigma_mon_point *t, const sigma_mon_point *b, int is_baseline,
                        double z, sigma_mon_drift *out);

/* Least-squares slope of y_t against t = 0..K-1 (GSL gsl_fit_linear) with its standard
 * error sqrt(s^2 / Sxx), s^2 = RSS / (K - 2), and the verdict at level: "contracting"
 * (slope < 0 and |slope| / se > t_{1 - a/2, K - 2}), "expanding" (the same with slope > 0),
 * else "stable". Not applicable (NaN, verdict NULL): K < 2 for the slope, K < 3 for the
 * standard error and the verdict, or any y not finite. A perfect fit (se = 0) decides by
 * sign. */
typedef struct {
  int n;              /* points */
  double slope, se;   /* nats per checkpoint */
  double t, crit;     /* slope / se and the Student t quantile (NaN: n/a) */
  const char *verdict;/* static string, NULL: n/a */
} sigma_mon_trend;

void sigma_mon_trend_fit(const double *y, int K, double level, sigma_mon_trend *out);

/* The paper's summary row (section 4, Table 3 of the paper): the final drifts, the slopes
 * and verdicts, whether the two tracks' slopes agree in sign, and the early-collapse
 * signature: Track II contracting while Track I is not (stable or expanding). */
typedef struct {
  sigma_mon_trend U, Gamma, U_full;
  double dU_final, dGamma_final, dU_full_final;
  int agree;          /* 1/0; -1: a slope is n/a or zero */
  int early_collapse; /* 1/0; -1: a verdict is n/a */
  /* Spearman correlation over the checkpoints of each surface proxy (distinct-1,
   * distinct-2, HHI) with the Track II drift dU and the Track I drift dGamma (the paper's
   * Table 11); NaN: not applicable (sigma_spearman) */
  double rho_U[3], rho_Gamma[3];
} sigma_mon_summary;

/* Spearman's rank correlation of x and y (n points; ties get their average rank; GSL
 * gsl_stats_spearman). NaN (not applicable) when n < 3, a value is not finite, or x or y
 * is constant. No errors (NaN also when out of memory). */
double sigma_spearman(const double *x, const double *y, int n);

/* The series summary from the K drifts (d[K - 1] the final one); rho_U and rho_Gamma NaN
 * (the caller fills them from the points' proxies). No errors. */
void sigma_mon_summarize(const sigma_mon_drift *d, int K, double level, sigma_mon_summary *s);

#endif
