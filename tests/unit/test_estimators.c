/* Unit tests of sigma/estimators.h against closed forms and explicit computations. */
#include "test_util.h"

#include <string.h>

#include "sigma/error.h"
#include "sigma/audit_math.h"
#include "sigma/sample.h"

static const long double kEulerGamma = 0.577215664901532860606512090082402431L;
static const long double kLn2 = 0.693147180559945309417232121458176568L;

/* psi(m / 2) for integer m >= 1 by the closed forms
 *   psi(n) = -gamma + sum_{k<n} 1/k,
 *   psi(n + 1/2) = -gamma - 2 ln 2 + sum_{k=1..n} 2/(2k-1). */
static long double psi_half_units(long m) {
  long double s = -kEulerGamma;
  if (m % 2 == 0) {
    for (long k = 1; k < m / 2; k++) s += 1.0L / k;
  } else {
    s -= 2.0L * kLn2;
    for (long k = 1; k <= (m - 1) / 2; k++) s += 2.0L / (2.0L * k - 1.0L);
  }
  return s;
}

static double wishart_ref(int d, long N, long n1) {
  long double s = 0;
  for (int i = 1; i <= d; i++) s += psi_half_units(N - i + 1) - psi_half_units(n1 - i + 1);
  return (double)s;
}

static void test_plugin_bias_ci(void **state) {
  (void)state;
  assert_close(sigma_plugin(10.0, 3, 1000, 100), 10.0 + 3.0 * 2.302585092994045684, 1e-13);
  assert_close(sigma_plugin(-2.5, 7, 50, 50), -2.5, 0);
  assert_close(sigma_bias_formula(4, 100, 10), 0.9, 1e-15);
  /* SPEC section 4: d = 64, N = 20000, n1 = 1024 -> "formula 1.93" */
  assert_close(sigma_bias_formula(64, 20000, 1024), 2080.0 * (1.0 / 1024 - 1.0 / 20000), 1e-13);
  assert_close(sigma_bias_formula(64, 20000, 1024), 1.93, 0.005);
  assert_close(sigma_bias_formula(5, 77, 77), 0.0, 1e-16);
  assert_close(sigma_ci_sd(8.0, 1000, 100), sqrt(0.072), 1e-15);
  assert_close(sigma_ci_sd(8.0, 100, 100), 0.0, 1e-15);
}

static void test_wishart_correction(void **state) {
  (void)state;
  /* d = 1, N = 2, n1 = 1: psi(1) - psi(1/2) = 2 ln 2 */
  assert_close(sigma_wishart_correction(1, 2, 1), 2.0 * 0.6931471805599453, 1e-13);
  /* d = 1, N = 3, n1 = 2: psi(3/2) - psi(1) = 2 - 2 ln 2 */
  assert_close(sigma_wishart_correction(1, 3, 2), 2.0 - 2.0 * 0.6931471805599453, 1e-13);
  const struct { int d; long N, n1; } cases[] = {
      {1, 10, 10}, {2, 7, 2}, {3, 9, 3}, {5, 1000, 20}, {5, 1001, 21}, {16, 5000, 64},
      {64, 20000, 1024}, {64, 20001, 64}, {100, 100000, 400}};
  for (size_t t = 0; t < sizeof cases / sizeof *cases; t++) {
    double ref = wishart_ref(cases[t].d, cases[t].N, cases[t].n1);
    double got = sigma_wishart_correction(cases[t].d, (double)cases[t].N, (double)cases[t].n1);
    assert_close(got, ref, 1e-11 * fmax(1.0, fabs(ref)));
    if (cases[t].N > cases[t].n1) assert_true(got > 0);
  }
  /* For large n1 it approaches d log(N/n1) + bias: sum_i psi((n-i+1)/2) =
   * d log(n/2) - d(d+1)/(2n) + O(d^3/n^2); here the first-order term is 3.6e-3
   * and the remainder ~ 8^3/1e8 = 5e-6. */
  double w = sigma_wishart_correction(8, 1e6, 1e4);
  assert_close(w, 8 * log(100.0) + 36.0 * (1.0 / 1e4 - 1.0 / 1e6), 1e-5);
  assert_true(fabs(w - 8 * log(100.0)) > 3e-3);
}

static void test_richardson(void **state) {
  (void)state;
  const int d = 6;
  const double N = 10000, n1 = 400, la = 12.0, lb = 12.5, Lhat = 20.0;
  double h = -1, c = -1;
  double R = sigma_richardson(Lhat, la, lb, d, N, n1 / 2, n1 / 2, &h, &c);
  double h_ref = (la + lb) / 2 + d * log(2 * N / n1);
  assert_close(h, h_ref, 1e-12);
  assert_close(c, n1 * (Lhat - h_ref), 1e-9);
  assert_close(R, Lhat + n1 * (Lhat - h_ref) * (1 / n1 - 1 / N), 1e-11);
  /* NULL outputs allowed */
  assert_close(sigma_richardson(Lhat, la, lb, d, N, n1 / 2, n1 / 2, NULL, NULL), R, 0);
  /* Exactness on a 1/n bias model: if plug-in(n) = L - a (1/n - 1/N) for every
   * sample size n, Richardson recovers L exactly, for equal and unequal halves. */
  const double L = 123.456, a = 37.0;
  const double splits[][2] = {{200, 200}, {150, 250}, {7, 393}};
  for (int t = 0; t < 3; t++) {
    double na = splits[t][0], nb = splits[t][1], m = na + nb;
    double Lh = L - a * (1 / m - 1 / N);
    double lda = L - a * (1 / na - 1 / N) - d * log(N / na);
    double ldb = L - a * (1 / nb - 1 / N) - d * log(N / nb);
    double cc;
    double LR = sigma_richardson(Lh, lda, ldb, d, N, na, nb, NULL, &cc);
    assert_close(LR, L, 1e-9);
    assert_close(cc, a, 1e-7);
  }
}

static void test_z_for_level(void **state) {
  (void)state;
  assert_close(sigma_z_for_level(0.95), 1.959963984540054, 1e-13);
  assert_close(sigma_z_for_level(0.99), 2.5758293035489, 1e-12);
  assert_close(sigma_z_for_level(0.5), 0.6744897501960817, 1e-13);
  assert_close(sigma_z_for_level(0.6826894921370859), 1.0, 1e-12);
}

/* D^2 = (n1-1) h/(1-h) equals the explicit leave-one-out (n1-1) x^T (G1 - x x^T)^{-1} x. */
static void test_loo_d2(void **state) {
  (void)state;
  enum { d = 3, n1 = 12 };
  double X[n1 * d];
  trng r = {23};
  for (int k = 0; k < n1 * d; k++) X[k] = trng_gauss(&r) * (1 + k % d);
  long double Gl[d * d];
  ref_gram(X, n1, d, Gl);
  double G1[d * d], Gm[d * d];
  for (int k = 0; k < d * d; k++) G1[k] = (double)Gl[k];
  for (int i = 0; i < n1; i++) {
    const double *x = X + i * d;
    long double y[d], h = 0, q = 0;
    ref_solve(G1, d, x, y);
    for (int k = 0; k < d; k++) h += x[k] * y[k];
    for (int a = 0; a < d; a++)
      for (int b = 0; b < d; b++) Gm[b * d + a] = (double)(Gl[b * d + a] - (long double)x[a] * x[b]);
    ref_solve(Gm, d, x, y);
    for (int k = 0; k < d; k++) q += x[k] * y[k];
    assert_rel(sigma_loo_d2((double)h, n1), (n1 - 1) * q, 1e-9, 0);
  }
  assert_close(sigma_loo_d2(0.5, 11), 10.0, 1e-14);
  assert_close(sigma_loo_d2(0.0, 11), 0.0, 0);
}

static void test_variance_from_sums(void **state) {
  (void)state;
  assert_close(sigma_variance_from_sums(4, 10, 30), 5.0 / 3.0, 1e-15);
  assert_true(isnan(sigma_variance_from_sums(1, 3, 9)));
  enum { n = 1000 };
  double v[n], c = 1e6, sd = 0, sd2 = 0;
  trng r = {3};
  for (int i = 0; i < n; i++) v[i] = 1e6 + 0.37 + 2.0 * trng_gauss(&r);
  for (int i = 0; i < n; i++) { sd += v[i] - c; sd2 += (v[i] - c) * (v[i] - c); }
  long double mean = 0, var = 0;
  for (int i = 0; i < n; i++) mean += v[i];
  mean /= n;
  for (int i = 0; i < n; i++) var += (v[i] - mean) * (v[i] - mean);
  var /= n - 1;
  assert_rel(sigma_variance_from_sums(n, sd, sd2), var, 1e-10, 0);
}

static void test_rule_n1(void **state) {
  (void)state;
  assert_int_equal(sigma_rule_n1(4, 256, 0.5), 4096);
  assert_int_equal(sigma_rule_n1(4, 64, 0.25), 4096);
  assert_int_equal(sigma_rule_n1(4, 10, 0.3), 445); /* 444.4 rounded up */
  assert_int_equal(sigma_rule_n1(1, 1, 1), 1);
  assert_int_equal(sigma_rule_n1(4, 1000, 0.1), 400000);
  /* 4 * 49 / 0.49 rounds to 400.00000000000006: still 400 rows */
  assert_int_equal(sigma_rule_n1(4, 49, 0.7), 400);
  /* eps = sqrt(c d / n1) gives back n1 for every pair */
  for (int d = 1; d <= 60; d++)
    for (int64_t n1 = d; n1 <= 400; n1++)
      assert_int_equal(sigma_rule_n1(4, d, sqrt(4.0 * d / (double)n1)), n1);
}

static void test_logR_and_tracks(void **state) {
  (void)state;
  /* w_G = (8, 4, 2), N = 100, n1 = 25: alpha = 1/4,
   * terms log(1), log(1/4 + 3/4 * 2), log(1/4 + 3/4 * 4) */
  double w[3] = {8, 4, 2};
  assert_close(sigma_logR_predicted(w, 3, 100, 25), log(1.75 * 3.25), 1e-14);
  assert_close(sigma_logR_predicted(w, 3, 100, 100), 0.0, 1e-15); /* alpha = 1 */
  /* Track I: w_G1 = (3, 1), B = delta = 1: log(1 + 3/2) + log(1 + 1/2) = log(15/4)
   * = log det(G1 + 2 I) - 2 log 2 */
  double w1[2] = {3, 1};
  assert_close(sigma_track_gamma(w1, 2, 1, 1), log(3.75), 1e-15);
  /* Track II: log((3 + 1)(1 + 1)) - 2 log 2 = log 2 */
  assert_close(sigma_track_u(w1, 2, 2, 1), log(2.0), 1e-15);
  assert_close(sigma_track_u(w1, 2, 10, 0.5), log(3.5 * 1.5) - 2 * log(10.0), 1e-14);
  /* From G1 alone (sigma_tracks_compute): N = 10, n1 = 2, c_E = 0.25 -> B = 2, delta = 1:
   * Gamma = log(1 + 3/3) + log(1 + 1/3) = log(8/3); U = log(4 * 2) - 2 log 2 = log 2;
   * health of G1: trace 4, participation 16/10. */
  sigma_tracks t;
  sigma_tracks_compute(w1, 2, 10, 2, 0.25, 1, &t);
  assert_close(t.B, 2.0, 0);
  assert_close(t.gamma, log(8.0 / 3.0), 1e-15);
  assert_close(t.U, log(2.0), 1e-15);
  assert_close(t.health.trace, 4.0, 0);
  assert_close(t.health.participation, 1.6, 1e-15);
  /* Drift [3.21] against a baseline; not applicable stays not applicable. */
  assert_close(sigma_track_drift(-3.5, 1.25), -4.75, 0);
  assert_true(isnan(sigma_track_drift(NAN, 1.0)));
  /* The power-law slope: w_i = i^-2 exactly gives alpha = 2; one eigenvalue: n/a. */
  double wp[5] = {1, 0.25, 1.0 / 9, 1.0 / 16, 1.0 / 25};
  assert_close(sigma_powerlaw_alpha(wp, 5), 2.0, 1e-14);
  assert_true(isnan(sigma_powerlaw_alpha(wp, 1)));
}

/* The registry: every estimator has a distinct key; a block without halves makes
 * Richardson not applicable (a NaN line, covers -1) and leaves the others. */
static void test_registry(void **state) {
  (void)state;
  assert_true(sigma_nest >= 3 && sigma_nest <= SIGMA_EST_MAX);
  for (int e = 0; e < sigma_nest; e++) {
    assert_int_equal(sigma_estimator_index(sigma_estimators[e].key), e);
    for (int f = e + 1; f < sigma_nest; f++)
      assert_true(strcmp(sigma_estimators[e].key, sigma_estimators[f].key) != 0);
  }
  assert_int_equal(sigma_estimator_index("no-such"), -1);
  const sigma_block b = {.d = 2, .N = 100, .n1 = 10, .na = 5, .nb = 5, .logdet_G1 = 1.5,
                         .logdet_Ga = NAN, .logdet_Gb = NAN};
  sigma_est_line ln[SIGMA_EST_MAX];
  const double tau2[2] = {4, 4};
  sigma_est_lines(&b, 7.0, 1.96, tau2, ln);
  assert_close(ln[SIGMA_EST_PLUGIN].est, 1.5 + 2 * log(10.0), 1e-15);
  assert_true(isnan(ln[SIGMA_EST_RICHARDSON].est));
  assert_int_equal(ln[SIGMA_EST_RICHARDSON].covers[0], -1);
  /* Wishart at d = 2: psi((N)/2) - psi(n1/2) + psi((N-1)/2) - psi((n1-1)/2), with
   * psi(50) - psi(5) = sum_{k=5}^{49} 1/k and psi(49.5) - psi(4.5) = sum_{k=0}^{44} 1/(4.5+k). */
  double w = 0;
  for (int k = 5; k <= 49; k++) w += 1.0 / k;
  for (int k = 0; k <= 44; k++) w += 1.0 / (4.5 + k);
  assert_close(ln[SIGMA_EST_WISHART].est, 1.5 + w, 1e-13);
  assert_true(ln[SIGMA_EST_WISHART].covers[0] == 0 || ln[SIGMA_EST_WISHART].covers[0] == 1);
}

/* ---- sigma_estimate on explicit rows ---- */

typedef struct {
  int d;
  long N, n1, na;
  double *X;              /* N x d rows; O = rows 0..n1-1, halves 0..na-1, na..n1-1 */
  double *G, *G1, *Ga, *Gb;
} problem;

static double *gram_of(const double *X, long n, int d) {
  long double *R = malloc((size_t)d * d * sizeof *R);
  double *G = malloc((size_t)d * d * sizeof *G);
  ref_gram(X, n, d, R);
  for (int k = 0; k < d * d; k++) G[k] = (double)R[k];
  free(R);
  return G;
}

static void problem_grams(problem *p) {
  p->G = gram_of(p->X, p->N, p->d);
  p->G1 = gram_of(p->X, p->n1, p->d);
  p->Ga = gram_of(p->X, p->na, p->d);
  p->Gb = gram_of(p->X + p->na * p->d, p->n1 - p->na, p->d);
}

static void problem_free(problem *p) {
  free(p->X);
  free(p->G);
  free(p->G1);
  free(p->Ga);
  free(p->Gb);
}

/* Anisotropic Gaussian rows, optionally normalised to unit norm. */
static problem make_problem(int d, long N, long n1, uint64_t seed, int normalize) {
  problem p = {d, N, n1, n1 / 2, NULL, NULL, NULL, NULL, NULL};
  p.X = malloc((size_t)N * d * sizeof *p.X);
  trng r = {seed};
  for (long i = 0; i < N; i++) {
    double nn = 0;
    for (int j = 0; j < d; j++) {
      p.X[i * d + j] = trng_gauss(&r) / (1.0 + j) + 0.3 * (j == 0);
      nn += p.X[i * d + j] * p.X[i * d + j];
    }
    if (normalize)
      for (int j = 0; j < d; j++) p.X[i * d + j] /= sqrt(nn);
  }
  problem_grams(&p);
  return p;
}

static sigma_est_input make_input(const problem *p) {
  sigma_est_input in = {0};
  in.d = p->d;
  in.N = (double)p->N;
  in.n1 = (double)p->n1;
  in.na = (double)p->na;
  in.nb = (double)(p->n1 - p->na);
  in.G = p->G;
  in.G1 = p->G1;
  in.Ga = p->Ga;
  in.Gb = p->Gb;
  in.tau2_oracle = 2.0 * p->d;
  in.tau2_observed = 1.5 * p->d;
  in.level = 0.95;
  in.delta = 1e-3;
  in.energy_cap = 1.0;
  in.max_norm2 = 1.0;
  in.rule_constant = 4.0;
  in.epsilon = NAN;
  return in;
}

static void check_line(const sigma_est_line *ln, double est, double L, double z,
                       const double tau2[2], double N, double n1) {
  assert_close(ln->est, est, 1e-9 * fmax(1, fabs(est)));
  assert_close(ln->err, L - est, 1e-9 * fmax(1, fabs(est)));
  for (int k = 0; k < 2; k++) {
    double s = sqrt(tau2[k] * (1 / n1 - 1 / N));
    assert_close(ln->s[k], s, 1e-14);
    assert_close(ln->lo[k], est - z * s, 1e-9 * fmax(1, fabs(est)));
    assert_close(ln->hi[k], est + z * s, 1e-9 * fmax(1, fabs(est)));
    assert_close(ln->zscore[k], (L - est) / s, 1e-8 * fmax(1, fabs((L - est) / s)));
    assert_int_equal(ln->covers[k], est - z * s <= L && L <= est + z * s);
  }
}

static void test_estimate_full(void **state) {
  (void)state;
  const int d = 4;
  problem p = make_problem(d, 80, 24, 1234, 1);
  sigma_est_input in = make_input(&p);
  sigma_est_result r;
  sigma_clear_error();
  assert_int_equal(sigma_estimate(&in, &r), SIGMA_OK);
  const double N = 80, n1 = 24;

  /* independent references: long-double Cholesky and Jacobi eigenvalues */
  double L = (double)ref_logdet(p.G, d), l1 = (double)ref_logdet(p.G1, d);
  double la = (double)ref_logdet(p.Ga, d), lb = (double)ref_logdet(p.Gb, d);
  double *G2 = gram_of(p.X + 24 * d, 80 - 24, d);
  long double wG[4], wG1[4], wG2[4];
  ref_eig(p.G, d, wG);
  ref_eig(p.G1, d, wG1);
  ref_eig(G2, d, wG2);
  for (int i = 0; i < d; i++) {
    assert_close(r.spectra.w_G[i], wG[i], 1e-13 * wG[0]);
    assert_close(r.spectra.w_G1[i], wG1[i], 1e-13 * wG1[0]);
    assert_close(r.spectra.w_G2[i], wG2[i], 1e-12 * wG2[0]);
  }
  assert_close(r.L, L, 1e-11);
  assert_close(r.logdet_G1, l1, 1e-11);
  assert_int_equal(r.spectra.rank_G, d);
  assert_int_equal(r.spectra.rank_G1, d);

  /* Theorem 1 */
  double rho2 = (double)wG2[0], U = 0;
  for (int i = 0; i < d; i++) U += log((double)wG1[i] + rho2);
  assert_close(r.rho2, rho2, 1e-12 * rho2);
  assert_close(r.U_weyl, U, 1e-11);
  assert_true(l1 <= L && L <= U); /* the theorem on the reference numbers */
  assert_int_equal(r.thm1_lower_ok, 1);
  assert_int_equal(r.thm1_upper_ok, 1);
  assert_close(r.logR_measured, r.U_weyl - r.L, 1e-13);
  assert_close(r.logR_measured, U - L, 1e-10);
  double alpha = n1 / N, lp = 0;
  for (int i = 0; i < d; i++) lp += log(alpha + (1 - alpha) * (double)(wG[0] / wG[i]));
  assert_close(r.logR_predicted, lp, 1e-11);
  assert_close(r.size_inv_G1, l1 - d * log(n1), 1e-11);
  assert_close(r.size_inv_G, L - d * log(N), 1e-11);

  /* estimator lines */
  const double tau2[2] = {2.0 * d, 1.5 * d}, z = 1.959963984540054;
  assert_close(r.z, z, 1e-13);
  double Lhat = l1 + d * log(N / n1);
  check_line(&r.line[SIGMA_EST_PLUGIN], Lhat, L, z, tau2, N, n1);
  assert_close(r.wishart_correction, wishart_ref(d, 80, 24), 1e-11);
  check_line(&r.line[SIGMA_EST_WISHART], l1 + wishart_ref(d, 80, 24), L, z, tau2, N, n1);
  assert_int_equal(r.have_richardson, 1);
  assert_close(r.logdet_Ga, la, 1e-11);
  assert_close(r.logdet_Gb, lb, 1e-11);
  double Lh = (la + lb) / 2 + d * log(2 * N / n1), c = n1 * (Lhat - Lh);
  assert_close(r.Lhat_h, Lh, 1e-11);
  assert_close(r.richardson_c, c, 1e-8);
  check_line(&r.line[SIGMA_EST_RICHARDSON], Lhat + c * (1 / n1 - 1 / N), L, z, tau2, N, n1);
  assert_close(r.bias_formula, d * (d + 1) / 2.0 * (1 / n1 - 1 / N), 1e-15);

  /* Envelope and tracks: unit rows, c_E = 1 */
  double B = N - n1, delta = in.delta, el = 0, er = 0, gam = 0, tu = 0, tuf = 0;
  for (int i = 0; i < d; i++) {
    el += log((double)wG[i] + delta);
    er += log((double)wG1[i] + B + delta);
    gam += log(1 + (double)wG1[i] / (B + delta));
    tu += log((double)wG1[i] + delta);
    tuf += log((double)wG[i] + delta);
  }
  assert_close(r.tracks.B, B, 0);
  assert_int_equal(r.envelope_applicable, 1);
  assert_int_equal(r.track1_applicable, 1);
  assert_close(r.envelope_lhs, el, 1e-11);
  assert_close(r.envelope_rhs, er, 1e-11);
  assert_true(el <= er);
  assert_int_equal(r.envelope_ok, 1);
  assert_close(r.tracks.gamma, gam, 1e-11);
  assert_close(r.tracks.gamma, er - d * log(B + delta), 1e-11);
  assert_close(r.tracks.U, tu - d * log(n1), 1e-11);
  assert_close(r.track_u_full, tuf - d * log(N), 1e-11);

  /* rule: epsilon defaults to sqrt(c d / n1), whose rule size is n1 itself */
  assert_close(r.epsilon, sqrt(4.0 * d / n1), 1e-15);
  assert_int_equal(r.n1_rule, 24);
  assert_close(r.halfwidth_n1, z * sqrt(2.0 * d * (1 / n1 - 1 / N)), 1e-13);
  assert_close(r.bias_rule, d * (d + 1) / 2.0 * (1.0 / r.n1_rule - 1 / N), 1e-14);

  /* spectral health of G */
  double tr = 0, tr2 = 0;
  for (int i = 0; i < d; i++) { tr += (double)wG[i]; tr2 += (double)(wG[i] * wG[i]); }
  assert_close(r.health_G.trace, tr, 1e-12 * tr);
  assert_close(r.health_G.participation, tr * tr / tr2, 1e-12 * d);
  assert_close(r.tracks.health.lambda_max, (double)wG1[0], 1e-12 * wG1[0]);
  sigma_est_free(&r);
  assert_null(r.spectra.w_G);

  /* a CI far too narrow (observed tau^2 tiny) must not cover L */
  in.tau2_observed = 1e-12;
  assert_int_equal(sigma_estimate(&in, &r), SIGMA_OK);
  const double tau2n[2] = {2.0 * d, 1e-12};
  for (int e = 0; e < sigma_nest; e++) {
    if (isnan(r.line[e].est)) continue; /* LEV, jackknife: no leverages given here */
    assert_true(fabs(r.line[e].err) > 1e-5); /* so the narrow CI excludes L */
    assert_int_equal(r.line[e].covers[1], 0);
  }
  check_line(&r.line[SIGMA_EST_PLUGIN], Lhat, L, z, tau2n, N, n1);
  sigma_est_free(&r);
  in.tau2_observed = 1.5 * d;

  /* explicit epsilon, rows above the energy cap, no halves */
  in.epsilon = 0.5;
  in.max_norm2 = 1.5;
  in.Ga = NULL;
  assert_int_equal(sigma_estimate(&in, &r), SIGMA_OK);
  assert_int_equal(r.n1_rule, 64); /* ceil(4 * 4 / 0.25) */
  assert_close(r.halfwidth_rule, z * sqrt(2.0 * d * (1.0 / 64 - 1 / N)), 1e-13);
  assert_int_equal(r.envelope_applicable, 0);
  assert_int_equal(r.track1_applicable, 0);
  assert_int_equal(r.have_richardson, 0);
  assert_true(isnan(r.line[SIGMA_EST_RICHARDSON].est));
  check_line(&r.line[SIGMA_EST_PLUGIN], Lhat, L, z, tau2, N, n1);
  sigma_est_free(&r);
  /* the rule's n1 above N: no half-width */
  in.epsilon = 0.4; /* ceil(16 / 0.16) = 100 > 80 */
  assert_int_equal(sigma_estimate(&in, &r), SIGMA_OK);
  assert_int_equal(r.n1_rule, 100);
  assert_true(isnan(r.halfwidth_rule));
  sigma_est_free(&r);
  free(G2);
  problem_free(&p);
}

/* Theorem 1 on many random observed blocks (sampled rows, not a prefix). */
static void test_theorem1_random_blocks(void **state) {
  (void)state;
  const int d = 5;
  const long N = 200;
  problem base = make_problem(d, N, d, 77, 0);
  for (uint64_t rep = 0; rep < 30; rep++) {
    long n1 = d + (long)(rep * 6);
    uint64_t idx[200];
    assert_int_equal(sigma_sample_prefix(N, (uint64_t)n1, 5, rep, idx), SIGMA_OK);
    problem p = {d, N, n1, n1 / 2, malloc((size_t)N * d * sizeof(double)), NULL, NULL, NULL, NULL};
    /* reorder: the sampled rows first (Gram of all rows is order free) */
    unsigned char *in_o = calloc(N, 1);
    long k = 0;
    for (long i = 0; i < n1; i++) { memcpy(p.X + k++ * d, base.X + idx[i] * d, d * sizeof(double)); in_o[idx[i]] = 1; }
    for (long i = 0; i < N; i++)
      if (!in_o[i]) memcpy(p.X + k++ * d, base.X + i * d, d * sizeof(double));
    free(in_o);
    problem_grams(&p);
    sigma_est_input in = make_input(&p);
    in.max_norm2 = 100;
    sigma_est_result r;
    int rc = sigma_estimate(&in, &r);
    assert_int_equal(rc, SIGMA_OK);
    double L = (double)ref_logdet(p.G, d), l1 = (double)ref_logdet(p.G1, d);
    long double w1[5], w2[5];
    double *G2 = gram_of(p.X + n1 * d, N - n1, d);
    ref_eig(p.G1, d, w1);
    ref_eig(G2, d, w2);
    double U = 0;
    for (int i = 0; i < d; i++) U += log((double)(w1[i] + w2[0]));
    assert_true(l1 <= L && L <= U);
    assert_int_equal(r.thm1_lower_ok, 1);
    assert_int_equal(r.thm1_upper_ok, 1);
    assert_close(r.U_weyl, U, 1e-10);
    assert_close(r.line[SIGMA_EST_PLUGIN].est, l1 + d * log((double)N / n1), 1e-10);
    assert_int_equal(r.envelope_applicable, 0);
    sigma_est_free(&r);
    free(G2);
    problem_free(&p);
  }
  problem_free(&base);
}

/* n1 = N: G1 == G, rho2 = 0, U_Weyl = L in exact arithmetic; rounding between the
 * Cholesky L and the eigenvalue U must not be reported as a Theorem 1 failure. */
static void test_theorem1_full_block(void **state) {
  (void)state;
  for (uint64_t seed = 1; seed <= 200; seed++) {
    problem p = make_problem(4, 10, 10, seed, 0);
    sigma_est_input in = make_input(&p);
    sigma_est_result r;
    assert_int_equal(sigma_estimate(&in, &r), SIGMA_OK);
    assert_int_equal(r.thm1_lower_ok, 1);
    assert_int_equal(r.thm1_upper_ok, 1);
    assert_int_equal(r.n1_rule, 10);
    assert_close(r.halfwidth_rule, 0.0, 1e-12);
    sigma_est_free(&r);
    problem_free(&p);
  }
}

static void test_estimate_errors(void **state) {
  (void)state;
  const int d = 4;
  problem p = make_problem(d, 60, 20, 99, 0);
  /* singular G1: the observed rows have an exactly zero last coordinate */
  for (long i = 0; i < 20; i++) p.X[i * d + d - 1] = 0.0;
  free(p.G); free(p.G1); free(p.Ga); free(p.Gb);
  problem_grams(&p);
  sigma_est_input in = make_input(&p);
  sigma_est_result r;
  sigma_clear_error();
  assert_int_equal(sigma_estimate(&in, &r), SIGMA_ESINGULAR);
  const char *msg = sigma_error_message();
  assert_non_null(strstr(msg, "numerical rank"));
  assert_non_null(strstr(msg, "G1"));
  assert_non_null(strstr(msg, "3 of d = 4"));
  assert_int_equal(r.spectra.rank_G1, 3);
  assert_int_equal(r.spectra.rank_G, 4);
  sigma_est_free(&r);
  sigma_clear_error();

  /* singular G: every row has a zero last coordinate */
  for (long i = 0; i < 60; i++) p.X[i * d + d - 1] = 0.0;
  free(p.G); free(p.G1); free(p.Ga); free(p.Gb);
  problem_grams(&p);
  in = make_input(&p);
  assert_int_equal(sigma_estimate(&in, &r), SIGMA_ESINGULAR);
  msg = sigma_error_message();
  assert_non_null(strstr(msg, "numerical rank"));
  assert_non_null(strstr(msg, "full Gram G"));
  assert_int_equal(r.spectra.rank_G, 3);
  sigma_est_free(&r);
  sigma_clear_error();
  problem_free(&p);

  /* n1 < d and n1 > N */
  problem q = make_problem(d, 60, 20, 5, 0);
  in = make_input(&q);
  in.n1 = 3;
  assert_int_equal(sigma_estimate(&in, &r), SIGMA_EINVAL);
  assert_non_null(strstr(sigma_error_message(), "n1 = 3"));
  sigma_est_free(&r);
  sigma_clear_error();
  in.n1 = 61;
  assert_int_equal(sigma_estimate(&in, &r), SIGMA_EINVAL);
  assert_non_null(strstr(sigma_error_message(), "N = 60"));
  sigma_est_free(&r);
  sigma_clear_error();

  /* a singular half disables Richardson, not the audit, and leaves no error */
  for (int j = 0; j < d; j++) q.Ga[j * d + d - 1] = q.Ga[(d - 1) * d + j] = 0.0;
  in = make_input(&q);
  assert_int_equal(sigma_estimate(&in, &r), SIGMA_OK);
  assert_int_equal(r.have_richardson, 0);
  assert_true(isnan(r.line[SIGMA_EST_RICHARDSON].est));
  assert_string_equal(sigma_error_message(), "");
  assert_false(isnan(r.line[SIGMA_EST_WISHART].est));
  sigma_est_free(&r);
  problem_free(&q);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_plugin_bias_ci),     cmocka_unit_test(test_wishart_correction),
      cmocka_unit_test(test_richardson),         cmocka_unit_test(test_z_for_level),
      cmocka_unit_test(test_loo_d2),             cmocka_unit_test(test_variance_from_sums),
      cmocka_unit_test(test_rule_n1), cmocka_unit_test(test_theorem1_full_block),            cmocka_unit_test(test_logR_and_tracks), cmocka_unit_test(test_registry),
      cmocka_unit_test(test_estimate_full),      cmocka_unit_test(test_theorem1_random_blocks),
      cmocka_unit_test(test_estimate_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
