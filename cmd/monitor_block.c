/* sigma monitor: one checkpoint's observed block -> its point (cmd/monitor_parts.h). */
#include "monitor_parts.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fetch.h"
#include "sigma/error.h"
#include "sigma/gram.h"
#include "sigma/linalg.h"
#include "sigma/calibrated.h"
#include "sigma/replicate.h"
#include "worker.h"

/* Track I needs ||x||^2 <= c_E for every row (SPEC 5); the rows read are checked here:
 * the first row above the cap (ascending row index) is named with its file and dataset. */
static int check_norms(const sigma_input *in, const sigma_observed *ob, const double *X,
                       double cap, int normalize, double *max_norm2) {
  const int d = in->d;
  int64_t bad = -1;
  double sbad = 0;
  *max_norm2 = 0;
  for (int64_t k = 0; k < ob->n; k++) {
    double s = cblas_ddot(d, X + (size_t)k * d, 1, X + (size_t)k * d, 1);
    if (s > *max_norm2) *max_norm2 = s;
    if (bad < 0 && s > cap * (1 + 1e-12)) {
      bad = k;
      sbad = s;
    }
  }
  if (bad < 0) return SIGMA_OK;
  const int64_t r = (int64_t)ob->rows[bad];
  const sigma_shard *sh = &in->shard[sigma_input_shard_of(in, r)];
  return sigma_set_error(SIGMA_EINVAL, SIGMA_SHARD_FMT ": row %lld has ||x||^2 = %.6g > the "
                         "energy cap c_E = %g: Track I needs ||x||^2 <= c_E (SPEC 5); %s",
                         SIGMA_SHARD_ARGS(sh), (long long)(r - sh->row0), sbad, cap,
                         normalize ? "pass a larger --energy-cap"
                                   : "pass --normalize or a larger --energy-cap");
}

/* The eigenvalues of G1 = X^T X (double-double Gram of the rows in ascending order). */
static int g1_eigenvalues(const double *X, int64_t n, int d, double *G1, double *w) {
  sigma_gram *g = NULL;
  SIGMA_CHECK(sigma_gram_create(d, &g));
  g->colsum = 0;
  sigma_gram_add_rows(g, X, n);
  g->rows = n;
  sigma_gram_matrix(g, G1);
  sigma_gram_destroy(&g);
  return sigma_eigvalsh(G1, d, w);
}

int sigma_mon_rows_init(sigma_mon_rows *m, const sigma_observed *ob, int d, int normalize) {
  memset(m, 0, sizeof *m);
  m->ob = ob;
  m->d = d;
  m->normalize = normalize;
  SIGMA_CHECK(sigma_calloc(&m->X, (size_t)ob->n * d, sizeof(double)));
  return sigma_fetch_init(&m->fb, ob->n, d);
}

void sigma_mon_rows_free(sigma_mon_rows *m) {
  free(m->X);
  sigma_fetch_free(&m->fb);
  sigma_input_close(&m->in);
  memset(m, 0, sizeof *m);
}

int sigma_mon_rows_read(void *ctx) {
  sigma_mon_rows *m = ctx;
  sigma_thread_clock clk; /* the C clock: this may run on the reader thread */
  sigma_thread_clock_start(&clk);
  sigma_input_close(&m->in); /* the checkpoint this buffer held before */
  char *spec = (char *)m->spec;
  SIGMA_CHECK(sigma_input_open(&spec, 1, &m->in));
  if (m->in->d != m->d) /* validated before; the file changed since */
    return sigma_set_error(SIGMA_EINVAL, "d = %d, but the series has d = %d", m->in->d, m->d);
  const sigma_prep prep = {.check = 1, .normalize = m->normalize};
  SIGMA_CHECK(sigma_rows_fetch(m->in, &prep, m->ob->rows, m->ob->n, &m->fb, m->X));
  m->blocked = sigma_thread_clock_blocked(&clk, &m->t_read);
  return SIGMA_OK;
}

int sigma_monitor_point(const sigma_monitor_opts *o, const sigma_mon_rows *m, sigma_mon_point *p) {
  const int d = m->d;
  const int64_t n1 = m->ob->n;
  const double *X = m->X;
  double *G1 = NULL, *w = NULL;
  int rc = SIGMA_OK;
  SIGMA_TRY(sigma_calloc(&G1, (size_t)d * d, sizeof(double)));
  SIGMA_TRY(sigma_calloc(&w, (size_t)d, sizeof(double)));
  double max_norm2;
  SIGMA_TRY(check_norms(m->in, m->ob, X, o->energy_cap, o->c.normalize, &max_norm2));
  /* G1 once: its eigenvalues (tracks, health), its factor (leverages, leave-one-out tau2,
   * tau2_dec of SPEC 4.1) */
  SIGMA_TRY(g1_eigenvalues(X, n1, d, G1, w));
  double tau2_loo;
  sigma_leverage_sums lev;
  sigma_leverage_stats ls;
  rc = sigma_block_loo(G1, X, n1, d, &tau2_loo, &lev);
  if (rc == SIGMA_ESINGULAR) { /* collapsed below rank d: the tracks (delta > 0) remain */
    sigma_clear_error();
    rc = SIGMA_OK;
    tau2_loo = NAN;
    lev.n = 0;
  }
  SIGMA_TRY(rc);
  const double N = (double)m->in->N, n = (double)n1;
  double tau2_dec = NAN;
  if (n1 > d && lev.n > 0) {
    sigma_leverage_stats_of(&lev, &ls);
    tau2_dec = sigma_tau2_dec(d, n, ls.abar, ls.var_a);
  }
  sigma_mon_point_fill(p, w, d, N, n, o->delta, o->energy_cap, tau2_loo, tau2_dec,
                       sigma_var_gauss(d, N, n));
  p->max_norm2 = max_norm2;
  p->U_full = NAN;
done:
  free(G1);
  free(w);
  return rc;
}
