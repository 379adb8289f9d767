/* The streaming pass (mpi/stream.h). */
#include "stream.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "progress.h"
#include "rows.h"
#include "sigma/error.h"
#include "worker.h"

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
  return sigma_calloc(&s->blk[0].buf, (size_t)s->cap * in->d, sizeof(double));
}

void sigma_stream_rewind(sigma_stream *s, const double *shift, const double *shift2, int checks) {
  s->pos = s->lo;
  s->off = s->blk[0].n = s->blk[1].n = 0;
  s->shift = shift;
  s->shift2 = shift2;
  s->checks = checks;
}

/* The C clock: no MPI call while the reader may be inside MPI-IO (mpi/worker.h). */
static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* A sigma_piece_fn: one shard's part of a read, prepared by the one row preparation
 * (io/rows.h) as soon as it is read, while it is in cache. A preparation error is held
 * until the block's reads are done, so that a read error later in the same block is
 * reported first, as when a whole block was read before any of it was prepared. */
static int prepare_piece(void *ctx, int64_t row0, int64_t n, double *X, int staged32) {
  sigma_stream *s = ctx;
  if (s->held_rc != SIGMA_OK) return SIGMA_OK; /* the block fails anyway */
  const sigma_prep p = {.check = s->checks, .normalize = s->normalize, .shift = s->shift,
                        .shift2 = s->shift2};
  int rc = staged32 ? sigma_rows_prepare32(s->in, &p, row0, X, n, &s->max_norm2)
                    : sigma_rows_prepare(s->in, &p, row0, NULL, X, n, &s->max_norm2);
  if (rc != SIGMA_OK) {
    s->held_rc = rc;
    s->held_msg = sigma_error_take();
  }
  return SIGMA_OK;
}

/* A sigma_job_fn: fill blk[s->fill] with the next up to cap rows, in reads of block_rows
 * rows, prepared. Runs on the reader thread while the caller visits the other block. */
static int fill(void *ctx) {
  sigma_stream *s = ctx;
  sigma_stream_block *b = &s->blk[s->fill];
  const int d = s->in->d;
  sigma_thread_clock clk;
  sigma_thread_clock_start(&clk);
  const int64_t want = s->hi - s->pos < s->cap ? s->hi - s->pos : s->cap;
  int rc = SIGMA_OK;
  b->row0 = s->pos;
  b->n = 0;
  s->held_rc = SIGMA_OK;
  while (rc == SIGMA_OK && b->n < want) {
    int64_t k = want - b->n < s->block_rows ? want - b->n : s->block_rows;
    rc = sigma_input_read_each(s->in, s->pos, k, b->buf + (size_t)b->n * d, prepare_piece, s);
    b->n += k;
    s->pos += k;
  }
  if (rc == SIGMA_OK) s->rows_read += b->n;
  if (rc == SIGMA_OK && s->held_rc != SIGMA_OK)
    rc = sigma_set_error(s->held_rc, "%s", s->held_msg ? s->held_msg
                                               : "out of memory (while recording an error message)");
  free(s->held_msg);
  s->held_msg = NULL;
  s->last_blocked = sigma_thread_clock_blocked(&clk, &s->last_wall);
  s->t_read += s->last_wall;
  s->nblocks++;
  return rc;
}

int sigma_stream_next(sigma_stream *s, const double **X, int64_t *row0, int64_t *n) {
  sigma_stream_block *b = &s->blk[0];
  if (s->off == b->n) {
    s->fill = 0;
    s->off = 0;
    SIGMA_CHECK(fill(s));
  }
  int64_t k = b->n - s->off < s->chunk ? b->n - s->off : s->chunk;
  *X = b->buf + (size_t)s->off * s->in->d;
  *row0 = b->row0 + s->off;
  *n = k;
  s->off += k;
  return SIGMA_OK;
}

/* Every chunk of block b to visit, with progress. */
static int visit_block(sigma_stream *s, sigma_stream_block *b, sigma_stream_visit visit,
                       void *ctx, sigma_progress *pg) {
  for (int64_t off = 0; off < b->n; off += s->chunk) {
    int64_t k = b->n - off < s->chunk ? b->n - off : s->chunk;
    SIGMA_CHECK(visit(ctx, b->buf + (size_t)off * s->in->d, b->row0 + off, k));
    sigma_progress_update(pg, b->row0 + off + k - s->lo);
  }
  return SIGMA_OK;
}

/* The next block, read by the worker (ahead) or here: the time BLAS waits for it. */
static int next_fill(sigma_stream *s, sigma_worker *w, int ahead) {
  const double t0 = now();
  int rc = ahead ? sigma_worker_wait(w) : fill(s);
  s->t_wait += now() - t0;
  return rc;
}

/* The blocks of a pass: block b + 1 is filled while block b is visited, on the worker,
 * when reading ahead pays (mpi/worker.h: the last fill blocked on I/O, or
 * SIGMA_OVERLAP=on); else after the visits, here. */
static int pass_blocks(sigma_stream *s, sigma_worker *w, sigma_stream_visit visit, void *ctx,
                       sigma_progress *pg) {
  const sigma_overlap_mode mode = sigma_overlap_mode_get();
  const int threaded = sigma_worker_threaded(w);
  int cur = 0;
  s->fill = 0;
  int rc = next_fill(s, w, 0);
  while (rc == SIGMA_OK && s->blk[cur].n > 0) {
    const int more = s->pos < s->hi;
    const int ahead = more && sigma_read_ahead_pays(mode, threaded, s->last_blocked, s->last_wall);
    /* Ahead: the other buffer. Else the same one, as without a thread: one buffer in use
     * keeps the rows' cache lines warm (alternating two cost 20% in pass time, measured). */
    s->fill = ahead ? 1 - cur : cur;
    if (ahead) {
      sigma_worker_submit(w, fill, s);
      s->nahead++;
    }
    rc = visit_block(s, &s->blk[cur], visit, ctx, pg);
    if (rc != SIGMA_OK) {
      sigma_worker_cancel(w);
      return rc;
    }
    if (!more) break;
    rc = next_fill(s, w, ahead);
    cur = s->fill;
  }
  return rc;
}

/* The pass's reader: a thread and the second buffer when there is more than one block
 * (and overlap is allowed, mpi/worker.h); without memory for the buffer, no thread. */
static int start_reader(sigma_stream *s, sigma_worker **w) {
  SIGMA_CHECK(sigma_worker_start(w, s->hi - s->lo > s->cap));
  if (!sigma_worker_threaded(*w) || s->blk[1].buf) return SIGMA_OK;
  s->blk[1].buf = malloc((size_t)s->cap * s->in->d * sizeof(double));
  if (s->blk[1].buf) return SIGMA_OK;
  sigma_worker_stop(w);
  return sigma_worker_start(w, 0);
}

int sigma_stream_pass(sigma_stream *s, const char *label, int show, int64_t N, double bpr,
                      sigma_stream_visit visit, void *ctx) {
  sigma_worker *w = NULL;
  s->t_read = s->t_wait = 0;
  s->nblocks = s->nahead = 0;
  SIGMA_CHECK(start_reader(s, &w));
  sigma_progress pg;
  sigma_progress_start(&pg, label, show, N, s->hi - s->lo, bpr);
  int rc = pass_blocks(s, w, visit, ctx, &pg);
  sigma_worker_stop(&w);
  if (rc == SIGMA_OK) sigma_progress_end(&pg);
  s->off = s->blk[0].n = s->blk[1].n = 0; /* sigma_stream_next starts afresh */
  return rc;
}

void sigma_stream_free(sigma_stream *s) {
  free(s->blk[0].buf);
  free(s->blk[1].buf);
  s->blk[0].buf = s->blk[1].buf = NULL;
  free(s->held_msg);
  s->held_msg = NULL;
}
