/* Unit tests of sigma/linalg.h on matrices A = Q D Q^T with known D. */
#include "test_util.h"

#include <float.h>

#include "sigma/error.h"
#include "sigma/linalg.h"

enum { D6 = 6 };
static const double kD[D6] = {0.5, 7.0, 1e-3, 3.0, 2.0, 40.0}; /* known spectrum, unsorted */
static const double kV[D6] = {1.0, -2.0, 0.5, 3.0, -1.0, 0.25}; /* Householder vector */

static void build(double *A, double *Q) {
  householder(kV, D6, Q);
  make_qdq(Q, kD, D6, A);
}

static void test_logdet_chol(void **state) {
  (void)state;
  double A[D6 * D6], Q[D6 * D6], ld;
  build(A, Q);
  /* Q is orthogonal: Q^T Q = I */
  for (int i = 0; i < D6; i++)
    for (int j = 0; j < D6; j++) {
      long double s = 0;
      for (int k = 0; k < D6; k++) s += (long double)Q[i * D6 + k] * Q[j * D6 + k];
      assert_close(s, i == j ? 1.0 : 0.0, 1e-15);
    }
  double expect = 0;
  for (int i = 0; i < D6; i++) expect += log(kD[i]); /* log prod D */
  sigma_clear_error();
  assert_int_equal(sigma_logdet_chol(A, D6, &ld), SIGMA_OK);
  /* cond(A) = 4e4: the rounding of A's entries moves log det by ~ cond * eps */
  assert_close(ld, expect, 1e-10);
  assert_close(ld, log(0.5 * 7.0 * 1e-3 * 3.0 * 2.0 * 40.0), 1e-10);
  /* against the sum of log eigenvalues of an independent Jacobi solver */
  long double w[D6], sl = 0;
  ref_eig(A, D6, w);
  for (int i = 0; i < D6; i++) sl += logl(w[i]);
  assert_close(ld, sl, 1e-10);
  /* against the long-double Cholesky of the same (rounded) A: tighter */
  assert_close(ld, ref_logdet(A, D6), 1e-12);

  /* Cholesky factor: lower, upper part zero, L L^T = A, positive diagonal */
  double L[D6 * D6];
  assert_int_equal(sigma_cholesky(A, D6, L), SIGMA_OK);
  for (int j = 0; j < D6; j++)
    for (int i = 0; i < D6; i++) {
      if (i < j) assert_true(L[j * D6 + i] == 0.0);
      if (i == j) assert_true(L[j * D6 + i] > 0.0);
      long double s = 0;
      for (int k = 0; k < D6; k++) s += (long double)L[k * D6 + i] * L[k * D6 + j];
      assert_close(s, A[j * D6 + i], 1e-13 * 40.0);
    }
  /* 1x1 and a diagonal case */
  double a1 = 9.0;
  assert_int_equal(sigma_logdet_chol(&a1, 1, &ld), SIGMA_OK);
  assert_close(ld, log(9.0), 1e-15);
}

static void test_singular(void **state) {
  (void)state;
  double ld = 12345.0;
  /* exactly rank 2 of 3: the second pivot is 1 - 1*1 = 0 in exact arithmetic */
  double A[9] = {1, 1, 0, 1, 1, 0, 0, 0, 1};
  sigma_clear_error();
  assert_int_equal(sigma_logdet_chol(A, 3, &ld), SIGMA_ESINGULAR);
  assert_true(ld == 12345.0); /* no garbage written */
  const char *msg = sigma_error_message();
  assert_non_null(strstr(msg, "not numerically positive definite"));
  assert_non_null(strstr(msg, "minor 2"));
  assert_string_equal(sigma_error_name(SIGMA_ESINGULAR), "singular");
  sigma_clear_error();
  assert_string_equal(sigma_error_message(), "");
  /* rank-deficient Q diag(3, 2, 0, 0) Q^T; and an indefinite matrix */
  double Q[16], B[16], D[4] = {3, 2, 0, 0}, v[4] = {1, 1, 1, 1};
  householder(v, 4, Q);
  make_qdq(Q, D, 4, B);
  double w[4];
  assert_int_equal(sigma_eigvalsh(B, 4, w), SIGMA_OK);
  assert_int_equal(sigma_numerical_rank(w, 4), 2);
  double C[4] = {1, 2, 2, 1}; /* eigenvalues 3, -1 */
  assert_int_equal(sigma_logdet_chol(C, 2, &ld), SIGMA_ESINGULAR);
  assert_true(strlen(sigma_error_message()) > 0);
  /* first message wins until cleared */
  assert_int_equal(sigma_logdet_chol(A, 3, &ld), SIGMA_ESINGULAR);
  assert_non_null(strstr(sigma_error_message(), "minor 2 of 2"));
  sigma_clear_error();
  double L[4];
  assert_int_equal(sigma_cholesky(C, 2, L), SIGMA_ESINGULAR);
  sigma_clear_error();
}

static void test_eigvalsh(void **state) {
  (void)state;
  double A[D6 * D6], Q[D6 * D6], w[D6];
  build(A, Q);
  assert_int_equal(sigma_eigvalsh(A, D6, w), SIGMA_OK);
  const double sorted[D6] = {40.0, 7.0, 3.0, 2.0, 0.5, 1e-3};
  for (int i = 0; i < D6; i++) {
    if (i > 0) assert_true(w[i - 1] >= w[i]);
    assert_close(w[i], sorted[i], 1e-13 * 40.0);
  }
  /* input untouched */
  double A2[D6 * D6];
  build(A2, Q);
  assert_memory_equal(A, A2, sizeof A);
  /* a random symmetric matrix against Jacobi (with negative eigenvalues) */
  enum { d = 9 };
  double R[d * d], wr[d];
  long double wj[d];
  trng r = {5};
  for (int j = 0; j < d; j++)
    for (int i = j; i < d; i++) R[j * d + i] = R[i * d + j] = trng_gauss(&r);
  assert_int_equal(sigma_eigvalsh(R, d, wr), SIGMA_OK);
  ref_eig(R, d, wj);
  for (int i = 0; i < d; i++) assert_close(wr[i], wj[i], 1e-13);
  assert_true(wr[d - 1] < 0);
}

static void test_numerical_rank(void **state) {
  (void)state;
  /* tol = d eps w0 */
  const double eps = DBL_EPSILON;
  double w1[4] = {1.0, 1e-10, 4.0 * eps * 1.01, 4.0 * eps * 0.99};
  assert_int_equal(sigma_numerical_rank(w1, 4), 3);
  double w2[5] = {100.0, 50.0, 0.0, -1e-20, -1.0};
  assert_int_equal(sigma_numerical_rank(w2, 5), 2);
  double w3[3] = {2.0, 2.0, 2.0};
  assert_int_equal(sigma_numerical_rank(w3, 3), 3);
  double w4[2] = {0.0, 0.0};
  assert_int_equal(sigma_numerical_rank(w4, 2), 0);
  /* the tolerance scales with w0: 1e-14 is rank-worthy next to 1, not next to 1e3 */
  double w5[2] = {1.0, 1e-14}, w6[2] = {1e3, 1e-14};
  assert_int_equal(sigma_numerical_rank(w5, 2), 2);
  assert_int_equal(sigma_numerical_rank(w6, 2), 1);
}

static void test_logdet_shifted(void **state) {
  (void)state;
  double w[3] = {4.0, 1.0, 0.5};
  assert_close(sigma_logdet_shifted(w, 3, 0.0), log(2.0), 1e-15);
  assert_close(sigma_logdet_shifted(w, 3, 1.0), log(5.0 * 2.0 * 1.5), 1e-15);
  double ninf = sigma_logdet_shifted(w, 3, -0.5);
  assert_true(isinf(ninf) && ninf < 0);
  ninf = sigma_logdet_shifted(w, 3, -0.75);
  assert_true(isinf(ninf) && ninf < 0);
  double wn[2] = {1.0, NAN};
  ninf = sigma_logdet_shifted(wn, 2, 1.0);
  assert_true(isinf(ninf) && ninf < 0);
  /* = log det(A + shift I) for A = Q D Q^T */
  double A[D6 * D6], Q[D6 * D6], ws[D6];
  build(A, Q);
  assert_int_equal(sigma_eigvalsh(A, D6, ws), SIGMA_OK);
  for (int i = 0; i < D6; i++) A[i * D6 + i] += 0.25;
  assert_close(sigma_logdet_shifted(ws, D6, 0.25), ref_logdet(A, D6), 1e-12);
}

static void test_inv_quadform(void **state) {
  (void)state;
  double A[D6 * D6], Q[D6 * D6], L[D6 * D6], Li[D6 * D6];
  build(A, Q);
  assert_int_equal(sigma_cholesky(A, D6, L), SIGMA_OK);
  assert_int_equal(sigma_tri_inverse(L, D6, Li), SIGMA_OK);
  /* L Li = I */
  for (int i = 0; i < D6; i++)
    for (int j = 0; j < D6; j++) {
      long double s = 0;
      for (int k = 0; k < D6; k++) s += (long double)L[k * D6 + i] * Li[j * D6 + k];
      assert_close((double)s, i == j ? 1.0 : 0.0, 1e-13);
    }
  enum { B = 37 };
  double X[B * D6], work[B * D6], q[B];
  trng r = {17};
  for (int k = 0; k < B * D6; k++) X[k] = trng_gauss(&r);
  sigma_inv_quadform(Li, D6, X, B, work, q);
  for (int i = 0; i < B; i++) {
    /* explicit solve A y = x (long-double Gaussian elimination) */
    long double y[D6], s = 0, s2 = 0;
    ref_solve(A, D6, X + i * D6, y);
    for (int k = 0; k < D6; k++) s += (long double)X[i * D6 + k] * y[k];
    /* and the spectral form sum_k (q_k^T x)^2 / D_k */
    for (int k = 0; k < D6; k++) {
      long double c = 0;
      for (int j = 0; j < D6; j++) c += (long double)Q[k * D6 + j] * X[i * D6 + j];
      s2 += c * c / kD[k];
    }
    assert_rel(q[i], s, 1e-10, 0);
    assert_rel(q[i], s2, 1e-9, 0);
  }
  sigma_inv_quadform(Li, D6, X, 0, work, q); /* b = 0: no-op, no crash */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_logdet_chol),    cmocka_unit_test(test_singular),
      cmocka_unit_test(test_eigvalsh),       cmocka_unit_test(test_numerical_rank),
      cmocka_unit_test(test_logdet_shifted), cmocka_unit_test(test_inv_quadform),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
