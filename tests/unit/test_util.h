/* Helpers shared by the unit tests: an independent RNG (splitmix64, not Philox),
 * long-double reference linear algebra (Gram, Cholesky, LU solve, cyclic Jacobi
 * eigenvalues) and tolerance assertions. Nothing here calls sigma_core, so the
 * tests compare the core against computations that share no code with it. */
#ifndef SIGMA_TEST_UTIL_H
#define SIGMA_TEST_UTIL_H

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#define assert_close(a, b, tol)                                                              \
  do {                                                                                       \
    double a_ = (double)(a), b_ = (double)(b), t_ = (double)(tol);                           \
    if (!(fabs(a_ - b_) <= t_)) {                                                            \
      print_error("%s:%d: %s = %.17g vs %s = %.17g, |diff| %.3g > tol %.3g\n", __FILE__,      \
                  __LINE__, #a, a_, #b, b_, fabs(a_ - b_), t_);                              \
      fail();                                                                                \
    }                                                                                        \
  } while (0)

/* |a - b| <= rtol * max(|b|, floor) */
#define assert_rel(a, b, rtol, floor)                                                        \
  assert_close(a, b, (rtol) * fmax(fabs((double)(b)), (floor)))

#define assert_bits_equal(a, b)                                                              \
  do {                                                                                       \
    double a_ = (a), b_ = (b);                                                               \
    if (memcmp(&a_, &b_, sizeof a_) != 0) {                                                  \
      print_error("%s:%d: %s = %a vs %s = %a not bit-identical\n", __FILE__, __LINE__, #a,    \
                  a_, #b, b_);                                                               \
      fail();                                                                                \
    }                                                                                        \
  } while (0)

/* ---- independent RNG: splitmix64 ---- */
typedef struct { uint64_t s; } trng;

static inline uint64_t trng_u64(trng *r) {
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static inline double trng_u01(trng *r) { return ((double)(trng_u64(r) >> 11) + 0.5) * 0x1.0p-53; }
static inline double trng_gauss(trng *r) {
  double u = trng_u01(r), v = trng_u01(r);
  return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* ---- long-double reference linear algebra (column-major d x d) ---- */

/* G = X^T X for row-major n x d X, naive triple loop. */
static inline void ref_gram(const double *X, long n, int d, long double *G) {
  for (int a = 0; a < d; a++)
    for (int b = 0; b < d; b++) {
      long double s = 0.0L;
      for (long i = 0; i < n; i++) s += (long double)X[i * d + a] * X[i * d + b];
      G[(size_t)b * d + a] = s;
    }
}

/* log det of SPD A by a long-double Cholesky; returns NAN if not PD. */
static inline long double ref_logdet(const double *A, int d) {
  long double *L = calloc((size_t)d * d, sizeof *L);
  long double s = 0.0L;
  for (int j = 0; j < d; j++) {
    for (int i = j; i < d; i++) {
      long double v = A[(size_t)j * d + i];
      for (int k = 0; k < j; k++) v -= L[(size_t)k * d + i] * L[(size_t)k * d + j];
      if (i == j) {
        if (!(v > 0)) { free(L); return NAN; }
        L[(size_t)j * d + j] = sqrtl(v);
        s += logl(v);
      } else {
        L[(size_t)j * d + i] = v / L[(size_t)j * d + j];
      }
    }
  }
  free(L);
  return s;
}

/* Solve A y = b (A general d x d column-major) by Gaussian elimination with
 * partial pivoting in long double. */
static inline void ref_solve(const double *A, int d, const double *b, long double *y) {
  long double *M = malloc((size_t)d * (d + 1) * sizeof *M); /* row-major augmented */
  for (int i = 0; i < d; i++) {
    for (int j = 0; j < d; j++) M[(size_t)i * (d + 1) + j] = A[(size_t)j * d + i];
    M[(size_t)i * (d + 1) + d] = b[i];
  }
  for (int c = 0; c < d; c++) {
    int p = c;
    for (int i = c + 1; i < d; i++)
      if (fabsl(M[(size_t)i * (d + 1) + c]) > fabsl(M[(size_t)p * (d + 1) + c])) p = i;
    if (p != c)
      for (int j = 0; j <= d; j++) {
        long double t = M[(size_t)c * (d + 1) + j];
        M[(size_t)c * (d + 1) + j] = M[(size_t)p * (d + 1) + j];
        M[(size_t)p * (d + 1) + j] = t;
      }
    for (int i = c + 1; i < d; i++) {
      long double f = M[(size_t)i * (d + 1) + c] / M[(size_t)c * (d + 1) + c];
      for (int j = c; j <= d; j++) M[(size_t)i * (d + 1) + j] -= f * M[(size_t)c * (d + 1) + j];
    }
  }
  for (int i = d - 1; i >= 0; i--) {
    long double s = M[(size_t)i * (d + 1) + d];
    for (int j = i + 1; j < d; j++) s -= M[(size_t)i * (d + 1) + j] * y[j];
    y[i] = s / M[(size_t)i * (d + 1) + i];
  }
  free(M);
}

static inline int ref_cmp_desc(const void *a, const void *b) {
  long double x = *(const long double *)a, y = *(const long double *)b;
  return (x < y) - (x > y);
}

/* Eigenvalues of symmetric A (column-major) by cyclic Jacobi rotations in long
 * double, sorted descending. */
static inline void ref_eig(const double *A, int d, long double *w) {
  long double *M = malloc((size_t)d * d * sizeof *M);
  for (size_t k = 0; k < (size_t)d * d; k++) M[k] = A[k];
#define M_(i, j) M[(size_t)(j) * d + (i)]
  for (int sweep = 0; sweep < 100; sweep++) {
    long double off = 0.0L, tot = 0.0L;
    for (int i = 0; i < d; i++)
      for (int j = 0; j < d; j++) {
        tot += M_(i, j) * M_(i, j);
        if (i != j) off += M_(i, j) * M_(i, j);
      }
    if (off <= 1e-38L * tot) break;
    for (int p = 0; p < d - 1; p++)
      for (int q = p + 1; q < d; q++) {
        if (M_(p, q) == 0.0L) continue;
        long double theta = (M_(q, q) - M_(p, p)) / (2.0L * M_(p, q));
        long double t = (theta >= 0 ? 1.0L : -1.0L) / (fabsl(theta) + sqrtl(theta * theta + 1.0L));
        long double c = 1.0L / sqrtl(t * t + 1.0L), s = t * c;
        for (int k = 0; k < d; k++) { /* columns p, q */
          long double mkp = M_(k, p), mkq = M_(k, q);
          M_(k, p) = c * mkp - s * mkq;
          M_(k, q) = s * mkp + c * mkq;
        }
        for (int k = 0; k < d; k++) { /* rows p, q */
          long double mpk = M_(p, k), mqk = M_(q, k);
          M_(p, k) = c * mpk - s * mqk;
          M_(q, k) = s * mpk + c * mqk;
        }
      }
  }
  for (int i = 0; i < d; i++) w[i] = M_(i, i);
#undef M_
  free(M);
  qsort(w, (size_t)d, sizeof *w, ref_cmp_desc);
}

/* Householder reflection H = I - 2 v v^T / (v^T v) (column-major d x d). */
static inline void householder(const double *v, int d, double *H) {
  long double vv = 0.0L;
  for (int i = 0; i < d; i++) vv += (long double)v[i] * v[i];
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++)
      H[(size_t)j * d + i] = (double)((i == j ? 1.0L : 0.0L) - 2.0L * v[i] * v[j] / vv);
}

/* A = Q diag(D) Q^T (Q column-major d x d). */
static inline void make_qdq(const double *Q, const double *D, int d, double *A) {
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++) {
      long double s = 0.0L;
      for (int k = 0; k < d; k++) s += (long double)Q[(size_t)k * d + i] * D[k] * Q[(size_t)k * d + j];
      A[(size_t)j * d + i] = (double)s;
    }
  /* exact symmetry */
  for (int j = 0; j < d; j++)
    for (int i = j + 1; i < d; i++) A[(size_t)i * d + j] = A[(size_t)j * d + i];
}

#endif
