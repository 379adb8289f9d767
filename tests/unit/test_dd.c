/* Unit tests of sigma/dd.h against exact integer (__int128) sums. */
#include "test_util.h"

#include "sigma/dd.h"

__extension__ typedef __int128 i128;

#define NV 20000
#define SCALE_EXP 30 /* every value is a multiple of 2^-30 */

/* Values m * 2^k, |m| < 2^40, k in [-30, 40]: |v| < 2^80 and v * 2^30 is an
 * integer < 2^110, so the exact sum of NV of them fits an __int128. */
static void make_values(double *v, int n, uint64_t seed) {
  trng r = {seed};
  for (int i = 0; i < n; i++) {
    int64_t m = (int64_t)(trng_u64(&r) >> 24) - ((int64_t)1 << 39);
    int k = (int)(trng_u64(&r) % 71) - 30;
    v[i] = ldexp((double)m, k);
  }
}

static double exact_sum(const double *v, int n) {
  i128 s = 0;
  for (int i = 0; i < n; i++) s += (i128)ldexp(v[i], SCALE_EXP); /* exact: integer < 2^110 */
  /* Correctly rounded conversion (round to nearest even), then an exact scaling. */
  return ldexp((double)s, -SCALE_EXP);
}

static double dd_sum(const double *v, int n) {
  double acc[2] = {0.0, 0.0}, out;
  for (int i = 0; i < n; i++) sigma_dd_add(acc, &v[i], 1);
  sigma_dd_value(acc, &out, 1);
  return out;
}

static double naive_sum(const double *v, int n) {
  double s = 0.0;
  for (int i = 0; i < n; i++) s += v[i];
  return s;
}

static int cmp_abs_asc(const void *a, const void *b) {
  double x = fabs(*(const double *)a), y = fabs(*(const double *)b);
  return (x > y) - (x < y);
}

static void shuffle(double *v, int n, uint64_t seed) {
  trng r = {seed};
  for (int i = n - 1; i > 0; i--) {
    int j = (int)(trng_u64(&r) % (uint64_t)(i + 1));
    double t = v[i];
    v[i] = v[j];
    v[j] = t;
  }
}

/* Many mixed-magnitude values, in several orders: bit-identical, and equal to the
 * correctly rounded exact sum; naive double summation is order dependent here. */
static void test_order_independent(void **state) {
  (void)state;
  double *v = malloc(NV * sizeof *v);
  make_values(v, NV, 12345);
  const double ex = exact_sum(v, NV);
  const double s0 = dd_sum(v, NV);
  assert_bits_equal(s0, ex);
  int naive_differs = 0;
  double n0 = naive_sum(v, NV);
  for (int order = 0; order < 6; order++) {
    if (order == 0) qsort(v, NV, sizeof *v, cmp_abs_asc);
    else if (order == 1)
      for (int i = 0; i < NV / 2; i++) { double t = v[i]; v[i] = v[NV - 1 - i]; v[NV - 1 - i] = t; }
    else shuffle(v, NV, 1000 + (uint64_t)order);
    double s = dd_sum(v, NV);
    assert_bits_equal(s, s0);
    if (naive_sum(v, NV) != n0) naive_differs = 1;
  }
  /* The data set is hard enough that plain double summation depends on order. */
  assert_true(naive_differs);
  free(v);
}

/* Vectors: sigma_dd_add with n > 1 is element-wise. */
static void test_vector_add(void **state) {
  (void)state;
  enum { K = 3, R = 1000 };
  double *v = malloc(K * R * sizeof *v);
  make_values(v, K * R, 777);
  double acc[2 * K] = {0};
  for (int r = 0; r < R; r++) sigma_dd_add(acc, v + (size_t)r * K, K);
  double out[K];
  sigma_dd_value(acc, out, K);
  for (int k = 0; k < K; k++) {
    double col[R];
    for (int r = 0; r < R; r++) col[r] = v[(size_t)r * K + k];
    assert_bits_equal(out[k], exact_sum(col, R));
  }
  free(v);
}

/* Partial sums over any split, merged in any order, equal the one-pass sum. */
static void test_merge_split(void **state) {
  (void)state;
  double *v = malloc(NV * sizeof *v);
  make_values(v, NV, 4242);
  const double one = dd_sum(v, NV);
  assert_bits_equal(one, exact_sum(v, NV));
  const int splits[][4] = {{1, 2, 3, NV}, {NV / 3, NV / 2, NV - 7, NV}, {5000, 10000, 15000, NV}};
  for (int t = 0; t < 3; t++) {
    double part[4][2] = {{0}};
    int lo = 0;
    for (int p = 0; p < 4; p++) {
      for (int i = lo; i < splits[t][p]; i++) sigma_dd_add(part[p], &v[i], 1);
      lo = splits[t][p];
    }
    double fwd[2] = {0, 0}, rev[2] = {0, 0}, out;
    for (int p = 0; p < 4; p++) sigma_dd_merge(fwd, part[p], 1);
    for (int p = 3; p >= 0; p--) sigma_dd_merge(rev, part[p], 1);
    sigma_dd_value(fwd, &out, 1);
    assert_bits_equal(out, one);
    sigma_dd_value(rev, &out, 1);
    assert_bits_equal(out, one);
    /* tree order: (0+1) + (2+3) */
    sigma_dd_merge(part[0], part[1], 1);
    sigma_dd_merge(part[2], part[3], 1);
    sigma_dd_merge(part[0], part[2], 1);
    sigma_dd_value(part[0], &out, 1);
    assert_bits_equal(out, one);
  }
  free(v);
}

/* 1e16 + 1 - 1e16: naive double gives 0, the exact answer is 1. Also
 * 1 + 1e100 - 1e100 and alternating tiny increments on a huge value. */
static void test_exact_cancellation(void **state) {
  (void)state;
  volatile double big = 1e16;
  double naive = big + 1.0 - big;
  assert_true(naive == 0.0); /* the case is a real loss for plain doubles */
  double v1[3] = {1e16, 1.0, -1e16}, acc[2] = {0, 0}, out;
  for (int i = 0; i < 3; i++) sigma_dd_add(acc, &v1[i], 1);
  sigma_dd_value(acc, &out, 1);
  assert_true(out == 1.0);

  double v2[3] = {1.0, 1e100, -1e100};
  acc[0] = acc[1] = 0;
  sigma_dd_add(acc, &v2[0], 1);
  sigma_dd_add(acc, &v2[1], 1);
  sigma_dd_add(acc, &v2[2], 1);
  sigma_dd_value(acc, &out, 1);
  /* (hi, lo) = (1e100, 1) holds 1e100 + 1 exactly as an unevaluated sum. */
  assert_true(out == 1.0);

  /* 1e16 followed by 1000 ones then -1e16: exactly 1000; naive gives 0. */
  acc[0] = acc[1] = 0;
  double one = 1.0, nb = -1e16, pb = 1e16, naive2 = pb;
  sigma_dd_add(acc, &pb, 1);
  for (int i = 0; i < 1000; i++) { sigma_dd_add(acc, &one, 1); naive2 += one; }
  sigma_dd_add(acc, &nb, 1);
  naive2 += nb;
  sigma_dd_value(acc, &out, 1);
  assert_true(naive2 != 1000.0);
  assert_true(out == 1000.0);

  /* Merging pairs keeps the low parts: (1e16, 0.5) + (1e16, 0.25) = 2e16 + 0.75,
   * then subtract 2e16 exactly. */
  double a[2] = {0, 0}, b[2] = {0, 0}, h = 0.5, q = 0.25, m2 = -2e16;
  sigma_dd_add(a, &pb, 1);
  sigma_dd_add(a, &h, 1);
  sigma_dd_add(b, &pb, 1);
  sigma_dd_add(b, &q, 1);
  sigma_dd_merge(a, b, 1);
  sigma_dd_add(a, &m2, 1);
  sigma_dd_value(a, &out, 1);
  assert_true(out == 0.75);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_order_independent),
      cmocka_unit_test(test_vector_add),
      cmocka_unit_test(test_merge_split),
      cmocka_unit_test(test_exact_cancellation),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
