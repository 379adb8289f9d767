/* Gram accumulation G = sum_i x_i x_i^T in float64 (SPEC section 1, paper [2.1]/[3.1]).
 *
 * Rows arrive in blocks X (row-major, b x d: row i is x_i). Each call forms the
 * block's Gram with BLAS level-3 dsyrk on sub-blocks of SIGMA_BLAS_ROWS rows (in a
 * fixed order, beta = 1 after the first) and adds its lower triangle once to a
 * double-double accumulator (sigma/dd.h). Callers feed fixed chunks of at most
 * sigma_chunk_rows(d) rows aligned on global row indices, so the result does not
 * depend on how rows are split over ranks or I/O blocks.
 *
 * The accumulator also holds the column sums (for --center) and the row count.
 * Its dd part is one contiguous array of 2*(np + d) doubles, np = d(d+1)/2:
 * the packed lower triangle (LAPACK 'L' packed, column-major) then the column
 * sums; that array is what the distributed layer reduces with MPI_Allreduce.
 */
#ifndef SIGMA_GRAM_H
#define SIGMA_GRAM_H

#include <stddef.h>
#include <stdint.h>

/* Rows per dsyrk call (OpenBLAS is at its peak for k ~ 1024 at d = 256). */
#define SIGMA_BLAS_ROWS 1024

/* Rows per reduction chunk for dimension d: 8192, halved while a chunk of float64
 * rows exceeds 16 MiB, never below SIGMA_BLAS_ROWS (8192 at d <= 256, 1024 at
 * d >= 2048). It depends on d only: part of the definition of every result. */
int64_t sigma_chunk_rows(int d);

typedef struct sigma_gram {
  int d;          /* dimension */
  size_t np;      /* d(d+1)/2 packed entries */
  size_t ndd;     /* np + d: number of dd pairs in acc */
  double *acc;    /* 2*ndd doubles: packed Gram then column sums, as dd pairs */
  double *tmp;    /* d*d scratch for dsyrk */
  double *csum;   /* d scratch for a block's column sums */
  int64_t rows;   /* rows added */
  int colsum;     /* accumulate column sums (default 1; only --center needs them) */
} sigma_gram;

/* Create an empty accumulator for dimension d >= 1. Errors: SIGMA_EINVAL, SIGMA_ENOMEM. */
int sigma_gram_create(int d, sigma_gram **g);

/* Free g and set *g = NULL. NULL is accepted. */
void sigma_gram_destroy(sigma_gram **g);

/* Zero the sums and the count. */
void sigma_gram_reset(sigma_gram *g);

/* Add b rows of X (row-major b x d, float64). b = 0 is a no-op.
 * Same as sigma_gram_syrk(g, X, b, 0); sigma_gram_flush(g, b); plus the column sums. */
void sigma_gram_add_rows(sigma_gram *g, const double *X, int64_t b);

/* One block's Gram built in pieces, for callers that cannot hold the block at once:
 * g->tmp = X^T X (accumulate = 0) or g->tmp += X^T X (accumulate = 1), b rows,
 * dsyrk on sub-blocks of SIGMA_BLAS_ROWS rows. Feeding a block as consecutive calls
 * whose sizes are multiples of SIGMA_BLAS_ROWS (all but the last) gives the same
 * bits as one call. Column sums are not formed. */
void sigma_gram_syrk(sigma_gram *g, const double *X, int64_t b, int accumulate);

/* Add g->tmp (the block built by sigma_gram_syrk) to the dd accumulator once and
 * count its rows. */
void sigma_gram_flush(sigma_gram *g, int64_t rows);

/* Add another accumulator's sums (same d). */
void sigma_gram_merge(sigma_gram *g, const sigma_gram *other);

/* The Gram as a full symmetric d x d matrix (column-major = row-major). */
void sigma_gram_matrix(const sigma_gram *g, double *G);

/* Column sums sum_i x_i (length d). */
void sigma_gram_colsum(const sigma_gram *g, double *s);

/* Index of (i, j), i >= j, in LAPACK 'L' packed storage of order d. */
static inline size_t sigma_packed_index(int d, int i, int j) {
  return (size_t)i + (size_t)j * (size_t)(2 * d - j - 1) / 2;
}

/* Centering without cancellation (SPEC section 1): given S = sum (x_i - p)(x_i - p)^T
 * and s = sum (x_i - p) over a set of n rows, and m = mu - p for the reference mean
 * mu, replace S (d x d full) by sum (x_i - mu)(x_i - mu)^T
 *   = S - m s^T - s m^T + n m m^T. */
void sigma_center_gram(double *S, int d, const double *s, double n, const double *m);

#endif
