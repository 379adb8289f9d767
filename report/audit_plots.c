/* Pictures of an audit (report/audit_report.h: sigma_audit_plots): gnuplot PNGs from data
 * files written beside the script. Not applicable is "n/a", gnuplot's missing value. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit_report.h"
#include "files.h"
#include "fmt.h"
#include "plots.h"
#include "sigma/error.h"
#include "str.h"

static int put(const char *dir, const char *name, sigma_str *s) {
  char *path = sigma_strf("%s/%s", dir, name);
  int rc = path ? sigma_str_error(s) : SIGMA_ENOMEM;
  if (rc == SIGMA_OK) rc = sigma_file_write(path, "audit plot", sigma_str_cstr(s), s->len);
  free(path);
  sigma_str_free(s);
  return rc;
}

/* The power-law fit log w_i = c - alpha log i over the positive w (alpha as in SPEC 6);
 * returns c (NaN if alpha is). */
static double fit_intercept(const double *w, int d, double alpha) {
  double mx = 0, my = 0;
  int m = 0;
  for (int i = 0; i < d; i++)
    if (w[i] > 0) {
      mx += log(i + 1.0);
      my += log(w[i]);
      m++;
    }
  return m > 0 && isfinite(alpha) ? my / m + alpha * mx / m : NAN;
}

/* spectra.dat: i, lambda_i(G), (N/n1) lambda_i(G1), lambda_i(G2), the fit to G. */
static void spectra_dat(sigma_str *s, const sigma_audit_result *r) {
  const sigma_spectra *sp = &r->est.spectra;
  const double a = r->est.health_G.powerlaw_alpha, c = fit_intercept(sp->w_G, r->d, a);
  const double scale = (double)r->N / (double)r->n1;
  sigma_str_puts(s, "# i lambda(G) (N/n1)lambda(G1) lambda(G2) fit(G)\n");
  for (int i = 0; i < r->d; i++) {
    const double v[4] = {sp->w_G[i], scale * sp->w_G1[i], sp->w_G2[i], exp(c - a * log(i + 1.0))};
    sigma_str_appendf(s, "%d", i + 1);
    for (int k = 0; k < 4; k++) sigma_str_appendf(s, " %s", sigma_num("%.17g", v[k] > 0 ? v[k] : NAN));
    sigma_str_puts(s, "\n");
  }
}

/* estimates.dat: row, estimate, the paper's CI (observed tau), the estimator's own CI. */
static void estimates_dat(sigma_str *s, const sigma_audit_result *r) {
  sigma_str_puts(s, "# row key estimate paper_lo paper_hi own_lo own_hi\n");
  for (int e = 0; e < sigma_nest; e++) {
    const sigma_est_line *l = &r->est.line[e];
    sigma_str_appendf(s, "%d %s %s %s %s %s %s\n", sigma_nest - e, sigma_estimators[e].key,
                      sigma_num("%.17g", l->est), sigma_num("%.17g", l->lo[1]),
                      sigma_num("%.17g", l->hi[1]), sigma_num("%.17g", l->own.lo),
                      sigma_num("%.17g", l->own.hi));
  }
}

/* theorem1.dat: the gaps of Theorem 1 and the overestimation law, nats (log axis). */
static void theorem1_dat(sigma_str *s, const sigma_audit_result *r) {
  const sigma_est_result *e = &r->est;
  const char *name[3] = {"L-logdetG1", "U_Weyl-L", "logR[3.8]"};
  const double v[3] = {e->L - e->logdet_G1, e->logR_measured, e->logR_predicted};
  sigma_str_puts(s, "# column name nats\n");
  for (int k = 0; k < 3; k++)
    sigma_str_appendf(s, "%d %s %s\n", k, name[k], sigma_num("%.17g", v[k] > 0 ? v[k] : NAN));
}

static void script(sigma_str *s, const sigma_audit_result *r, double level) {
  sigma_str_appendf(s,
      "# gnuplot script written by sigma audit --plots; run in this directory.\n"
      "set datafile missing 'n/a'\nset termoption noenhanced\n"
      "set terminal pngcairo size 900,600 font ',10' noenhanced\nset grid\n"
      "set output 'spectra.png'\n"
      "set title 'eigenvalues of G, (N/n1) G1 and G2 = G - G1 (N = %lld, n1 = %lld, d = %d)'\n"
      "set logscale xy; set xrange [1:%d]; set xlabel 'i'; set ylabel 'lambda_i'\n"
      "set key top right\n"
      "plot 'spectra.dat' u 1:2 w l lw 2 t 'G', '' u 1:3 w l lw 2 t '(N/n1) G1', "
      "'' u 1:4 w l lw 2 t 'G2', '' u 1:5 w l dt 2 lc rgb 'black' t 'power-law fit to G "
      "(alpha = %.3f)'\n",
      (long long)r->N, (long long)r->n1, r->d, r->d > 1 ? r->d : 2,
      r->est.health_G.powerlaw_alpha);
  sigma_str_appendf(s,
      "unset logscale; set autoscale x; set output 'estimates.png'\n"
      "set title 'estimates of L = log det G with their %g CIs; the vertical line is L'\n"
      "set xlabel 'nats'; set ylabel ''; set yrange [0:%d]; set key bottom right\n"
      "set arrow 1 from %.17g, graph 0 to %.17g, graph 1 nohead lw 2 lc rgb 'black'\n"
      "plot 'estimates.dat' u 3:1:4:5:ytic(2) w xerrorbars pt 7 lw 2 "
      "t \"paper's CI (observed tau)\", '' u 3:($1 - 0.2):6:7 w xerrorbars pt 5 lw 2 "
      "t 'own CI'\n"
      "unset arrow 1; set output 'theorem1.png'\n"
      "set title 'Theorem 1: log det G1 <= L <= U_Weyl; the overestimation law [3.7]-[3.8]'\n"
      "set logscale y; set yrange [*:*]; set xrange [-0.5:2.5]; set xlabel ''\n"
      "set xtics ('L - log det G1' 0, 'U_Weyl - L = log R' 1, 'log R predicted [3.8]' 2)\n"
      "set ytics auto; set ylabel 'nats (log scale)'; set style fill solid 0.6\n"
      "set boxwidth 0.5; plot 'theorem1.dat' u 1:3 w boxes notitle\n",
      level, sigma_nest + 1, r->est.L, r->est.L);
}

int sigma_audit_plots(const char *dir, const sigma_audit_opts *o, const sigma_audit_result *r) {
  if (mkdir(dir, 0777) != 0 && errno != EEXIST)
    return sigma_set_error(SIGMA_EIO, "%s: cannot create (%s)", dir, strerror(errno));
  sigma_str s = SIGMA_STR_INIT;
  spectra_dat(&s, r);
  SIGMA_CHECK(put(dir, "spectra.dat", &s));
  estimates_dat(&s, r);
  SIGMA_CHECK(put(dir, "estimates.dat", &s));
  theorem1_dat(&s, r);
  SIGMA_CHECK(put(dir, "theorem1.dat", &s));
  script(&s, r, o->c.level);
  SIGMA_CHECK(put(dir, "audit.gp", &s));
  return sigma_run_gnuplot_in(dir, "audit.gp");
}
