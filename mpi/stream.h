/* The streaming pass: one rank's contiguous share of the rows, read block by block and
 * handed out in chunks of sigma_chunk_rows(d) rows aligned on global row indices (so the
 * Gram reduction does not depend on the number of ranks, the block size or the sharding).
 * Rows are prepared on read by the one row preparation (checked, normalised, centred;
 * float32 rows widened in the same pass, io/rows.h sigma_rows_prepare32).
 *
 * A pass can read ahead: a helper thread (mpi/worker.h) reads and prepares block b + 1
 * while the caller's visit runs on the chunks of block b, in a second buffer; when that
 * pays (SIGMA_OVERLAP=auto, the default: after a block whose reading blocked on I/O;
 * SIGMA_OVERLAP=on: always; off, or SIGMA_NO_OVERLAP=1: never, and no thread). Otherwise
 * block b + 1 is read after the visits of block b. The blocks, their rows and the chunks
 * are the same either way, so are the results, bit for bit; errors too: a read or data
 * error in block b + 1 is reported (same message, same row) only once every chunk of
 * block b was visited, and a visit's error wins over it.
 *
 * Memory: cap = max(block_rows, chunk) rounded up to a multiple of chunk; cap x d doubles
 * per buffer, two buffers when a thread may read ahead (one with SIGMA_OVERLAP=off or when
 * the rank's rows fit in one block).
 */
#ifndef SIGMA_STREAM_H
#define SIGMA_STREAM_H

#include <stdint.h>

#include "input.h"

typedef struct {
  double *buf;            /* cap x d (owned) */
  int64_t row0, n;        /* the rows it holds: [row0, row0 + n) */
} sigma_stream_block;

typedef struct {
  sigma_input *in;
  int64_t lo, hi;         /* this rank's rows [lo, hi), lo a multiple of chunk */
  int64_t chunk;          /* the reduction unit */
  int64_t block_rows, cap;
  sigma_stream_block blk[2]; /* blk[1].buf: allocated by the first pass that reads ahead */
  int fill;               /* the block the next read fills */
  int64_t off, pos;       /* next row of blk[0] to hand out (sigma_stream_next); next row to read */
  int normalize;
  const double *shift, *shift2; /* subtracted after normalising (shift, then shift2) */
  int checks;             /* NaN/Inf check and the max norm (the first pass over rows) */
  double max_norm2;       /* max ||x||^2 of the rows as used (normalised, before shifts) */
  int64_t rows_read;      /* rows read from the input, all passes */
  int held_rc;            /* a preparation error held until the block's reads are done */
  char *held_msg;
  double last_wall, last_blocked; /* the last block read: seconds, of which blocked */
  int64_t nblocks, nahead; /* the last pass: blocks read, of which read ahead */
  double t_read, t_wait;  /* the last pass: seconds reading and preparing blocks (on the
                             reader), and the visiting thread waiting for them */
} sigma_stream;

/* Rank rank of size's share of N rows in whole chunks: [*lo, *hi). */
void sigma_stream_share(int64_t N, int64_t chunk, int rank, int size, int64_t *lo, int64_t *hi);

/* Rows per read: block_rows if given (> 0), else a 16 MiB budget of float64 rows, in
 * whole chunks, at least one chunk. */
int64_t sigma_stream_block_rows(int64_t block_rows, int d, int64_t chunk);

/* A stream over rows [lo, hi) of in. Errors: SIGMA_ENOMEM. Free with sigma_stream_free. */
int sigma_stream_init(sigma_stream *s, sigma_input *in, int64_t lo, int64_t hi, int64_t chunk,
                      int64_t block_rows, int normalize);

/* Back to lo, with these centring shifts (or NULL) and whether rows are checked. */
void sigma_stream_rewind(sigma_stream *s, const double *shift, const double *shift2, int checks);

/* The next chunk, without reading ahead: *X (n x d, valid until the next call), its first
 * global row, n rows; n = 0 at the end. Errors: the input's (SIGMA_EIO naming file,
 * dataset, rows) and the row preparation's (SIGMA_EDATA naming file, dataset, row and
 * column). */
int sigma_stream_next(sigma_stream *s, const double **X, int64_t *row0, int64_t *n);

/* Called with each chunk of a pass: X (n x d) is the caller's to overwrite (e.g. by an
 * in-place dtrmm) until it returns. No HDF5 or MPI call (mpi/worker.h). */
typedef int (*sigma_stream_visit)(void *ctx, double *X, int64_t row0, int64_t n);

/* One pass over the stream's rows (after sigma_stream_rewind), reading ahead, with
 * progress on stderr labelled label when show, N the pass's total rows over all ranks,
 * bpr the bytes per row on disk. Errors: those of sigma_stream_next and of visit,
 * SIGMA_ENOMEM. */
int sigma_stream_pass(sigma_stream *s, const char *label, int show, int64_t N, double bpr,
                      sigma_stream_visit visit, void *ctx);

void sigma_stream_free(sigma_stream *s);

#endif
