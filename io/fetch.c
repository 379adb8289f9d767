/* The sampled-row fetch (io/fetch.h). */
#include "fetch.h"

#include <stdlib.h>
#include <string.h>

#include "sigma/error.h"

int sigma_fetch_init(sigma_fetch_buf *b, int64_t cap, int d) {
  memset(b, 0, sizeof *b);
  b->cap = cap;
  b->d = d;
  SIGMA_CHECK(sigma_calloc(&b->Xs, (size_t)cap * d, sizeof(double)));
  SIGMA_CHECK(sigma_calloc(&b->scratch, (size_t)SIGMA_SPAN_ROWS * d, sizeof(double)));
  SIGMA_CHECK(sigma_calloc(&b->rows, (size_t)cap, sizeof *b->rows));
  return sigma_calloc(&b->rp, (size_t)cap, sizeof *b->rp);
}

void sigma_fetch_free(sigma_fetch_buf *b) {
  free(b->Xs);
  free(b->scratch);
  free(b->rows);
  free(b->rp);
  memset(b, 0, sizeof *b);
}

static int cmp_row_pos(const void *a, const void *b) {
  uint64_t x = ((const struct sigma_row_pos *)a)->row, y = ((const struct sigma_row_pos *)b)->row;
  return (x > y) - (x < y);
}

int sigma_rows_fetch(sigma_input *in, const sigma_prep *p, const uint64_t *drawn, int64_t n,
                     sigma_fetch_buf *b, double *X) {
  const int d = b->d;
  if (n > b->cap)
    return sigma_set_error(SIGMA_EINVAL, "fetch of %lld rows over its workspace of %lld",
                           (long long)n, (long long)b->cap);
  for (int64_t k = 0; k < n; k++) b->rp[k] = (struct sigma_row_pos){drawn[k], k};
  qsort(b->rp, (size_t)n, sizeof *b->rp, cmp_row_pos);
  for (int64_t k = 0; k < n; k++) b->rows[k] = b->rp[k].row;
  SIGMA_CHECK(sigma_input_read_rows(in, b->rows, n, b->Xs, b->scratch));
  SIGMA_CHECK(sigma_rows_prepare(in, p, 0, b->rows, b->Xs, n, NULL));
  for (int64_t k = 0; k < n; k++) /* back to draw order */
    memcpy(X + (size_t)b->rp[k].pos * d, b->Xs + (size_t)k * d, (size_t)d * sizeof(double));
  return SIGMA_OK;
}
