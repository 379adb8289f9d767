/* The streaming pass (mpi/stream.h). */
#include "stream.h"

#include <stdlib.h>
#include <string.h>

#include "progress.h"
#include "rows.h"
#include "sigma/error.h"

/* Default read size per rank: 16 MiB of float64 rows (8192 rows at d = 256): a larger
 * buffer only adds first-touch page faults (measured: 14% of pass 1 at 64 MiB). */
#define SIGMA_BLOCK_BYTES (16ll << 20)

void sigma_stream_share(int64_t N, int64_t chunk, int rank, int size, int64_t *lo, int64_t *hi) {
  const int64_t nchunks = (N + chunk - 1) / chunk;
  *lo = (int64_t)(nchunks * rank / size) * chunk;
  *hi = (int64_t)(nchunks * (rank + 1) / size) * chunk;
  if (*hi > N) *hi = N;
  if (*lo > N) *lo = N;
}

int64_t sigma_stream_block_rows(int64_t block_rows, int d, int64_t chunk) {
  if (block_rows > 0) return block_rows;
  int64_t b = SIGMA_BLOCK_BYTES / (8 * (int64_t)d) / chunk * chunk;
  return b < chunk ? chunk : b;
}

int sigma_stream_init(sigma_stream *s, sigma_input *in, int64_t lo, int64_t hi, int64_t chunk,
                      int64_t block_rows, int normalize) {
  memset(s, 0, sizeof *s);
  s->in = in;
  s->lo = s->pos = lo;
  s->hi = hi;
  s->chunk = chunk;
  s->block_rows = block_rows;
  s->cap = ((block_rows > chunk ? block_rows : chunk) + chunk - 1) / chunk * chunk;
  s->normalize = normalize;
  return sigma_calloc(&s->buf, (size_t)s->cap * in->d, sizeof(double));
}

void sigma_stream_rewind(sigma_stream *s, const double *shift, const double *shift2, int checks) {
  s->pos = s->lo;
  s->buf_n = s->buf_off = 0;
  s->shift = shift;
  s->shift2 = shift2;
  s->checks = checks;
}

/* The one row preparation (io/rows.h): the first pass checks values and norms; then
 * --normalize and the centring shifts. */
static int prepare(sigma_stream *s, double *X, int64_t row0, int64_t n) {
  const sigma_prep p = {.check = s->checks, .normalize = s->normalize, .shift = s->shift,
                        .shift2 = s->shift2};
  return sigma_rows_prepare(s->in, &p, row0, NULL, X, n, &s->max_norm2);
}

/* Refill the buffer with up to cap rows, in reads of block_rows rows. */
static int refill(sigma_stream *s) {
  const int d = s->in->d;
  int64_t want = s->hi - s->pos < s->cap ? s->hi - s->pos : s->cap;
  s->buf_row0 = s->pos;
  s->buf_n = s->buf_off = 0;
  while (s->buf_n < want) {
    int64_t k = want - s->buf_n < s->block_rows ? want - s->buf_n : s->block_rows;
    SIGMA_CHECK(sigma_input_read(s->in, s->pos, k, s->buf + (size_t)s->buf_n * d));
    s->buf_n += k;
    s->pos += k;
  }
  s->rows_read += s->buf_n;
  return prepare(s, s->buf, s->buf_row0, s->buf_n);
}

int sigma_stream_next(sigma_stream *s, const double **X, int64_t *row0, int64_t *n) {
  if (s->buf_off == s->buf_n) SIGMA_CHECK(refill(s));
  int64_t k = s->buf_n - s->buf_off < s->chunk ? s->buf_n - s->buf_off : s->chunk;
  *X = s->buf + (size_t)s->buf_off * s->in->d;
  *row0 = s->buf_row0 + s->buf_off;
  *n = k;
  s->buf_off += k;
  return SIGMA_OK;
}

int sigma_stream_pass(sigma_stream *s, const char *label, int show, int64_t N, double bpr,
                      sigma_stream_visit visit, void *ctx) {
  sigma_progress pg;
  sigma_progress_start(&pg, label, show, N, s->hi - s->lo, bpr);
  for (;;) {
    const double *X;
    int64_t row0, n;
    SIGMA_CHECK(sigma_stream_next(s, &X, &row0, &n));
    if (n == 0) break;
    SIGMA_CHECK(visit(ctx, X, row0, n));
    sigma_progress_update(&pg, row0 + n - s->lo);
  }
  sigma_progress_end(&pg);
  return SIGMA_OK;
}

void sigma_stream_free(sigma_stream *s) {
  free(s->buf);
  s->buf = NULL;
}
