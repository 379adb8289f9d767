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

/* Sample variance of leave-one-out D^2 over the first n rows, given G1 = L L^T. */
static int loo_tau2(const double *G1, const double *X, int64_t n, int d, double *Linv,
                    double *work, double *q, double *tau2) {
  SIGMA_CHECK(sigma_cholesky(G1, d, Linv));
  SIGMA_CHECK(sigma_tri_inverse(Linv, d, Linv));
  double sum = 0, sum2 = 0;
  for (int64_t i = 0; i < n; i += SIGMA_BLAS_ROWS) {
    int64_t b = n - i < SIGMA_BLAS_ROWS ? n - i : SIGMA_BLAS_ROWS;
    sigma_inv_quadform(Linv, d, X + (size_t)i * d, b, work, q);
    for (int64_t j = 0; j < b; j++) {
      double dev = sigma_loo_d2(q[j], (double)n) - d;
      sum += dev;
      sum2 += dev * dev;
    }
  }
  *tau2 = sigma_variance_from_sums((double)n, sum, sum2);
  return SIGMA_OK;
}

int sigma_replicate_run(const sigma_rep_truth *t, const double *X, const int64_t *n1s, int K,
                        sigma_rep_point *out) {
  const int d = t->d;
  const size_t dd = (size_t)d * d;
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
  int64_t done = 0;
  for (int i = 0; i < m; i++) {
    sigma_gram_add_rows(g, X + (size_t)done * d, b[i] - done);
    done = b[i];
    memcpy(snap + (size_t)i * 2 * g->np, g->acc, 2 * g->np * sizeof(double));
  }
  const double z = sigma_z_for_level(t->level);
  for (int k = 0; k < K; k++) {
    sigma_rep_point *p = &out[k];
    const int64_t n1 = n1s[k], na = n1 / 2, nb = n1 - na;
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
    if (rc == SIGMA_OK) rc = loo_tau2(G1, X, n1, d, Lw, work, q, &p->tau2_observed);
    if (rc == SIGMA_ESINGULAR) {
      sigma_clear_error();
      rc = sigma_set_error(SIGMA_ESINGULAR, "G1 of the first %lld observed rows is singular",
                           (long long)n1);
    }
    SIGMA_TRY(rc);
    const double tau2[2] = {t->tau2_oracle, p->tau2_observed};
    double Lhat = sigma_plugin(p->logdet_G1, d, t->N, (double)n1);
    sigma_est_fill_line(&p->line[SIGMA_EST_PLUGIN], Lhat, t->L, z, tau2, t->N, (double)n1);
    sigma_est_fill_line(&p->line[SIGMA_EST_WISHART],
                        p->logdet_G1 + sigma_wishart_correction(d, t->N, (double)n1), t->L, z,
                        tau2, t->N, (double)n1);
    p->logdet_Ga = p->logdet_Gb = NAN;
    sigma_est_nan_line(&p->line[SIGMA_EST_RICHARDSON]);
    if (na >= d && sigma_logdet_chol(Ga, d, &p->logdet_Ga) == SIGMA_OK &&
        sigma_logdet_chol(Gb, d, &p->logdet_Gb) == SIGMA_OK) {
      double LR = sigma_richardson(Lhat, p->logdet_Ga, p->logdet_Gb, d, t->N, (double)na,
                                   (double)nb, NULL, NULL);
      sigma_est_fill_line(&p->line[SIGMA_EST_RICHARDSON], LR, t->L, z, tau2, t->N, (double)n1);
    } else {
      sigma_clear_error(); /* a singular half disables Richardson only */
      p->logdet_Ga = p->logdet_Gb = NAN;
    }
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
