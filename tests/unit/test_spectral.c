/* Unit tests of sigma/spectral.h against closed forms. */
#include "test_util.h"

#include "sigma/spectral.h"

static void test_isotropic(void **state) {
  (void)state;
  const int ds[] = {1, 2, 7, 64, 1000};
  for (size_t t = 0; t < sizeof ds / sizeof *ds; t++) {
    int d = ds[t];
    double *w = malloc((size_t)d * sizeof *w);
    for (int i = 0; i < d; i++) w[i] = 2.5;
    sigma_spectral s;
    sigma_spectral_metrics(w, d, &s);
    assert_close(s.trace, 2.5 * d, 1e-12 * d);
    assert_close(s.effective_rank, d, 1e-11 * d);
    assert_close(s.participation, d, 1e-11 * d);
    assert_close(s.vn_entropy, log((double)d), 1e-12 * fmax(1, log((double)d)));
    assert_close(s.condition, 1.0, 0);
    assert_close(s.lambda_max, 2.5, 0);
    assert_close(s.lambda_min, 2.5, 0);
    assert_int_equal(s.numerical_rank, d);
    if (d >= 2) assert_close(s.powerlaw_alpha, 0.0, 1e-12);
    else assert_true(isnan(s.powerlaw_alpha)); /* fewer than 2 eigenvalues */
    free(w);
  }
}

static void test_power_law(void **state) {
  (void)state;
  const double betas[] = {2.0, 0.5, 1.3};
  for (int t = 0; t < 3; t++) {
    enum { d = 50 };
    double w[d];
    for (int i = 0; i < d; i++) w[i] = pow(i + 1.0, -betas[t]);
    sigma_spectral s;
    sigma_spectral_metrics(w, d, &s);
    assert_close(s.powerlaw_alpha, betas[t], 1e-12);
    assert_close(s.condition, pow(50.0, betas[t]), 1e-10 * pow(50.0, betas[t]));
  }
}

/* Hand computation for w = (9, 4, 1): s = (3, 2, 1), p = (1/2, 1/3, 1/6),
 * participation 14^2 / 98 = 2, mu = (9, 4, 1)/14. */
static void test_three(void **state) {
  (void)state;
  double w[3] = {9, 4, 1};
  sigma_spectral s;
  sigma_spectral_metrics(w, 3, &s);
  double H = 0.5 * log(2.0) + log(3.0) / 3 + log(6.0) / 6;
  assert_close(s.effective_rank, exp(H), 1e-14);
  assert_close(s.participation, 2.0, 1e-14);
  double vn = -(9.0 / 14 * log(9.0 / 14) + 4.0 / 14 * log(4.0 / 14) + 1.0 / 14 * log(1.0 / 14));
  assert_close(s.vn_entropy, vn, 1e-14);
  assert_close(s.trace, 14.0, 0);
  assert_close(s.condition, 9.0, 0);
  /* slope of y = log w on x = log i, centred least squares */
  double x[3] = {0, log(2.0), log(3.0)}, y[3] = {log(9.0), log(4.0), 0};
  double mx = (x[0] + x[1] + x[2]) / 3, my = (y[0] + y[1] + y[2]) / 3, sxy = 0, sxx = 0;
  for (int i = 0; i < 3; i++) { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) * (x[i] - mx); }
  assert_close(s.powerlaw_alpha, -sxy / sxx, 1e-13);
  assert_int_equal(s.numerical_rank, 3);
}

/* Rounding noise below zero counts as 0: w = (4, 1, -1e-17). */
static void test_negative_noise(void **state) {
  (void)state;
  double w[3] = {4, 1, -1e-17};
  sigma_spectral s;
  sigma_spectral_metrics(w, 3, &s);
  double H = -(2.0 / 3 * log(2.0 / 3) + 1.0 / 3 * log(1.0 / 3));
  assert_close(s.effective_rank, exp(H), 1e-14);
  assert_close(s.participation, 25.0 / 17.0, 1e-14);
  assert_close(s.vn_entropy, -(0.8 * log(0.8) + 0.2 * log(0.2)), 1e-14);
  assert_close(s.trace, 5.0, 0);
  assert_true(isinf(s.condition) && s.condition > 0);
  assert_close(s.powerlaw_alpha, 2.0, 1e-14); /* log 4 -> log 1 over log 1 -> log 2 */
  assert_int_equal(s.numerical_rank, 2);
  /* all zero: undefined ratios are NaN, not garbage */
  double z[2] = {0, 0};
  sigma_spectral_metrics(z, 2, &s);
  assert_true(isnan(s.participation));
  assert_true(isnan(s.effective_rank));
  assert_true(isnan(s.vn_entropy));
  assert_true(isnan(s.powerlaw_alpha));
  assert_int_equal(s.numerical_rank, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_isotropic),
      cmocka_unit_test(test_power_law),
      cmocka_unit_test(test_three),
      cmocka_unit_test(test_negative_noise),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
