/* sigma monitor: one checkpoint's observed block -> its point (cmd/monitor_parts.h). */
#include "monitor_parts.h"

#include <cblas.h>
#include <math.h>
#include <mpi.h>
#include <stdlib.h>

#include "fetch.h"
#include "sigma/error.h"
#include "sigma/gram.h"
#include "sigma/linalg.h"
#include "sigma/calibrated.h"
#include "sigma/replicate.h"

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

int sigma_monitor_block(const sigma_monitor_opts *o, sigma_input *in, const sigma_observed *ob,
                        sigma_mon_point *p, double *t_read) {
  const int d = in->d;
  const int64_t n1 = ob->n;
  double *X = NULL, *G1 = NULL, *w = NULL;
  sigma_fetch_buf fb = {0};
  int rc = SIGMA_OK;
  SIGMA_TRY(sigma_calloc(&X, (size_t)n1 * d, sizeof(double)));
  SIGMA_TRY(sigma_calloc(&G1, (size_t)d * d, sizeof(double)));
  SIGMA_TRY(sigma_calloc(&w, (size_t)d, sizeof(double)));
  SIGMA_TRY(sigma_fetch_init(&fb, n1, d));
  const sigma_prep prep = {.check = 1, .normalize = o->c.normalize};
  double t0 = MPI_Wtime();
  SIGMA_TRY(sigma_rows_fetch(in, &prep, ob->rows, n1, &fb, X));
  *t_read = MPI_Wtime() - t0;
  double max_norm2;
  SIGMA_TRY(check_norms(in, ob, X, o->energy_cap, o->c.normalize, &max_norm2));
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
  const double N = (double)in->N, n = (double)n1;
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
  free(X);
  free(G1);
  free(w);
  sigma_fetch_free(&fb);
  return rc;
}
