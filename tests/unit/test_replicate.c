/* Unit tests of sigma/replicate.h against long-double references (test_util.h) and
 * against sigma_estimate on the same observed Gram. */
#include "test_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sigma/error.h"
#include "sigma/replicate.h"
#include "sigma/linalg.h"
#include "sigma/audit_math.h"
#include "sigma/study_stats.h"

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
  sigma_rep_truth t = {D, 5000.0, 3.25, 12.5, 0.95, 0};
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
  sigma_rep_truth t = {D, 900.0, 1.5, 14.0, 0.9, 0};
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
  /* The leverages of the 300 rows by forward substitution with G1's Cholesky factor
   * (SPEC 4.1), so the leverage estimators are compared too. */
  double Lc[D * D], h[300];
  assert_int_equal(sigma_cholesky(G1, D, Lc), SIGMA_OK);
  for (int j = 0; j < 300; j++) {
    double y[D];
    h[j] = 0;
    for (int a = 0; a < D; a++) {
      double v = X[j * D + a];
      for (int b = 0; b < a; b++) v -= Lc[b * D + a] * y[b]; /* L(a, b), column-major */
      y[a] = v / Lc[a * D + a];
      h[j] += y[a] * y[a];
    }
  }
  sigma_leverage_sums lev;
  sigma_leverage_init(&lev, D, 300);
  sigma_leverage_add(&lev, h, 300);
  sigma_leverage_stats_of(&lev, &in.lev);
  sigma_est_result r;
  assert_int_equal(sigma_estimate(&in, &r), SIGMA_OK);
  assert_rel(p[1].tau2_dec, r.tau2_dec, 1e-9, 0);
  assert_rel(p[1].V_G, r.V_G, 1e-14, 0);
  for (int e = 0; e < sigma_nest; e++) {
    double shift = r.L - t.L; /* errors are against different truths: compare estimates */
    assert_false(isnan(r.line[e].est));
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
  sigma_rep_truth t = {D, 5000.0, 0.0, 12.0, 0.95, 0};
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

/* A source that copies the requested rows into a buffer of exactly `chunk` rows
 * followed by NaN rows, so a read outside the fetched range poisons the result. */
typedef struct {
  const double *X;
  double *buf;
  int64_t chunk, fetched, calls, fail_at;
} chunk_src;

static int chunk_fetch(void *ctx, int64_t p0, int64_t p1, const double **rows) {
  chunk_src *c = ctx;
  assert_true(p0 >= 0 && p1 > p0 && p1 - p0 <= c->chunk);
  if (++c->calls == c->fail_at) return sigma_set_error(SIGMA_EIO, "source failed");
  for (int64_t k = 0; k < (c->chunk + 1) * D; k++) c->buf[k] = NAN;
  memcpy(c->buf, c->X + p0 * D, (size_t)(p1 - p0) * D * sizeof(double));
  c->fetched += p1 - p0;
  *rows = c->buf;
  return SIGMA_OK;
}

static void assert_points_equal(const sigma_rep_point *a, const sigma_rep_point *b, int K) {
  for (int k = 0; k < K; k++) {
    assert_int_equal(a[k].n1, b[k].n1);
    assert_memory_equal(&a[k].logdet_G1, &b[k].logdet_G1, sizeof(double));
    assert_memory_equal(&a[k].logdet_Ga, &b[k].logdet_Ga, sizeof(double));
    assert_memory_equal(&a[k].logdet_Gb, &b[k].logdet_Gb, sizeof(double));
    assert_memory_equal(&a[k].tau2_observed, &b[k].tau2_observed, sizeof(double));
    for (int e = 0; e < sigma_nest; e++) {
      assert_memory_equal(&a[k].line[e].est, &b[k].line[e].est, sizeof(double));
      assert_memory_equal(&a[k].line[e].err, &b[k].line[e].err, sizeof(double));
      assert_memory_equal(a[k].line[e].s, b[k].line[e].s, sizeof a[k].line[e].s);
    }
  }
}

/* --memory-limit: the block fetched in chunks gives the in-memory bits, for chunks that
 * split segments and distance blocks anywhere the contract allows. */
static void test_stream_chunks_bit_identical(void **state) {
  (void)state;
  enum { N = 5000 };
  static double X[N * D];
  rows(X, N, 77);
  /* A common offset: G1 = n c c^T + (noise Gram), so log det G1 cancels ~8 digits and
   * an ulp of difference in how the Gram pieces are summed shows in the result. */
  for (int i = 0; i < N; i++)
    for (int j = 0; j < D; j++) X[i * D + j] += 1e4 * (1.0 + 0.1 * j);
  const int64_t n1s[] = {600, 1500, 3001, 5000}; /* boundaries 300, 750, 1500, 3001 ... */
  sigma_rep_truth t = {D, 20000.0, 2.0, 11.0, 0.95, 0};
  sigma_rep_point ref[4], p[4];
  assert_int_equal(sigma_replicate_run(&t, X, n1s, 4, ref), SIGMA_OK);
  const int64_t chunks[] = {1024, 2048, 3072, 4096, 5000, 8192};
  for (int c = 0; c < 6; c++) {
    chunk_src src = {X, NULL, chunks[c], 0, 0, 0};
    src.buf = malloc((size_t)(chunks[c] + 1) * D * sizeof(double));
    assert_int_equal(sigma_replicate_stream(&t, chunk_fetch, &src, chunks[c], n1s, 4, p), SIGMA_OK);
    assert_points_equal(ref, p, 4);
    if (chunks[c] >= N) { /* fits: one fetch of the whole block */
      assert_int_equal(src.calls, 1);
      assert_int_equal(src.fetched, N);
    } else { /* one pass for the Grams, then the first n1 rows again per n1 (less what
                the last fetch still holds) */
      assert_true(src.fetched >= N + 5000);
      assert_true(src.fetched <= 2 * (N + 600 + 1500 + 3001 + 5000));
    }
    free(src.buf);
  }
}

static void test_stream_errors(void **state) {
  (void)state;
  enum { N = 3000 };
  static double X[N * D];
  rows(X, N, 5);
  const int64_t n1s[] = {1000, 3000};
  sigma_rep_truth t = {D, 9000.0, 0.0, 12.0, 0.95, 0};
  sigma_rep_point p[2];
  chunk_src src = {X, NULL, 1500, 0, 0, 0};
  src.buf = malloc((size_t)(4096 + 1) * D * sizeof(double));
  /* below n1_max and not a multiple of SIGMA_BLAS_ROWS */
  assert_int_equal(sigma_replicate_stream(&t, chunk_fetch, &src, 1500, n1s, 2, p), SIGMA_EINVAL);
  assert_non_null(strstr(sigma_error_message(), "multiple of 1024"));
  sigma_clear_error();
  assert_int_equal(sigma_replicate_stream(&t, chunk_fetch, &src, 512, n1s, 2, p), SIGMA_EINVAL);
  sigma_clear_error();
  /* a failing source: its error comes back, from the Gram pass and from the second */
  for (int64_t at = 1; at <= 5; at += 4) {
    src.chunk = 1024;
    src.calls = 0;
    src.fail_at = at;
    assert_int_equal(sigma_replicate_stream(&t, chunk_fetch, &src, 1024, n1s, 2, p), SIGMA_EIO);
    assert_string_equal(sigma_error_message(), "source failed");
    sigma_clear_error();
  }
  free(src.buf);
  /* the work estimate covers what a replicate allocates: at least 2K+6 d x d */
  assert_true(sigma_replicate_work_bytes(256, 6, 0) >= 8.0 * 18 * 256 * 256);
}

/* LEV_{-g} of the rows outside [a, b) of the first n rows of X, by long-double Grams and
 * explicit solves (no downdate of G1, no triangular factors). */
static double ref_lev_without(const double *X, long n, long a, long b, double N) {
  const long m = n - (b - a);
  double *R = malloc((size_t)m * D * sizeof *R), G[D * D];
  memcpy(R, X, (size_t)a * D * sizeof *R);
  memcpy(R + a * D, X + b * D, (size_t)(n - b) * D * sizeof *R);
  long double LG[D * D], y[D];
  ref_gram(R, m, D, LG);
  for (int k = 0; k < D * D; k++) G[k] = (double)LG[k];
  long double sa = 0, sa2 = 0, sl = 0;
  for (long i = 0; i < m; i++) {
    long double h = 0;
    ref_solve(G, D, R + i * D, y);
    for (int j = 0; j < D; j++) h += y[j] * R[i * D + j];
    sa += h / (1 - h);
    sa2 += h / (1 - h) * (h / (1 - h));
    sl += log1pl(-h);
  }
  sigma_leverage_stats st = {.n = (double)m, .sum_log = (double)sl, .abar = (double)(sa / m),
                             .var_a = (double)(sa2 / m - (sa / m) * (sa / m))};
  double lev = sigma_lev_of_block(D, N, (double)m, (double)ref_logdet(G, D), &st);
  free(R);
  return lev;
}

/* --block-jackknife: v_bj against LEV_{-g} computed from each reduced block itself (groups
 * [floor(g n / G), floor((g + 1) n / G)), uneven here), LEV's own CI from max(V_cal, v_bj);
 * the same bits for any fetch chunk; nothing else changes with the flag; bad G refused. */
static void test_block_jackknife(void **state) {
  (void)state;
  enum { N = 2600, G = 7 };
  static double X[N * D];
  rows(X, N, 91);
  const int64_t n1s[] = {12, 40, 600, 2500}; /* 12: a group of 2 leaves 10 = d + 4 rows */
  sigma_rep_truth t = {D, 9000.0, 0.5, 12.0, 0.95, G}, t0 = t;
  t0.bj_groups = 0;
  sigma_rep_point p[4], p0[4], pc[4];
  assert_int_equal(sigma_replicate_run(&t, X, n1s, 4, p), SIGMA_OK);
  assert_int_equal(sigma_replicate_run(&t0, X, n1s, 4, p0), SIGMA_OK);
  const int lev = sigma_estimator_index("lev");
  assert_true(isnan(p[0].v_bj) && isnan(p0[1].v_bj));
  for (int k = 1; k < 4; k++) {
    const long n = (long)n1s[k];
    double v[G], mean = 0, ss = 0;
    for (int g = 0; g < G; g++) mean += (v[g] = ref_lev_without(X, n, g * n / G, (g + 1) * n / G, t.N)) / G;
    for (int g = 0; g < G; g++) ss += (v[g] - mean) * (v[g] - mean);
    assert_rel(p[k].v_bj, (G - 1.0) / G * ss, 1e-8, 0);
    const double vcal = p0[k].line[lev].own.s * p0[k].line[lev].own.s;
    assert_rel(p[k].line[lev].own.s, sqrt(fmax(vcal, p[k].v_bj)), 1e-14, 0);
  }
  double r[SIGMA_REP_HEAD + SIGMA_REP_FIELDS * SIGMA_EST_MAX], r0[sizeof r / sizeof *r];
  const size_t bytes = (size_t)sigma_rep_ncol() * sizeof(double);
  for (int k = 0; k < 4; k++) { /* the flag changes v_bj and LEV's own CI only */
    p0[k].v_bj = p[k].v_bj;
    p0[k].line[lev].own = p[k].line[lev].own;
    sigma_rep_row(0, &p[k], r);
    sigma_rep_row(0, &p0[k], r0);
    assert_memory_equal(r, r0, bytes);
  }
  for (int64_t chunk = 1024; chunk <= 2048; chunk += 1024) {
    chunk_src src = {X, NULL, chunk, 0, 0, 0};
    src.buf = malloc((size_t)(chunk + 1) * D * sizeof(double));
    assert_int_equal(sigma_replicate_stream(&t, chunk_fetch, &src, chunk, n1s, 4, pc), SIGMA_OK);
    for (int k = 0; k < 4; k++) { /* every number of the replicate row, to the bit */
      sigma_rep_row(0, &p[k], r);
      sigma_rep_row(0, &pc[k], r0);
      assert_memory_equal(r, r0, bytes);
    }
    free(src.buf);
  }
  t.bj_groups = 1;
  assert_int_equal(sigma_replicate_run(&t, X, n1s, 4, p), SIGMA_EINVAL);
  sigma_clear_error();
  t.bj_groups = 13;
  assert_int_equal(sigma_replicate_run(&t, X, n1s, 4, p), SIGMA_EINVAL);
  assert_non_null(strstr(sigma_error_message(), "n1 = 12"));
  sigma_clear_error();
  assert_true(sigma_replicate_work_bytes(256, 6, 8) > sigma_replicate_work_bytes(256, 6, 0));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_against_references),
      cmocka_unit_test(test_matches_estimate),
      cmocka_unit_test(test_errors_and_small_halves),
      cmocka_unit_test(test_stream_chunks_bit_identical),
      cmocka_unit_test(test_stream_errors),
      cmocka_unit_test(test_block_jackknife),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
