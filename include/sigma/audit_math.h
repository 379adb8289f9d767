/* Every number of an audit from the reduced matrices (SPEC sections 2-6): the estimators
 * of the registry with their CIs, Theorem 1, the envelope and Sigma-UB tracks, the
 * overestimation law, size invariance, the rule [3.14] and spectral health.
 *
 * Two steps: the spectra and log-dets (sigma/spectra.h: serial, or ScaLAPACK in mpi/),
 * then sigma_estimate_from_spectra, which needs no d x d factorization of G or G1 (only
 * the Richardson halves are factored here). Units: nats; N, n1 in rows.
 */
#ifndef SIGMA_AUDIT_MATH_H
#define SIGMA_AUDIT_MATH_H

#include <stdint.h>

#include "sigma/registry.h"
#include "sigma/spectra.h"
#include "sigma/tracks.h"

typedef struct {
  int d;
  double N, n1, na, nb;   /* na + nb = n1: the Richardson halves (na = 0: none) */
  const double *G, *G1;   /* d x d full Gram and observed Gram (sigma_estimate only) */
  const double *Ga, *Gb;  /* halves' Grams, or NULL */
  double tau2_oracle;     /* NaN if not computed */
  double tau2_observed;   /* NaN if not computed */
  sigma_leverage_stats lev; /* the observed rows' leverages (pass 2); lev.n = 0: none */
  double level;           /* CI level, e.g. 0.95 */
  double delta;           /* regulariser of Track II / envelope, > 0 */
  double energy_cap;      /* c_E: B = c_E n2 */
  double max_norm2;       /* max_i ||x_i||^2 over all rows (Track I validity) */
  double rule_constant;   /* c of the rule, default 4 */
  double epsilon;         /* target precision for the rule; NaN: sqrt(c d / n1) */
  double v_bj;            /* SPEC 4.1 delete-G-block jackknife variance of LEV (nats^2);
                             NaN or 0: not computed (sigma/registry.h) */
} sigma_est_input;

typedef struct {
  sigma_spectra spectra;            /* eigenvalues, L, log det G1, ranks (owned) */
  double L, logdet_G1, logdet_Ga, logdet_Gb;
  double tau2_dec, V_G;             /* SPEC 4.1 block statistics (NaN: not applicable) */
  double v_bj;                      /* in->v_bj (NaN: not computed or not applicable) */
  double z;                         /* z_{1-a/2} */
  int have_richardson;
  sigma_est_line line[SIGMA_EST_MAX]; /* sigma_nest lines, in registry order */
  double wishart_correction, bias_formula, Lhat_h, richardson_c;
  /* Theorem 1 [3.4]; the _ok flags allow 64 d eps_machine max(1, |L|) of rounding */
  double rho2, U_weyl;
  int thm1_lower_ok, thm1_upper_ok;
  /* Budget envelope [3.16] */
  double envelope_lhs, envelope_rhs;
  int envelope_applicable, envelope_ok;
  /* Overestimation [3.7]-[3.8] */
  double logR_measured, logR_predicted;
  /* Size invariance [3.6]: log det G1 - d log n1 vs log det G - d log N */
  double size_inv_G1, size_inv_G;
  /* Sigma-UB from G1 alone (B, Track I, Track II, health of G1), and U of G */
  sigma_tracks tracks;
  double track_u_full;
  int track1_applicable;
  /* Rule [3.14] */
  double epsilon, halfwidth_n1, halfwidth_rule, bias_rule;
  int64_t n1_rule;
  sigma_spectral health_G;
} sigma_est_result;

/* The metrics from spectra already computed (s: serially or by ScaLAPACK; G and G1 of in
 * are not read). s is moved into out->spectra (s is left empty). Errors: SIGMA_EINVAL
 * (n1 < d, n1 > N), SIGMA_ENOMEM. The caller must have checked that G and G1 are positive
 * definite (sigma_spectra_compute does). */
int sigma_estimate_from_spectra(const sigma_est_input *in, sigma_spectra *s,
                                sigma_est_result *out);

/* Both steps serially from in->G and in->G1.
 * Errors: SIGMA_ESINGULAR naming "G" or "G1" with its numerical rank out of d (ranks are
 * in out->spectra), SIGMA_EINVAL (n1 < d, n1 > N), SIGMA_ELAPACK, SIGMA_ENOMEM.
 * On error the result holds what was computed so far; call sigma_est_free anyway. */
int sigma_estimate(const sigma_est_input *in, sigma_est_result *out);

void sigma_est_free(sigma_est_result *r);

#endif
