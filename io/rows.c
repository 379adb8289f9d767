/* Rows by global index (io/input.h) and the row-preparation pipeline (io/rows.h). Only
 * the shard table is used here (paths, datasets, row0), never a backend, so this file
 * links and is unit-tested alone (tests/unit/test_rows.c). */
#include "rows.h"

#include <float.h>
#include <math.h>
#include <stdio.h>

#include "input.h"
#include "sigma/error.h"

int sigma_input_shard_of(const sigma_input *in, int64_t r) {
  int lo = 0, hi = in->nshards - 1; /* binary search over row0 */
  while (lo < hi) {
    int mid = (lo + hi + 1) / 2;
    if (in->shard[mid].row0 <= r) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/* "FILE:DATASET: row k (global row r)" ("FILE: row k ..." for .npy) inside a message, formatted with it (no buffer). */
#define ROW_FMT SIGMA_SHARD_FMT ": row %lld (global row %lld)"
#define ROW_ARGS(s, r) SIGMA_SHARD_ARGS(s), (long long)((r) - (s)->row0), (long long)(r)

int sigma_input_check_row(const sigma_input *in, int64_t r, const double *x) {
  for (int j = 0; j < in->d; j++)
    if (!isfinite(x[j])) {
      const sigma_shard *s = &in->shard[sigma_input_shard_of(in, r)];
      return sigma_set_error(SIGMA_EDATA, ROW_FMT " has %s in column %d", ROW_ARGS(s, r),
                             isnan(x[j]) ? "NaN" : "Inf", j);
    }
  return SIGMA_OK;
}

/* max |x_j| and sum (x_j / m)^2: the squared norm m^2 t without overflow or underflow
 * (LAPACK's dnrm2 scales the same way). */
static double scaled_norm2(const double *x, int d, double *t) {
  double m = 0, acc = 0;
  for (int j = 0; j < d; j++) m = fmax(m, fabs(x[j]));
  if (m > 0)
    for (int j = 0; j < d; j++) acc += (x[j] / m) * (x[j] / m);
  *t = acc;
  return m;
}

int sigma_input_prepare_row(const sigma_input *in, int64_t r, double *x, int normalize,
                            double *norm2) {
  const int d = in->d;
  double s = 0;
  for (int j = 0; j < d; j++) s += x[j] * x[j];
  if (!isfinite(s)) SIGMA_CHECK(sigma_input_check_row(in, r, x)); /* a NaN or Inf, named */
  /* Finite values whose squares overflow, or squares that underflow: x x^T is not
   * representable in double precision. m = 0: an all-zero row (harmless unless it must
   * be normalised). */
  const int overflow = !isfinite(s), underflow = s < DBL_MIN;
  double t = 0, m = 0;
  if (overflow || underflow) m = scaled_norm2(x, d, &t);
  const sigma_shard *sh = &in->shard[sigma_input_shard_of(in, r)];
  if (m > 0 && !normalize)
    return sigma_set_error(SIGMA_EDATA, ROW_FMT " %s double precision: ||x||^2 = %.3g^2 x %.6g, so x "
                           "x^T cannot be represented (rescale the data, or --normalize)",
                           ROW_ARGS(sh, r), overflow ? "overflows" : "underflows", m, t);
  if (normalize) {
    if (overflow || underflow) {
      if (m == 0)
        return sigma_set_error(SIGMA_EDATA, ROW_FMT " is all zeros: cannot --normalize it",
                               ROW_ARGS(sh, r));
      const double inv = 1.0 / sqrt(t); /* x / m has norm sqrt(t) in [1, sqrt(d)] */
      for (int j = 0; j < d; j++) x[j] = (x[j] / m) * inv;
    } else {
      const double inv = 1.0 / sqrt(s);
      for (int j = 0; j < d; j++) x[j] *= inv;
    }
    s = 0;
    for (int j = 0; j < d; j++) s += x[j] * x[j];
  }
  if (norm2) *norm2 = s;
  return SIGMA_OK;
}

int sigma_rows_prepare(const sigma_input *in, const sigma_prep *p, int64_t row0,
                       const uint64_t *rows, double *X, int64_t n, double *max_norm2) {
  const int d = in->d, prepare = p->check || p->normalize;
  if (!prepare && !p->shift && !p->shift2) return SIGMA_OK;
  for (int64_t i = 0; i < n; i++) {
    double *x = X + (size_t)i * d, s = 0;
    if (prepare) {
      SIGMA_CHECK(sigma_input_prepare_row(in, rows ? (int64_t)rows[i] : row0 + i, x,
                                          p->normalize, &s));
      if (max_norm2 && s > *max_norm2) *max_norm2 = s;
    }
    if (p->shift)
      for (int j = 0; j < d; j++) x[j] -= p->shift[j];
    if (p->shift2)
      for (int j = 0; j < d; j++) x[j] -= p->shift2[j];
  }
  return SIGMA_OK;
}
