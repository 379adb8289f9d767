/* Unit tests of sigma/refit.h: one refit generation against a long-double reference
 * built from the same draws, the draws' distribution, the expected drift against closed
 * forms and simulation, the spectrum, and the errors. */
#include "test_util.h"

#include "sigma/error.h"
#include "sigma/refit.h"
#include "sigma/synth.h"

enum { DMAX = 8 };

/* A random (invertible with probability 1) d x d matrix, column-major. */
static void random_matrix(int d, uint64_t s, double *A) {
  trng r = {s};
  for (int k = 0; k < d * d; k++) A[k] = trng_gauss(&r);
}

/* One step against the reference: S = W^T W / M from sigma_refit_draw in long double;
 * A' A'^T = A S A^T, A^{-1} A' is lower triangular with a positive diagonal (so it is
 * S's Cholesky factor) and dlogdet = log det S. */
static void check_step(int d, int64_t M, uint64_t seed, uint64_t t) {
  double A[DMAX * DMAX], A1[DMAX * DMAX], S[DMAX * DMAX], w[DMAX];
  long double Sl[DMAX * DMAX] = {0};
  random_matrix(d, seed * 31 + t, A);
  memcpy(A1, A, sizeof A);
  for (int64_t k = 0; k < M; k++) {
    sigma_refit_draw(seed, t, (uint64_t)k, d, w);
    for (int j = 0; j < d; j++)
      for (int i = 0; i < d; i++) Sl[j * d + i] += (long double)w[i] * w[j];
  }
  for (int k = 0; k < d * d; k++) S[k] = (double)(Sl[k] / M);
  double dl = NAN;
  sigma_clear_error();
  assert_int_equal(sigma_refit_step(d, M, seed, t, A1, &dl), SIGMA_OK);
  assert_close(dl, ref_logdet(S, d), 1e-12 * (1 + d));
  for (int i = 0; i < d; i++)
    for (int j = 0; j < d; j++) {
      long double got = 0, want = 0;
      for (int k = 0; k < d; k++) got += (long double)A1[k * d + i] * A1[k * d + j];
      for (int k = 0; k < d; k++)
        for (int l = 0; l < d; l++)
          want += (long double)A[k * d + i] * S[l * d + k] * A[l * d + j];
      assert_close(got, want, 1e-12 * (1 + fabsl(want)));
    }
  for (int j = 0; j < d; j++) { /* column j of C = A^{-1} A' */
    long double c[DMAX];
    ref_solve(A, d, A1 + j * d, c);
    for (int i = 0; i < j; i++) assert_close(c[i], 0.0, 1e-11);
    assert_true(c[j] > 0);
  }
}

static void test_step(void **state) {
  (void)state;
  check_step(1, 1, 7, 1);
  check_step(4, 4, 9, 3);                        /* M = d: the smallest legal M */
  check_step(5, 7, 3, 2);
  check_step(6, 600, 11, 60);                    /* more than one tile of W's rows */
  check_step(3, 20, 5, (uint64_t)UINT32_MAX);    /* the largest generation */
}

/* Draws: deterministic in (seed, t, k), different across t, k and seed, standard normal. */
static void test_draws(void **state) {
  (void)state;
  double a[DMAX], b[DMAX];
  sigma_refit_draw(1, 1, 0, DMAX, a);
  sigma_refit_draw(1, 1, 0, DMAX, b);
  assert_memory_equal(a, b, sizeof a);
  const uint64_t other[3][3] = {{1, 2, 0}, {1, 1, 1}, {2, 1, 0}}; /* seed, t, k */
  for (int c = 0; c < 3; c++) {
    sigma_refit_draw(other[c][0], other[c][1], other[c][2], DMAX, b);
    for (int j = 0; j < DMAX; j++) assert_true(a[j] != b[j]);
  }
  /* the file rows' z (stream 1) and the refit draws (stream 5) share no counter */
  sigma_synth_params p = {DMAX, SIGMA_SPEC_ISOTROPIC, 0, 0, 0, 0, 1, SIGMA_RADIAL_NONE, 0, 0, 0};
  sigma_synth *s = NULL;
  assert_int_equal(sigma_synth_create(&p, &s), SIGMA_OK);
  sigma_synth_z(s, 0, b);
  for (int j = 0; j < DMAX; j++) assert_true(a[j] != b[j]);
  sigma_synth_destroy(&s);
  enum { n = 200000 };
  long double m = 0, v = 0;
  for (uint64_t k = 0; k < n / DMAX; k++) {
    sigma_refit_draw(4, 9, k, DMAX, a);
    for (int j = 0; j < DMAX; j++) m += a[j], v += (long double)a[j] * a[j];
  }
  m /= n;
  v = v / n - m * m;
  assert_close(m, 0.0, 5 / sqrt(n));        /* 5 standard errors */
  assert_close(v, 1.0, 5 * sqrt(2.0 / n));
}

/* Closed forms: d = 1, M = 1: E log chi2_1 = psi(1/2) + log 2 = -gamma - log 2, variance
 * psi'(1/2) = pi^2 / 2; d = 2, M = 2: psi(1) + psi(1/2) = -2 gamma - 2 log 2. */
static void test_drift_closed_form(void **state) {
  (void)state;
  const double gamma = 0.57721566490153286061, pi = 3.14159265358979323846;
  assert_close(sigma_refit_expected_drift(1, 1), -gamma - log(2.0), 1e-14);
  assert_close(sigma_refit_drift_var(1, 1), pi * pi / 2, 1e-13);
  assert_close(sigma_refit_expected_drift(2, 2), -2 * gamma - 2 * log(2.0), 1e-14);
  /* large M: -d (d + 1) / (2 M) to first order */
  assert_rel(sigma_refit_expected_drift(8, 100000), -8.0 * 9 / 2e5, 1e-3, 0);
}

/* The mean increment over many generations within 4 standard errors of the expectation,
 * and the increments' variance within 4 of its standard errors (chi2 approximation:
 * se of a variance ~ var sqrt(2 / (n - 1)) for near-normal increments; 10% slack). */
static void test_drift_simulated(void **state) {
  (void)state;
  enum { d = 4, n = 3000 };
  const int64_t M = 9;
  double A[d * d] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}, dl;
  long double s = 0, ss = 0;
  for (uint64_t t = 1; t <= n; t++) {
    assert_int_equal(sigma_refit_step(d, M, 77, t, A, &dl), SIGMA_OK);
    s += dl, ss += (long double)dl * dl;
  }
  double mean = (double)(s / n), var = (double)((ss - s * s / n) / (n - 1));
  double mu = sigma_refit_expected_drift(d, M), v = sigma_refit_drift_var(d, M);
  assert_close(mean, mu, 4 * sqrt(v / n));
  assert_close(var, v, 4 * 1.1 * v * sqrt(2.0 / (n - 1)));
}

/* The spectrum of A A^T: Q diag(sqrt sigma) gives sigma; a random A its Gram's eigenvalues. */
static void test_spectrum(void **state) {
  (void)state;
  sigma_synth_params p = {6, SIGMA_SPEC_POWERLAW, 2.0, 0, 0, 0, 5, SIGMA_RADIAL_NONE, 0, 0, 0};
  sigma_synth *s = NULL;
  assert_int_equal(sigma_synth_create(&p, &s), SIGMA_OK);
  double ev[DMAX], A[DMAX * DMAX], G[DMAX * DMAX];
  assert_int_equal(sigma_refit_spectrum(6, s->A, ev), SIGMA_OK);
  for (int i = 0; i < 6; i++) assert_rel(ev[i], s->sigma[i], 1e-13, 0);
  sigma_synth_destroy(&s);
  random_matrix(7, 99, A);
  for (int i = 0; i < 7; i++)
    for (int j = 0; j < 7; j++) {
      long double g = 0;
      for (int k = 0; k < 7; k++) g += (long double)A[k * 7 + i] * A[k * 7 + j];
      G[j * 7 + i] = (double)g;
    }
  long double w[DMAX];
  ref_eig(G, 7, w);
  assert_int_equal(sigma_refit_spectrum(7, A, ev), SIGMA_OK);
  for (int i = 0; i < 7; i++) assert_rel(ev[i], w[i], 1e-11, w[0]);
}

/* Bad arguments: SIGMA_EINVAL naming the value, A untouched. */
static void test_errors(void **state) {
  (void)state;
  double A[9] = {1, 2, 3, 4, 5, 6, 7, 8, 10}, B[9], dl = 0;
  memcpy(B, A, sizeof A);
  const struct { int d; int64_t M; uint64_t t; const char *msg; } bad[] = {
      {3, 2, 1, "M = 2"}, {0, 5, 1, "d = 0"}, {3, 5, 0, "generation 0"},
      {3, SIGMA_REFIT_MAX + 1, 1, "M = 4294967296"},
      {3, 5, (uint64_t)1 << 32, "generation 4294967296"}};
  for (size_t c = 0; c < sizeof bad / sizeof *bad; c++) {
    sigma_clear_error();
    assert_int_equal(sigma_refit_step(bad[c].d, bad[c].M, 1, bad[c].t, A, &dl), SIGMA_EINVAL);
    assert_non_null(strstr(sigma_error_message(), bad[c].msg));
    assert_memory_equal(A, B, sizeof A);
  }
  sigma_clear_error();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_step),          cmocka_unit_test(test_draws),
      cmocka_unit_test(test_drift_closed_form), cmocka_unit_test(test_drift_simulated),
      cmocka_unit_test(test_spectrum),      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
