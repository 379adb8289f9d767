/* Unit tests of sigma/stats.h against closed forms and published critical values. */
#include "test_util.h"

#include <gsl/gsl_sf_psi.h>

#include <gsl/gsl_cdf.h>

#include "sigma/error.h"
#include "sigma/plan.h"
#include "sigma/stats.h"

/* Kolmogorov survival function at the tabulated critical values of the
 * asymptotic distribution (5 decimals): P(K > 1.35810) = 0.05,
 * P(K > 1.62762) = 0.01, P(K > 1.22385) = 0.10; and the median 0.82757. */
static void test_kolmogorov_q(void **state) {
  (void)state;
  assert_close(sigma_kolmogorov_q(1.35810), 0.05, 5e-6);
  assert_close(sigma_kolmogorov_q(1.62762), 0.01, 5e-6);
  assert_close(sigma_kolmogorov_q(1.22385), 0.10, 5e-6);
  assert_close(sigma_kolmogorov_q(0.82757), 0.50, 1e-5);
  assert_close(sigma_kolmogorov_q(0.0), 1.0, 0);
  assert_close(sigma_kolmogorov_q(0.1), 1.0, 1e-12);
  assert_true(sigma_kolmogorov_q(5.0) < 1e-20);
}

/* D by hand: one value at 0 -> F = 1/2, D = 1/2. Quantile midpoints
 * x_i = Phi^-1((i + 1/2)/n) -> D = 1/(2n) exactly. A shifted sample -> large D,
 * tiny p-value. */
static void test_ks_normal(void **state) {
  (void)state;
  double D, p, zero = 0.0;
  assert_int_equal(sigma_ks_normal(&zero, 1, &D, &p), SIGMA_OK);
  assert_close(D, 0.5, 1e-15);
  enum { n = 400 };
  double x[n];
  for (int i = 0; i < n; i++) x[n - 1 - i] = gsl_cdf_ugaussian_Pinv((i + 0.5) / n); /* unsorted */
  assert_int_equal(sigma_ks_normal(x, n, &D, &p), SIGMA_OK);
  assert_close(D, 0.5 / n, 1e-12);
  assert_true(p > 0.999);
  assert_close(x[0], gsl_cdf_ugaussian_Pinv((n - 0.5) / n), 0); /* input untouched */
  for (int i = 0; i < n; i++) x[i] += 0.5;
  assert_int_equal(sigma_ks_normal(x, n, &D, &p), SIGMA_OK);
  /* max |Phi(t - 0.5) - Phi(t)| = 2 Phi(0.25) - 1 at t = 0.25 */
  assert_close(D, 2 * gsl_cdf_ugaussian_P(0.25) - 1, 2.0 / n);
  assert_true(p < 1e-10);
  assert_int_equal(sigma_ks_normal(x, 0, &D, &p), SIGMA_EINVAL);
  sigma_clear_error();
}

static void test_binomial_se(void **state) {
  (void)state;
  assert_close(sigma_binomial_se(0.95, 200), sqrt(0.95 * 0.05 / 200), 1e-16);
  assert_close(sigma_binomial_se(0.0, 10), 0.0, 0);
}

/* q = C / sqrt(n1) is a line in log-log: interpolation recovers C^2 / eps^2. */
static void test_n1_for_precision(void **state) {
  (void)state;
  const double n1[] = {512, 1024, 4096, 16384};
  double q[4];
  for (int k = 0; k < 4; k++) q[k] = 40.0 / sqrt(n1[k]);
  double want = 1600.0 / (0.5 * 0.5); /* eps = 0.5 -> 6400 */
  assert_close(sigma_n1_for_precision(n1, q, 4, 0.5), want, 1.0);
  assert_close(sigma_n1_for_precision(n1, q, 4, 10.0), 512, 0);      /* already met */
  assert_true(isnan(sigma_n1_for_precision(n1, q, 4, 0.01)));        /* beyond the sweep */
}

/* plan: the returned n1 makes bias + z s equal eps; c = 0 is the variance-only size. */
static void test_plan_n1(void **state) {
  (void)state;
  const double N = 1e6, z = 1.959963984540054, tau2 = 512, eps = 0.5;
  double n = sigma_plan_n1(eps, z, tau2, 0.0, N);
  assert_close(z * sqrt(tau2 * (1 / n - 1 / N)), eps, 1e-12);
  assert_close(n, 1.0 / (eps * eps / (z * z * tau2) + 1 / N), 1e-6);
  double c = 256.0 * 257.0 / 2.0;
  double m = sigma_plan_n1(eps, z, tau2, c, N);
  double u2 = 1 / m - 1 / N;
  assert_close(c * u2 + z * sqrt(tau2 * u2), eps, 1e-12);
  assert_true(m > n);
  /* tiny N: the answer never exceeds N */
  assert_true(sigma_plan_n1(1e-6, z, tau2, c, 1000) <= 1000.0 + 1e-9);
}

/* SPEC 4.1 plan: the smallest n with z^2 (V_G(n) + max(tau2_dec - 2d, 0) u(n)) <= eps^2,
 * against a scan over every n (V_G by direct trigamma sums in the loop). */
static void test_plan_n1_calibrated(void **state) {
  (void)state;
  const int d = 8;
  const double N = 5000, z = 1.959963984540054;
  const double cases[3][2] = {{0.6, 40}, {1.5, 16}, {0.3, 300}}; /* eps, tau2_dec */
  for (int c = 0; c < 3; c++) {
    const double eps = cases[c][0], t = cases[c][1];
    double want = NAN;
    for (double n = d + 5; n <= N && isnan(want); n++) {
      double vg = 0;
      for (int i = 1; i <= d; i++) vg += gsl_sf_psi_1((n - i + 1) / 2) - gsl_sf_psi_1((N - i + 1) / 2);
      if (z * z * (vg + fmax(t - 2 * d, 0) * (1 / n - 1 / N)) <= eps * eps) want = n;
    }
    assert_close(sigma_plan_n1_calibrated(eps, z, t, d, N), want, 0);
  }
  assert_close(sigma_plan_n1_calibrated(100, z, 40, d, N), d + 5, 0); /* the smallest LEV n1 */
  assert_true(isnan(sigma_plan_n1_calibrated(0.5, z, NAN, d, N)));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_kolmogorov_q),
      cmocka_unit_test(test_ks_normal),
      cmocka_unit_test(test_binomial_se),
      cmocka_unit_test(test_n1_for_precision),
      cmocka_unit_test(test_plan_n1),
      cmocka_unit_test(test_plan_n1_calibrated),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
