/* src/monitor.c: drifts and their CI, least-squares trends and verdicts, the summary
 * (include/sigma/monitor.h), against closed forms. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "sigma/monitor.h"
#include "test_util.h"

/* y = 3 - 0.5 t + e, e = (+1, -1, -1, +1): slope -0.5 exactly (e is orthogonal to t - 1.5
 * and to 1), RSS = 4, Sxx = 5, se = sqrt(4 / 2 / 5). */
static void test_trend_closed_form(void **state) {
  (void)state;
  const double y[4] = {4.0, 1.5, 1.0, 2.5};
  sigma_mon_trend tr;
  sigma_mon_trend_fit(y, 4, 0.95, &tr);
  assert_close(tr.slope, -0.5, 1e-14);
  assert_close(tr.se, sqrt(0.4), 1e-14);
  assert_close(tr.crit, 0.95 / sqrt(2 * 0.975 * 0.025), 1e-12); /* t_{p,2} = (2p-1)/sqrt(2p(1-p)) */
  assert_close(tr.t, -0.5 / sqrt(0.4), 1e-13);
  assert_string_equal(tr.verdict, "stable"); /* |t| = 0.79 < 4.30 */
  const double z[4] = {0, -1, -2, -3.0001}; /* nearly a line: significant */
  sigma_mon_trend_fit(z, 4, 0.95, &tr);
  assert_string_equal(tr.verdict, "contracting");
  const double u[4] = {0, 1, 2, 3}; /* a perfect line: se = 0, decided by the sign */
  sigma_mon_trend_fit(u, 4, 0.95, &tr);
  assert_true(tr.se == 0 && isnan(tr.t));
  assert_string_equal(tr.verdict, "expanding");
}

/* Fewer than 3 points, or a value that is not finite: not applicable. */
static void test_trend_not_applicable(void **state) {
  (void)state;
  sigma_mon_trend tr;
  const double two[2] = {1.0, 3.0};
  sigma_mon_trend_fit(two, 2, 0.95, &tr);
  assert_close(tr.slope, 2.0, 1e-15);
  assert_true(isnan(tr.se) && isnan(tr.crit) && tr.verdict == NULL);
  sigma_mon_trend_fit(two, 1, 0.95, &tr);
  assert_true(isnan(tr.slope) && tr.verdict == NULL);
  const double bad[4] = {0, NAN, 1, 2}, inf[4] = {0, -INFINITY, 1, 2};
  sigma_mon_trend_fit(bad, 4, 0.95, &tr);
  assert_true(isnan(tr.slope) && tr.verdict == NULL);
  sigma_mon_trend_fit(inf, 4, 0.95, &tr);
  assert_true(isnan(tr.slope) && tr.verdict == NULL);
}

/* The drift CI: dU -+ z sqrt(V_t + V_b), 0 at the baseline, NaN where a V is. */
static void test_drift(void **state) {
  (void)state;
  sigma_mon_point b = {.U = -10, .Gamma = 0.5, .V = 0.25, .U_full = NAN};
  sigma_mon_point t = {.U = -11, .Gamma = 0.25, .V = 0.75, .U_full = NAN};
  sigma_mon_drift d;
  sigma_mon_drift_of(&t, &b, 0, 2.0, &d);
  assert_close(d.dU, -1.0, 1e-15);
  assert_close(d.dGamma, -0.25, 1e-15);
  assert_close(d.sd, 1.0, 1e-15);
  assert_close(d.lo, -3.0, 1e-15);
  assert_close(d.hi, 1.0, 1e-15);
  assert_true(isnan(d.dU_full));
  sigma_mon_drift_of(&b, &b, 1, 2.0, &d);
  assert_true(d.sd == 0 && d.lo == 0 && d.hi == 0);
  t.V = NAN;
  sigma_mon_drift_of(&t, &b, 0, 2.0, &d);
  assert_true(isnan(d.sd) && isnan(d.lo));
}

/* The summary: final drifts, sign agreement, the early-collapse signature. */
static void test_summary(void **state) {
  (void)state;
  sigma_mon_drift d[4];
  memset(d, 0, sizeof d);
  for (int k = 0; k < 4; k++) {
    d[k].dU = -10.0 * k - (k == 2 ? 0.1 : 0); /* contracting */
    d[k].dGamma = (k % 2 ? 0.001 : -0.001);   /* flat: stable */
    d[k].dU_full = NAN;
  }
  sigma_mon_summary s;
  sigma_mon_summarize(d, 4, 0.95, &s);
  assert_string_equal(s.U.verdict, "contracting");
  assert_string_equal(s.Gamma.verdict, "stable");
  assert_int_equal(s.early_collapse, 1);
  assert_close(s.dU_final, -30.0, 1e-15);
  assert_true(s.U_full.verdict == NULL && isnan(s.dU_full_final));
  assert_int_equal(s.agree, s.Gamma.slope < 0); /* U's slope is negative */
  sigma_mon_summarize(d, 2, 0.95, &s); /* two points: slopes but no verdicts */
  assert_int_equal(s.early_collapse, -1);
  assert_true(s.U.verdict == NULL && !isnan(s.U.slope));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_trend_closed_form),
      cmocka_unit_test(test_trend_not_applicable),
      cmocka_unit_test(test_drift),
      cmocka_unit_test(test_summary),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
