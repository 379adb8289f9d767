/* The monitor's table, CSV, JSON and directory (report/monitor_report.h). */
#include "monitor_report.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "files.h"
#include "fmt.h"
#include "monitor_desc.h"
#include "plots.h"
#include "provenance.h"
#include "sigma/error.h"

/* "yes"/"no"/"n/a" of a 1/0/-1 flag. */
static const char *yes_no(int v) { return v < 0 ? "n/a" : v ? "yes" : "no"; }
static const char *word(const char *v) { return v ? v : "n/a"; }

void sigma_monitor_table(FILE *f, const sigma_monitor_result *r) {
  fprintf(f, "sigma monitor: %d checkpoints, d = %d, n1 = %lld observed rows (chosen among %lld), "
          "delta = %g, baseline %d (%s), level %g\n", r->K, r->d, (long long)r->n1,
          (long long)r->N0, r->delta, r->baseline, r->ck[r->baseline].label, r->level);
  fprintf(f, "%5s %-12s %11s %12s %12s %11s %25s %11s %9s %8s%s\n", "ckpt", "label", "N", "U",
          "Gamma", "delta_U", "CI(delta_U)", "delta_Gamma", "tau2_dec", "eff.rank",
          r->full ? "   delta_U_full" : "");
  for (int t = 0; t < r->K; t++) {
    const sigma_mon_point *p = &r->ck[t].p;
    const sigma_mon_drift *d = &r->drift[t];
    char ci[64];
    snprintf(ci, sizeof ci, "[%s, %s]", sigma_num("%.3f", d->lo), sigma_num("%.3f", d->hi));
    fprintf(f, "%5d %-12s %11.0f %12s %12s %11s %25s %11s %9s %8s", t, r->ck[t].label, p->N,
            sigma_num("%.4f", p->U), sigma_num("%.6g", p->Gamma), sigma_num("%.4f", d->dU),
            isnan(d->lo) ? "n/a" : ci, sigma_num("%.4g", d->dGamma),
            sigma_num("%.1f", p->tau2_dec), sigma_num("%.1f", p->effective_rank));
    if (r->full) fprintf(f, " %15s", sigma_num("%.4f", d->dU_full));
    fputc('\n', f);
  }
  sigma_str s = SIGMA_STR_INIT;
  sigma_monitor_verdict_text(&s, r);
  fputs(sigma_str_cstr(&s), f);
  sigma_str_free(&s);
}

/* Whether any checkpoint carries surface proxies (--proxies). */
static int has_proxies(const sigma_monitor_result *r) {
  for (int t = 0; t < r->K; t++)
    if (!isnan(r->ck[t].p.distinct_1) || !isnan(r->ck[t].p.hhi)) return 1;
  return 0;
}

/* One track's line of the summary. */
static void trend_line(sigma_str *s, const char *name, double final, const sigma_mon_trend *t) {
  sigma_str_appendf(s, "%-20s final drift %s, slope %s +- %s per checkpoint (t = %s): %s\n",
                    name, sigma_num("%.6g", final), sigma_num("%.4g", t->slope),
                    sigma_num("%.2g", t->se), sigma_num("%.2f", t->t), word(t->verdict));
}

void sigma_monitor_verdict_text(sigma_str *s, const sigma_monitor_result *r) {
  const sigma_mon_summary *m = &r->sum;
  if (r->K < 2) {
    sigma_str_puts(s, "one checkpoint: no drift and no slope (give at least 2, and 3 for a "
                      "verdict)\n");
    return;
  }
  trend_line(s, "Track II (U):", m->dU_final, &m->U);
  trend_line(s, "Track I (Gamma):", m->dGamma_final, &m->Gamma);
  if (r->full) trend_line(s, "full Gram (U of G):", m->dU_full_final, &m->U_full);
  if (r->K < 3)
    sigma_str_puts(s, "2 checkpoints: a slope but no standard error, so no verdict (give at "
                      "least 3)\n");
  sigma_str_appendf(s, "tracks agree in sign: %s; early-collapse signature (Track II "
                       "contracting while Track I is not): %s\n", yes_no(m->agree),
                    yes_no(m->early_collapse));
  if (has_proxies(r))
    sigma_str_appendf(s, "proxies, Spearman over checkpoints with delta_U / delta_Gamma: "
                         "distinct-1 %s / %s, distinct-2 %s / %s, HHI %s / %s\n",
                      sigma_num("%.3f", m->rho_U[0]), sigma_num("%.3f", m->rho_Gamma[0]),
                      sigma_num("%.3f", m->rho_U[1]), sigma_num("%.3f", m->rho_Gamma[1]),
                      sigma_num("%.3f", m->rho_U[2]), sigma_num("%.3f", m->rho_Gamma[2]));
}

void sigma_monitor_csv(sigma_str *s, const sigma_monitor_result *r) {
  sigma_str_puts(s, "checkpoint,label,N,d,n1,U,Gamma,delta_U,delta_Gamma,delta_U_sd,delta_U_lo,"
                    "delta_U_hi,delta_U_full");
  for (int f = 0; f < sigma_mon_npoint_fields; f++) {
    const char *n = sigma_mon_point_fields[f].name;
    if (strcmp(n, "N") && strcmp(n, "n1") && strcmp(n, "U") && strcmp(n, "Gamma"))
      sigma_str_appendf(s, ",%s", n);
  }
  sigma_str_puts(s, "\n");
  for (int t = 0; t < r->K; t++) {
    const sigma_mon_point *p = &r->ck[t].p;
    const sigma_mon_drift *d = &r->drift[t];
    sigma_str_appendf(s, "%d,%s,%.0f,%d,%.0f", t, r->ck[t].label, p->N, r->d, p->n1);
    const double v[] = {p->U, p->Gamma, d->dU, d->dGamma, d->sd, d->lo, d->hi, d->dU_full};
    for (size_t k = 0; k < sizeof v / sizeof *v; k++)
      sigma_str_appendf(s, ",%s", sigma_csv_num(v[k]));
    for (int f = 0; f < sigma_mon_npoint_fields; f++) {
      const char *n = sigma_mon_point_fields[f].name;
      if (strcmp(n, "N") && strcmp(n, "n1") && strcmp(n, "U") && strcmp(n, "Gamma"))
        sigma_str_appendf(s, ",%s", sigma_csv_num(sigma_mon_field_get(p, &sigma_mon_point_fields[f])));
    }
    sigma_str_puts(s, "\n");
  }
}

static json_t *trend_json(const sigma_mon_trend *t, double final) {
  return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "final_drift", sigma_json_num(final), "slope",
                   sigma_json_num(t->slope), "se", sigma_json_num(t->se), "t",
                   sigma_json_num(t->t), "t_critical", sigma_json_num(t->crit), "verdict",
                   t->verdict ? json_string(t->verdict) : json_null());
}

static json_t *flag_json(int v) { return v < 0 ? json_null() : json_boolean(v); }

static json_t *ckpt_json(const sigma_monitor_result *r, int t) {
  const sigma_mon_point *p = &r->ck[t].p;
  const sigma_mon_drift *d = &r->drift[t];
  json_t *c = json_pack("{s:i,s:s,s:s,s:i}", "checkpoint", t, "label", r->ck[t].label, "spec",
                        r->ck[t].spec, "d", r->d);
  json_t *files = json_array();
  for (int k = 0; files && k < r->ck[t].nfiles; k++)
    json_array_append_new(files, json_pack("{s:s,s:s,s:I}", "path", r->ck[t].files[k].path,
                                           "dataset", r->ck[t].files[k].dataset, "rows",
                                           (json_int_t)r->ck[t].files[k].rows));
  if (c)
    json_object_set_new(c, "files", files ? files : json_null());
  else
    json_decref(files);
  for (int f = 0; c && f < sigma_mon_npoint_fields; f++)
    json_object_set_new(c, sigma_mon_point_fields[f].name,
                        sigma_json_num(sigma_mon_field_get(p, &sigma_mon_point_fields[f])));
  const char *k[] = {"delta_U", "delta_Gamma", "delta_U_sd", "delta_U_lo", "delta_U_hi",
                     "delta_U_full"};
  const double v[] = {d->dU, d->dGamma, d->sd, d->lo, d->hi, d->dU_full};
  for (int i = 0; c && i < 6; i++) json_object_set_new(c, k[i], sigma_json_num(v[i]));
  return c;
}

/* The proxies' Spearman correlations with the drifts (null: n/a). */
static json_t *proxies_json(const sigma_mon_summary *m) {
  static const char *names[3] = {"distinct_1", "distinct_2", "hhi"};
  json_t *o = json_object();
  for (int j = 0; o && j < 3; j++)
    json_object_set_new(o, names[j], json_pack("{s:o,s:o}", "spearman_delta_U",
                                               sigma_json_num(m->rho_U[j]), "spearman_delta_Gamma",
                                               sigma_json_num(m->rho_Gamma[j])));
  return o;
}

/* monitor.json: parameters, checkpoints, summary, this run's timings, provenance. */
static char *json_text(const sigma_monitor_opts *o, const sigma_monitor_result *r) {
  json_t *cks = json_array(), *secs = json_array(), *reads = json_array();
  for (int t = 0; t < r->K; t++) {
    if (json_array_append_new(cks, ckpt_json(r, t)) != 0) { /* out of memory */
      json_decref(cks);
      cks = NULL; /* json_pack below fails on it: reported as out of memory */
      break;
    }
    if (t < r->nprev) continue;
    json_array_append_new(secs, sigma_json_num(r->ck[t].seconds));
    json_array_append_new(reads, sigma_json_num(r->ck[t].seconds_read));
  }
  const sigma_mon_summary *m = &r->sum;
  json_t *root = json_pack(
      "{s:{s:i,s:I,s:I,s:I,s:f,s:f,s:b,s:b,s:f,s:i,s:f},s:o,"
      "s:{s:i,s:o,s:o,s:o,s:o,s:o,s:o},s:{s:f,s:i,s:o,s:o},s:o}",
      "monitor", "d", r->d, "n1", (json_int_t)r->n1, "N0", (json_int_t)r->N0, "seed",
      (json_int_t)r->seed, "delta", r->delta, "energy_cap", r->energy_cap, "normalize",
      r->normalize, "full", r->full, "level", r->level, "baseline", r->baseline, "z", r->z,
      "checkpoints", cks, "summary", "checkpoints", r->K, "track_II_U",
      trend_json(&m->U, m->dU_final), "track_I_Gamma", trend_json(&m->Gamma, m->dGamma_final),
      "full_gram_U", trend_json(&m->U_full, m->dU_full_final), "tracks_agree_in_sign",
      flag_json(m->agree), "early_collapse_signature", flag_json(m->early_collapse), "proxies",
      proxies_json(m), "timing",
      "total_seconds", r->t_total, "new_checkpoints", r->K - r->nprev, "checkpoint_seconds",
      secs, "read_seconds", reads, "provenance", sigma_provenance("sigma monitor", &o->c, NULL, r->nranks));
  char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) : NULL;
  json_decref(root);
  if (!text)
    sigma_set_error(SIGMA_ENOMEM, "cannot encode monitor.json (out of memory, or a shard "
                    "path that is not UTF-8)");
  return text;
}

/* DIR/NAME from text. */
static int put(const char *dir, const char *name, const char *text) {
  char *path = sigma_strf("%s/%s", dir, name);
  if (!path) return SIGMA_ENOMEM;
  int rc = sigma_file_write(path, "monitor output", text, strlen(text));
  free(path);
  return rc;
}

/* observed-indices.txt of a new series (an appended one keeps its file). */
static int put_indices(const sigma_monitor_opts *o, const sigma_monitor_result *r) {
  if (o->append) return SIGMA_OK;
  sigma_str s = SIGMA_STR_INIT;
  for (int64_t k = 0; k < r->obs.n; k++)
    sigma_str_appendf(&s, "%llu\n", (unsigned long long)r->obs.rows[k]);
  int rc = sigma_str_error(&s);
  if (rc == SIGMA_OK) rc = put(o->out_dir, "observed-indices.txt", sigma_str_cstr(&s));
  sigma_str_free(&s);
  return rc;
}

int sigma_monitor_write(const sigma_monitor_opts *o, const sigma_monitor_result *r) {
  const char *dir = o->out_dir;
  if (mkdir(dir, 0777) != 0 && errno != EEXIST)
    return sigma_set_error(SIGMA_EIO, "%s: cannot create (%s)", dir, strerror(errno));
  SIGMA_CHECK(put_indices(o, r));
  sigma_str s = SIGMA_STR_INIT;
  sigma_monitor_csv(&s, r);
  int rc = sigma_str_error(&s);
  if (rc == SIGMA_OK) rc = put(dir, "monitor.csv", sigma_str_cstr(&s));
  sigma_str_free(&s);
  char *md = sigma_strf("%s/report.md", dir);
  const int plots = o->plots && r->K >= 2; /* one checkpoint: no drift to draw */
  if (rc == SIGMA_OK) rc = md ? sigma_monitor_markdown(r, md, plots) : SIGMA_ENOMEM;
  free(md);
  if (rc == SIGMA_OK && plots) rc = sigma_monitor_plot_files(r, dir);
  if (rc == SIGMA_OK && plots) rc = sigma_run_gnuplot(dir, "monitor.gp");
  char *text = rc == SIGMA_OK ? json_text(o, r) : NULL;
  if (rc == SIGMA_OK) rc = text ? put(dir, "monitor.json", text) : SIGMA_ENOMEM;
  free(text);
  return rc;
}
