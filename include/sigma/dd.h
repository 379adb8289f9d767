/* Double-double ("hi + lo") accumulation: sums whose rounding does not depend on
 * the order of the terms.
 *
 * Why: `sigma` must print the same digits for 1, 2 or 3 ranks and any block size.
 * Each fixed chunk of rows (sigma_chunk_rows(d), aligned on global row indices) gives
 * a partial result computed identically whatever the partition; the partials are
 * then summed in double-double (error ~ 2^-106 relative per addition), so the
 * final rounding to double is the same in any summation order except in cases
 * that would need the exact sum to fall within ~1e-30 of a rounding boundary.
 *
 * Storage: n pairs, interleaved: acc[2k] = hi, acc[2k+1] = lo.
 */
#ifndef SIGMA_DD_H
#define SIGMA_DD_H

#include <stddef.h>

/* acc[k] += x[k] for k < n (x plain doubles). Knuth TwoSum, then renormalise. */
void sigma_dd_add(double *acc, const double *x, size_t n);

/* acc[k] += other[k] for k < n (both double-double pair arrays). This is also the
 * body of the MPI_Op used by the distributed layer. */
void sigma_dd_merge(double *acc, const double *other, size_t n);

/* Round each pair to a double: out[k] = hi + lo. */
void sigma_dd_value(const double *acc, double *out, size_t n);

#endif
