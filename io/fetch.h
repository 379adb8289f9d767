/* The sampled-row fetch every command shares (study replicates, plan pilots, a monitor's
 * observed block): rows given in draw order (a Philox prefix, sigma/sample.h) are read in
 * file order with gap-coalesced hyperslabs (sigma_input_read_rows: O(n) rows, not a pass),
 * prepared by the one row preparation (io/rows.h) and returned in draw order. */
#ifndef SIGMA_FETCH_H
#define SIGMA_FETCH_H

#include <stdint.h>

#include "input.h"
#include "rows.h"

/* Workspace for up to cap rows at a time; memory: cap (8 d + 24) bytes plus
 * SIGMA_SPAN_ROWS d doubles of staging. */
typedef struct {
  int64_t cap;
  int d;
  double *Xs, *scratch;   /* cap x d rows in file order; span staging */
  uint64_t *rows;         /* cap sorted row indices */
  struct sigma_row_pos { uint64_t row; int64_t pos; } *rp; /* cap (row, draw position) */
} sigma_fetch_buf;

/* Bytes of workspace per row (the Xs row, the index and its (row, position) pair). */
#define SIGMA_FETCH_BYTES_PER_ROW(d) (8.0 * (d) + 24.0)

/* Errors: SIGMA_ENOMEM. Free with sigma_fetch_free in any case. */
int sigma_fetch_init(sigma_fetch_buf *b, int64_t cap, int d);
void sigma_fetch_free(sigma_fetch_buf *b);

/* Rows drawn[0..n) (distinct, < N, any order; n <= b->cap) into X (n x d, row-major) in
 * that order, each prepared by p (bit-identical to preparing it where it lands).
 * Errors: those of sigma_input_read_rows (SIGMA_EIO naming file, dataset, rows) and of
 * sigma_rows_prepare (SIGMA_EDATA naming the row), SIGMA_EINVAL (n > cap). */
int sigma_rows_fetch(sigma_input *in, const sigma_prep *p, const uint64_t *drawn, int64_t n,
                     sigma_fetch_buf *b, double *X);

#endif
