/* SPEC 4.1 against independent computations: closed forms of the trigamma sums, explicit
 * rank-one downdates (Cholesky of G1 - x x^T, not the leverage identity) for the
 * jackknife, two-pass sums for the leverage statistics. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>

#include "sigma/calibrated.h"
#include "sigma/estimators.h"
#include "sigma/linalg.h"
#include "sigma/registry.h"

/* psi'(m) = pi^2/6 - sum_{k<m} 1/k^2 for integer m; psi'(m + 1/2) = pi^2/2 - 4 sum_{k=1}^{m}
 * 1/(2k - 1)^2. */
static double trigamma_int(int m) {
  double s = M_PI * M_PI / 6;
  for (int k = 1; k < m; k++) s -= 1.0 / ((double)k * k);
  return s;
}

static double trigamma_half(int m) {
  double s = M_PI * M_PI / 2;
  for (int k = 1; k <= m; k++) s -= 4.0 / ((2.0 * k - 1) * (2.0 * k - 1));
  return s;
}

/* psi(m) = -gamma + sum_{k<m} 1/k; psi(m + 1/2) = -gamma - 2 log 2 + sum_{k=1}^{m} 2/(2k - 1). */
static double digamma_int(int m) {
  double s = -0.57721566490153286061;
  for (int k = 1; k < m; k++) s += 1.0 / k;
  return s;
}

static double digamma_half(int m) {
  double s = -0.57721566490153286061 - 2 * M_LN2;
  for (int k = 1; k <= m; k++) s += 2.0 / (2 * k - 1);
  return s;
}

static void test_var_gauss(void **state) {
  (void)state;
  /* d = 1: psi'(n/2) - psi'(N/2); n = 2, N = 4: psi'(1) - psi'(2) = 1. */
  assert_close(sigma_var_gauss(1, 4, 2), 1.0, 1e-14);
  /* d = 2, n = 6, N = 20: [psi'(3) - psi'(10)] + [psi'(5/2) - psi'(19/2)]. */
  double want = trigamma_int(3) - trigamma_int(10) + trigamma_half(2) - trigamma_half(9);
  assert_close(sigma_var_gauss(2, 20, 6), want, 1e-13);
  assert_true(isnan(sigma_var_gauss(3, 20, 2))); /* n < d */
  /* First order: V_G ~ -2 log(1 - d/n) - (same at N) for large n; within 2% at d/n = 1/8. */
  double v = sigma_var_gauss(64, 1e9, 512);
  assert_rel(v, -2 * log(1 - 64.0 / 512), 0.02, 0);
}

static void test_tau2_dec_and_calibrated(void **state) {
  (void)state;
  /* d = 4, n = 20: v_G = 2 * 18 / (4 * 12) = 0.75; abar = 0.5, var_a = 0.25 -> v_obs = 1;
   * tau2_dec = (2 / 1.75) * 24 - 16. */
  assert_close(sigma_tau2_dec(4, 20, 0.5, 0.25), 2.0 / 1.75 * 24 - 16, 1e-13);
  assert_true(isnan(sigma_tau2_dec(4, 8, 0.5, 0.25))); /* n <= d + 4 */
  /* V = V_G + max(tau2 - 2d, 0) u */
  assert_close(sigma_var_calibrated(1.5, 20, 4, 100, 10), 1.5 + 12 * (0.1 - 0.01), 1e-15);
  assert_close(sigma_var_calibrated(1.5, 3, 4, 100, 10), 1.5, 0);
  assert_true(isnan(sigma_var_calibrated(1.5, NAN, 4, 100, 10)));
}

/* A small block with known rows (deterministic, heavy-ish tails). */
static void block(int n, int d, double *X) {
  uint64_t z = 99;
  for (int i = 0; i < n * d; i++) {
    z = z * 6364136223846793005ull + 1442695040888963407ull;
    double u = ((z >> 11) + 0.5) * 0x1.0p-53;
    X[i] = (u - 0.5) * (1 + 3 * (i % 7 == 0));
  }
}

static void gram(const double *X, int n, int d, double *G) {
  for (int a = 0; a < d; a++)
    for (int b = 0; b < d; b++) {
      double s = 0;
      for (int i = 0; i < n; i++) s += X[i * d + a] * X[i * d + b];
      G[a * d + b] = s;
    }
}

static void test_leverages_and_jackknife(void **state) {
  (void)state;
  enum { n = 30, d = 5 };
  const double N = 1000;
  double X[n * d], G[d * d], Gj[d * d], h[n], ld;
  block(n, d, X);
  gram(X, n, d, G);
  assert_int_equal(sigma_logdet_chol(G, d, &ld), 0);
  /* Leverages and delete-one log-dets by explicit downdates (Cholesky of G - x x^T). */
  double ldj[n], sum_log = 0, abar = 0;
  for (int j = 0; j < n; j++) {
    for (int k = 0; k < d * d; k++) Gj[k] = G[k] - X[j * d + k / d] * X[j * d + k % d];
    assert_int_equal(sigma_logdet_chol(Gj, d, &ldj[j]), 0);
    h[j] = -expm1(ldj[j] - ld); /* det(G - x x^T) = det G (1 - h) */
    sum_log += ldj[j] - ld;
    abar += h[j] / (1 - h[j]) / n;
  }
  double var_a = 0, mean_log = sum_log / n, ss_log = 0;
  for (int j = 0; j < n; j++) {
    var_a += pow(h[j] / (1 - h[j]) - abar, 2) / n;
    ss_log += pow(ldj[j] - ld - mean_log, 2);
  }
  sigma_leverage_sums s;
  sigma_leverage_init(&s, d, n);
  sigma_leverage_add(&s, h, 11); /* in two pieces, merged: the split does not matter */
  sigma_leverage_sums t;
  sigma_leverage_init(&t, d, n);
  sigma_leverage_add(&t, h + 11, n - 11);
  sigma_leverage_merge(&s, &t);
  sigma_leverage_stats st;
  sigma_leverage_stats_of(&s, &st);
  assert_close(st.n, n, 0);
  assert_rel(st.sum_log, sum_log, 1e-10, 1);
  assert_rel(st.ss_log, ss_log, 1e-9, 0);
  assert_rel(st.abar, abar, 1e-10, 0);
  assert_rel(st.var_a, var_a, 1e-9, 0);
  /* The jackknife from its definition: pseudo-values of Wishart's estimate on n - 1 rows,
   * theta_j = ld_j + C(n - 1), bias (n - 1)(mean theta_j - theta), with the finite
   * population factor (1 - n/N) of SPEC 4.1. */
  const double LW = ld + sigma_wishart_correction(d, N, n);
  double mean_theta = 0;
  for (int j = 0; j < n; j++) mean_theta += (ldj[j] + sigma_wishart_correction(d, N, n - 1)) / n;
  const double jk_ref = LW - (n - 1) * (mean_theta - LW) * (1 - n / N);
  double var;
  const double jk = sigma_jackknife(LW, d, N, n, st.sum_log, st.ss_log, &var);
  assert_rel(jk, jk_ref, 1e-10, 1);
  double var_ref = 0; /* ((n - 1)/n)(1 - n/N) sum_j (theta_j - mean theta)^2 */
  for (int j = 0; j < n; j++)
    var_ref += pow(ldj[j] + sigma_wishart_correction(d, N, n - 1) - mean_theta, 2);
  var_ref *= (n - 1.0) / n * (1 - n / N);
  assert_rel(var, var_ref, 1e-9, 0);
  /* LEV from its formula with these statistics. */
  const double tdec = sigma_tau2_dec(d, n, st.abar, st.var_a); /* (n - d)/2 = 12.5, n/2 = 15 */
  assert_close(sigma_log1mh_gauss(d, n), n * (digamma_half(12) - digamma_int(15)), 1e-12);
  const double lev_ref = LW + d * log(abar * (n - d - 2) / d) + sum_log -
                         n * (digamma_half(12) - digamma_int(15)) - (tdec - 2 * d) / (2 * N);
  assert_rel(sigma_lev(LW, d, N, n, st.abar, st.sum_log, tdec), lev_ref, 1e-10, 1);
  assert_true(isnan(sigma_lev(LW, d, N, d + 4, st.abar, st.sum_log, tdec)));
}

/* The groups of the delete-G-block jackknife (floor(g n / G), against 128-bit integers), its
 * variance, LEV of a reduced block, and LEV's own variance max(V_cal, v_bj) in the registry. */
static void test_block_jackknife(void **state) {
  (void)state;
  const int64_t ns[] = {2, 7, 13, 100, 1000003, (int64_t)1 << 61};
  const int64_t Gs[] = {2, 3, 7, 8, 1000, 2147483647};
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 6; j++) {
      const int64_t n = ns[i], G = Gs[j];
      if (G > n) continue;
      int64_t prev = 0;
      for (int64_t g = 1; g <= G; g = g < 50 || g >= G - 50 ? g + 1 : G - 50) {
        const int64_t s = sigma_bj_group_start(n, G, g);
        assert_true(s == (int64_t)((__int128)g * n / G));
        assert_true(s >= prev);
        if (g < G) assert_int_equal(sigma_bj_group_of(n, G, s), g);
        assert_int_equal(sigma_bj_group_of(n, G, s - 1), g - 1); /* G <= n: no empty group */
        prev = s;
      }
      assert_int_equal(sigma_bj_group_start(n, G, G), n);
      assert_int_equal(sigma_bj_group_of(n, G, n - 1), G - 1);
    }
  for (int64_t p = 0; p < 13; p++) /* n = 13, G = 5: starts 0, 2, 5, 7, 10 */
    assert_int_equal(sigma_bj_group_of(13, 5, p), p < 2 ? 0 : p < 5 ? 1 : p < 7 ? 2 : p < 10 ? 3 : 4);
  const double v[4] = {1, 2, 3, 6}, w[3] = {1, NAN, 2};
  assert_close(sigma_bj_variance(v, 4), 0.75 * 14, 1e-14);
  assert_true(isnan(sigma_bj_variance(w, 3)) && isnan(sigma_bj_variance(v, 1)));
  /* LEV of a block of n' rows is sigma_lev with Wishart and tau2_dec at n' */
  const sigma_leverage_stats st = {.n = 40, .sum_log = -7.5, .abar = 0.2, .var_a = 0.01};
  const int d = 5;
  const double N = 1000, ld = 3.25, tdec = sigma_tau2_dec(d, 40, 0.2, 0.01);
  assert_rel(sigma_lev_of_block(d, N, 40, ld, &st),
             sigma_lev(ld + sigma_wishart_correction(d, N, 40), d, N, 40, 0.2, -7.5, tdec), 1e-15, 1);
  assert_true(isnan(sigma_lev_of_block(d, N, d + 4, ld, &st)));
  /* the registry: LEV's own variance is max(V_cal, v_bj); NaN or 0 leaves V_cal */
  sigma_block b = {.d = d, .N = N, .n1 = 40, .logdet_G1 = ld, .lev = st, .logdet_Ga = NAN,
                   .logdet_Gb = NAN};
  sigma_block_finish(&b);
  const double vcal = sigma_var_calibrated(b.V_G, b.tau2_dec, d, N, 40), tau2[2] = {20, 20};
  const double vbj[4] = {NAN, 0, vcal / 2, 4 * vcal}, want[4] = {vcal, vcal, vcal, 4 * vcal};
  const int lev = sigma_estimator_index("lev");
  for (int k = 0; k < 4; k++) {
    sigma_est_line line[SIGMA_EST_MAX];
    b.v_bj = vbj[k];
    sigma_est_lines(&b, 10.0, 1.96, tau2, line);
    assert_rel(line[lev].own.s, sqrt(want[k]), 1e-15, 0);
    assert_rel(line[lev].cal[1].s, sqrt(vcal), 1e-15, 0); /* the calibrated CI is unchanged */
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_var_gauss),
                                     cmocka_unit_test(test_tau2_dec_and_calibrated),
                                     cmocka_unit_test(test_leverages_and_jackknife),
                                     cmocka_unit_test(test_block_jackknife)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
