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

/* psi(a) - psi(b) and psi'(a) - psi'(b) (digamma, trigamma) without cancellation: when
 * a, b >= 32 and |a - b| < min(a, b) / 8, from the asymptotic series with each power
 * differenced exactly (u^k - v^k = (u - v) sum u^i v^(k-1-i), u = 1/a, v = 1/b, and
 * log(a/b) = log1p((a - b)/b)); else GSL's psi values subtracted (no cancellation there).
 * Accurate to ~1e-15 relative for arguments up to 1e10 (tested against mpmath). */
double sigma_digamma_diff(double a, double b);
double sigma_trigamma_diff(double a, double b);

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

/* ---- one estimator's line (Theorem 3) ---- */

/* One confidence interval est -+ z_q s for L. */
typedef struct {
  double s;             /* sd (nats) */
  double lo, hi;        /* bounds */
  double z;             /* (L - est) / s */
  int covers;           /* lo <= L <= hi: 1 or 0; -1 when not applicable (no CI) */
} sigma_ci;

typedef struct {
  double est;           /* the estimate of L */
  double err;           /* L - est */
  double s[2];          /* the paper's CI sd with tau from [0] oracle, [1] observed block */
  double lo[2], hi[2];  /* CI bounds est -+ z s */
  double zscore[2];     /* err / s */
  int covers[2];        /* lo <= L <= hi: 1 or 0; -1 when not applicable (no CI) */
  sigma_ci cal[2];      /* SPEC 4.1 calibrated V = V_G + max(tau2 - 2d, 0) u with tau2 from
                           [0] the oracle, [1] tau2_dec of the block */
  sigma_ci own;         /* the estimator's own CI: its own variance (LEV, jackknife), else
                           the paper's with the observed tau (what a user without the
                           truth has) */
} sigma_est_line;

/* The CI est -+ zq sqrt(var) and whether it covers L; all NaN, covers -1, when var or est
 * is not finite. */
void sigma_ci_fill(sigma_ci *c, double est, double L, double zq, double var);

/* One estimator's line: est, err = L - est, and for tau2[0] (oracle) and tau2[1]
 * (observed): s = sqrt(tau2 (1/n1 - 1/N)), the CI est -+ z s, z-score, coverage
 * (Theorem 3, [3.10]-[3.11]). */
void sigma_est_fill_line(sigma_est_line *ln, double est, double L, double z,
                         const double tau2[2], double N, double n1);

/* A line of NaNs (estimator not available), every covers -1. */
void sigma_est_nan_line(sigma_est_line *ln);

#endif
