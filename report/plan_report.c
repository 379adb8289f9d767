/* The plan's table and JSON (report/plan_report.h). */
#include "plan_report.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas_core.h"
#include "files.h"
#include "fmt.h"
#include "provenance.h"
#include "sigma/error.h"
#include "sigma/version.h"

static void table_head(FILE *f, const sigma_plan_opts *o, const sigma_plan_result *r) {
  const int d = r->d;
  fprintf(f, "sigma plan: N = %lld, d = %d, pilot %lld rows (seed %llu), level %.4g (z = %.4f)\n"
             "  tau2 (leave-one-out on the pilot) = %s = %s d   (the rule assumes ~ d; Gaussian 2 d)\n"
             "  tau2_dec (deconvolved, SPEC 4.1) = %s = %s d\n"
             "  plug-in bias constant c: %s from the pilot (Richardson split), %.4g Gaussian d(d+1)/2\n\n",
          (long long)r->N, d, (long long)r->K, (unsigned long long)o->c.seed, o->c.level, r->z,
          sigma_num("%.4g", r->tau2), sigma_num("%.2f", r->tau2 / d),
          sigma_num("%.4g", r->tau2_dec), sigma_num("%.2f", r->tau2_dec / d),
          sigma_num("%.4g", r->c_hat), r->c_gauss);
  fprintf(f, "%8s %10s | %14s %14s |", "eps", "rule n1", "halfwidth@rule", "bias@rule");
  for (int e = 0; e < sigma_nest; e++) fprintf(f, " %14s", sigma_estimators[e].key);
  fprintf(f, " %14s\n", "plugin (G)");
}

void sigma_plan_table(FILE *f, const sigma_plan_opts *o, const sigma_plan_result *r) {
  table_head(f, o, r);
  for (int k = 0; k < r->nrows; k++) {
    const sigma_plan_row *w = &r->row[k];
    char rs[32] = "n/a";
    if (w->rule_n1 > 0) snprintf(rs, sizeof rs, "%lld", (long long)w->rule_n1);
    fprintf(f, "%8.4g %10s | %14s %14s |", w->eps, rs, sigma_num("%.4f", w->halfwidth_rule),
            sigma_num("%.4f", w->bias_rule));
    for (int e = 0; e < sigma_nest; e++) fprintf(f, " %14s", sigma_num("%.0f", w->n1[e]));
    fprintf(f, " %14s%s\n", sigma_num("%.0f", w->plugin_n1_gaussian),
            w->needs_full_pass ? "  (bias-corrected estimators need the full pass: n1 = N)" : "");
  }
  fprintf(f, "\nn1 per estimator: |bias| + z tau sqrt(1/n1 - 1/N) <= eps, the bias taken as 0 "
             "for the bias-corrected ones (Richardson also needs n1 >= 16 d = %d) and as "
             "c (1/n1 - 1/N) for the plug-in, c from the pilot or Gaussian (G); lev and "
             "jackknife: z sqrt(V_G(n1) + max(tau2_dec - 2d, 0)(1/n1 - 1/N)) <= eps (SPEC 4.1). "
             "Sizes are capped by N.\n", 16 * r->d);
}

static json_t *row_json(const sigma_plan_row *w) {
  const int p = SIGMA_EST_PLUGIN, ws = SIGMA_EST_WISHART;
  json_t *n1 = json_object();
  for (int e = 0; e < sigma_nest; e++)
    json_object_set_new(n1, sigma_estimators[e].key, sigma_json_num(w->n1[e]));
  return json_pack("{s:f,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:o}", "epsilon", w->eps, "rule_n1",
                   w->rule_n1 > 0 ? json_integer((json_int_t)w->rule_n1) : json_null(),
                   "halfwidth_at_rule_n1", sigma_json_num(w->halfwidth_rule),
                   "plugin_bias_at_rule_n1", sigma_json_num(w->bias_rule), "wishart_n1",
                   sigma_json_num(w->n1[ws]), "plugin_n1", sigma_json_num(w->n1[p]),
                   "plugin_n1_gaussian_c", sigma_json_num(w->plugin_n1_gaussian),
                   "needs_full_pass", w->needs_full_pass, "n1", n1);
}

static json_t *plan_json(const sigma_plan_opts *o, const sigma_plan_result *r) {
  json_t *rows = json_array(), *files = json_array();
  for (int k = 0; k < r->nrows; k++) json_array_append_new(rows, row_json(&r->row[k]));
  for (int k = 0; k < r->input->nshards; k++)
    json_array_append_new(files, json_pack("{s:s,s:s,s:I}", "path", r->input->shard[k].path,
                                           "dataset", r->input->shard[k].dataset, "rows",
                                           (json_int_t)r->input->shard[k].rows));
  json_t *root = json_pack(
      "{s:s,s:o,s:I,s:i,s:I,s:I,s:f,s:f,s:o,s:o,s:o,s:f,s:b,s:b,s:o}", "tool",
      "sigma plan " SIGMA_VERSION, "files", files, "N", (json_int_t)r->N, "d", r->d,
      "pilot_rows", (json_int_t)r->K, "seed", (json_int_t)o->c.seed, "level", o->c.level, "z",
      r->z, "tau2_pilot", sigma_json_num(r->tau2), "c_pilot", sigma_json_num(r->c_hat),
      "logdet_G1_pilot", sigma_json_num(r->logdet), "c_gaussian", r->c_gauss, "normalize",
      o->c.normalize, "center", o->c.center, "plan", rows);
  if (!root) return NULL;
  json_object_set_new(root, "tau2_dec_pilot", sigma_json_num(r->tau2_dec));
  json_object_set_new(root, "blas", sigma_blas_json()); /* OpenBLAS core, threads */
  json_object_set_new(root, "provenance", sigma_provenance("sigma plan", &o->c, r->input, 1));
  return root;
}

int sigma_plan_write(const sigma_plan_opts *o, const sigma_plan_result *r) {
  if (!o->json) return SIGMA_OK;
  json_t *root = plan_json(o, r);
  char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) : NULL;
  int rc = text ? sigma_file_write(o->json, "--json", text, strlen(text))
                : sigma_set_error(SIGMA_ENOMEM, "%s: cannot build the JSON plan", o->json);
  free(text);
  json_decref(root);
  return rc;
}
