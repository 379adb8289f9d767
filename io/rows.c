/* Rows by global index (io/input.h) and the row-preparation pipeline (io/rows.h). Only
 * the shard table is used here (paths, datasets, row0), never a backend, so this file
 * links and is unit-tested alone (tests/unit/test_rows.c). */
#include "rows.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

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

/* ---- float32 rows widened, checked and shifted in one pass (sigma_rows_prepare32) ---- */

/* Floats copied out per step of the last row, before their doubles are written. */
#define WIDEN 64
/* The exact sum of squares (sequential, as sigma_input_prepare_row) and one in another
 * order differ by less than 2 (d + 1) u relative (terms >= 0), under 1.1e-11 for
 * d <= SIGMA_D_MAX: a row whose fast sum times this is below the running maximum cannot
 * raise it, and its exact sum is not needed. */
#define SUM_SLACK (1.0 + 1e-10)

/* x[0..c) = f[0..c) widened; with sum, adds x_j^2 to acc[j mod 8] (vectorised). x and f
 * do not overlap. */
static void widen_span(double *restrict x, const float *restrict f, int c, int sum,
                       double acc[restrict 8]) {
  int j = 0;
  if (sum)
    for (; j + 8 <= c; j += 8)
      for (int k = 0; k < 8; k++) {
        const double v = f[j + k];
        x[j + k] = v;
        acc[k] += v * v;
      }
  for (; j < c; j++) {
    const double v = f[j];
    x[j] = v;
    if (sum) acc[0] += v * v;
  }
}

/* x[0..d) = f[0..d) widened. Row i of a staged block of n rows ends (byte 8 d (i + 1))
 * before its floats begin (4 n d + 4 d i) unless i = n - 1: there (last) each step copies
 * its floats out before writing their doubles, and double j ends before float j + 1
 * begins, so no float is overwritten before it is read. sum: returns sum x_j^2 in an
 * order of its own (eight partial sums); else 0. */
static double widen_row(double *x, const float *f, int d, int sum, int last) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  if (!last) {
    widen_span(x, f, d, sum, acc);
  } else {
    for (int j0 = 0; j0 < d; j0 += WIDEN) {
      const int c = d - j0 < WIDEN ? d - j0 : WIDEN;
      float t[WIDEN];
      memcpy(t, f + j0, (size_t)c * sizeof(float));
      widen_span(x + j0, t, c, sum, acc);
    }
  }
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/* ||x||^2 summed in order j = 0..d-1: the bits sigma_input_prepare_row measures. */
static double sum_sq(const double *x, int d) {
  double s = 0;
  for (int j = 0; j < d; j++) s += x[j] * x[j];
  return s;
}

/* Step 1 of sigma_rows_prepare for row x (global row r), given its fast sum of squares.
 * Only a row to normalise, or one whose fast sum is outside [2^-900, 2^900] (a NaN, an
 * Inf, a zero row, or an overflow or underflow to name), needs the exact preparation;
 * any other row passes its checks as it is, and its exact norm matters only if it may
 * be a new maximum. */
static int check32(const sigma_input *in, const sigma_prep *p, int64_t r, double *x, double fast,
                   double *max_norm2) {
  if (p->normalize || (p->check && !(fast >= 0x1p-900 && fast <= 0x1p900))) {
    double s = 0;
    SIGMA_CHECK(sigma_input_prepare_row(in, r, x, p->normalize, &s));
    if (max_norm2 && s > *max_norm2) *max_norm2 = s;
  } else if (p->check && max_norm2 && fast * SUM_SLACK >= *max_norm2) {
    const double s = sum_sq(x, in->d);
    if (s > *max_norm2) *max_norm2 = s;
  }
  return SIGMA_OK;
}

int sigma_rows_prepare32(const sigma_input *in, const sigma_prep *p, int64_t row0, double *X,
                         int64_t n, double *max_norm2) {
  const int d = in->d, fast = p->check && !p->normalize;
  const float *F = (const float *)X + (size_t)n * d;
  for (int64_t i = 0; i < n; i++) {
    double *x = X + (size_t)i * d;
    const double s = widen_row(x, F + (size_t)i * d, d, fast, i == n - 1);
    SIGMA_CHECK(check32(in, p, row0 + i, x, s, max_norm2));
    if (p->shift)
      for (int j = 0; j < d; j++) x[j] -= p->shift[j];
    if (p->shift2)
      for (int j = 0; j < d; j++) x[j] -= p->shift2[j];
  }
  return SIGMA_OK;
}
