/* The plot data of a study and its gnuplot script, one panel or curve per registered
 * estimator (report/study_report.h). Not applicable is "n/a", gnuplot's missing value. */
#include <errno.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fmt.h"
#include "sigma/error.h"
#include "sigma/estimators.h"
#include "sigma/registry.h"
#include "str.h"
#include "study_files.h"
#include "study_report.h"

#define KEY(e) (sigma_estimators[e].key)
#define DAT(v) sigma_num("%.10g", (v)) /* n/a when not applicable, never nan */

/* Replicate r's row at sweep point k. */
static const double *rep_row(const sigma_study_result *r, int64_t rep, int k) {
  return r->V + ((size_t)rep * r->desc->study.K + k) * sigma_rep_ncol();
}

/* The sweep point shown in the histogram: the n1 nearest 16 d (log scale). */
static int hist_index(const sigma_study_header *h) {
  const double target = 16.0 * h->d;
  int best = 0;
  for (int k = 1; k < h->K; k++)
    if (fabs(log((double)h->n1[k] / target)) < fabs(log((double)h->n1[best] / target))) best = k;
  return best;
}

/* Write s to PLOTS/NAME, then empty s. */
static int flush_to(const char *plots, const char *name, sigma_str *s) {
  int rc = sigma_str_error(s);
  if (rc == SIGMA_OK) rc = sigma_study_write(plots, name, sigma_str_cstr(s));
  sigma_str_free(s);
  return rc;
}

/* The same to PLOTS/KIND_KEY.dat of estimator e. */
static int flush_est(const char *plots, const char *kind, int e, sigma_str *s) {
  char *name = sigma_strf("%s_%s.dat", kind, KEY(e));
  int rc = name ? flush_to(plots, name, s) : SIGMA_ENOMEM;
  if (!name) sigma_str_free(s);
  free(name);
  return rc;
}

/* est_KEY.dat: per n1 the cell's mean error, sd, s, the band z s, the bias formula and
 * the two coverages with their SE. */
static void est_dat(sigma_str *s, const sigma_study_result *r, int e, double z) {
  const sigma_study_header *h = &r->desc->study;
  sigma_str_puts(s, "# n1 bias sd s_pred z*s_pred bias_formula cov_oracle se cov_observed se\n");
  for (int k = 0; k < h->K; k++) {
    const sigma_study_cell *c = sigma_study_cell_at(r, k, e);
    sigma_str_appendf(s, "%lld %s %s %s %s %s %s %s %s %s\n", (long long)h->n1[k], DAT(c->bias),
                      DAT(c->sd), DAT(c->s_oracle), DAT(z * c->s_oracle),
                      DAT(sigma_bias_formula(h->d, (double)h->N, (double)h->n1[k])),
                      DAT(c->cov[0]), DAT(c->cov_se[0]), DAT(c->cov[1]), DAT(c->cov_se[1]));
  }
}

/* err_KEY.dat: every applicable replicate's error at every n1. */
static void err_dat(sigma_str *s, const sigma_study_result *r, int e) {
  const int K = r->desc->study.K;
  for (int64_t rep = 0; rep < r->rep_hi - r->rep_lo; rep++)
    for (int k = 0; k < K; k++) {
      const double err = rep_row(r, rep, k)[sigma_rep_col(e, SIGMA_REP_ERR)];
      if (isfinite(err)) sigma_str_appendf(s, "%lld %.10g\n", (long long)r->desc->study.n1[k], err);
    }
}

/* qq_KEY.dat at the largest n1: sorted standardized errors against normal quantiles. */
static int qq_dat(sigma_str *s, const sigma_study_result *r, int e) {
  const int64_t R = r->rep_hi - r->rep_lo;
  const int kq = r->desc->study.K - 1;
  double *zs;
  SIGMA_CHECK(sigma_calloc(&zs, (size_t)R, sizeof(double)));
  int64_t n = 0;
  for (int64_t rep = 0; rep < R; rep++) {
    const double *row = rep_row(r, rep, kq);
    if (isfinite(row[sigma_rep_col(e, SIGMA_REP_ERR)]))
      zs[n++] = row[sigma_rep_col(e, SIGMA_REP_ERR)] / row[sigma_rep_col(e, SIGMA_REP_S_ORACLE)];
  }
  gsl_sort(zs, 1, (size_t)n);
  for (int64_t i = 0; i < n; i++)
    sigma_str_appendf(s, "%.10g %.10g\n", gsl_cdf_ugaussian_Pinv((i + 0.5) / n), zs[i]);
  free(zs);
  return SIGMA_OK;
}

/* hist.dat: one column of errors per estimator at the histogram's n1. */
static void hist_dat(sigma_str *s, const sigma_study_result *r, int kh) {
  sigma_str_appendf(s, "# errors at n1 = %lld:", (long long)r->desc->study.n1[kh]);
  for (int e = 0; e < sigma_nest; e++) sigma_str_appendf(s, " %s", KEY(e));
  sigma_str_puts(s, "\n");
  for (int64_t rep = 0; rep < r->rep_hi - r->rep_lo; rep++)
    for (int e = 0; e < sigma_nest; e++)
      sigma_str_appendf(s, "%s%s", DAT(rep_row(r, rep, kh)[sigma_rep_col(e, SIGMA_REP_ERR)]),
                        e + 1 < sigma_nest ? " " : "\n");
}

/* The data files of every estimator, then hist.dat. */
static int data_files(const sigma_study_result *r, const char *plots) {
  const double z = sigma_z_for_level(r->desc->study.level);
  sigma_str s = SIGMA_STR_INIT;
  for (int e = 0; e < sigma_nest; e++) {
    est_dat(&s, r, e, z);
    SIGMA_CHECK(flush_est(plots, "est", e, &s));
    err_dat(&s, r, e);
    SIGMA_CHECK(flush_est(plots, "err", e, &s));
    int rc = qq_dat(&s, r, e);
    if (rc != SIGMA_OK) sigma_str_free(&s);
    SIGMA_CHECK(rc);
    SIGMA_CHECK(flush_est(plots, "qq", e, &s));
  }
  hist_dat(&s, r, hist_index(&r->desc->study));
  return flush_to(plots, "hist.dat", &s);
}

/* errors.png and coverage.png: one panel (errors) and two curves (coverage) per
 * estimator of E, the registry's keys. */
static void script_errors(sigma_str *s, const sigma_study_result *r) {
  const sigma_study_header *h = &r->desc->study;
  sigma_str_puts(s, "# gnuplot script written by sigma study; run in this directory.\n"
                    "set datafile missing 'n/a'\nE = \"");
  for (int e = 0; e < sigma_nest; e++) sigma_str_appendf(s, "%s%s", e ? " " : "", KEY(e));
  sigma_str_appendf(s,
      "\"\nset terminal pngcairo size %d,480 font ',10'\n"
      "set output 'errors.png'\n"
      "set multiplot layout 1,%d title 'error L - estimate (nats) vs n1: replicates, mean, "
      "0 +- z s (Theorem 3), Gaussian bias formula (N = %lld, d = %d, R = %lld)'\n"
      "set logscale x 2; set xlabel 'n1'; set key top right; set grid\n"
      "do for [e in E] {\n"
      "  set title e\n"
      "  plot 'est_'.e.'.dat' u 1:(-$5):5 w filledcurves lc rgb '#cfe2f3' t '0 +- z s', \\\n"
      "       'err_'.e.'.dat' u 1:2 w p pt 7 ps 0.25 lc rgb '#777777' t 'replicates', \\\n"
      "       'est_'.e.'.dat' u 1:2 w lp pt 5 lw 2 lc rgb '#cc0000' t 'mean error', \\\n"
      "       'est_'.e.'.dat' u 1:6 w l dt 2 lw 2 lc rgb 'black' t 'd(d+1)/2 (1/n1 - 1/N)'\n"
      "}\n"
      "unset multiplot\n"
      "set terminal pngcairo size 900,600 font ',10'\n"
      "set output 'coverage.png'\n"
      "set title 'coverage of the nominal %.4g CI vs n1 (+- binomial SE)'\n"
      "set yrange [0:1.05]; set ylabel 'coverage'; set key bottom right\n"
      "plot for [e in E] 'est_'.e.'.dat' u 1:7:8 w yerrorlines lw 2 t e.' (oracle tau)', \\\n"
      "     for [e in E] 'est_'.e.'.dat' u 1:9:10 w yerrorlines dt 2 t e.' (observed tau)', \\\n"
      "     %.4g w l lw 2 lc rgb 'black' t 'nominal'\n"
      "unset logscale x; set autoscale y; set ylabel ''\n",
      500 * sigma_nest, sigma_nest, (long long)h->N, h->d, (long long)(r->rep_hi - r->rep_lo),
      h->level, h->level);
}

/* qq.png and hist.png: one panel per estimator. */
static void script_qq_hist(sigma_str *s, const sigma_study_result *r, int kh) {
  const sigma_study_header *h = &r->desc->study;
  const double s_h = sigma_study_cell_at(r, kh, SIGMA_EST_PLUGIN)->s_oracle;
  sigma_str_appendf(s,
      "set terminal pngcairo size %d,480 font ',10'\n"
      "set output 'qq.png'\n"
      "set multiplot layout 1,%d title 'QQ: errors / s (oracle tau) at n1 = %lld against N(0,1)'\n"
      "set xlabel 'normal quantile'; set key top left\n"
      "do for [e in E] {\n"
      "  set title e\n"
      "  plot 'qq_'.e.'.dat' u 1:2 w p pt 7 ps 0.4 t 'replicates', x w l lc rgb 'black' t 'y = x'\n"
      "}\n"
      "unset multiplot\n"
      "set output 'hist.png'\n"
      "s = %.10g; R = %lld\n"
      "phi(x) = exp(-x*x / (2*s*s)) / (s*sqrt(2*pi))\n"
      "set multiplot layout 1,%d title sprintf('errors at n1 = %lld against N(0, s^2), s = %%.4g "
      "(Theorem 3)', s)\n"
      "set xlabel 'L - estimate (nats)'; set style fill solid 0.5; set key top right\n"
      "do for [c = 1:%d] {\n"
      "  stats 'hist.dat' u c nooutput\n"
      "  w = (STATS_max - STATS_min + 1e-12) / 25.0\n"
      "  bin(x) = w * floor(x / w) + w / 2\n"
      "  set title word(E, c)\n"
      "  set xrange [(STATS_min < -4*s ? STATS_min : -4*s):(STATS_max > 4*s ? STATS_max : 4*s)]\n"
      "  plot 'hist.dat' u (bin(column(c))):(1.0 / (STATS_records * w)) smooth freq w boxes "
      "t 'replicates', phi(x) w l lw 2 lc rgb 'black' t 'N(0, s^2)'\n"
      "  set autoscale x\n"
      "}\n"
      "unset multiplot\n",
      500 * sigma_nest, sigma_nest, (long long)h->n1[h->K - 1], s_h,
      (long long)(r->rep_hi - r->rep_lo), sigma_nest, (long long)h->n1[kh], sigma_nest);
}

int sigma_study_plot_files(const sigma_study_result *r) {
  char *plots = sigma_study_path(r->out_dir, "plots");
  if (!plots) return SIGMA_ENOMEM;
  int rc = SIGMA_OK;
  if (mkdir(plots, 0777) != 0 && errno != EEXIST)
    rc = sigma_set_error(SIGMA_EIO, "%s: cannot create", plots);
  if (rc == SIGMA_OK) rc = data_files(r, plots);
  if (rc == SIGMA_OK) {
    sigma_str s = SIGMA_STR_INIT;
    script_errors(&s, r);
    script_qq_hist(&s, r, hist_index(&r->desc->study));
    rc = flush_to(plots, "study.gp", &s);
  }
  free(plots);
  return rc;
}
