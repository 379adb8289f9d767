/* The monitor's report.md and plots (report/monitor_report.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "files.h"
#include "fmt.h"
#include "monitor_report.h"
#include "sigma/error.h"

static int flush(const char *path, sigma_str *s) {
  int rc = sigma_str_error(s);
  if (rc == SIGMA_OK) rc = sigma_file_write(path, "monitor output", sigma_str_cstr(s), s->len);
  sigma_str_free(s);
  return rc;
}

static void md_table(sigma_str *s, const sigma_monitor_result *r) {
  sigma_str_puts(s, "| checkpoint | label | N | U | Gamma | delta_U | CI of delta_U | "
                    "delta_Gamma | tau2_dec | effective rank | alpha |");
  sigma_str_puts(s, r->full ? " delta_U_full |\n" : "\n");
  sigma_str_puts(s, "|---:|---|---:|---:|---:|---:|---|---:|---:|---:|---:|");
  sigma_str_puts(s, r->full ? "---:|\n" : "\n");
  for (int t = 0; t < r->K; t++) {
    const sigma_mon_point *p = &r->ck[t].p;
    const sigma_mon_drift *d = &r->drift[t];
    sigma_str_appendf(s, "| %d | %s | %.0f | %s | %s | %s | ", t, r->ck[t].label, p->N,
                      sigma_num("%.4f", p->U), sigma_num("%.6g", p->Gamma),
                      sigma_num("%.4f", d->dU));
    if (isnan(d->lo))
      sigma_str_puts(s, "n/a");
    else
      sigma_str_appendf(s, "[%.4f, %.4f]", d->lo, d->hi);
    sigma_str_appendf(s, " | %s | %s | %s | %s |", sigma_num("%.4g", d->dGamma),
                      sigma_num("%.1f", p->tau2_dec), sigma_num("%.2f", p->effective_rank),
                      sigma_num("%.3f", p->alpha));
    if (r->full) sigma_str_appendf(s, " %s |", sigma_num("%.4f", d->dU_full));
    sigma_str_puts(s, "\n");
  }
}

int sigma_monitor_markdown(const sigma_monitor_result *r, const char *path, int plots) {
  sigma_str s = SIGMA_STR_INIT;
  sigma_str_appendf(&s, "# sigma monitor\n\n%d checkpoints, d = %d; the same n1 = %lld observed "
                    "rows (chosen among the %lld rows of checkpoint 0, seed %llu) at every "
                    "checkpoint; delta = %g, energy cap c_E = %g%s; baseline: checkpoint %d "
                    "(%s); level %g.\n\n## Verdict\n\n```\n", r->K, r->d, (long long)r->n1,
                    (long long)r->N0, (unsigned long long)r->seed, r->delta, r->energy_cap,
                    r->normalize ? ", rows normalised" : "", r->baseline,
                    r->ck[r->baseline].label, r->level);
  sigma_monitor_verdict_text(&s, r);
  sigma_str_puts(&s, "```\n\nA verdict is the sign of the least-squares slope of the drift "
                     "against the checkpoint index when it differs from 0 at the level "
                     "(Student t, K - 2 degrees of freedom): contracting, expanding, else "
                     "stable. Track II falling while Track I stays is the paper's early-collapse "
                     "signature (section 4).\n\n## Checkpoints\n\n");
  md_table(&s, r);
  sigma_str_puts(&s, "\nThe CI of delta_U is delta_U +- z sqrt(V_t + V_b), V the calibrated "
                     "variance V_G + max(tau2_dec - 2d, 0) (1/n1 - 1/N) of SPEC 4.1 at each "
                     "checkpoint (docs/monitor.md): exact in coverage for independent rows at the "
                     "two checkpoints, conservative when they are the same prompts.\n");
  if (plots)
    sigma_str_puts(&s, "\n![Track II drift](plots/drift_U.png)\n\n"
                       "![Track I drift](plots/drift_Gamma.png)\n\n"
                       "![normalised tracks](plots/overlay.png)\n");
  return flush(path, &s);
}

/* (x - min) / (max - min) over the series; a track that never moves is 0 throughout. */
static void minmax(const sigma_monitor_result *r, int gamma, double *lo, double *hi) {
  *lo = INFINITY;
  *hi = -INFINITY;
  for (int t = 0; t < r->K; t++) {
    double v = gamma ? r->drift[t].dGamma : r->drift[t].dU;
    if (v < *lo) *lo = v;
    if (v > *hi) *hi = v;
  }
}

static double scaled(double v, double lo, double hi) {
  return hi > lo ? (v - lo) / (hi - lo) : isnan(v) ? NAN : 0.0;
}

static void data_file(sigma_str *s, const sigma_monitor_result *r) {
  double ul, uh, gl, gh;
  minmax(r, 0, &ul, &uh);
  minmax(r, 1, &gl, &gh);
  sigma_str_puts(s, "# checkpoint delta_U lo hi delta_Gamma delta_U_full U_scaled "
                    "Gamma_scaled\n");
  for (int t = 0; t < r->K; t++) {
    const sigma_mon_drift *d = &r->drift[t];
    sigma_str_appendf(s, "%d %s %s %s %s %s %s %s\n", t, sigma_num("%.17g", d->dU),
                      sigma_num("%.17g", d->lo), sigma_num("%.17g", d->hi),
                      sigma_num("%.17g", d->dGamma), sigma_num("%.17g", d->dU_full),
                      sigma_num("%.17g", scaled(d->dU, ul, uh)),
                      sigma_num("%.17g", scaled(d->dGamma, gl, gh)));
  }
}

static void script(sigma_str *s, const sigma_monitor_result *r) {
  sigma_str_appendf(s,
      "# gnuplot script written by sigma monitor; run in this directory.\n"
      "set datafile missing 'n/a'\nset termoption noenhanced\n"
      "set terminal pngcairo size 900,500 font ',10' noenhanced\n"
      "set xlabel 'checkpoint'; set grid; set key top right\n"
      "set output 'drift_U.png'\n"
      "set title 'Track II drift delta_U = U_t - U_%d, %.4g CI (n1 = %lld, d = %d)'\n"
      "set ylabel 'nats'\n"
      "plot 'monitor.dat' u 1:3:4 w filledcurves lc rgb '#cfe2f3' t 'CI', \\\n"
      "     '' u 1:2 w lp pt 7 lw 2 lc rgb '#cc0000' t 'delta_U (observed block)'%s\n"
      "set output 'drift_Gamma.png'\n"
      "set title 'Track I drift delta_Gamma = Gamma_t - Gamma_%d (B = c_E n2)'\n"
      "plot 'monitor.dat' u 1:5 w lp pt 7 lw 2 lc rgb '#1f4e9c' t 'delta_Gamma'\n"
      "set output 'overlay.png'\n"
      "set title 'both tracks min-max normalised over the series'\n"
      "set ylabel 'normalised drift'; set yrange [-0.05:1.05]\n"
      "plot 'monitor.dat' u 1:7 w lp pt 7 lw 2 lc rgb '#cc0000' t 'Track II (U)', \\\n"
      "     '' u 1:8 w lp pt 5 lw 2 lc rgb '#1f4e9c' t 'Track I (Gamma)'\n",
      r->baseline, r->level, (long long)r->n1, r->d,
      r->full ? ", \\\n     '' u 1:6 w lp pt 5 dt 2 lc rgb 'black' t 'full Gram'" : "",
      r->baseline);
}

int sigma_monitor_plot_files(const sigma_monitor_result *r, const char *dir) {
  char *plots = sigma_strf("%s/plots", dir), *dat = sigma_strf("%s/plots/monitor.dat", dir),
       *gp = sigma_strf("%s/plots/monitor.gp", dir);
  int rc = plots && dat && gp ? SIGMA_OK : SIGMA_ENOMEM;
  if (rc == SIGMA_OK && mkdir(plots, 0777) != 0 && errno != EEXIST)
    rc = sigma_set_error(SIGMA_EIO, "%s: cannot create (%s)", plots, strerror(errno));
  sigma_str s = SIGMA_STR_INIT;
  if (rc == SIGMA_OK) {
    data_file(&s, r);
    rc = flush(dat, &s);
  }
  if (rc == SIGMA_OK) {
    script(&s, r);
    rc = flush(gp, &s);
  }
  sigma_str_free(&s);
  free(plots);
  free(dat);
  free(gp);
  return rc;
}
