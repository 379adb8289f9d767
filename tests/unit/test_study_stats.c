/* Unit tests of sigma/study_stats.h: a summary cell against numbers worked by hand. */
#include "test_util.h"

#include <gsl/gsl_cdf.h>

#include "sigma/error.h"
#include "sigma/stats.h"
#include "sigma/study_stats.h"

enum { F = SIGMA_REP_FIELDS };

/* Replicate r's fields: the six paper ones given, the SPEC 4.1 CIs not applicable (NaN). */
static void fields(double *v, int r, const double six[6]) {
  for (int f = 0; f < F; f++) v[r * F + f] = f < 6 ? six[f] : NAN;
}

/* Four replicates, the third not applicable (est NaN), one undecided observed flag:
 *   err = {1, -1, 3}, s_oracle 2, s_observed {1.5, 2.5, 2}, covers oracle {1, 1, 0},
 *   covers observed {1, -, 0}; eps = 1.5, level = 0.75.
 * bias = 1; sd = sqrt((0 + 4 + 4) / 2) = 2; rmse = sqrt(11/3); s_obs_mean = 2;
 * coverage oracle 2/3 +- sqrt(2/27), observed 1/2 +- sqrt(1/8) (2 decided);
 * P(|err| <= 1.5) = 2/3; |err| sorted {1, 1, 3}: the 0.75-quantile at index 1.5 is 2;
 * z = {0.5, -0.5, 1.5}: D = Phi(0.5) - 1/3 (at the second order statistic). */
static void test_cell_by_hand(void **state) {
  (void)state;
  const double six[4][6] = {{10, 1, 2, 1.5, 1, 1}, {11, -1, 2, 2.5, 1, NAN},
                            {NAN, NAN, NAN, NAN, NAN, NAN}, {12, 3, 2, 2.0, 0, 0}};
  double v[4 * F];
  for (int r = 0; r < 4; r++) fields(v, r, six[r]);
  /* Own CIs cover in replicates 0 and 3, not 1: 2/3; a calibrated flag decided once. */
  v[0 * F + SIGMA_REP_COVERS_OWN] = 1, v[1 * F + SIGMA_REP_COVERS_OWN] = 0;
  v[3 * F + SIGMA_REP_COVERS_OWN] = 1, v[0 * F + SIGMA_REP_COVERS_CAL_DEC] = 1;
  sigma_study_cell c;
  assert_int_equal(sigma_study_cell_stats(v, 4, F, 1.5, 0.75, &c), SIGMA_OK);
  assert_int_equal(c.n, 3);
  assert_close(c.bias, 1.0, 1e-15);
  assert_close(c.sd, 2.0, 1e-15);
  assert_close(c.rmse, sqrt(11.0 / 3.0), 1e-15);
  assert_close(c.s_oracle, 2.0, 0);
  assert_close(c.s_obs_mean, 2.0, 1e-15);
  assert_close(c.cov[0], 2.0 / 3.0, 1e-15);
  assert_close(c.cov_se[0], sqrt(2.0 / 27.0), 1e-15);
  assert_close(c.cov[1], 0.5, 0);
  assert_close(c.cov_se[1], sqrt(1.0 / 8.0), 1e-15);
  assert_close(c.p_within, 2.0 / 3.0, 1e-15);
  assert_close(c.q_level, 2.0, 1e-15);
  const double D = gsl_cdf_ugaussian_P(0.5) - 1.0 / 3.0;
  assert_close(c.ks_D, D, 1e-15);
  assert_close(c.ks_p, sigma_kolmogorov_q((sqrt(3.0) + 0.12 + 0.11 / sqrt(3.0)) * D), 1e-15);
  assert_true(isnan(c.n1_needed));
  assert_close(c.cov[SIGMA_COV_OWN], 2.0 / 3.0, 1e-15);
  assert_close(c.cov_se[SIGMA_COV_OWN], sqrt(2.0 / 27.0), 1e-15);
  assert_close(c.cov[SIGMA_COV_CAL_DEC], 1.0, 0);
  assert_true(isnan(c.cov[SIGMA_COV_CAL_ORACLE])); /* no decided flag */
  assert_close(v[1], 1.0, 0); /* the input is not modified */
}

/* No applicable replicate: every statistic NaN (n/a), none made up; one: no sd. */
static void test_cell_not_applicable(void **state) {
  (void)state;
  const double six[2][6] = {{NAN, NAN, NAN, NAN, NAN, NAN}, {5, 0.5, 1, 1, 1, 1}};
  double v[2 * F];
  for (int r = 0; r < 2; r++) fields(v, r, six[r]);
  sigma_study_cell c;
  assert_int_equal(sigma_study_cell_stats(v, 1, F, 1.0, 0.95, &c), SIGMA_OK);
  assert_int_equal(c.n, 0);
  const double all[] = {c.bias, c.sd,     c.rmse,      c.s_oracle,  c.s_obs_mean, c.cov[0],
                        c.cov[1], c.cov_se[0], c.cov_se[1], c.ks_D, c.ks_p,     c.p_within,
                        c.q_level, c.n1_needed};
  for (size_t j = 0; j < sizeof all / sizeof all[0]; j++) assert_true(isnan(all[j]));
  assert_int_equal(sigma_study_cell_stats(v, 2, F, 1.0, 0.95, &c), SIGMA_OK);
  assert_int_equal(c.n, 1);
  assert_close(c.bias, 0.5, 0);
  assert_true(isnan(c.sd));
  assert_close(c.rmse, 0.5, 0);
  assert_close(c.cov[0], 1.0, 0);
  assert_close(c.cov_se[0], 0.0, 0);
  assert_close(c.ks_D, gsl_cdf_ugaussian_P(0.5), 1e-15); /* one value z = 0.5 */
}

/* A replicate row from a sweep point: registry columns, a -1 flag as NaN. */
static void test_rep_row(void **state) {
  (void)state;
  sigma_rep_point p = {.n1 = 64, .logdet_G1 = 1.5, .logdet_Ga = NAN, .logdet_Gb = 2.5,
                       .tau2_observed = 7};
  for (int e = 0; e < sigma_nest; e++)
    p.line[e] = (sigma_est_line){.est = 10 + e, .err = -e, .s = {1, 2}, .covers = {1, -1}};
  double row[SIGMA_REP_HEAD + F * SIGMA_EST_MAX];
  sigma_rep_row(3, &p, row);
  assert_int_equal(sigma_rep_ncol(), SIGMA_REP_HEAD + F * sigma_nest);
  assert_close(row[SIGMA_REP_REPLICATE], 3, 0);
  assert_close(row[SIGMA_REP_N1], 64, 0);
  assert_true(isnan(row[SIGMA_REP_LOGDET_GA]));
  assert_close(row[SIGMA_REP_TAU2_OBSERVED], 7, 0);
  for (int e = 0; e < sigma_nest; e++) {
    assert_close(row[sigma_rep_col(e, SIGMA_REP_EST)], 10 + e, 0);
    assert_close(row[sigma_rep_col(e, SIGMA_REP_S_OBSERVED)], 2, 0);
    assert_close(row[sigma_rep_col(e, SIGMA_REP_COVERS_ORACLE)], 1, 0);
    assert_true(isnan(row[sigma_rep_col(e, SIGMA_REP_COVERS_OBSERVED)]));
  }
}

/* Cells of a whole study (R = 3, K = 2): each cell reads its own columns, and n1_needed
 * follows the level-quantiles over the sweep. Estimator 0: |err| medians 4 at n1 = 100,
 * 1 at n1 = 400; eps = {4, 0.5}: 4 is reached at the first point (n1 = 100), 0.5 nowhere
 * (NaN). Estimator 1 (if any): errors e + 0.25 everywhere, bias e + 0.25. */
static void test_cells(void **state) {
  (void)state;
  enum { R = 3, K = 2 };
  const int nc = sigma_rep_ncol();
  double *V = calloc((size_t)R * K * nc, sizeof(double));
  const int64_t n1s[K] = {100, 400};
  const double eps[K] = {4, 0.5}, e0[K][R] = {{4, -4, 4}, {1, -1, 1}};
  for (int r = 0; r < R; r++)
    for (int k = 0; k < K; k++) {
      double *row = V + ((size_t)r * K + k) * nc;
      row[SIGMA_REP_REPLICATE] = r;
      row[SIGMA_REP_N1] = (double)n1s[k];
      for (int e = 0; e < sigma_nest; e++) {
        double *f = row + sigma_rep_col(e, 0);
        f[SIGMA_REP_EST] = 1;
        f[SIGMA_REP_ERR] = e == 0 ? e0[k][r] : e + 0.25;
        f[SIGMA_REP_S_ORACLE] = f[SIGMA_REP_S_OBSERVED] = 1;
        f[SIGMA_REP_COVERS_ORACLE] = f[SIGMA_REP_COVERS_OBSERVED] = r == 0;
      }
    }
  sigma_study_cell *S = calloc((size_t)K * sigma_nest, sizeof *S);
  assert_int_equal(sigma_study_cells(V, R, K, n1s, eps, 0.5, S), SIGMA_OK);
  assert_close(S[0].q_level, 4, 0);
  assert_close(S[sigma_nest].q_level, 1, 0);
  assert_close(S[0].bias, 4.0 / 3.0, 1e-15);
  assert_close(S[0].n1_needed, 100, 0);
  assert_true(isnan(S[sigma_nest].n1_needed));
  assert_close(S[0].cov[0], 1.0 / 3.0, 1e-15);
  for (int e = 1; e < sigma_nest; e++) {
    assert_close(S[sigma_nest + e].bias, e + 0.25, 1e-15);
    assert_close(S[sigma_nest + e].sd, 0, 0);
  }
  assert_int_equal(sigma_study_cells(V, R, 0, n1s, eps, 0.5, S), SIGMA_EINVAL);
  sigma_clear_error();
  free(S);
  free(V);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cell_by_hand),
      cmocka_unit_test(test_cell_not_applicable),
      cmocka_unit_test(test_rep_row),
      cmocka_unit_test(test_cells),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
