/* The audit's numbers from spectra (include/sigma/audit_math.h; SPEC sections 2-6). */
#include "sigma/audit_math.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "sigma/error.h"
#include "sigma/linalg.h"

/* The Richardson halves: factored here (serially even with ScaLAPACK: they are optional).
 * A singular half disables Richardson, not the audit. */
static void richardson_halves(const sigma_est_input *in, sigma_est_result *r) {
  const int d = in->d;
  r->have_richardson = in->Ga && in->Gb && in->na >= d && in->nb >= d;
  r->logdet_Ga = r->logdet_Gb = r->Lhat_h = r->richardson_c = NAN;
  if (!r->have_richardson) return;
  if (sigma_logdet_chol(in->Ga, d, &r->logdet_Ga) != SIGMA_OK ||
      sigma_logdet_chol(in->Gb, d, &r->logdet_Gb) != SIGMA_OK) {
    sigma_clear_error();
    r->have_richardson = 0;
    return;
  }
  double Lhat = sigma_plugin(r->logdet_G1, d, in->N, in->n1);
  sigma_richardson(Lhat, r->logdet_Ga, r->logdet_Gb, d, in->N, in->na, in->nb, &r->Lhat_h,
                   &r->richardson_c);
}

/* Every registered estimator with the paper's CIs (Theorem 3). */
static void estimator_lines(const sigma_est_input *in, sigma_est_result *r) {
  sigma_block b = {.d = in->d, .N = in->N, .n1 = in->n1, .na = in->na, .nb = in->nb,
                   .logdet_G1 = r->logdet_G1,
                   .logdet_Ga = r->have_richardson ? r->logdet_Ga : NAN,
                   .logdet_Gb = r->have_richardson ? r->logdet_Gb : NAN, .lev = in->lev,
                   .v_bj = in->v_bj};
  sigma_block_finish(&b);
  r->tau2_dec = b.tau2_dec;
  r->V_G = b.V_G;
  r->v_bj = in->v_bj;
  const double tau2[2] = {in->tau2_oracle, in->tau2_observed};
  r->z = sigma_z_for_level(in->level);
  r->bias_formula = sigma_bias_formula(in->d, in->N, in->n1);
  r->wishart_correction = sigma_wishart_correction(in->d, in->N, in->n1);
  sigma_est_lines(&b, r->L, r->z, tau2, r->line);
}

/* Theorem 1 [3.4], overestimation [3.7]-[3.8], size invariance [3.6]. L comes from
 * Cholesky, the bounds partly from eigenvalues: judge the inequalities up to that
 * rounding (at n1 = N, U_Weyl = L exactly in exact arithmetic). */
static void theorem1(const sigma_est_input *in, sigma_est_result *r, double tol) {
  const sigma_spectra *s = &r->spectra;
  const int d = in->d;
  r->rho2 = s->w_G2[0];
  r->U_weyl = sigma_logdet_shifted(s->w_G1, d, r->rho2);
  r->thm1_lower_ok = r->logdet_G1 <= r->L + tol;
  r->thm1_upper_ok = r->L <= r->U_weyl + tol;
  r->logR_measured = r->U_weyl - r->L;
  r->logR_predicted = sigma_logR_predicted(s->w_G, d, in->N, in->n1);
  r->size_inv_G1 = r->logdet_G1 - d * log(in->n1);
  r->size_inv_G = r->L - d * log(in->N);
}

/* Envelope [3.16] and Sigma-UB: Track I needs ||x_i||^2 <= c_E (tiny slack for the
 * rounding of normalised rows). */
static void envelope_tracks(const sigma_est_input *in, sigma_est_result *r, double tol) {
  const sigma_spectra *s = &r->spectra;
  const int d = in->d;
  sigma_tracks_compute(s->w_G1, d, in->N, in->n1, in->energy_cap, in->delta, &r->tracks);
  r->envelope_applicable = r->track1_applicable = in->max_norm2 <= in->energy_cap * (1 + 1e-12);
  r->envelope_lhs = sigma_logdet_shifted(s->w_G, d, in->delta);
  r->envelope_rhs = sigma_logdet_shifted(s->w_G1, d, r->tracks.B + in->delta);
  r->envelope_ok = r->envelope_lhs <= r->envelope_rhs + tol;
  r->track_u_full = sigma_track_u(s->w_G, d, in->N, in->delta);
}

/* Rule [3.14]: n1 = ceil(c d / eps^2); the precision n1 and n1_rule give here. */
static void rule(const sigma_est_input *in, sigma_est_result *r) {
  const double N = in->N, n1 = in->n1;
  const int d = in->d;
  r->epsilon = isnan(in->epsilon) ? sqrt(in->rule_constant * d / n1) : in->epsilon;
  r->n1_rule = sigma_rule_n1(in->rule_constant, d, r->epsilon);
  r->halfwidth_n1 = r->z * sigma_ci_sd(in->tau2_oracle, N, n1);
  r->halfwidth_rule = r->n1_rule > 0 && r->n1_rule <= N
                          ? r->z * sigma_ci_sd(in->tau2_oracle, N, (double)r->n1_rule)
                          : NAN;
  r->bias_rule = r->n1_rule > 0 ? sigma_bias_formula(d, N, (double)r->n1_rule) : NAN;
}

static int check_sizes(const sigma_est_input *in) {
  if (in->n1 < in->d)
    return sigma_set_error(SIGMA_EINVAL, "n1 = %.0f < d = %d: G1 would be singular", in->n1,
                           in->d);
  if (in->n1 > in->N)
    return sigma_set_error(SIGMA_EINVAL, "n1 = %.0f > N = %.0f rows", in->n1, in->N);
  return SIGMA_OK;
}

int sigma_estimate_from_spectra(const sigma_est_input *in, sigma_spectra *s,
                                sigma_est_result *r) {
  memset(r, 0, sizeof *r);
  r->spectra = *s; /* moved */
  memset(s, 0, sizeof *s);
  SIGMA_CHECK(check_sizes(in));
  r->L = r->spectra.L;
  r->logdet_G1 = r->spectra.logdet_G1;
  sigma_spectral_metrics(r->spectra.w_G, in->d, &r->health_G);
  richardson_halves(in, r);
  estimator_lines(in, r);
  const double tol = 64.0 * in->d * DBL_EPSILON * fmax(1.0, fabs(r->L));
  theorem1(in, r, tol);
  envelope_tracks(in, r, tol);
  rule(in, r);
  return SIGMA_OK;
}

int sigma_estimate(const sigma_est_input *in, sigma_est_result *r) {
  sigma_spectra s = {0};
  memset(r, 0, sizeof *r);
  int rc = check_sizes(in);
  if (rc == SIGMA_OK) rc = sigma_spectra_compute(in->G, in->G1, in->d, &s);
  if (rc == SIGMA_OK) return sigma_estimate_from_spectra(in, &s, r);
  r->spectra = s; /* the ranks, for the caller's message */
  return rc;
}

void sigma_est_free(sigma_est_result *r) { sigma_spectra_free(&r->spectra); }
