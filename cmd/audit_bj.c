/* sigma audit --block-jackknife G (cmd/audit_bj.h). */
#include "audit_bj.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reduce.h"
#include "sigma/dd.h"
#include "sigma/error.h"
#include "sigma/linalg.h"

/* Whether every block without its group keeps > d + 4 rows (LEV_{-g} applicable). */
static int applicable(int64_t n, int64_t G, int d) {
  for (int64_t g = 0; g < G; g++)
    if (n - (sigma_bj_group_start(n, G, g + 1) - sigma_bj_group_start(n, G, g)) <= d + 4)
      return 0;
  return 1;
}

int sigma_audit_bj_init(sigma_audit_bj *b, int64_t G, const sigma_observed *ob, int d,
                        int64_t cobs, int center) {
  memset(b, 0, sizeof *b);
  if (G == 0) return SIGMA_OK;
  if (G > ob->n)
    return sigma_set_error(SIGMA_EINVAL, "--block-jackknife %lld: more groups than the n1 = %lld "
                           "observed rows", (long long)G, (long long)ob->n);
  const double dd = (double)d * d, bytes = 8.0 * (double)G * (2 * dd + 3.0 * d);
  if (bytes > SIGMA_AUDIT_BJ_MAX_BYTES)
    return sigma_set_error(SIGMA_ENOMEM, "--block-jackknife %lld at d = %d needs %.0f MiB per "
                           "rank for the group Grams and factors (at most %.0f)", (long long)G,
                           d, ceil(bytes / 1048576), SIGMA_AUDIT_BJ_MAX_BYTES / 1048576);
  b->G = G;
  b->n = ob->n;
  b->d = d;
  b->active = applicable(ob->n, G, d);
  SIGMA_CHECK(sigma_calloc(&b->gid, (size_t)ob->n, sizeof *b->gid));
  for (int64_t k = 0; k < ob->n; k++) b->gid[k] = sigma_bj_group_of(ob->n, G, (int64_t)ob->pos[k]);
  SIGMA_CHECK(sigma_calloc(&b->xg, (size_t)cobs, sizeof *b->xg));
  SIGMA_CHECK(sigma_gram_create(d, &b->sc));
  b->sc->colsum = center;
  SIGMA_CHECK(sigma_calloc(&b->acc, (size_t)G * 2 * b->sc->ndd, sizeof(double)));
  SIGMA_CHECK(sigma_calloc(&b->Linv, (size_t)G * d * d, sizeof(double)));
  SIGMA_CHECK(sigma_calloc(&b->logdet, (size_t)G, sizeof(double)));
  SIGMA_CHECK(sigma_calloc(&b->lev, (size_t)G, sizeof *b->lev));
  SIGMA_CHECK(sigma_calloc(&b->Xr, (size_t)cobs * d, sizeof(double)));
  return sigma_calloc(&b->q, (size_t)cobs, sizeof(double));
}

void sigma_audit_bj_free(sigma_audit_bj *b) {
  free(b->gid);
  free(b->xg);
  sigma_gram_destroy(&b->sc);
  free(b->acc);
  free(b->Linv);
  free(b->logdet);
  free(b->lev);
  free(b->Xr);
  free(b->q);
  memset(b, 0, sizeof *b);
}

/* The rows of Xo in group g (want = 1) or outside it (want = 0), in order, into b->Xr. */
static int64_t select_rows(sigma_audit_bj *b, const double *Xo, int64_t no, int64_t g, int want) {
  int64_t m = 0;
  for (int64_t i = 0; i < no; i++)
    if ((b->xg[i] == g) == want)
      memcpy(b->Xr + (size_t)m++ * b->d, Xo + (size_t)i * b->d, (size_t)b->d * sizeof(double));
  return m;
}

void sigma_audit_bj_pass1(sigma_audit_bj *b, const double *Xo, int64_t no) {
  if (!b->active) return;
  for (int64_t g = 0; g < b->G; g++) {
    const int64_t m = select_rows(b, Xo, no, g, 1);
    if (m == 0) continue;
    sigma_gram_reset(b->sc);
    sigma_gram_add_rows(b->sc, b->Xr, m);
    sigma_dd_merge(b->acc + (size_t)g * 2 * b->sc->ndd, b->sc->acc, b->sc->ndd);
  }
}

/* G1_{-g} into A: G1 minus group g in double-double, centred like G1 (audit.c gram_out). */
static void rest_gram(sigma_audit_bj *b, const double *g1acc, int64_t g, const double *m,
                      double *sv, double *A) {
  sigma_gram *sc = b->sc;
  const double *gacc = b->acc + (size_t)g * 2 * sc->ndd;
  for (size_t e = 0; e < 2 * sc->ndd; e++) sc->acc[e] = -gacc[e];
  sigma_dd_merge(sc->acc, g1acc, sc->ndd);
  sigma_gram_matrix(sc, A);
  if (!m) return;
  const double rows = (double)(b->n - (sigma_bj_group_start(b->n, b->G, g + 1) -
                                       sigma_bj_group_start(b->n, b->G, g)));
  sigma_gram_colsum(sc, sv);
  sigma_center_gram(A, b->d, sv, rows, m);
}

int sigma_audit_bj_factor(sigma_audit_bj *b, const double *g1acc, const double *m, double *sv,
                          MPI_Comm comm) {
  if (!b->active) return SIGMA_OK;
  SIGMA_CHECK(sigma_allreduce_dd(b->acc, (size_t)b->G * b->sc->ndd, comm));
  const int d = b->d;
  double *A = NULL;
  SIGMA_CHECK(sigma_calloc(&A, (size_t)d * d, sizeof(double)));
  for (int64_t g = 0; g < b->G && b->active; g++) {
    double *Lg = b->Linv + (size_t)g * d * d;
    rest_gram(b, g1acc, g, m, sv, A);
    if (sigma_cholesky(A, d, Lg) != SIGMA_OK) {
      sigma_clear_error(); /* not positive definite: v_bj not applicable */
      b->active = 0;
      break;
    }
    double s = 0.0; /* 2 sum log L_ii: sigma_logdet_chol's bits, from the one factor */
    for (int i = 0; i < d; i++) s += log(Lg[(size_t)i * d + i]);
    b->logdet[g] = 2.0 * s;
    int rc = sigma_tri_inverse(Lg, d, Lg);
    if (rc != SIGMA_OK) {
      free(A);
      return rc;
    }
    sigma_leverage_init(&b->lev[g], d, (double)(b->n - (sigma_bj_group_start(b->n, b->G, g + 1) -
                                                        sigma_bj_group_start(b->n, b->G, g))));
  }
  free(A);
  return SIGMA_OK;
}

void sigma_audit_bj_pass2(sigma_audit_bj *b, const double *Xo, int64_t no, double *work) {
  if (!b->active) return;
  for (int64_t g = 0; g < b->G; g++) {
    const int64_t m = select_rows(b, Xo, no, g, 0);
    sigma_inv_quadform(b->Linv + (size_t)g * b->d * b->d, b->d, b->Xr, m, work, b->q);
    sigma_leverage_add(&b->lev[g], b->q, m); /* q = the leverages under G1_{-g} */
  }
}

int sigma_audit_bj_finish(sigma_audit_bj *b, double N, MPI_Comm comm, double *v_bj) {
  *v_bj = NAN;
  if (!b->active) return SIGMA_OK;
  const int64_t G = b->G;
  double *buf = NULL, *lev = NULL;
  int rc = SIGMA_OK;
  SIGMA_TRY(sigma_calloc(&buf, (size_t)G * 8, sizeof(double)));
  SIGMA_TRY(sigma_calloc(&lev, (size_t)G, sizeof(double)));
  for (int64_t g = 0; g < G; g++) {
    memcpy(buf + 8 * g, b->lev[g].s_log, 4 * sizeof(double));
    memcpy(buf + 8 * g + 4, b->lev[g].s_a, 4 * sizeof(double));
  }
  SIGMA_TRY(sigma_allreduce_dd(buf, (size_t)G * 4, comm));
  for (int64_t g = 0; g < G; g++) {
    sigma_leverage_sums *s = &b->lev[g];
    sigma_leverage_stats st;
    memcpy(s->s_log, buf + 8 * g, 4 * sizeof(double));
    memcpy(s->s_a, buf + 8 * g + 4, 4 * sizeof(double));
    s->n = (double)(b->n - (sigma_bj_group_start(b->n, G, g + 1) - sigma_bj_group_start(b->n, G, g)));
    sigma_leverage_stats_of(s, &st); /* every row outside g passed once, on some rank */
    lev[g] = sigma_lev_of_block(b->d, N, s->n, b->logdet[g], &st);
  }
  *v_bj = sigma_bj_variance(lev, G);
done:
  free(buf);
  free(lev);
  return rc;
}
