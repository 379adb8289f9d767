/* One study replicate: nested prefix Grams and the estimators at each n1. */
#include "sigma/replicate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sigma/dd.h"
#include "sigma/error.h"
#include "sigma/gram.h"
#include "sigma/linalg.h"

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* Sorted unique boundaries {n1_k, floor(n1_k / 2)}; returns their count. */
static int boundaries(const int64_t *n1s, int K, int64_t *b) {
  int m = 0;
  for (int k = 0; k < K; k++) {
    b[m++] = n1s[k];
    b[m++] = n1s[k] / 2;
  }
  qsort(b, (size_t)m, sizeof *b, cmp_i64);
  int u = 0;
  for (int i = 0; i < m; i++)
    if (u == 0 || b[i] != b[u - 1]) b[u++] = b[i];
  return u;
}

static int find(const int64_t *b, int m, int64_t v) {
  for (int i = 0; i < m; i++)
    if (b[i] == v) return i;
  return -1;
}

/* Rows of the block on demand, at most `chunk` at a time: the last fetch is kept, and a
 * range outside it starts a new fetch at its first row. */
typedef struct {
  sigma_rows_fn fetch;
  void *ctx;
  int d;
  int64_t chunk, n;  /* fetch size, rows in the block */
  int64_t f0, f1;    /* rows held: [f0, f1) */
  const double *rows;
} row_cache;

static int rows_at(row_cache *c, int64_t p0, int64_t p1, const double **x) {
  if (!c->rows || p0 < c->f0 || p1 > c->f1) {
    int64_t e = c->n - p0 < c->chunk ? c->n : p0 + c->chunk;
    c->rows = NULL;
    SIGMA_CHECK(c->fetch(c->ctx, p0, e, &c->rows));
    c->f0 = p0;
    c->f1 = e;
  }
  *x = c->rows + (size_t)(p0 - c->f0) * c->d;
  return SIGMA_OK;
}

/* Sample variance of leave-one-out D^2 over the first n rows, given G1 = L L^T.
 * Blocks of SIGMA_BLAS_ROWS rows from row 0, whatever the fetch size. */
static int loo_tau2(const double *G1, row_cache *c, int64_t n, int d, double *Linv,
                    double *work, double *q, double *tau2, sigma_leverage_sums *lev) {
  sigma_leverage_init(lev, d, (double)n);
  if (n <= d) { /* not applicable: every leverage is 1 */
    *tau2 = sigma_loo_tau2((double)n, d, 0, 0);
    return SIGMA_OK;
  }
  SIGMA_CHECK(sigma_cholesky(G1, d, Linv));
  SIGMA_CHECK(sigma_tri_inverse(Linv, d, Linv));
  double sum = 0, sum2 = 0;
  for (int64_t i = 0; i < n; i += SIGMA_BLAS_ROWS) {
    int64_t b = n - i < SIGMA_BLAS_ROWS ? n - i : SIGMA_BLAS_ROWS;
    const double *x;
    SIGMA_CHECK(rows_at(c, i, i + b, &x));
    sigma_inv_quadform(Linv, d, x, b, work, q);
    sigma_leverage_add(lev, q, b); /* q_j = h_j, the leverages (SPEC 4.1) */
    for (int64_t j = 0; j < b; j++) {
      double dev = sigma_loo_d2(q[j], (double)n) - d;
      sum += dev;
      sum2 += dev * dev;
    }
  }
  *tau2 = sigma_loo_tau2((double)n, d, sum, sum2);
  return SIGMA_OK;
}

/* Prefix Grams at the boundaries b[0..m): segment i is rows [b[i-1], b[i]), built in
 * dsyrk pieces of SIGMA_BLAS_ROWS from its first row and added to the dd sum once. */
static int prefix_grams(sigma_gram *g, row_cache *c, const int64_t *b, int m, double *snap) {
  int64_t done = 0;
  for (int i = 0; i < m; i++) {
    for (int64_t p = done; p < b[i]; p += SIGMA_BLAS_ROWS) {
      int64_t e = b[i] - p < SIGMA_BLAS_ROWS ? b[i] : p + SIGMA_BLAS_ROWS;
      const double *x;
      SIGMA_CHECK(rows_at(c, p, e, &x));
      sigma_gram_syrk(g, x, e - p, p > done);
    }
    if (b[i] > done) sigma_gram_flush(g, b[i] - done);
    done = b[i];
    memcpy(snap + (size_t)i * 2 * g->np, g->acc, 2 * g->np * sizeof(double));
  }
  return SIGMA_OK;
}

double sigma_replicate_work_bytes(int d, int K) {
  double dd = (double)d * d, dv = d;
  return 8.0 * ((2.0 * K + 1) * (dd + dv) + 5 * dd + 3 * dv + SIGMA_BLAS_ROWS * (dv + 1) + 2.0 * K);
}

typedef struct {
  const double *X;
  int d;
} mem_rows;

static int mem_fetch(void *ctx, int64_t p0, int64_t p1, const double **rows) {
  (void)p1;
  const mem_rows *m = ctx;
  *rows = m->X + (size_t)p0 * m->d;
  return SIGMA_OK;
}

int sigma_replicate_run(const sigma_rep_truth *t, const double *X, const int64_t *n1s, int K,
                        sigma_rep_point *out) {
  if (K < 1) return sigma_set_error(SIGMA_EINVAL, "empty n1 sweep");
  mem_rows m = {X, t->d};
  return sigma_replicate_stream(t, mem_fetch, &m, n1s[K - 1], n1s, K, out);
}

/* The halves' log-dets (a singular half disables Richardson only), the block's SPEC 4.1
 * statistics and every registered estimator's line at sweep point p (p->n1, logdet_G1 and
 * tau2_observed set; lev: the leverages of its rows when n1 > d). */
static void point_estimators(const sigma_rep_truth *t, double z, const double *Ga,
                             const double *Gb, const sigma_leverage_sums *lev,
                             sigma_rep_point *p) {
  const int d = t->d;
  const int64_t n1 = p->n1, na = n1 / 2, nb = n1 - na;
  p->logdet_Ga = p->logdet_Gb = NAN;
  if (!(na >= d && sigma_logdet_chol(Ga, d, &p->logdet_Ga) == SIGMA_OK &&
        sigma_logdet_chol(Gb, d, &p->logdet_Gb) == SIGMA_OK)) {
    sigma_clear_error();
    p->logdet_Ga = p->logdet_Gb = NAN;
  }
  sigma_block blk = {.d = d, .N = t->N, .n1 = (double)n1, .na = (double)na, .nb = (double)nb,
                     .logdet_G1 = p->logdet_G1, .logdet_Ga = p->logdet_Ga,
                     .logdet_Gb = p->logdet_Gb};
  if (n1 > d) sigma_leverage_stats_of(lev, &blk.lev);
  sigma_block_finish(&blk);
  p->tau2_dec = blk.tau2_dec;
  p->V_G = blk.V_G;
  const double tau2[2] = {t->tau2_oracle, p->tau2_observed};
  sigma_est_lines(&blk, t->L, z, tau2, p->line);
}

int sigma_replicate_stream(const sigma_rep_truth *t, sigma_rows_fn fetch, void *ctx,
                           int64_t chunk, const int64_t *n1s, int K, sigma_rep_point *out) {
  const int d = t->d;
  const size_t dd = (size_t)d * d;
  if (K < 1) return sigma_set_error(SIGMA_EINVAL, "empty n1 sweep");
  if (chunk < n1s[K - 1] && (chunk < SIGMA_BLAS_ROWS || chunk % SIGMA_BLAS_ROWS != 0))
    return sigma_set_error(SIGMA_EINVAL, "replicate chunk of %lld rows: below n1 = %lld, so it "
                           "must be a multiple of %d", (long long)chunk, (long long)n1s[K - 1],
                           SIGMA_BLAS_ROWS);
  row_cache c = {fetch, ctx, d, chunk, n1s[K - 1], 0, 0, NULL};
  for (int k = 0; k < K; k++)
    if (n1s[k] < d || (k > 0 && n1s[k] <= n1s[k - 1]))
      return sigma_set_error(SIGMA_EINVAL, "n1 sweep must be ascending and >= d = %d (n1 = %lld)",
                             d, (long long)n1s[k]);
  int64_t *b = malloc(2 * (size_t)K * sizeof *b);
  sigma_gram *g = NULL;
  double *snap = NULL, *G1 = NULL, *Ga = NULL, *Gb = NULL, *Lw = NULL, *work = NULL, *q = NULL;
  int rc = SIGMA_OK;
  if (!b) return sigma_set_error(SIGMA_ENOMEM, "out of memory (replicate)");
  const int m = boundaries(n1s, K, b);
  SIGMA_TRY(sigma_gram_create(d, &g));
  g->colsum = 0;
  /* dd snapshots of the prefix Gram at every boundary: 2 np doubles each. */
  SIGMA_TRY(sigma_calloc(&snap, (size_t)m * 2 * g->np, sizeof(double)));
  SIGMA_TRY(sigma_calloc(&G1, dd, sizeof(double)));
  SIGMA_TRY(sigma_calloc(&Ga, dd, sizeof(double)));
  SIGMA_TRY(sigma_calloc(&Gb, dd, sizeof(double)));
  SIGMA_TRY(sigma_calloc(&Lw, dd, sizeof(double)));
  SIGMA_TRY(sigma_calloc(&work, (size_t)SIGMA_BLAS_ROWS * d, sizeof(double)));
  SIGMA_TRY(sigma_calloc(&q, SIGMA_BLAS_ROWS, sizeof(double)));
  SIGMA_TRY(prefix_grams(g, &c, b, m, snap));
  const double z = sigma_z_for_level(t->level);
  for (int k = 0; k < K; k++) {
    sigma_rep_point *p = &out[k];
    const int64_t n1 = n1s[k], na = n1 / 2;
    const double *s1 = snap + (size_t)find(b, m, n1) * 2 * g->np;
    const double *sa = snap + (size_t)find(b, m, na) * 2 * g->np;
    memcpy(g->acc, s1, 2 * g->np * sizeof(double));
    sigma_gram_matrix(g, G1);
    memcpy(g->acc, sa, 2 * g->np * sizeof(double));
    sigma_gram_matrix(g, Ga);
    /* Gb = G(n1) - G(na), subtracted in double-double before rounding. */
    for (size_t e = 0; e < 2 * g->np; e++) g->acc[e] = -sa[e];
    sigma_dd_merge(g->acc, s1, g->np);
    sigma_gram_matrix(g, Gb);

    p->n1 = n1;
    rc = sigma_logdet_chol(G1, d, &p->logdet_G1);
    sigma_leverage_sums lev;
    if (rc == SIGMA_OK) rc = loo_tau2(G1, &c, n1, d, Lw, work, q, &p->tau2_observed, &lev);
    if (rc == SIGMA_ESINGULAR) {
      sigma_clear_error();
      rc = sigma_set_error(SIGMA_ESINGULAR, "G1 of the first %lld observed rows is singular",
                           (long long)n1);
    }
    SIGMA_TRY(rc);
    point_estimators(t, z, Ga, Gb, &lev, p);
  }
done:
  free(b);
  sigma_gram_destroy(&g);
  free(snap);
  free(G1);
  free(Ga);
  free(Gb);
  free(Lw);
  free(work);
  free(q);
  return rc;
}
