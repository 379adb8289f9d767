/* Gram accumulation with dsyrk into a double-double accumulator. */
#include "sigma/gram.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#include "sigma/dd.h"
#include "sigma/error.h"

int64_t sigma_chunk_rows(int d) {
  int64_t c = 8192;
  while (c > SIGMA_BLAS_ROWS && c * (int64_t)d * 8 > (16ll << 20)) c /= 2;
  return c;
}

int sigma_gram_create(int d, sigma_gram **out) {
  *out = NULL;
  if (d < 1) return sigma_set_error(SIGMA_EINVAL, "Gram dimension d = %d must be >= 1", d);
  sigma_gram *g = calloc(1, sizeof *g);
  if (!g) return sigma_set_error(SIGMA_ENOMEM, "out of memory (Gram accumulator)");
  g->d = d;
  g->colsum = 1;
  g->np = (size_t)d * (size_t)(d + 1) / 2;
  g->ndd = g->np + (size_t)d;
  g->acc = calloc(2 * g->ndd, sizeof(double));
  g->tmp = calloc((size_t)d * (size_t)d, sizeof(double));
  g->csum = calloc((size_t)d, sizeof(double));
  if (!g->acc || !g->tmp || !g->csum) {
    sigma_gram_destroy(&g);
    return sigma_set_error(SIGMA_ENOMEM, "out of memory (Gram accumulator, d = %d)", d);
  }
  *out = g;
  return SIGMA_OK;
}

void sigma_gram_destroy(sigma_gram **g) {
  if (!g || !*g) return;
  free((*g)->acc);
  free((*g)->tmp);
  free((*g)->csum);
  free(*g);
  *g = NULL;
}

void sigma_gram_reset(sigma_gram *g) {
  memset(g->acc, 0, 2 * g->ndd * sizeof(double));
  g->rows = 0;
}

void sigma_gram_syrk(sigma_gram *g, const double *X, int64_t b, int accumulate) {
  const int d = g->d;
  /* Row-major b x d is column-major d x b with the rows as columns: G += X^T X.
   * Sub-blocks in a fixed order, so the rounding depends on b and the rows only. */
  for (int64_t i = 0; i < b; i += SIGMA_BLAS_ROWS) {
    int64_t k = b - i < SIGMA_BLAS_ROWS ? b - i : SIGMA_BLAS_ROWS;
    cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, d, (int)k, 1.0, X + (size_t)i * d, d,
                (i || accumulate) ? 1.0 : 0.0, g->tmp, d);
  }
}

void sigma_gram_flush(sigma_gram *g, int64_t rows) {
  const int d = g->d;
  /* Pack the lower triangle column by column: contiguous runs of tmp. */
  for (int j = 0; j < d; j++)
    sigma_dd_add(g->acc + 2 * sigma_packed_index(d, j, j), g->tmp + (size_t)j * d + j,
                 (size_t)(d - j));
  g->rows += rows;
}

void sigma_gram_add_rows(sigma_gram *g, const double *X, int64_t b) {
  if (b <= 0) return;
  const int d = g->d;
  sigma_gram_syrk(g, X, b, 0);
  sigma_gram_flush(g, b);
  if (!g->colsum) return;
  memset(g->csum, 0, (size_t)d * sizeof(double));
  for (int64_t i = 0; i < b; i++) cblas_daxpy(d, 1.0, X + (size_t)i * d, 1, g->csum, 1);
  sigma_dd_add(g->acc + 2 * g->np, g->csum, (size_t)d);
}

void sigma_gram_merge(sigma_gram *g, const sigma_gram *other) {
  sigma_dd_merge(g->acc, other->acc, g->ndd);
  g->rows += other->rows;
}

void sigma_gram_matrix(const sigma_gram *g, double *G) {
  const int d = g->d;
  for (int j = 0; j < d; j++)
    for (int i = j; i < d; i++) {
      size_t k = sigma_packed_index(d, i, j);
      double v = g->acc[2 * k] + g->acc[2 * k + 1];
      G[(size_t)j * d + i] = v;
      G[(size_t)i * d + j] = v;
    }
}

void sigma_gram_colsum(const sigma_gram *g, double *s) {
  sigma_dd_value(g->acc + 2 * g->np, s, (size_t)g->d);
}

void sigma_center_gram(double *S, int d, const double *s, double n, const double *m) {
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++)
      S[(size_t)j * d + i] += -m[i] * s[j] - s[i] * m[j] + n * m[i] * m[j];
}
