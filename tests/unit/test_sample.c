/* Unit tests of sigma/sample.h: permutation prefixes, nesting, exact uniformity. */
#include "test_util.h"

#include <gsl/gsl_cdf.h>

#include "sigma/error.h"
#include "sigma/sample.h"

static void test_prefix_distinct_in_range(void **state) {
  (void)state;
  const uint64_t Ns[] = {1, 2, 10, 1000, 1000003, (uint64_t)1 << 40};
  for (size_t t = 0; t < sizeof Ns / sizeof *Ns; t++) {
    uint64_t N = Ns[t], n = N < 500 ? N : 500;
    uint64_t *p = malloc(n * sizeof *p);
    assert_int_equal(sigma_sample_prefix(N, n, 42, 3, p), SIGMA_OK);
    for (uint64_t i = 0; i < n; i++) {
      assert_true(p[i] < N);
      for (uint64_t j = 0; j < i; j++) assert_true(p[i] != p[j]);
    }
    free(p);
  }
}

static void test_nesting_and_determinism(void **state) {
  (void)state;
  const uint64_t N = 100000;
  uint64_t a[10], b[100], c[100];
  assert_int_equal(sigma_sample_prefix(N, 10, 7, 5, a), SIGMA_OK);
  assert_int_equal(sigma_sample_prefix(N, 100, 7, 5, b), SIGMA_OK);
  assert_memory_equal(a, b, sizeof a);
  assert_int_equal(sigma_sample_prefix(N, 100, 7, 5, c), SIGMA_OK);
  assert_memory_equal(b, c, sizeof b); /* same arguments, same rows */
  /* different replicate / seed: different rows (overlap ~ n^2/N = 0.1 expected) */
  assert_int_equal(sigma_sample_prefix(N, 100, 7, 6, c), SIGMA_OK);
  int same = 0;
  for (int i = 0; i < 100; i++) same += b[i] == c[i];
  assert_true(same < 5);
  assert_int_equal(sigma_sample_prefix(N, 100, 8, 5, c), SIGMA_OK);
  same = 0;
  for (int i = 0; i < 100; i++) same += b[i] == c[i];
  assert_true(same < 5);
  /* n = 0 is fine; n > N is an error */
  assert_int_equal(sigma_sample_prefix(N, 0, 7, 5, c), SIGMA_OK);
  sigma_clear_error();
  assert_int_equal(sigma_sample_prefix(10, 11, 7, 5, c), SIGMA_EINVAL);
  assert_non_null(strstr(sigma_error_message(), "11"));
  sigma_clear_error();
  /* the replicate is a 32-bit counter word */
  assert_int_equal(sigma_sample_prefix(10, 5, 7, (uint64_t)1 << 32, c), SIGMA_EINVAL);
  sigma_clear_error();
  assert_int_equal(sigma_sample_prefix(10, 5, 7, UINT32_MAX, c), SIGMA_OK);
}

static void test_full_permutation(void **state) {
  (void)state;
  for (uint64_t N = 1; N <= 300; N += 37) {
    uint64_t *p = malloc(N * sizeof *p);
    unsigned char *seen = calloc(N, 1);
    assert_int_equal(sigma_sample_prefix(N, N, 99, 0, p), SIGMA_OK);
    for (uint64_t i = 0; i < N; i++) {
      assert_true(p[i] < N);
      assert_false(seen[p[i]]);
      seen[p[i]] = 1;
    }
    free(p);
    free(seen);
  }
}

/* Inclusion counts of O(n) over R replicates. Under exact uniform sampling without
 * replacement the counts have Cov = R p(1-p) N/(N-1) (I - J/N), p = n/N, so
 * X = sum (c - Rp)^2 / (Rp) is distributed as (N-n)/(N-1) chi2_{N-1}; the test
 * uses X (N-1)/(N-n) ~ chi2_{N-1}. Also: the first drawn element alone (plain
 * multinomial, chi2_{N-1}) and the last position of the prefix. */
static void test_uniform_chisq(void **state) {
  (void)state;
  enum { N = 50, n = 10, R = 20000 };
  long cnt[N] = {0}, first[N] = {0}, last[N] = {0};
  uint64_t p[n];
  for (uint64_t r = 0; r < R; r++) {
    assert_int_equal(sigma_sample_prefix(N, n, 2024, r, p), SIGMA_OK);
    for (int k = 0; k < n; k++) cnt[p[k]]++;
    first[p[0]]++;
    last[p[n - 1]]++;
  }
  double E = (double)R * n / N, X = 0, X0 = 0, X1 = 0, E1 = (double)R / N;
  for (int i = 0; i < N; i++) {
    X += (cnt[i] - E) * (cnt[i] - E) / E;
    X0 += (first[i] - E1) * (first[i] - E1) / E1;
    X1 += (last[i] - E1) * (last[i] - E1) / E1;
  }
  double pval = gsl_cdf_chisq_Q(X * (N - 1.0) / (N - n), N - 1);
  double p0 = gsl_cdf_chisq_Q(X0, N - 1), p1 = gsl_cdf_chisq_Q(X1, N - 1);
  print_message("chi2 inclusion %.2f (p %.3g), first %.2f (p %.3g), last %.2f (p %.3g)\n", X, pval,
                X0, p0, X1, p1);
  assert_true(pval > 1e-4);
  assert_true(p0 > 1e-4);
  assert_true(p1 > 1e-4);
  /* the statistic does detect a bias of the size a broken sampler would show:
   * moving 3% of the counts from the second half to the first half */
  double Xb = 0;
  for (int i = 0; i < N; i++) {
    double c = E * (i < N / 2 ? 1.03 : 0.97);
    Xb += (c - E) * (c - E) / E;
  }
  assert_true(gsl_cdf_chisq_Q(Xb * (N - 1.0) / (N - n), N - 1) < 1e-4);
}

static void test_philox_below(void **state) {
  (void)state;
  /* m = 1 always 0; determinism; range */
  for (uint64_t a = 0; a < 100; a++) assert_int_equal(sigma_philox_below(1, 5, a, 0, 0), 0);
  assert_int_equal(sigma_philox_below(1000, 5, 77, 3, 9), sigma_philox_below(1000, 5, 77, 3, 9));
  int diff = 0;
  for (uint64_t a = 0; a < 20; a++)
    diff += sigma_philox_below(1u << 30, 5, a, 3, 9) != sigma_philox_below(1u << 30, 6, a, 3, 9);
  assert_true(diff >= 18);
  /* uniform over m = 10: chi2 with 9 dof */
  enum { M = 10, K = 100000 };
  long c[M] = {0};
  for (uint64_t a = 0; a < K; a++) {
    uint64_t v = sigma_philox_below(M, 11, a, 1, 2);
    assert_true(v < M);
    c[v]++;
  }
  double X = 0, E = (double)K / M;
  for (int i = 0; i < M; i++) X += (c[i] - E) * (c[i] - E) / E;
  assert_true(gsl_cdf_chisq_Q(X, M - 1) > 1e-4);
  /* m = 3 * 2^62: 2^64 mod m = 2^62, so a plain modulo would put half of the mass
   * on [0, 2^62) instead of a third. Rejection must give 1/3. */
  const uint64_t m = 3ull << 62;
  const int K2 = 30000;
  int low = 0;
  for (int a = 0; a < K2; a++) {
    uint64_t v = sigma_philox_below(m, 3, (uint64_t)a, 0, 1);
    assert_true(v < m);
    low += v < (1ull << 62);
  }
  double f = (double)low / K2, sd = sqrt(1.0 / 3 * 2.0 / 3 / K2);
  assert_close(f, 1.0 / 3.0, 6 * sd);
  /* m = 2^64 - 1 (largest) and a power of two */
  for (uint64_t a = 0; a < 1000; a++) {
    assert_true(sigma_philox_below(UINT64_MAX, 1, a, 0, 0) < UINT64_MAX);
    assert_true(sigma_philox_below(64, 1, a, 0, 0) < 64);
  }
}

static void test_philox_u01(void **state) {
  (void)state;
  double s = 0, s2 = 0;
  enum { K = 100000 };
  for (uint64_t a = 0; a < K; a++) {
    double u = sigma_philox_u01(1, a, 0, 0, (int)(a & 1));
    assert_true(u > 0.0 && u < 1.0);
    s += u;
    s2 += u * u;
  }
  /* mean 1/2 (sd 1/sqrt(12 K)), second moment 1/3 */
  assert_close(s / K, 0.5, 6 / sqrt(12.0 * K));
  assert_close(s2 / K, 1.0 / 3.0, 6 * sqrt(4.0 / 45.0 / K));
  assert_true(sigma_philox_u01(1, 5, 0, 0, 0) != sigma_philox_u01(1, 5, 0, 0, 1));
  assert_true(sigma_philox_u01(1, 5, 0, 0, 0) == sigma_philox_u01(1, 5, 0, 0, 0));
}

static void test_observed_sorted(void **state) {
  (void)state;
  const uint64_t ord[5] = {9, 3, 7, 1, 5}; /* n/2 = 2: 9, 3 are half a */
  uint64_t rows[5], pos5[5];
  unsigned char half[5];
  assert_int_equal(sigma_observed_sorted(ord, 5, rows, half, pos5), SIGMA_OK);
  const uint64_t er[5] = {1, 3, 5, 7, 9};
  const unsigned char eh[5] = {1, 0, 1, 1, 0};
  assert_memory_equal(rows, er, sizeof er);
  assert_memory_equal(half, eh, sizeof eh);
  const uint64_t ep[5] = {3, 1, 4, 2, 0}; /* where each sorted row was drawn */
  assert_memory_equal(pos5, ep, sizeof ep);
  /* a larger case from the sampler: sorted, and half a = first n/2 drawn */
  enum { n = 501 };
  uint64_t p[n], r2[n];
  unsigned char h2[n];
  assert_int_equal(sigma_sample_prefix(1u << 20, n, 1, 1, p), SIGMA_OK);
  assert_int_equal(sigma_observed_sorted(p, n, r2, h2, NULL), SIGMA_OK);
  int na = 0;
  for (int k = 0; k < n; k++) {
    if (k) assert_true(r2[k - 1] < r2[k]);
    int pos = -1;
    for (int j = 0; j < n; j++)
      if (p[j] == r2[k]) pos = j;
    assert_true(pos >= 0);
    assert_int_equal(h2[k], pos >= n / 2);
    na += h2[k] == 0;
  }
  assert_int_equal(na, n / 2);
  /* duplicates rejected */
  const uint64_t dup[4] = {4, 8, 2, 8};
  sigma_clear_error();
  assert_int_equal(sigma_observed_sorted(dup, 4, rows, half, NULL), SIGMA_EINVAL);
  assert_non_null(strstr(sigma_error_message(), "8"));
  sigma_clear_error();
  /* n = 0 */
  assert_int_equal(sigma_observed_sorted(ord, 0, rows, half, NULL), SIGMA_OK);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_prefix_distinct_in_range), cmocka_unit_test(test_nesting_and_determinism),
      cmocka_unit_test(test_full_permutation),         cmocka_unit_test(test_uniform_chisq),
      cmocka_unit_test(test_philox_below),             cmocka_unit_test(test_philox_u01),
      cmocka_unit_test(test_observed_sorted),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
