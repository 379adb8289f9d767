/* The one row-preparation pipeline of every command (audit, study, plan): rows as read
 * (float64, io/input.h) -> checked -> normalised -> shifted, so a row prepared by any
 * command has the same bits. Pure: no I/O, no MPI; it needs the shard table only to name
 * a bad row (file, dataset, row). Defined in io/rows.c with the row functions of
 * io/input.h (sigma_input_prepare_row, sigma_input_check_row, ...).
 */
#ifndef SIGMA_IO_ROWS_H
#define SIGMA_IO_ROWS_H

#include <stdint.h>

#include "input.h"

typedef struct {
  int check;     /* run sigma_input_prepare_row even without normalize: NaN/Inf refused,
                    squared norms that overflow or underflow refused, norms measured */
  int normalize; /* scale every row to unit norm (sigma_input_prepare_row) */
  const double *shift;  /* d doubles or NULL: x_j -= shift[j] after normalising */
  const double *shift2; /* d doubles or NULL: then x_j -= shift2[j] (a second, smaller
                           part of the mean: two steps keep a large mean's precision) */
} sigma_prep;

/* Prepare n rows of X (row-major n x d, d = in->d) in place, in order i = 0..n-1. Row i
 * is global row rows[i] (any order; e.g. a sampled block in draw order), or row0 + i when
 * rows is NULL; the row index only names a bad row in messages. For each row:
 *   1. if p->check or p->normalize: sigma_input_prepare_row(in, r, x, p->normalize, &s)
 *      and, if max_norm2 is not NULL, *max_norm2 = max(*max_norm2, s): ||x||^2 as used
 *      (after normalising, before shifting; the caller initialises *max_norm2);
 *   2. if p->shift: x_j -= shift[j] for every j; 3. if p->shift2: x_j -= shift2[j].
 * (x - a) - b in that order: the same bits as the drivers' own loops had.
 * Nothing to do (no check, no normalize, no shift): returns at once.
 * Errors: those of sigma_input_prepare_row (SIGMA_EDATA naming file, dataset, row and
 * column), for the first bad row in the order above; rows before it are prepared, it
 * and the rows after it are left as they were or half done. */
int sigma_rows_prepare(const sigma_input *in, const sigma_prep *p, int64_t row0,
                       const uint64_t *rows, double *X, int64_t n, double *max_norm2);

/* sigma_rows_prepare (row0, no row list) on n float32 rows not yet widened: X holds n * d
 * IEEE binary32 values at (float *)X + n * d (the staged upper half of the block, as
 * sigma_input_read_each leaves them) and gets the prepared float64 rows, bit for bit
 * those of widening every value and then sigma_rows_prepare, with the same errors for
 * the same first bad row. One pass: each row is widened, checked (a vectorised sum of
 * squares stands in for the exact one where it cannot change a verdict or the maximum)
 * and shifted while it is in cache. */
int sigma_rows_prepare32(const sigma_input *in, const sigma_prep *p, int64_t row0, double *X,
                         int64_t n, double *max_norm2);

#endif
