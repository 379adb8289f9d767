/* Unit tests of sigma/replicate.h against long-double references (test_util.h) and
 * against sigma_estimate on the same observed Gram. */
#include "test_util.h"

#include <string.h>

#include "sigma/error.h"
#include "sigma/replicate.h"

enum { D = 6, NMAX = 600 };

static void rows(double *X, long n, uint64_t seed) {
  trng r = {seed};
  for (long i = 0; i < n; i++)
    for (int j = 0; j < D; j++) X[i * D + j] = trng_gauss(&r) / (1.0 + j) + 0.2 * (j == 1);
}

static double gram_logdet(const double *X, long n) {
  long double R[D * D];
  double G[D * D];
  ref_gram(X, n, D, R);
  for (int k = 0; k < D * D; k++) G[k] = (double)R[k];
  return (double)ref_logdet(G, D);
}

/* Leave-one-out D^2 by explicit solves with G1 - x x^T (no Sherman-Morrison). */
static double ref_loo_tau2(const double *X, long n) {
  long double R[D * D];
  ref_gram(X, n, D, R);
  long double sum = 0, sum2 = 0;
  for (long i = 0; i < n; i++) {
    const double *x = X + i * D;
    double A[D * D];
    for (int a = 0; a < D; a++)
      for (int b = 0; b < D; b++) A[b * D + a] = (double)(R[b * D + a] - (long double)x[a] * x[b]);
    long double y[D], q = 0;
    ref_solve(A, D, x, y);
    for (int a = 0; a < D; a++) q += x[a] * y[a];
    long double v = (n - 1) * q;
    sum += v;
    sum2 += v * v;
  }
  return (double)((sum2 - sum * sum / n) / (n - 1));
}

static void test_against_references(void **state) {
  (void)state;
  static double X[NMAX * D];
  rows(X, NMAX, 41);
  const int64_t n1s[] = {12, 50, 201, 600};
  sigma_rep_truth t = {D, 5000.0, 3.25, 12.5, 0.95};
  sigma_rep_point p[4];
  assert_int_equal(sigma_replicate_run(&t, X, n1s, 4, p), SIGMA_OK);
  for (int k = 0; k < 4; k++) {
    long n1 = (long)n1s[k], na = n1 / 2;
    assert_int_equal(p[k].n1, n1);
    assert_rel(p[k].logdet_G1, gram_logdet(X, n1), 1e-12, 1e-12);
    assert_rel(p[k].logdet_Ga, gram_logdet(X, na), 1e-12, 1e-12);
    assert_rel(p[k].logdet_Gb, gram_logdet(X + na * D, n1 - na), 1e-12, 1e-12);
    assert_rel(p[k].tau2_observed, ref_loo_tau2(X, n1), 1e-9, 0);
    double lhat = p[k].logdet_G1 + D * log(t.N / n1);
    assert_rel(p[k].line[SIGMA_EST_PLUGIN].est, lhat, 1e-14, 0);
    assert_rel(p[k].line[SIGMA_EST_PLUGIN].err, t.L - lhat, 1e-12, 1e-12);
    double s = sqrt(t.tau2_oracle * (1.0 / n1 - 1.0 / t.N));
    assert_rel(p[k].line[SIGMA_EST_PLUGIN].s[0], s, 1e-14, 0);
    /* Richardson by hand from the halves' plug-ins */
    double nb = n1 - na, lh = 0.5 * (p[k].logdet_Ga + D * log(t.N / na) + p[k].logdet_Gb +
                                      D * log(t.N / nb));
    double c = (lhat - lh) / (0.5 * (1.0 / na + 1.0 / nb) - 1.0 / n1);
    assert_rel(p[k].line[SIGMA_EST_RICHARDSON].est, lhat + c * (1.0 / n1 - 1.0 / t.N), 1e-12, 0);
  }
}

/* The same G1 through sigma_estimate gives the same lines. */
static void test_matches_estimate(void **state) {
  (void)state;
  static double X[NMAX * D];
  rows(X, NMAX, 7);
  const int64_t n1s[] = {100, 300};
  sigma_rep_truth t = {D, 900.0, 1.5, 14.0, 0.9};
  sigma_rep_point p[2];
  assert_int_equal(sigma_replicate_run(&t, X, n1s, 2, p), SIGMA_OK);
  /* G: the 600 rows plus 300 more, so N = 900 and log det G is real. */
  long double R[D * D];
  double G[D * D], G1[D * D], Ga[D * D], Gb[D * D];
  ref_gram(X, NMAX, D, R);
  for (int k = 0; k < D * D; k++) G[k] = (double)(1.5L * R[k]);
  ref_gram(X, 300, D, R);
  for (int k = 0; k < D * D; k++) G1[k] = (double)R[k];
  ref_gram(X, 150, D, R);
  for (int k = 0; k < D * D; k++) Ga[k] = (double)R[k];
  ref_gram(X + 150 * D, 150, D, R);
  for (int k = 0; k < D * D; k++) Gb[k] = (double)R[k];
  sigma_est_input in = {.d = D, .N = 900, .n1 = 300, .na = 150, .nb = 150, .G = G, .G1 = G1,
                        .Ga = Ga, .Gb = Gb, .tau2_oracle = 14.0, .tau2_observed = p[1].tau2_observed,
                        .level = 0.9, .delta = 1e-3, .energy_cap = 1, .max_norm2 = 1,
                        .rule_constant = 4, .epsilon = NAN};
  sigma_est_result r;
  assert_int_equal(sigma_estimate(&in, &r), SIGMA_OK);
  for (int e = 0; e < SIGMA_NEST; e++) {
    double shift = r.L - t.L; /* errors are against different truths: compare estimates */
    assert_rel(p[1].line[e].est, r.line[e].est, 1e-12, 0);
    assert_rel(p[1].line[e].err, r.line[e].err - shift, 1e-10, 1e-10);
    assert_rel(p[1].line[e].s[1], r.line[e].s[1], 1e-14, 0);
  }
  sigma_est_free(&r);
}

static void test_errors_and_small_halves(void **state) {
  (void)state;
  static double X[NMAX * D];
  rows(X, NMAX, 3);
  sigma_rep_truth t = {D, 5000.0, 0.0, 12.0, 0.95};
  sigma_rep_point p[3];
  const int64_t bad_order[] = {50, 20};
  assert_int_equal(sigma_replicate_run(&t, X, bad_order, 2, p), SIGMA_EINVAL);
  sigma_clear_error();
  const int64_t below_d[] = {5, 20};
  assert_int_equal(sigma_replicate_run(&t, X, below_d, 2, p), SIGMA_EINVAL);
  sigma_clear_error();
  /* n1 = 8: halves of 4 < d rows: Richardson n/a, the others present. */
  const int64_t small[] = {8, 40};
  assert_int_equal(sigma_replicate_run(&t, X, small, 2, p), SIGMA_OK);
  assert_true(isnan(p[0].line[SIGMA_EST_RICHARDSON].est));
  assert_true(isnan(p[0].logdet_Ga));
  assert_false(isnan(p[0].line[SIGMA_EST_WISHART].est));
  assert_false(isnan(p[1].line[SIGMA_EST_RICHARDSON].est));
  /* A singular block: column 5 equals column 0. */
  for (int i = 0; i < NMAX; i++) X[i * D + 5] = X[i * D + 0];
  assert_int_equal(sigma_replicate_run(&t, X, small, 2, p), SIGMA_ESINGULAR);
  assert_non_null(strstr(sigma_error_message(), "first 8 observed rows"));
  sigma_clear_error();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_against_references),
      cmocka_unit_test(test_matches_estimate),
      cmocka_unit_test(test_errors_and_small_halves),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
