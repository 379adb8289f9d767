/* Unit tests of sigma/gram.h against naive long-double loops. */
#include "test_util.h"

#include "sigma/error.h"
#include "sigma/gram.h"

static double *random_rows(long n, int d, uint64_t seed, double offset) {
  double *X = malloc((size_t)n * d * sizeof *X);
  trng r = {seed};
  for (long i = 0; i < n; i++)
    for (int j = 0; j < d; j++) X[i * d + j] = offset * (j + 1) + (j + 1.0) * trng_gauss(&r);
  return X;
}

/* |G - ref| <= rtol * sqrt(ref_ii ref_jj) (Cauchy-Schwarz scale of the entry). */
static void check_gram(const double *G, const long double *R, int d, double rtol) {
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++) {
      double scale = sqrt((double)(R[(size_t)i * d + i] * R[(size_t)j * d + j]));
      assert_close(G[(size_t)j * d + i], R[(size_t)j * d + i], rtol * scale);
    }
}

/* Chunks of different sizes (and one call with everything) equal X^T X. */
static void test_add_rows_chunks(void **state) {
  (void)state;
  const int d = 7;
  const long n = 3001;
  double *X = random_rows(n, d, 99, 0.3);
  long double *R = malloc((size_t)d * d * sizeof *R);
  ref_gram(X, n, d, R);
  double *G = malloc((size_t)d * d * sizeof *G);
  const long chunk_sizes[] = {n, 1, 7, 100, 1024, 333};
  for (size_t c = 0; c < sizeof chunk_sizes / sizeof *chunk_sizes; c++) {
    sigma_gram *g = NULL;
    assert_int_equal(sigma_gram_create(d, &g), SIGMA_OK);
    for (long i = 0; i < n; i += chunk_sizes[c]) {
      long b = n - i < chunk_sizes[c] ? n - i : chunk_sizes[c];
      sigma_gram_add_rows(g, X + i * d, b);
    }
    sigma_gram_add_rows(g, X, 0); /* no-op */
    assert_int_equal(g->rows, n);
    sigma_gram_matrix(g, G);
    check_gram(G, R, d, 1e-13);
    /* exact symmetry of the full matrix */
    for (int j = 0; j < d; j++)
      for (int i = 0; i < d; i++) assert_true(G[(size_t)j * d + i] == G[(size_t)i * d + j]);
    /* column sums */
    double s[7];
    sigma_gram_colsum(g, s);
    for (int j = 0; j < d; j++) {
      long double ref = 0.0L, abs = 0.0L;
      for (long i = 0; i < n; i++) { ref += X[i * d + j]; abs += fabsl((long double)X[i * d + j]); }
      assert_close(s[j], ref, 1e-14 * (double)abs);
    }
    sigma_gram_destroy(&g);
    assert_null(g);
  }
  free(X);
  free(R);
  free(G);
}

/* Merging accumulators of a split equals the whole; reset empties. */
static void test_merge_reset(void **state) {
  (void)state;
  const int d = 5;
  const long n = 2500;
  double *X = random_rows(n, d, 7, 1.0);
  long double R[25];
  ref_gram(X, n, d, R);
  sigma_gram *a = NULL, *b = NULL;
  assert_int_equal(sigma_gram_create(d, &a), SIGMA_OK);
  assert_int_equal(sigma_gram_create(d, &b), SIGMA_OK);
  sigma_gram_add_rows(a, X, 1000);
  sigma_gram_add_rows(b, X + 1000 * d, n - 1000);
  sigma_gram_merge(a, b);
  assert_int_equal(a->rows, n);
  double G[25], s[5];
  sigma_gram_matrix(a, G);
  check_gram(G, R, d, 1e-13);
  sigma_gram_reset(a);
  assert_int_equal(a->rows, 0);
  sigma_gram_matrix(a, G);
  sigma_gram_colsum(a, s);
  for (int k = 0; k < d * d; k++) assert_true(G[k] == 0.0);
  for (int k = 0; k < d; k++) assert_true(s[k] == 0.0);
  /* reuse after reset */
  sigma_gram_add_rows(a, X, n);
  sigma_gram_matrix(a, G);
  check_gram(G, R, d, 1e-13);
  sigma_gram_destroy(&a);
  sigma_gram_destroy(&b);
  sigma_gram_destroy(&b); /* NULL accepted */
  sigma_gram_destroy(NULL);
  free(X);
}

static void test_create_invalid(void **state) {
  (void)state;
  sigma_gram *g = (sigma_gram *)&g;
  sigma_clear_error();
  assert_int_equal(sigma_gram_create(0, &g), SIGMA_EINVAL);
  assert_null(g);
  assert_true(strlen(sigma_error_message()) > 0);
  sigma_clear_error();
}

/* LAPACK 'L' packed storage: columns of the lower triangle stored one after the
 * other, AP(i + (j-1)(2n-j)/2) = A(i,j) for 1 <= j <= i <= n (1-based). */
static void test_packed_index(void **state) {
  (void)state;
  for (int d = 1; d <= 9; d++) {
    size_t k = 0;
    for (int j = 0; j < d; j++)
      for (int i = j; i < d; i++) {
        assert_int_equal(sigma_packed_index(d, i, j), k);
        /* the 1-based LAPACK formula */
        int I = i + 1, J = j + 1;
        assert_int_equal(sigma_packed_index(d, i, j), (size_t)(I + (J - 1) * (2 * d - J) / 2 - 1));
        k++;
      }
    assert_int_equal(k, (size_t)d * (d + 1) / 2);
  }
  /* The accumulator's documented layout: packed lower triangle, then column sums. */
  const int d = 4;
  double X[3 * 4] = {1, 2, 3, 4, 5, 6, 7, 8, -1, 0.5, 2, -3};
  sigma_gram *g = NULL;
  assert_int_equal(sigma_gram_create(d, &g), SIGMA_OK);
  assert_int_equal(g->np, 10);
  assert_int_equal(g->ndd, 14);
  sigma_gram_add_rows(g, X, 3);
  for (int j = 0; j < d; j++) {
    for (int i = j; i < d; i++) {
      double ref = 0;
      for (int r = 0; r < 3; r++) ref += X[r * d + i] * X[r * d + j]; /* exact: small ints/halves */
      size_t k = sigma_packed_index(d, i, j);
      assert_true(g->acc[2 * k] + g->acc[2 * k + 1] == ref);
    }
    double cs = X[j] + X[d + j] + X[2 * d + j];
    assert_true(g->acc[2 * (g->np + j)] + g->acc[2 * (g->np + j) + 1] == cs);
  }
  sigma_gram_destroy(&g);
}

/* sigma_center_gram from sums shifted by a pilot p equals the directly centred
 * sum (x - mu)(x - mu)^T, on data with a mean far from 0. */
static void test_center_gram(void **state) {
  (void)state;
  const int d = 4;
  const long n = 5000;
  double *X = random_rows(n, d, 31, 1e4); /* |mean| ~ 1e4, sd ~ 1 */
  /* pilot: the first row (not the mean) */
  double p[4], mu[4], m[4];
  for (int j = 0; j < d; j++) p[j] = X[j];
  long double mul[4] = {0};
  for (long i = 0; i < n; i++)
    for (int j = 0; j < d; j++) mul[j] += X[i * d + j];
  for (int j = 0; j < d; j++) {
    mu[j] = (double)(mul[j] / n);
    m[j] = mu[j] - p[j];
  }
  /* S and s over x - p, through the accumulator */
  double *Y = malloc((size_t)n * d * sizeof *Y);
  for (long i = 0; i < n; i++)
    for (int j = 0; j < d; j++) Y[i * d + j] = X[i * d + j] - p[j];
  sigma_gram *g = NULL;
  assert_int_equal(sigma_gram_create(d, &g), SIGMA_OK);
  sigma_gram_add_rows(g, Y, n);
  double S[16], s[4];
  sigma_gram_matrix(g, S);
  sigma_gram_colsum(g, s);
  sigma_center_gram(S, d, s, (double)n, m);
  /* direct: sum (x - mu)(x - mu)^T in long double with the same mu */
  long double C[16] = {0};
  for (long i = 0; i < n; i++)
    for (int a = 0; a < d; a++)
      for (int b = 0; b < d; b++)
        C[b * d + a] += ((long double)X[i * d + a] - mu[a]) * ((long double)X[i * d + b] - mu[b]);
  check_gram(S, C, d, 1e-11);
  /* sanity: the centred diagonal is ~ n (j+1)^2, far below the raw n mu^2 */
  for (int j = 0; j < d; j++) assert_close(S[j * d + j] / n, (j + 1.0) * (j + 1.0), 0.1 * (j + 1.0) * (j + 1.0));

  /* Hand case: rows (1,2), (3,6), p = 0, mu = (2,4): centred Gram = [[2,4],[4,8]]. */
  double S2[4] = {1 + 9, 2 + 18, 2 + 18, 4 + 36}, s2[2] = {4, 8}, m2[2] = {2, 4};
  sigma_center_gram(S2, 2, s2, 2.0, m2);
  assert_true(S2[0] == 2 && S2[1] == 4 && S2[2] == 4 && S2[3] == 8);
  sigma_gram_destroy(&g);
  free(X);
  free(Y);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_add_rows_chunks), cmocka_unit_test(test_merge_reset),
      cmocka_unit_test(test_create_invalid),  cmocka_unit_test(test_packed_index),
      cmocka_unit_test(test_center_gram),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
