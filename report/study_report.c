/* Study report: the table, summary.csv and summary.json (report/study_report.h). */
#include "study_report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "plots.h"
#include "sigma/error.h"
#include "sigma/estimators.h"
#include "sigma/registry.h"
#include "str.h"
#include "study_files.h"

#define KEY(e) (sigma_estimators[e].key)

static double bias_formula(const sigma_study_result *r, int k) {
  const sigma_study_header *h = &r->desc->study;
  return sigma_bias_formula(h->d, (double)h->N, (double)h->n1[k]);
}

/* ---- the table on stdout ---- */

/* "coverage+-SE", or n/a. */
static void print_cov(FILE *out, double cov, double se) {
  if (!isfinite(cov)) {
    fprintf(out, " %14s", "n/a");
    return;
  }
  char *t = sigma_strf("%s+-%s", sigma_num("%.3f", cov), sigma_num("%.3f", se));
  fprintf(out, " %14s", t ? t : "?");
  free(t);
}

static void table_row(FILE *out, const sigma_study_result *r, int k, int e) {
  const sigma_study_header *h = &r->desc->study;
  const sigma_study_cell *c = sigma_study_cell_at(r, k, e);
  fprintf(out, "%7lld %7.4f %-10s %9s %8s %8s %8s", (long long)h->n1[k], h->eps[k], KEY(e),
          sigma_num("%.4f", c->bias), sigma_num("%.4f", c->sd), sigma_num("%.4f", c->s_oracle),
          sigma_num("%.4f", bias_formula(r, k)));
  print_cov(out, c->cov[SIGMA_COV_ORACLE], c->cov_se[SIGMA_COV_ORACLE]);
  print_cov(out, c->cov[SIGMA_COV_OBSERVED], c->cov_se[SIGMA_COV_OBSERVED]);
  print_cov(out, c->cov[SIGMA_COV_OWN], c->cov_se[SIGMA_COV_OWN]);
  fprintf(out, " %7s %8s %10s\n", sigma_num("%.4f", c->ks_D), sigma_num("%.3f", c->p_within),
          sigma_num("%.0f", c->n1_needed));
}

static void print_table(FILE *out, const sigma_study_result *r) {
  const sigma_study_desc *d = r->desc;
  const sigma_study_header *h = &d->study;
  fprintf(out, "sigma study: N = %lld, d = %d, L = %.6f nats, tau2 oracle = %s (%s d), "
               "replicates %lld..%lld of %lld, seed %llu, level %.4g\n\n",
          (long long)h->N, h->d, d->L, sigma_num("%.4g", d->tau2_oracle),
          sigma_num("%.2f", d->tau2_oracle / h->d), (long long)r->rep_lo,
          (long long)r->rep_hi - 1, (long long)h->replicates, (unsigned long long)h->seed,
          h->level);
  if (h->block_jackknife)
    fprintf(out, "cov_own of lev: max(calibrated variance, delete-%lld-block jackknife variance "
                 "v_bj) (--block-jackknife; v_bj per replicate in replicates.csv)\n\n",
            (long long)h->block_jackknife);
  fprintf(out, "%7s %7s %-10s %9s %8s %8s %8s %14s %14s %14s %7s %8s %10s\n", "n1", "eps",
          "estimator", "bias", "sd", "s_pred", "formula", "cov_oracle", "cov_observed",
          "cov_own", "KS_D", "P(|e|<=eps)", "n1_for_eps");
  for (int k = 0; k < h->K; k++)
    for (int e = 0; e < sigma_nest; e++) table_row(out, r, k, e);
  fprintf(out, "\nbias = mean(L - estimate) (nats); s_pred = tau_oracle sqrt(1/n1 - 1/N); "
               "formula = d(d+1)/2 (1/n1 - 1/N); coverage of the nominal CI +- its binomial "
               "SE (cov_own: the estimator's own CI, SPEC 4.1); KS_D of the errors / s_pred against N(0,1); n1_for_eps: n1 at which the "
               "%.4g-quantile of |error| reaches eps (interpolated; n/a: beyond the sweep or "
               "not applicable)\n", h->level);
  fflush(out);
}

/* ---- summary.csv ---- */

/* The numbers of a summary row after n1, epsilon, estimator and replicates: one name
 * list for summary.csv and summary.json. The SPEC 4.1 coverages (issue 9) come last, so
 * the earlier columns keep their places. */
enum { NCELL = 21 };
static const char *const kCellNames[NCELL] = {
    "bias", "sd", "rmse", "s_oracle", "s_observed_mean", "bias_formula", "coverage_oracle",
    "coverage_oracle_se", "coverage_observed", "coverage_observed_se", "ks_D", "ks_p",
    "p_abs_err_within_eps", "abs_err_quantile_level", "n1_needed_for_eps",
    "coverage_calibrated", "coverage_calibrated_se", "coverage_calibrated_dec",
    "coverage_calibrated_dec_se", "coverage_own", "coverage_own_se"};

static void cell_numbers(const sigma_study_cell *c, double bf, double v[NCELL]) {
  const double x[NCELL] = {
      c->bias, c->sd, c->rmse, c->s_oracle, c->s_obs_mean, bf,
      c->cov[SIGMA_COV_ORACLE], c->cov_se[SIGMA_COV_ORACLE], c->cov[SIGMA_COV_OBSERVED],
      c->cov_se[SIGMA_COV_OBSERVED], c->ks_D, c->ks_p, c->p_within, c->q_level, c->n1_needed,
      c->cov[SIGMA_COV_CAL_ORACLE], c->cov_se[SIGMA_COV_CAL_ORACLE], c->cov[SIGMA_COV_CAL_DEC],
      c->cov_se[SIGMA_COV_CAL_DEC], c->cov[SIGMA_COV_OWN], c->cov_se[SIGMA_COV_OWN]};
  memcpy(v, x, sizeof x);
}

static int write_summary_csv(const sigma_study_result *r) {
  const sigma_study_header *h = &r->desc->study;
  sigma_str s = SIGMA_STR_INIT;
  sigma_str_puts(&s, "n1,epsilon,estimator,replicates");
  for (int j = 0; j < NCELL; j++) sigma_str_appendf(&s, ",%s", kCellNames[j]);
  sigma_str_puts(&s, "\n");
  for (int k = 0; k < h->K; k++)
    for (int e = 0; e < sigma_nest; e++) {
      double v[NCELL];
      cell_numbers(sigma_study_cell_at(r, k, e), bias_formula(r, k), v);
      sigma_str_appendf(&s, "%lld,%.17g,%s,%lld", (long long)h->n1[k], h->eps[k], KEY(e),
                        (long long)sigma_study_cell_at(r, k, e)->n);
      for (int j = 0; j < NCELL; j++) sigma_str_appendf(&s, ",%s", sigma_csv_num(v[j]));
      sigma_str_puts(&s, "\n");
    }
  int rc = sigma_str_error(&s);
  if (rc == SIGMA_OK) rc = sigma_study_write(r->out_dir, "summary.csv", sigma_str_cstr(&s));
  sigma_str_free(&s);
  return rc;
}

/* ---- summary.json ---- */

/* One summary row (not applicable: null). */
static json_t *cell_json(const sigma_study_result *r, int k, int e) {
  const sigma_study_header *h = &r->desc->study;
  double v[NCELL];
  cell_numbers(sigma_study_cell_at(r, k, e), bias_formula(r, k), v);
  json_t *row = json_pack("{s:I,s:o,s:s,s:I}", "n1", (json_int_t)h->n1[k], "epsilon",
                          sigma_json_num(h->eps[k]), "estimator", KEY(e), "replicates",
                          (json_int_t)sigma_study_cell_at(r, k, e)->n);
  for (int j = 0; row && j < NCELL; j++)
    if (json_object_set_new(row, kCellNames[j], sigma_json_num(v[j])) != 0) {
      json_decref(row);
      return NULL;
    }
  return row;
}

static json_t *summary_rows(const sigma_study_result *r) {
  json_t *rows = json_array();
  for (int k = 0; rows && k < r->desc->study.K; k++)
    for (int e = 0; rows && e < sigma_nest; e++)
      if (json_array_append_new(rows, cell_json(r, k, e)) != 0) {
        json_decref(rows);
        rows = NULL;
      }
  return rows;
}

static int write_summary_json(const sigma_study_result *r) {
  const sigma_study_desc *d = r->desc;
  json_t *root = json_pack(
      "{s:o,s:{s:f,s:o,s:o,s:o},s:{s:I,s:I,s:I},s:o,s:{s:f,s:f,s:o}}", "study",
      sigma_study_header_json(&d->study), "truth", "L", d->L, "tau2_oracle",
      sigma_json_num(d->tau2_oracle), "tau2_oracle_over_d",
      sigma_json_num(d->tau2_oracle / d->study.d), "audit_logdet_G1_rep0_n1max",
      sigma_json_num(d->logdet_G1_rep0), "replicates_here", "first", (json_int_t)r->rep_lo,
      "end", (json_int_t)r->rep_hi, "computed_this_run", (json_int_t)r->computed, "summary",
      summary_rows(r), "timing_s", "truth", r->t_truth, "replicates", r->t_reps,
      "replicates_ahead", sigma_json_num(r->reps_ahead));
  if (root && r->provenance) json_object_set(root, "provenance", r->provenance);
  char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) : NULL;
  int rc = text ? sigma_study_write(r->out_dir, "summary.json", text)
                : sigma_set_error(SIGMA_ENOMEM, "%s/summary.json: cannot build the JSON summary",
                                  r->out_dir);
  free(text);
  json_decref(root);
  return rc;
}

/* ---- all of it ---- */

char *sigma_study_label(int e) {
  const char *name = sigma_estimators[e].name;
  return sigma_strf("%.*s", (int)strcspn(name, " "), name);
}

int sigma_study_report(const sigma_study_result *r) {
  print_table(stdout, r);
  SIGMA_CHECK(write_summary_csv(r));
  SIGMA_CHECK(sigma_study_markdown(r));
  if (!r->no_plots) {
    SIGMA_CHECK(sigma_study_plot_files(r));
    SIGMA_CHECK(sigma_run_gnuplot(r->out_dir, "study.gp"));
  }
  return write_summary_json(r);
}
