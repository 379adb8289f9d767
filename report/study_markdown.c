/* DIR/report.md: a study's verdict in words and numbers (report/study_report.h). */
#include <math.h>
#include <stdlib.h>

#include "fmt.h"
#include "sigma/error.h"
#include "sigma/estimators.h"
#include "sigma/registry.h"
#include "sigma/stats.h"
#include "str.h"
#include "study_files.h"
#include "study_report.h"

/* "a, b, c" of the sweep's n1. */
static void n1_list(sigma_str *s, const sigma_study_header *h) {
  for (int k = 0; k < h->K; k++) sigma_str_appendf(s, "%s%lld", k ? ", " : "", (long long)h->n1[k]);
}

static void intro(sigma_str *s, const sigma_study_result *r) {
  const sigma_study_desc *d = r->desc;
  const sigma_study_header *h = &d->study;
  sigma_str_appendf(s, "# sigma study\n\nN = %lld rows, d = %d, L = log det G = %.4f nats, tau2 "
                       "oracle = %s = %s d (Gaussian rows: 2 d). %lld replicates (seed %llu) "
                       "per n1 in {",
                    (long long)h->N, h->d, d->L, sigma_num("%.4g", d->tau2_oracle),
                    sigma_num("%.2f", d->tau2_oracle / h->d), (long long)(r->rep_hi - r->rep_lo),
                    (unsigned long long)h->seed);
  n1_list(s, h);
  sigma_str_appendf(s, "}, nominal level %.4g%%.\n\n## Verdict\n\n", 100 * h->level);
}

/* The paper's CI (the plug-in estimator with the oracle tau) and the plug-in bias
 * against the Gaussian formula. */
static void verdict_plugin(sigma_str *s, const sigma_study_result *r) {
  const sigma_study_header *h = &r->desc->study;
  const int p = SIGMA_EST_PLUGIN;
  sigma_str_puts(s, "- **The paper's CI** (plug-in Lhat +- z tau sqrt(1/n1 - 1/N), oracle tau) "
                    "covered L in ");
  for (int k = 0; k < h->K; k++)
    sigma_str_appendf(s, "%s%s%%", k ? ", " : "",
                      sigma_num("%.1f", 100 * sigma_study_cell_at(r, k, p)->cov[0]));
  sigma_str_puts(s, " of replicates at n1 = ");
  n1_list(s, h);
  sigma_str_appendf(s, " (nominal %.4g%%).\n", 100 * h->level);
  sigma_str_puts(s, "- **Plug-in bias** mean(L - Lhat) against d(d+1)/2 (1/n1 - 1/N): ");
  for (int k = 0; k < h->K; k++) {
    const sigma_study_cell *c = sigma_study_cell_at(r, k, p);
    sigma_str_appendf(s, "%sn1 = %lld: %s +- %s vs %.4f", k ? "; " : "", (long long)h->n1[k],
                      sigma_num("%.4f", c->bias),
                      sigma_num("%.4f", c->n > 1 ? c->sd / sqrt((double)c->n) : NAN),
                      sigma_bias_formula(h->d, (double)h->N, (double)h->n1[k]));
  }
  sigma_str_puts(s, " nats (+- one standard error of the mean).\n");
}

/* Every other registered estimator: its coverage with the oracle tau, and at how many n1
 * it is within 3 binomial SE of nominal. */
static void verdict_others(sigma_str *s, const sigma_study_result *r) {
  const sigma_study_header *h = &r->desc->study;
  for (int e = 0; e < sigma_nest; e++) {
    if (e == SIGMA_EST_PLUGIN) continue;
    int within = 0, shown = 0;
    sigma_str_appendf(s, "- **%s** coverage (oracle tau): ", sigma_estimators[e].name);
    for (int k = 0; k < h->K; k++) {
      const sigma_study_cell *c = sigma_study_cell_at(r, k, e);
      if (c->n == 0 || !isfinite(c->cov[0])) continue;
      double se = sigma_binomial_se(h->level, (size_t)c->n);
      within += fabs(c->cov[0] - h->level) <= 3 * se;
      shown++;
      sigma_str_appendf(s, "%s%.1f%% (bias %s)", shown > 1 ? ", " : "", 100 * c->cov[0],
                        sigma_num("%.4f", c->bias));
    }
    sigma_str_appendf(s, "; within 3 binomial SE of nominal at %d of %d n1.\n", within, shown);
  }
}

/* Own CI of estimator e at sweep point k covers at least nominal minus 2 binomial SE. */
static int own_nominal(const sigma_study_result *r, int k, int e) {
  const sigma_study_cell *c = sigma_study_cell_at(r, k, e);
  const double level = r->desc->study.level;
  return c->n > 0 && isfinite(c->cov[SIGMA_COV_OWN]) &&
         c->cov[SIGMA_COV_OWN] >= level - 2 * sigma_binomial_se(level, (size_t)c->n);
}

/* SPEC 4.1: the n1 of the sweep from which each estimator's own CI (what a user without
 * the truth has) stays within 2 binomial SE of nominal at every larger n1: a CI that covers
 * at 2d only because its tau is inflated there, and not at 4d, does not count. */
static void verdict_own(sigma_str *s, const sigma_study_result *r) {
  const sigma_study_header *h = &r->desc->study;
  sigma_str_puts(s, "- **Own CIs** (LEV: calibrated with tau2_dec");
  if (h->block_jackknife)
    sigma_str_appendf(s, ", or the delete-%lld-block jackknife variance v_bj where larger "
                         "(--block-jackknife)", (long long)h->block_jackknife);
  sigma_str_puts(s, "; jackknife: its own variance; the others: the paper's with the observed "
                    "tau), the n1 from which each covers within 2 binomial SE of nominal at "
                    "every larger n1 of the sweep: ");
  for (int e = 0; e < sigma_nest; e++) {
    int from = h->K;
    while (from > 0 && own_nominal(r, from - 1, e)) from--;
    if (from < h->K)
      sigma_str_appendf(s, "%s%s %lld (%.3g d)", e ? "; " : "", sigma_estimators[e].key,
                        (long long)h->n1[from], (double)h->n1[from] / h->d);
    else
      sigma_str_appendf(s, "%s%s n/a (not at the largest n1)", e ? "; " : "",
                        sigma_estimators[e].key);
  }
  sigma_str_puts(s, ".\n");
}

/* The rule n1 = c d / eps^2 for the estimators applicable to every block (registry
 * needs == NULL: their P(|err| <= eps) is defined at every n1). */
static int verdict_rule(sigma_str *s, const sigma_study_result *r) {
  const sigma_study_header *h = &r->desc->study;
  char *label[SIGMA_EST_MAX] = {0};
  int rc = SIGMA_OK;
  for (int e = 0; e < sigma_nest; e++)
    if (!sigma_estimators[e].needs && !(label[e] = sigma_study_label(e))) rc = SIGMA_ENOMEM;
  sigma_str_appendf(s, "- **The rule n1 = %g d / eps^2**: ", h->rule_constant);
  for (int k = 0; k < h->K && rc == SIGMA_OK; k++) {
    sigma_str_appendf(s, "%seps = %.4g -> n1 = %lld: P(|L - est| <= eps) = ", k ? "; " : "",
                      h->eps[k], (long long)h->n1[k]);
    for (int e = 0, m = 0; e < sigma_nest; e++)
      if (label[e])
        sigma_str_appendf(s, "%s%s %s", m++ ? ", " : "",
                          sigma_num("%.3f", sigma_study_cell_at(r, k, e)->p_within), label[e]);
    sigma_str_appendf(s, "; n1 needed for eps at %.4g%%: ", 100 * h->level);
    for (int e = 0, m = 0; e < sigma_nest; e++)
      if (label[e])
        sigma_str_appendf(s, "%s%s %s", m++ ? ", " : "",
                          sigma_num("%.0f", sigma_study_cell_at(r, k, e)->n1_needed), label[e]);
  }
  sigma_str_puts(s, " (n/a: not reached within the sweep).\n\n");
  for (int e = 0; e < sigma_nest; e++) free(label[e]);
  return rc;
}

static void summary_table(sigma_str *s, const sigma_study_result *r) {
  const sigma_study_header *h = &r->desc->study;
  sigma_str_puts(s, "## Summary table\n\n| n1 | eps | estimator | bias | sd | s (oracle tau) | "
                    "coverage (oracle) | coverage (observed) | coverage (own) | KS D (p) | "
                    "P(abs err <= eps) | n1 for eps |\n"
                    "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (int k = 0; k < h->K; k++)
    for (int e = 0; e < sigma_nest; e++) {
      const sigma_study_cell *c = sigma_study_cell_at(r, k, e);
      sigma_str_appendf(s, "| %lld | %.4g | %s | %s | %s | %s | %s +- %s | %s +- %s | %s +- %s | "
                           "%s (%s) | %s | %s |\n",
                        (long long)h->n1[k], h->eps[k], sigma_estimators[e].key,
                        sigma_num("%.4f", c->bias), sigma_num("%.4f", c->sd),
                        sigma_num("%.4f", c->s_oracle), sigma_num("%.3f", c->cov[0]),
                        sigma_num("%.3f", c->cov_se[0]), sigma_num("%.3f", c->cov[1]),
                        sigma_num("%.3f", c->cov_se[1]), sigma_num("%.3f", c->cov[SIGMA_COV_OWN]),
                        sigma_num("%.3f", c->cov_se[SIGMA_COV_OWN]), sigma_num("%.3f", c->ks_D),
                        sigma_num("%.2g", c->ks_p), sigma_num("%.3f", c->p_within),
                        sigma_num("%.0f", c->n1_needed));
    }
  sigma_str_puts(s, "\n![errors](plots/errors.png)\n![coverage](plots/coverage.png)\n"
                    "![qq](plots/qq.png)\n![histogram](plots/hist.png)\n");
}

int sigma_study_markdown(const sigma_study_result *r) {
  sigma_str s = SIGMA_STR_INIT;
  intro(&s, r);
  verdict_plugin(&s, r);
  verdict_others(&s, r);
  verdict_own(&s, r);
  int rc = verdict_rule(&s, r);
  summary_table(&s, r);
  if (rc == SIGMA_OK) rc = sigma_str_error(&s);
  if (rc == SIGMA_OK) rc = sigma_study_write(r->out_dir, "report.md", sigma_str_cstr(&s));
  sigma_str_free(&s);
  return rc;
}
