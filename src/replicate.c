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

/* ---- the delete-G-block jackknife of LEV (SPEC 4.1) ---- */

typedef struct {
  sigma_gram *grp;  /* a group's Gram, then G1_{-g} in double-double */
  double *Gm;       /* G1_{-g}, d x d */
  double *lev;      /* LEV_{-g}, G values */
} bj_work;

/* Rows [a, b) in pieces of SIGMA_BLAS_ROWS from a: the leverages of each under Linv. */
static int add_leverages(row_cache *c, int64_t a, int64_t b, const double *Linv, double *work,
                         double *q, sigma_leverage_sums *lev) {
  for (int64_t i = a; i < b; i += SIGMA_BLAS_ROWS) {
    const int64_t m = b - i < SIGMA_BLAS_ROWS ? b - i : SIGMA_BLAS_ROWS;
    const double *x;
    SIGMA_CHECK(rows_at(c, i, i + m, &x));
    sigma_inv_quadform(Linv, c->d, x, m, work, q);
    sigma_leverage_add(lev, q, m);
  }
  return SIGMA_OK;
}

/* LEV_{-g} of the first n rows without group [a, b) in *out: G1_{-g} = G1(n) (dd snapshot
 * s1) minus the group's Gram (dsyrk pieces of SIGMA_BLAS_ROWS from a, subtracted in
 * double-double), its log det, the leverages of rows [0, a) and [b, n) under it (pieces
 * fixed by n, G and g, never by the fetch). A G1_{-g} that is not positive definite gives
 * NaN. Lw, work, q: scratch as in loo_tau2. */
static int lev_without(const sigma_rep_truth *t, row_cache *c, const double *s1, int64_t n,
                       int64_t a, int64_t b, bj_work *w, double *Lw, double *work, double *q,
                       double *out) {
  const int d = t->d;
  sigma_gram *g = w->grp;
  for (int64_t p = a; p < b; p += SIGMA_BLAS_ROWS) {
    const int64_t e = b - p < SIGMA_BLAS_ROWS ? b : p + SIGMA_BLAS_ROWS;
    const double *x;
    SIGMA_CHECK(rows_at(c, p, e, &x));
    sigma_gram_syrk(g, x, e - p, p > a);
  }
  sigma_gram_reset(g);
  sigma_gram_flush(g, b - a);
  for (size_t k = 0; k < 2 * g->np; k++) g->acc[k] = -g->acc[k];
  sigma_dd_merge(g->acc, s1, g->np);
  sigma_gram_matrix(g, w->Gm);
  double ld = 0.0; /* 2 sum log L_ii: sigma_logdet_chol's bits, from the one factor */
  *out = NAN;
  if (sigma_cholesky(w->Gm, d, Lw) != SIGMA_OK) {
    sigma_clear_error(); /* not positive definite: v_bj not applicable */
    return SIGMA_OK;
  }
  for (int i = 0; i < d; i++) ld += log(Lw[(size_t)i * d + i]);
  ld *= 2.0;
  SIGMA_CHECK(sigma_tri_inverse(Lw, d, Lw));
  const double rest = (double)(n - (b - a));
  sigma_leverage_sums lev;
  sigma_leverage_stats st;
  sigma_leverage_init(&lev, d, rest);
  SIGMA_CHECK(add_leverages(c, 0, a, Lw, work, q, &lev));
  SIGMA_CHECK(add_leverages(c, b, n, Lw, work, q, &lev));
  sigma_leverage_stats_of(&lev, &st);
  *out = sigma_lev_of_block(d, t->N, rest, ld, &st);
  return SIGMA_OK;
}

/* v_bj of the first n rows (t->bj_groups groups; NaN when a group leaves <= d + 4 rows). */
static int block_jackknife(const sigma_rep_truth *t, row_cache *c, const double *s1, int64_t n,
                           bj_work *w, double *Lw, double *work, double *q, double *v_bj) {
  const int64_t G = t->bj_groups;
  *v_bj = NAN;
  for (int64_t g = 0; g < G; g++)
    if (n - (sigma_bj_group_start(n, G, g + 1) - sigma_bj_group_start(n, G, g)) <= t->d + 4)
      return SIGMA_OK;
  for (int64_t g = 0; g < G; g++)
    SIGMA_CHECK(lev_without(t, c, s1, n, sigma_bj_group_start(n, G, g),
                            sigma_bj_group_start(n, G, g + 1), w, Lw, work, q, &w->lev[g]));
  *v_bj = sigma_bj_variance(w->lev, G);
  return SIGMA_OK;
}

static int bj_alloc(bj_work *w, int d, int64_t G) {
  if (G == 0) return SIGMA_OK;
  SIGMA_CHECK(sigma_gram_create(d, &w->grp));
  w->grp->colsum = 0;
  SIGMA_CHECK(sigma_calloc(&w->Gm, (size_t)d * d, sizeof(double)));
  return sigma_calloc(&w->lev, (size_t)G, sizeof(double));
}

static void bj_free(bj_work *w) {
  sigma_gram_destroy(&w->grp);
  free(w->Gm);
  free(w->lev);
}

double sigma_replicate_work_bytes(int d, int K, int64_t bj_groups) {
  double dd = (double)d * d, dv = d;
  double bj = bj_groups > 0 ? 8.0 * (3 * dd + 4 * dv + (double)bj_groups) : 0.0;
  return 8.0 * ((2.0 * K + 1) * (dd + dv) + 5 * dd + 3 * dv + SIGMA_BLAS_ROWS * (dv + 1) + 2.0 * K) +
         bj;
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

int sigma_block_loo(const double *G1, const double *X, int64_t n, int d, double *tau2,
                    sigma_leverage_sums *lev) {
  mem_rows m = {X, d};
  row_cache c = {mem_fetch, &m, d, n, n, 0, 0, NULL};
  double *Linv = NULL, *work = NULL, *q = NULL;
  int rc = SIGMA_OK;
  SIGMA_TRY(sigma_calloc(&Linv, (size_t)d * d, sizeof(double)));
  SIGMA_TRY(sigma_calloc(&work, (size_t)SIGMA_BLAS_ROWS * d, sizeof(double)));
  SIGMA_TRY(sigma_calloc(&q, SIGMA_BLAS_ROWS, sizeof(double)));
  rc = loo_tau2(G1, &c, n, d, Linv, work, q, tau2, lev);
done:
  free(Linv);
  free(work);
  free(q);
  return rc;
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
                     .logdet_Gb = p->logdet_Gb, .v_bj = p->v_bj};
  if (n1 > d) sigma_leverage_stats_of(lev, &blk.lev);
  sigma_block_finish(&blk);
  p->tau2_dec = blk.tau2_dec;
  p->V_G = blk.V_G;
  const double tau2[2] = {t->tau2_oracle, p->tau2_observed};
  sigma_est_lines(&blk, t->L, z, tau2, p->line);
}

/* The sweep and the options: errors before any work. */
static int check_args(const sigma_rep_truth *t, int64_t chunk, const int64_t *n1s, int K) {
  if (K < 1) return sigma_set_error(SIGMA_EINVAL, "empty n1 sweep");
  if (chunk < n1s[K - 1] && (chunk < SIGMA_BLAS_ROWS || chunk % SIGMA_BLAS_ROWS != 0))
    return sigma_set_error(SIGMA_EINVAL, "replicate chunk of %lld rows: below n1 = %lld, so it "
                           "must be a multiple of %d", (long long)chunk, (long long)n1s[K - 1],
                           SIGMA_BLAS_ROWS);
  for (int k = 0; k < K; k++)
    if (n1s[k] < t->d || (k > 0 && n1s[k] <= n1s[k - 1]))
      return sigma_set_error(SIGMA_EINVAL, "n1 sweep must be ascending and >= d = %d (n1 = %lld)",
                             t->d, (long long)n1s[k]);
  if (t->bj_groups != 0 && (t->bj_groups < 2 || t->bj_groups > SIGMA_BJ_MAX))
    return sigma_set_error(SIGMA_EINVAL, "--block-jackknife %lld: G must be an integer in 2..n1",
                           (long long)t->bj_groups);
  if (t->bj_groups > n1s[0])
    return sigma_set_error(SIGMA_EINVAL, "--block-jackknife %lld: more groups than the n1 = %lld "
                           "rows of the smallest block", (long long)t->bj_groups,
                           (long long)n1s[0]);
  return SIGMA_OK;
}

/* The scratch of one replicate. */
typedef struct {
  int64_t *b;    /* the prefix boundaries, m of them */
  int m;
  sigma_gram *g;
  double *snap, *G1, *Ga, *Gb, *Lw, *work, *q;
  bj_work bj;
} rep_work;

static void rep_work_free(rep_work *w) {
  free(w->b);
  sigma_gram_destroy(&w->g);
  double *v[] = {w->snap, w->G1, w->Ga, w->Gb, w->Lw, w->work, w->q};
  for (size_t k = 0; k < sizeof v / sizeof *v; k++) free(v[k]);
  bj_free(&w->bj);
}

static int rep_work_alloc(rep_work *w, const sigma_rep_truth *t, const int64_t *n1s, int K) {
  const int d = t->d;
  const size_t dd = (size_t)d * d;
  SIGMA_CHECK(sigma_calloc(&w->b, 2 * (size_t)K, sizeof *w->b));
  w->m = boundaries(n1s, K, w->b);
  SIGMA_CHECK(sigma_gram_create(d, &w->g));
  w->g->colsum = 0;
  /* dd snapshots of the prefix Gram at every boundary: 2 np doubles each. */
  SIGMA_CHECK(sigma_calloc(&w->snap, (size_t)w->m * 2 * w->g->np, sizeof(double)));
  double **mats[] = {&w->G1, &w->Ga, &w->Gb, &w->Lw};
  for (int k = 0; k < 4; k++) SIGMA_CHECK(sigma_calloc(mats[k], dd, sizeof(double)));
  SIGMA_CHECK(sigma_calloc(&w->work, (size_t)SIGMA_BLAS_ROWS * d, sizeof(double)));
  SIGMA_CHECK(sigma_calloc(&w->q, SIGMA_BLAS_ROWS, sizeof(double)));
  return bj_alloc(&w->bj, d, t->bj_groups);
}

/* Sweep point p at n1 (prefix Grams done): G1, its halves, log det, leave-one-out tau2 and
 * leverages, v_bj, every estimator. */
static int sweep_point(const sigma_rep_truth *t, row_cache *c, rep_work *w, int64_t n1,
                       double z, sigma_rep_point *p) {
  const int d = t->d;
  sigma_gram *g = w->g;
  const double *s1 = w->snap + (size_t)find(w->b, w->m, n1) * 2 * g->np;
  const double *sa = w->snap + (size_t)find(w->b, w->m, n1 / 2) * 2 * g->np;
  memcpy(g->acc, s1, 2 * g->np * sizeof(double));
  sigma_gram_matrix(g, w->G1);
  memcpy(g->acc, sa, 2 * g->np * sizeof(double));
  sigma_gram_matrix(g, w->Ga);
  /* Gb = G(n1) - G(na), subtracted in double-double before rounding. */
  for (size_t e = 0; e < 2 * g->np; e++) g->acc[e] = -sa[e];
  sigma_dd_merge(g->acc, s1, g->np);
  sigma_gram_matrix(g, w->Gb);

  p->n1 = n1;
  p->v_bj = NAN;
  int rc = sigma_logdet_chol(w->G1, d, &p->logdet_G1);
  sigma_leverage_sums lev;
  if (rc == SIGMA_OK)
    rc = loo_tau2(w->G1, c, n1, d, w->Lw, w->work, w->q, &p->tau2_observed, &lev);
  if (rc == SIGMA_ESINGULAR) {
    sigma_clear_error();
    return sigma_set_error(SIGMA_ESINGULAR, "G1 of the first %lld observed rows is singular",
                           (long long)n1);
  }
  SIGMA_CHECK(rc);
  if (t->bj_groups > 0)
    SIGMA_CHECK(block_jackknife(t, c, s1, n1, &w->bj, w->Lw, w->work, w->q, &p->v_bj));
  point_estimators(t, z, w->Ga, w->Gb, &lev, p);
  return SIGMA_OK;
}

int sigma_replicate_stream(const sigma_rep_truth *t, sigma_rows_fn fetch, void *ctx,
                           int64_t chunk, const int64_t *n1s, int K, sigma_rep_point *out) {
  SIGMA_CHECK(check_args(t, chunk, n1s, K));
  row_cache c = {fetch, ctx, t->d, chunk, n1s[K - 1], 0, 0, NULL};
  rep_work w;
  memset(&w, 0, sizeof w);
  int rc = SIGMA_OK;
  SIGMA_TRY(rep_work_alloc(&w, t, n1s, K));
  SIGMA_TRY(prefix_grams(w.g, &c, w.b, w.m, w.snap));
  const double z = sigma_z_for_level(t->level);
  for (int k = 0; k < K; k++) SIGMA_TRY(sweep_point(t, &c, &w, n1s[k], z, &out[k]));
done:
  rep_work_free(&w);
  return rc;
}
