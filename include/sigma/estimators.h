/* The SIGMA bounds and estimators of log det G (SPEC sections 2-6).
 *
 * Units: every log-determinant and error is in nats. N, n1 are row counts,
 * d the dimension. Pure functions on numbers or on d x d symmetric matrices
 * (full storage); no I/O, no MPI.
 */
#ifndef SIGMA_ESTIMATORS_H
#define SIGMA_ESTIMATORS_H

#include <stdint.h>

#include "sigma/spectral.h"

/* Plug-in estimator [3.13]: Lhat = log det G1 + d log(N / n1). */
double sigma_plugin(double logdet_G1, int d, double N, double n1);

/* Wishart-exact correction (SPEC section 4): sum_{i=1}^{d} [psi((N-i+1)/2) - psi((n1-i+1)/2)],
 * psi = digamma (GSL). Lhat_W = log det G1 + this. Requires n1 >= d. */
double sigma_wishart_correction(int d, double N, double n1);

/* Gaussian finite-sample bias of the plug-in (SPEC section 4):
 * E[L - Lhat] ~ d(d+1)/2 (1/n1 - 1/N). */
double sigma_bias_formula(int d, double N, double n1);

/* Richardson (SPEC section 4), generalised to unequal halves na + nb = n1:
 * Lhat_h = mean of the halves' plug-ins, c = (Lhat - Lhat_h) / (m - 1/n1) with
 * m = (1/na + 1/nb)/2 (for na = nb this is c = n1 (Lhat - Lhat_h)),
 * Lhat_R = Lhat + c (1/n1 - 1/N). Outputs may be NULL. Returns Lhat_R. */
double sigma_richardson(double Lhat, double logdet_Ga, double logdet_Gb, int d, double N,
                        double na, double nb, double *Lhat_h, double *c);

/* Theorem 3 [3.10]-[3.11]: s = tau sqrt(1/n1 - 1/N) (nats). */
double sigma_ci_sd(double tau2, double N, double n1);

/* Two-sided normal quantile z_{1-a/2} for level = 1 - a in (0, 1) (GSL). */
double sigma_z_for_level(double level);

/* Leave-one-out Mahalanobis distance from leverage h = x^T G1^{-1} x
 * (SPEC section 3): D^2 = (n1 - 1) h / (1 - h). */
double sigma_loo_d2(double h, double n1);

/* Sample variance from n values v_i given sum(v_i - c) and sum((v_i - c)^2) for a
 * fixed centre c (c near the mean avoids cancellation): tau^2 estimates [3.9]. */
double sigma_variance_from_sums(double n, double sum_dev, double sum_dev2);

/* Leave-one-out tau^2 of an observed block (SPEC section 3) from the sums of (D^2 - d)
 * and (D^2 - d)^2 over its n1 rows: the sample variance, or NaN (not applicable) when
 * n1 <= d, where every leverage is 1 and G1 minus any row is singular. The one place
 * that rule lives (audit, study replicates, plan). */
double sigma_loo_tau2(double n1, int d, double sum_dev, double sum_dev2);

/* Rule of thumb [3.14]: n1 = ceil(c d / eps^2), the ceiling taken with a relative
 * slack of 8 ulps so that eps = sqrt(c d / n1) gives back n1. Returns -1 when that is
 * not a representable row count (eps so small that n1 >= 9.2e18, or not finite). */
int64_t sigma_rule_n1(double c, int d, double eps);

/* Asymptotic overestimation [3.8]: sum_i log(alpha + (1-alpha) sigma_1/sigma_i),
 * alpha = n1/N, sigma_i = w_G[i]/N (w_G descending eigenvalues of G). */
double sigma_logR_predicted(const double *w_G, int d, double N, double n1);

/* Track I [3.18]-[3.19]: Gamma = sum_i log(1 + lambda_i(G1)/(B + delta)). */
double sigma_track_gamma(const double *w_G1, int d, double B, double delta);

/* Track II [3.20]: U = log det(G1 + delta I) - d log n1. */
double sigma_track_u(const double *w_G1, int d, double n1, double delta);

/* ---- the whole audit on reduced matrices ---- */

typedef struct {
  int d;
  double N, n1, na, nb;   /* na + nb = n1: the Richardson halves (na = 0: none) */
  const double *G, *G1;   /* d x d full Gram and observed Gram */
  const double *Ga, *Gb;  /* halves' Grams, or NULL */
  double tau2_oracle;     /* NaN if not computed */
  double tau2_observed;   /* NaN if not computed */
  double level;           /* CI level, e.g. 0.95 */
  double delta;           /* regulariser of Track II / envelope, > 0 */
  double energy_cap;      /* c_E: B = c_E n2 */
  double max_norm2;       /* max_i ||x_i||^2 over all rows (Track I validity) */
  double rule_constant;   /* c of the rule, default 4 */
  double epsilon;         /* target precision for the rule; NaN: sqrt(c d / n1) */
  /* Optional precomputed spectra and log-dets (e.g. by ScaLAPACK, mpi/scalapack.h).
   * have_pre == 0 (the zero-initialised default): sigma_estimate computes them itself
   * (dsyevd, dpotrf) and these fields are ignored; that path is unchanged.
   * have_pre != 0: w_G_pre, w_G1_pre, w_G2_pre (d eigenvalues each, descending, of G,
   * G1 and G2 = G - G1) are copied and L_pre, logdet_G1_pre used as L and log det G1;
   * sigma_estimate then runs no eigensolver or Cholesky on G and G1 (the Richardson
   * halves Ga, Gb are still factored serially). The caller must have checked that G
   * and G1 are positive definite. */
  const double *w_G_pre, *w_G1_pre, *w_G2_pre;
  double L_pre, logdet_G1_pre;
  int have_pre;
} sigma_est_input;

typedef struct {
  double est;           /* the estimate of L */
  double err;           /* L - est */
  double s[2];          /* CI sd with tau from [0] oracle, [1] observed block */
  double lo[2], hi[2];  /* CI bounds est -+ z s */
  double zscore[2];     /* err / s */
  int covers[2];        /* lo <= L <= hi: 1 or 0; -1 when not applicable (no CI) */
} sigma_est_line;

enum { SIGMA_EST_PLUGIN = 0, SIGMA_EST_WISHART = 1, SIGMA_EST_RICHARDSON = 2, SIGMA_NEST = 3 };

typedef struct {
  double L, logdet_G1, logdet_Ga, logdet_Gb;
  double z;                         /* z_{1-a/2} */
  int have_richardson;
  sigma_est_line line[SIGMA_NEST];  /* plug-in, Wishart, Richardson */
  double wishart_correction, bias_formula, Lhat_h, richardson_c;
  /* Theorem 1 [3.4]; the _ok flags allow 64 d eps_machine max(1, |L|) of rounding */
  double rho2, U_weyl;
  int thm1_lower_ok, thm1_upper_ok;
  /* Budget envelope [3.16] */
  double B, envelope_lhs, envelope_rhs;
  int envelope_applicable, envelope_ok;
  /* Overestimation [3.7]-[3.8] */
  double logR_measured, logR_predicted;
  /* Size invariance [3.6]: log det G1 - d log n1 vs log det G - d log N */
  double size_inv_G1, size_inv_G;
  /* Sigma-UB */
  double track_gamma, track_u, track_u_full;
  int track1_applicable;
  /* Rule [3.14] */
  double epsilon, halfwidth_n1, halfwidth_rule, bias_rule;
  int64_t n1_rule;
  /* Spectra */
  sigma_spectral health_G, health_G1;
  double *w_G, *w_G1, *w_G2; /* eigenvalues, descending (owned: sigma_est_free) */
  int rank_G, rank_G1;       /* numerical ranks (set also on SIGMA_ESINGULAR) */
} sigma_est_result;

/* One estimator's line: est, err = L - est, and for tau2[0] (oracle) and tau2[1]
 * (observed): s = sqrt(tau2 (1/n1 - 1/N)), the CI est -+ z s, z-score, coverage
 * (Theorem 3, [3.10]-[3.11]). */
void sigma_est_fill_line(sigma_est_line *ln, double est, double L, double z,
                         const double tau2[2], double N, double n1);

/* A line of NaNs (estimator not available). */
void sigma_est_nan_line(sigma_est_line *ln);

/* Compute every number of the audit from the reduced matrices.
 * Errors: SIGMA_ESINGULAR naming "G" or "G1" (or a half) with its numerical rank
 * out of d, SIGMA_EINVAL (n1 < d, n1 > N), SIGMA_ELAPACK, SIGMA_ENOMEM.
 * On error the result holds what was computed so far; call sigma_est_free anyway. */
int sigma_estimate(const sigma_est_input *in, sigma_est_result *out);

void sigma_est_free(sigma_est_result *r);

#endif
