/* Audit report: table and JSON. */
#include "audit_report.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "fmt.h"
#include "json_csv.h"
#include "provenance.h"
#include "sigma/error.h"
#include "sigma/gram.h"

static const char *kObsName[] = {"random", "first", "indices"};

static const char *yesno(int ok) { return ok ? "PASS" : "FAIL"; }

static const char *covers_word(int c) { return c < 0 ? "n/a" : c ? "yes" : "NO"; }

/* Not applicable (NaN) prints as n/a, never as nan (io/fmt.h). */
#define F6(v) sigma_num("%.6f", (v))
#define G6(v) sigma_num("%.6g", (v))
#define F4(v) sigma_num("%.4f", (v))

static void table_head(FILE *f, const sigma_audit_opts *o, const sigma_audit_result *r) {
  const sigma_est_result *e = &r->est;
  fprintf(f, "sigma audit: N = %lld rows, d = %d, n1 = %lld (%s, seed %llu), %d rank%s, %d file%s\n",
          (long long)r->N, r->d, (long long)r->n1, kObsName[o->observed],
          (unsigned long long)o->c.seed, r->nranks, r->nranks > 1 ? "s" : "", r->input->nshards,
          r->input->nshards > 1 ? "s" : "");
  fprintf(f, "options: normalize %s, center %s, level %.4g (z = %s), delta %g, energy cap %g\n",
          o->c.normalize ? "on" : "off", o->c.center ? "on" : "off", o->c.level, F4(e->z), o->delta,
          o->energy_cap);
  if (r->scalapack)
    fprintf(f, "linear algebra: ScaLAPACK on a %d x %d grid (nb %d) for log det G, G1 and the "
               "spectra\n", r->sl_nprow, r->sl_npcol, r->sl_nb);
  fprintf(f, "\n== Ground truth (full Gram) ==\n");
  fprintf(f, "  %-34s %18s nats\n", "L = log det G", F6(e->L));
  fprintf(f, "  %-34s %18s nats\n", "log det G1", F6(e->logdet_G1));
  fprintf(f, "  %-34s %18s\n", "tau2 oracle (all rows)", F6(r->tau2_oracle));
  fprintf(f, "  %-34s %18s\n", "tau2 observed (leave-one-out)", F6(r->tau2_observed));
  fprintf(f, "  %-34s %18s  (SPEC 4.1)\n", "tau2_dec (deconvolved, block)", F6(e->tau2_dec));
  fprintf(f, "  %-34s %18s  (Gaussian rows: 2)\n", "tau2 oracle / d", F6(r->tau2_oracle / r->d));
  fprintf(f, "  %-34s %18s nats^2 (Gaussian var of log det G1)\n", "V_G", F6(e->V_G));
  if (o->block_jackknife)
    fprintf(f, "  %-34s %18s nats^2 (LEV, delete-%lld-block jackknife)\n", "v_bj", F6(e->v_bj),
            (long long)o->block_jackknife);
}

/* The paper's CIs (Theorem 3): tau from the oracle and from the block (leave-one-out). */
static void table_estimators(FILE *f, const sigma_audit_opts *o, const sigma_est_result *e) {
  fprintf(f, "\n== Estimators of L (nats; the paper's CI at level %.4g) ==\n", o->c.level);
  fprintf(f, "  %-18s %14s %11s %10s %10s %8s %8s %7s %7s\n", "estimator", "estimate", "error",
          "s_oracle", "s_obs", "z_orac", "z_obs", "cov_or", "cov_ob");
  for (int k = 0; k < sigma_nest; k++) {
    const sigma_est_line *l = &e->line[k];
    const sigma_estimator *est = &sigma_estimators[k];
    if (isnan(l->est)) {
      fprintf(f, "  %-18s %14s  (%s)\n", est->name, "n/a", est->needs ? est->needs : "n/a");
      continue;
    }
    fprintf(f, "  %-18s %14s %11s %10s %10s %8s %8s %7s %7s\n", est->name, F6(l->est),
            F6(l->err), F6(l->s[0]), F6(l->s[1]), sigma_num("%.3f", l->zscore[0]),
            sigma_num("%.3f", l->zscore[1]), covers_word(l->covers[0]), covers_word(l->covers[1]));
  }
  fprintf(f, "  error = L - estimate; bias formula d(d+1)/2 (1/n1 - 1/N) = %s; Wishart "
             "correction %s; Richardson c = %s\n",
          F6(e->bias_formula), F6(e->wishart_correction), F4(e->richardson_c));
}

/* SPEC 4.1: the calibrated CIs (oracle tau2, tau2_dec) and each estimator's own CI. */
static void table_calibrated(FILE *f, const sigma_audit_opts *o, const sigma_est_result *e) {
  fprintf(f, "\n== Calibrated CIs (SPEC 4.1: V = V_G + max(tau2 - 2d, 0) u) and own CIs ==\n");
  fprintf(f, "  %-18s %10s %8s %7s %10s %8s %7s %10s %8s %7s\n", "estimator", "s_cal_or",
          "z", "cov", "s_cal_dec", "z", "cov", "s_own", "z", "cov");
  for (int k = 0; k < sigma_nest; k++) {
    const sigma_est_line *l = &e->line[k];
    if (isnan(l->est)) continue;
    const sigma_ci *c[3] = {&l->cal[0], &l->cal[1], &l->own};
    fprintf(f, "  %-18s", sigma_estimators[k].name);
    for (int j = 0; j < 3; j++)
      fprintf(f, " %10s %8s %7s", F6(c[j]->s), sigma_num("%.3f", c[j]->z),
              covers_word(c[j]->covers));
    fputc('\n', f);
  }
  fprintf(f, "  own CI: the estimator's own variance (LEV: calibrated with tau2_dec%s; jackknife: "
             "its jackknife variance), else the paper's with the observed tau2\n",
          o->block_jackknife ? ", or v_bj where larger" : "");
}

static void table_bounds(FILE *f, const sigma_audit_opts *o, const sigma_audit_result *r) {
  const sigma_est_result *e = &r->est;
  fprintf(f, "\n== Theorem 1 and overestimation ==\n");
  fprintf(f, "  %-34s %18s\n", "rho2 = lambda_1(G2)", F6(e->rho2));
  fprintf(f, "  %-34s %18s  %s\n", "lower: log det G1 <= L", F6(e->logdet_G1),
          yesno(e->thm1_lower_ok));
  fprintf(f, "  %-34s %18s  %s\n", "upper: L <= U_Weyl", F6(e->U_weyl), yesno(e->thm1_upper_ok));
  fprintf(f, "  %-34s %18s nats\n", "log R measured (U_Weyl - L)", F6(e->logR_measured));
  fprintf(f, "  %-34s %18s nats\n", "log R predicted [3.8]", F6(e->logR_predicted));
  fprintf(f, "  %-34s %18s / %s\n", "log det G1 - d log n1 / G, N", F6(e->size_inv_G1),
          F6(e->size_inv_G));
  fprintf(f, "\n== Sigma-UB monitoring ==\n");
  fprintf(f, "  %-34s %18s  (B = c_E n2 = %s)%s\n", "Track I Gamma", F6(e->tracks.gamma), G6(e->tracks.B),
          e->track1_applicable ? "" : "  [rows exceed the energy cap: use --normalize]");
  fprintf(f, "  %-34s %18s\n", "Track II U (observed)", F6(e->tracks.U));
  fprintf(f, "  %-34s %18s\n", "Track II U (full G, N)", F6(e->track_u_full));
}

static void table_rule_health(FILE *f, const sigma_audit_opts *o, const sigma_audit_result *r) {
  const sigma_est_result *e = &r->est;
  fprintf(f, "  %-34s %18s <= %s  %s%s\n", "envelope [3.16]", F6(e->envelope_lhs),
          F6(e->envelope_rhs), yesno(e->envelope_ok),
          e->envelope_applicable ? "" : " (not applicable: max ||x||^2 > c_E)");
  fprintf(f, "  %-34s %18s\n", "max ||x||^2", F6(r->max_norm2));
  fprintf(f, "\n== Rule n1 = ceil(%g d / eps^2) [3.14] ==\n", o->c.rule_constant);
  fprintf(f, "  %-34s %18s\n", "eps", F6(e->epsilon));
  char rule[32] = "n/a";
  if (e->n1_rule > 0) snprintf(rule, sizeof rule, "%lld", (long long)e->n1_rule);
  fprintf(f, "  %-34s %18s\n", "n1 the rule asks for", rule);
  fprintf(f, "  %-34s %18s nats\n", "CI half-width at n1_rule (oracle)", F6(e->halfwidth_rule));
  fprintf(f, "  %-34s %18s nats\n", "plug-in bias at n1_rule (formula)", F6(e->bias_rule));
  fprintf(f, "  %-34s %18s nats\n", "CI half-width at this n1", F6(e->halfwidth_n1));
  fprintf(f, "\n== Spectral health ==\n");
  fprintf(f, "  %-22s %16s %16s\n", "", "G", "G1");
  const sigma_spectral *a = &e->health_G, *b = &e->tracks.health;
  fprintf(f, "  %-22s %16s %16s\n", "lambda_max", G6(a->lambda_max), G6(b->lambda_max));
  fprintf(f, "  %-22s %16s %16s\n", "lambda_min", G6(a->lambda_min), G6(b->lambda_min));
  fprintf(f, "  %-22s %16s %16s\n", "condition number", G6(a->condition), G6(b->condition));
  fprintf(f, "  %-22s %16d %16d\n", "numerical rank", a->numerical_rank, b->numerical_rank);
  fprintf(f, "  %-22s %16s %16s\n", "effective rank", F4(a->effective_rank), F4(b->effective_rank));
  fprintf(f, "  %-22s %16s %16s\n", "participation ratio", F4(a->participation),
          F4(b->participation));
  fprintf(f, "  %-22s %16s %16s\n", "von Neumann entropy", F4(a->vn_entropy), F4(b->vn_entropy));
  fprintf(f, "  %-22s %16s %16s\n", "power-law alpha", F4(a->powerlaw_alpha), F4(b->powerlaw_alpha));
  fprintf(f, "\n== Timing (s) ==  open %.2f  sample %.2f  pass1 %.2f  reduce %.3f  factor %.2f  "
             "pass2 %.2f  estimate %.2f  total %.2f  (%.2f GB read)\n",
          r->t_open, r->t_sample, r->t_pass1, r->t_reduce1, r->t_factor, r->t_pass2, r->t_estimate,
          r->t_total, r->bytes_read / 1e9);
}

/* The verdict in words: which estimators' own CIs cover L here, by how many s the paper's
 * plug-in CI misses, and which estimate to use. */
static void table_verdict(FILE *f, const sigma_audit_result *r) {
  const sigma_est_result *e = &r->est;
  const sigma_est_line *p = &e->line[SIGMA_EST_PLUGIN];
  int lev = sigma_estimator_index("lev"), use = !isnan(e->line[lev].est) ? lev : SIGMA_EST_WISHART;
  fprintf(f, "\nVerdict: at n1 = %lld (%.3g d) the own CIs of", (long long)r->n1,
          (double)r->n1 / r->d);
  int n = 0;
  for (int k = 0; k < sigma_nest; k++)
    if (e->line[k].own.covers == 1) fprintf(f, "%s %s", n++ ? "," : "", sigma_estimators[k].key);
  fprintf(f, "%s cover L", n ? "" : " no estimator");
  if (p->covers[0] == 0)
    fprintf(f, "; the paper's plug-in CI misses it by %s s (oracle tau)",
            sigma_num("%.1f", fabs(p->zscore[0])));
  else if (p->covers[0] == 1)
    fprintf(f, "; the paper's plug-in CI covers it (oracle tau)");
  fprintf(f, ". Use %s: %s +- %s nats (level CI from its own variance).\n",
          sigma_estimators[use].name, F4(e->line[use].est),
          F4(e->z * e->line[use].own.s));
}

void sigma_report_table(FILE *f, const sigma_audit_opts *o, const sigma_audit_result *r) {
  table_head(f, o, r);
  table_estimators(f, o, &r->est);
  table_calibrated(f, o, &r->est);
  table_bounds(f, o, r);
  table_rule_health(f, o, r);
  table_verdict(f, r);
}

/* ---- JSON ---- */


static json_t *num_array(const double *v, int n) {
  json_t *a = json_array();
  for (int i = 0; i < n; i++) json_array_append_new(a, sigma_json_num(v[i]));
  return a;
}

static json_t *spectral_json(const sigma_spectral *s) {
  return json_pack("{s:o,s:o,s:o,s:o,s:i,s:o,s:o,s:o,s:o}", "trace", sigma_json_num(s->trace), "lambda_max",
                   sigma_json_num(s->lambda_max), "lambda_min", sigma_json_num(s->lambda_min), "condition",
                   sigma_json_num(s->condition), "numerical_rank", s->numerical_rank, "effective_rank",
                   sigma_json_num(s->effective_rank), "participation_ratio", sigma_json_num(s->participation),
                   "von_neumann_entropy", sigma_json_num(s->vn_entropy), "powerlaw_alpha",
                   sigma_json_num(s->powerlaw_alpha));
}

static json_t *ci_json(const sigma_ci *c) {
  return json_pack("{s:o,s:o,s:o,s:o,s:o}", "s", sigma_json_num(c->s), "ci_low",
                   sigma_json_num(c->lo), "ci_high", sigma_json_num(c->hi), "z",
                   sigma_json_num(c->z), "covers",
                   c->covers < 0 ? json_null() : json_boolean(c->covers));
}

static json_t *line_json(const sigma_est_line *l) {
  json_t *j = json_pack("{s:o,s:o}", "estimate", sigma_json_num(l->est), "error", sigma_json_num(l->err));
  json_object_set_new(j, "calibrated", json_pack("{s:o,s:o}", "oracle", ci_json(&l->cal[0]),
                                                 "tau2_dec", ci_json(&l->cal[1])));
  json_object_set_new(j, "own", ci_json(&l->own));
  const char *src[2] = {"oracle", "observed"};
  for (int k = 0; k < 2; k++)
    json_object_set_new(j, src[k],
                        json_pack("{s:o,s:o,s:o,s:o,s:o}", "s", sigma_json_num(l->s[k]), "ci_low",
                                  sigma_json_num(l->lo[k]), "ci_high", sigma_json_num(l->hi[k]), "z", sigma_json_num(l->zscore[k]),
                                  "covers", l->covers[k] < 0 ? json_null()
                                                             : json_boolean(l->covers[k])));
  return j;
}

static json_t *report_build(const sigma_audit_opts *o, const sigma_audit_result *r) {
  const sigma_est_result *e = &r->est;
  const int d = r->d;
  json_t *est = json_object();
  for (int k = 0; k < sigma_nest; k++)
    json_object_set_new(est, sigma_estimators[k].key, line_json(&e->line[k]));
  json_t *root = json_pack(
      "{s:o,s:{s:I,s:i,s:I,s:I,s:I,s:s,s:I,s:I,s:b,s:b,s:f,s:f,s:f,s:f,s:o,s:i}}", "provenance",
      sigma_provenance("sigma audit", &o->c, r->input, r->nranks), "parameters", "N", (json_int_t)r->N, "d", d, "n1",
      (json_int_t)r->n1, "n1_half_a", (json_int_t)r->na, "n1_half_b", (json_int_t)r->nb,
      "observed", kObsName[o->observed], "seed", (json_int_t)o->c.seed, "block_rows",
      (json_int_t)r->block_rows, "normalize", o->c.normalize, "center", o->c.center, "level",
      o->c.level, "delta", o->delta, "energy_cap", o->energy_cap, "rule_constant", o->c.rule_constant,
      "epsilon", sigma_json_num(e->epsilon), "chunk_rows", (int)r->chunk_rows);
  if (root) { /* ScaLAPACK (--scalapack): whether it computed L, log det G1, the spectra */
    json_t *par = json_object_get(root, "parameters");
    char grid[32];
    snprintf(grid, sizeof grid, "%dx%d", r->sl_nprow, r->sl_npcol);
    json_object_set_new(par, "scalapack", json_boolean(r->scalapack));
    json_object_set_new(par, "scalapack_grid", r->scalapack ? json_string(grid) : json_null());
    json_object_set_new(par, "scalapack_nb", r->scalapack ? json_integer(r->sl_nb) : json_null());
  }
  json_object_set_new(root, "truth",
                      json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "L", sigma_json_num(e->L), "logdet_G1",
                                sigma_json_num(e->logdet_G1), "logdet_Ga", sigma_json_num(e->logdet_Ga), "logdet_Gb",
                                sigma_json_num(e->logdet_Gb), "tau2_oracle", sigma_json_num(r->tau2_oracle),
                                "tau2_observed", sigma_json_num(r->tau2_observed)));
  json_object_set_new(json_object_get(root, "truth"), "tau2_dec", sigma_json_num(e->tau2_dec));
  json_object_set_new(json_object_get(root, "truth"), "V_G", sigma_json_num(e->V_G));
  json_object_set_new(json_object_get(root, "truth"), "v_bj", sigma_json_num(e->v_bj));
  json_object_set_new(json_object_get(root, "parameters"), "block_jackknife",
                      json_integer((json_int_t)o->block_jackknife));
  json_object_set_new(root, "z", sigma_json_num(e->z));
  json_object_set_new(root, "estimators", est);
  json_object_set_new(root, "corrections",
                      json_pack("{s:o,s:o,s:o,s:o}", "bias_formula", sigma_json_num(e->bias_formula),
                                "wishart_correction", sigma_json_num(e->wishart_correction), "Lhat_h",
                                sigma_json_num(e->Lhat_h), "richardson_c", sigma_json_num(e->richardson_c)));
  json_object_set_new(
      root, "theorem1",
      json_pack("{s:o,s:o,s:o,s:b,s:b,s:o,s:o,s:o,s:o}", "rho2", sigma_json_num(e->rho2), "lower",
                sigma_json_num(e->logdet_G1), "U_weyl", sigma_json_num(e->U_weyl), "lower_ok", e->thm1_lower_ok,
                "upper_ok", e->thm1_upper_ok, "logR_measured", sigma_json_num(e->logR_measured),
                "logR_predicted", sigma_json_num(e->logR_predicted), "size_invariant_G1",
                sigma_json_num(e->size_inv_G1), "size_invariant_G", sigma_json_num(e->size_inv_G)));
  json_object_set_new(
      root, "sigma_ub",
      json_pack("{s:o,s:o,s:o,s:o,s:b,s:o,s:o,s:b,s:b,s:o}", "B", sigma_json_num(e->tracks.B), "track1_gamma",
                sigma_json_num(e->tracks.gamma), "track2_U", sigma_json_num(e->tracks.U), "track2_U_full",
                sigma_json_num(e->track_u_full), "track1_applicable", e->track1_applicable, "envelope_lhs",
                sigma_json_num(e->envelope_lhs), "envelope_rhs", sigma_json_num(e->envelope_rhs), "envelope_ok",
                e->envelope_ok, "envelope_applicable", e->envelope_applicable, "max_norm2",
                sigma_json_num(r->max_norm2)));
  json_object_set_new(root, "rule",
                      json_pack("{s:o,s:o,s:o,s:o,s:o}", "epsilon", sigma_json_num(e->epsilon), "n1_rule",
                                e->n1_rule > 0 ? json_integer((json_int_t)e->n1_rule) : json_null(), "halfwidth_at_n1_rule",
                                sigma_json_num(e->halfwidth_rule), "bias_at_n1_rule", sigma_json_num(e->bias_rule),
                                "halfwidth_at_n1", sigma_json_num(e->halfwidth_n1)));
  json_object_set_new(root, "health",
                      json_pack("{s:o,s:o}", "G", spectral_json(&e->health_G), "G1",
                                spectral_json(&e->tracks.health)));
  json_object_set_new(root, "eigenvalues",
                      json_pack("{s:o,s:o,s:o}", "G", num_array(e->spectra.w_G, d), "G1",
                                num_array(e->spectra.w_G1, d), "G2", num_array(e->spectra.w_G2, d)));
  json_object_set_new(
      root, "timing_s",
      json_pack("{s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f}", "open", r->t_open,
                "sample", r->t_sample, "pass1", r->t_pass1, "reduce1", r->t_reduce1, "factor",
                r->t_factor, "pass2", r->t_pass2, "reduce2", r->t_reduce2, "estimate",
                r->t_estimate, "total", r->t_total, "bytes_read", r->bytes_read, "pass1_read",
                r->t_read1, "pass1_wait", r->t_wait1, "pass2_read", r->t_read2, "pass2_wait",
                r->t_wait2, "pass1_ahead", r->ahead1, "pass2_ahead", r->ahead2));
  return root;
}

/* Every output opened first (each checked: not an input, links resolved), all written,
 * then all committed: an error before the commits leaves none of them. */
int sigma_report_write(const char *json_path, const char *csv_path, const char *indices_path,
                       const sigma_audit_opts *o, const sigma_audit_result *r) {
  json_t *root = report_build(o, r);
  if (!root) return sigma_set_error(SIGMA_ENOMEM, "cannot build the report");
  sigma_outfile *fj = NULL, *fc = NULL, *fi = NULL;
  int rc = SIGMA_OK;
  if (json_path) SIGMA_TRY(sigma_outfile_open(json_path, "--json", &fj));
  if (csv_path) SIGMA_TRY(sigma_outfile_open(csv_path, "--csv", &fc));
  if (indices_path) SIGMA_TRY(sigma_outfile_open(indices_path, "--save-indices", &fi));
  if (fj && (json_dumpf(root, sigma_outfile_stream(fj), JSON_INDENT(2) | JSON_REAL_PRECISION(17)) != 0 ||
             fputc('\n', sigma_outfile_stream(fj)) == EOF))
    SIGMA_TRY(sigma_set_error(SIGMA_EIO, "%s: cannot write JSON report", json_path));
  if (fc && sigma_json_csv(root, sigma_outfile_stream(fc)) != SIGMA_OK)
    SIGMA_TRY(sigma_set_error(SIGMA_EIO, "%s: cannot write CSV report", csv_path));
  if (fi) SIGMA_TRY(sigma_observed_write(sigma_outfile_stream(fi), &r->obs));
  if (fj) SIGMA_TRY(sigma_outfile_commit(&fj));
  if (fc) SIGMA_TRY(sigma_outfile_commit(&fc));
  if (fi) SIGMA_TRY(sigma_outfile_commit(&fi));
done:
  sigma_outfile_abort(&fj);
  sigma_outfile_abort(&fc);
  sigma_outfile_abort(&fi);
  json_decref(root);
  return rc;
}
