/* Unit tests of sigma/synth.h: the mixing matrix, determinism and moments. */
#include "test_util.h"

#include "sigma/error.h"
#include "sigma/synth.h"

static sigma_synth *make(int d, sigma_spectrum_kind k, double beta, double nu, uint64_t seed) {
  sigma_synth_params p = {d, k, beta, 2, 10.0, nu, seed, SIGMA_RADIAL_NONE, 0, 0, 0};
  sigma_synth *s = NULL;
  sigma_clear_error();
  assert_int_equal(sigma_synth_create(&p, &s), SIGMA_OK);
  assert_non_null(s);
  return s;
}

static sigma_synth *make_lognormal(int d, double V, uint64_t seed) {
  sigma_synth_params p = {d, SIGMA_SPEC_POWERLAW, 1.0, 2, 10.0, 0, seed, SIGMA_RADIAL_LOGNORMAL, V, 0, 0};
  sigma_synth *s = NULL;
  sigma_clear_error();
  assert_int_equal(sigma_synth_create(&p, &s), SIGMA_OK);
  return s;
}

/* A = Q diag(sqrt sigma): A^T A = diag(sigma) (Q orthogonal), A A^T has eigenvalues
 * sigma; the spectra follow their closed forms. */
static void test_mixing_matrix(void **state) {
  (void)state;
  const struct { sigma_spectrum_kind k; double beta; int d; } cases[] = {
      {SIGMA_SPEC_ISOTROPIC, 0, 5}, {SIGMA_SPEC_POWERLAW, 1.5, 8}, {SIGMA_SPEC_SPIKED, 0, 6},
      {SIGMA_SPEC_EXPONENTIAL, 2.0, 7}, {SIGMA_SPEC_POWERLAW, 1.0, 1}};
  for (size_t t = 0; t < sizeof cases / sizeof *cases; t++) {
    const int d = cases[t].d;
    sigma_synth *s = make(d, cases[t].k, cases[t].beta, 0, 1000 + t);
    double sig[8], ld = 0;
    for (int i = 0; i < d; i++) {
      switch (cases[t].k) {
      case SIGMA_SPEC_ISOTROPIC: sig[i] = 1; break;
      case SIGMA_SPEC_POWERLAW: sig[i] = pow(i + 1, -cases[t].beta); break;
      case SIGMA_SPEC_SPIKED: sig[i] = i < 2 ? 10.0 : 1.0; break;
      case SIGMA_SPEC_EXPONENTIAL: sig[i] = exp(-cases[t].beta * i / d); break;
      }
      assert_close(s->sigma[i], sig[i], 1e-15 * sig[i]);
      ld += log(sig[i]);
    }
    assert_close(sigma_synth_logdet(s), ld, 1e-13);
    double AAt[64];
    for (int i = 0; i < d; i++)
      for (int j = 0; j < d; j++) {
        long double ata = 0, aat = 0;
        for (int k = 0; k < d; k++) {
          ata += (long double)s->A[i * d + k] * s->A[j * d + k]; /* (A^T A)_ij: columns i, j */
          aat += (long double)s->A[k * d + i] * s->A[k * d + j]; /* (A A^T)_ij */
        }
        assert_close(ata, i == j ? sig[i] : 0.0, 1e-14 * 10);
        AAt[j * d + i] = (double)aat;
      }
    long double w[8];
    ref_eig(AAt, d, w);
    for (int i = 0; i < d; i++) assert_close(w[i], sig[i], 1e-14 * 10);
    /* not the identity: Q is a real rotation (d > 1) */
    if (d > 1) assert_true(fabs(s->A[1]) > 1e-3 || fabs(s->A[d]) > 1e-3);
    sigma_synth_destroy(&s);
    assert_null(s);
  }
  /* the seed changes Q */
  sigma_synth *a = make(4, SIGMA_SPEC_POWERLAW, 1, 0, 1), *b = make(4, SIGMA_SPEC_POWERLAW, 1, 0, 2),
              *c = make(4, SIGMA_SPEC_POWERLAW, 1, 0, 1);
  assert_memory_not_equal(a->A, b->A, 16 * sizeof(double));
  assert_memory_equal(a->A, c->A, 16 * sizeof(double));
  sigma_synth_destroy(&a);
  sigma_synth_destroy(&b);
  sigma_synth_destroy(&c);
  sigma_synth_destroy(NULL);
}

/* A row's values depend on (seed, row) only, not on the block it is made in. */
static void test_rows_deterministic(void **state) {
  (void)state;
  const double nus[3] = {0, 5, 0};
  for (int t = 0; t < 3; t++) {
    enum { d = 8 };
    sigma_synth *s = t == 2 ? make_lognormal(d, 0.5, 42) : make(d, SIGMA_SPEC_POWERLAW, 1.0, nus[t], 42);
    enum { R = 3 * SIGMA_SYNTH_TILE + 7 };
    double big[R * d], small[5 * d], mid[150 * d], one[d], z[d];
    double *wk = malloc(sigma_synth_work_len(d) * sizeof *wk);
    sigma_synth_rows(s, 0, R, big, wk);
    sigma_synth_rows(s, 5, 5, small, wk);
    assert_memory_equal(small, big + 5 * d, sizeof small);
    sigma_synth_rows(s, 33, 150, mid, wk); /* partial, whole and partial tiles */
    assert_memory_equal(mid, big + 33 * d, sizeof mid);
    for (int r = 0; r < R; r++) {
      sigma_synth_rows(s, (uint64_t)r, 1, one, wk);
      assert_memory_equal(one, big + r * d, sizeof one);
    }
    /* a large row index (beyond 32 bits) and distinct rows differ */
    sigma_synth_rows(s, (uint64_t)1 << 33, 1, one, wk);
    assert_memory_not_equal(one, big, sizeof one);
    assert_memory_not_equal(big, big + d, d * sizeof(double));
    /* x = A z: the rows are A times the standardized rows */
    for (int r = 0; r < R; r++) {
      sigma_synth_z(s, (uint64_t)r, z);
      for (int i = 0; i < d; i++) {
        long double v = 0;
        for (int k = 0; k < d; k++) v += (long double)s->A[k * d + i] * z[k];
        assert_close(big[r * d + i], v, 1e-14 * 4);
      }
    }
    free(wk);
    sigma_synth_destroy(&s);
  }
}

enum { NROWS = 200000, BLK = 1000 };

/* Sample second moment of Gaussian rows against Sigma = A A^T; the tolerance is 5
 * standard errors, se_jk = sqrt((S_jj S_kk + S_jk^2) / n) for Gaussian x. Also
 * Var(x^T Sigma^-1 x) = 2d (chi2_d: 4th central moment 12 d (d + 4)). */
static void moments(sigma_synth *s, long double *M, long double *qm, long double *qv) {
  const int d = s->p.d;
  double *X = malloc((size_t)BLK * d * sizeof *X), *W = malloc(sigma_synth_work_len(d) * sizeof *W);
  /* Sigma^-1 by independent long-double solves against A A^T */
  double S[16];
  for (int i = 0; i < d; i++)
    for (int j = 0; j < d; j++) {
      long double v = 0;
      for (int k = 0; k < d; k++) v += (long double)s->A[k * d + i] * s->A[k * d + j];
      S[j * d + i] = (double)v;
    }
  long double Si[16];
  for (int j = 0; j < d; j++) {
    double e[4] = {0};
    e[j] = 1;
    ref_solve(S, d, e, Si + j * d);
  }
  for (int k = 0; k < d * d; k++) M[k] = 0;
  long double sq = 0, sq2 = 0;
  for (long r0 = 0; r0 < NROWS; r0 += BLK) {
    sigma_synth_rows(s, (uint64_t)r0, BLK, X, W);
    for (int r = 0; r < BLK; r++) {
      const double *x = X + r * d;
      long double q = 0;
      for (int a = 0; a < d; a++)
        for (int b = 0; b < d; b++) {
          M[b * d + a] += (long double)x[a] * x[b];
          q += x[a] * Si[b * d + a] * x[b];
        }
      sq += q;
      sq2 += q * q;
    }
  }
  for (int k = 0; k < d * d; k++) M[k] /= NROWS;
  *qm = sq / NROWS;
  *qv = (sq2 - sq * sq / NROWS) / (NROWS - 1);
  free(X);
  free(W);
}

static void test_gaussian_moments(void **state) {
  (void)state;
  const int d = 4;
  sigma_synth *s = make(d, SIGMA_SPEC_SPIKED, 0, 0, 7); /* sigma = (10, 10, 1, 1) */
  long double M[16], qm, qv;
  moments(s, M, &qm, &qv);
  for (int i = 0; i < d; i++)
    for (int j = 0; j < d; j++) {
      long double sij = 0, sii = 0, sjj = 0;
      for (int k = 0; k < d; k++) {
        sij += (long double)s->A[k * d + i] * s->A[k * d + j];
        sii += (long double)s->A[k * d + i] * s->A[k * d + i];
        sjj += (long double)s->A[k * d + j] * s->A[k * d + j];
      }
      double se = sqrt((double)((sii * sjj + sij * sij) / NROWS));
      assert_close(M[j * d + i], sij, 5 * se);
    }
  assert_close(sigma_synth_tau2(s), 2.0 * d, 0);
  assert_close(qm, d, 5 * sqrt(2.0 * d / NROWS));
  assert_close(qv, 2.0 * d, 5 * sqrt((12.0 * d * (d + 4) - 4.0 * d * d) / NROWS));
  sigma_synth_destroy(&s);
}

/* Student t_10 at d = 4: q = x^T Sigma^-1 x has E q = d and
 * Var q = (nu-2) d (d+2)/(nu-4) - d^2 = 16. Raw moments E q^k =
 * (nu-2)^k prod_{j<k}(d+2j) / prod_{j=1..k}(nu-2j): 4, 32, 512, 20480, so the 4th
 * central moment is 14592 and sd(sample variance) ~ sqrt((14592 - 256)/n) = 0.27. */
static void test_student_moments(void **state) {
  (void)state;
  const int d = 4;
  sigma_synth *s = make(d, SIGMA_SPEC_POWERLAW, 1.0, 10.0, 11);
  assert_close(sigma_synth_tau2(s), 16.0, 1e-13);
  long double M[16], qm, qv;
  moments(s, M, &qm, &qv);
  assert_close(qm, 4.0, 5 * sqrt(16.0 / NROWS));
  assert_close(qv, 16.0, 5 * sqrt((14592.0 - 256.0) / NROWS));
  /* second moment still A A^T (unit second-moment scaling of the t) */
  for (int i = 0; i < d; i++) {
    long double sii = 0;
    for (int k = 0; k < d; k++) sii += (long double)s->A[k * d + i] * s->A[k * d + i];
    /* Var(x_i^2) for t_10 = (kurtosis 3 (nu-2)/(nu-4) = 4) => sd x_i^2 = sqrt(3) sii */
    assert_close(M[i * d + i], sii, 5 * sqrt(3.0 / NROWS) * (double)sii);
  }
  sigma_synth_destroy(&s);
}

/* Lognormal radius, d = 4, V = 0.5: q = w chi2_4 with E w^k = (1 + V)^(k(k-1)/2) and
 * E chi2_4^k = 4, 24, 192, 1920, so E q^k = 4, 36, 648, 21870: Var q = tau^2 = 20 =
 * (1 + V)(d^2 + 2d) - d^2, 4th central moment 14190. Sigma is unchanged: Var(x_i^2) =
 * (3 (1 + V) - 1) S_ii^2. The same Gaussian z as without the radius: the radius is its own
 * Philox stream. */
static void test_lognormal_moments(void **state) {
  (void)state;
  const int d = 4;
  sigma_synth *s = make_lognormal(d, 0.5, 11);
  assert_close(sigma_synth_tau2(s), 20.0, 1e-13);
  long double M[16], qm, qv;
  moments(s, M, &qm, &qv);
  assert_close(qm, 4.0, 5 * sqrt(20.0 / NROWS));
  assert_close(qv, 20.0, 5 * sqrt((14190.0 - 400.0) / NROWS));
  for (int i = 0; i < d; i++) {
    long double sii = 0;
    for (int k = 0; k < d; k++) sii += (long double)s->A[k * d + i] * s->A[k * d + i];
    assert_close(M[i * d + i], sii, 5 * sqrt(3.5 / NROWS) * (double)sii);
  }
  /* x = sqrt(w) A z: each row is the Gaussian row of the same seed times one positive
   * scalar */
  sigma_synth *g = make(d, SIGMA_SPEC_POWERLAW, 1.0, 0, 11);
  double xl[3 * 4], xg[3 * 4], wk[2 * SIGMA_SYNTH_TILE * 4];
  sigma_synth_rows(s, 100, 3, xl, wk);
  sigma_synth_rows(g, 100, 3, xg, wk);
  for (int r = 0; r < 3; r++) {
    double c = xl[r * d] / xg[r * d];
    assert_true(c > 0);
    for (int i = 1; i < d; i++) assert_close(xl[r * d + i], c * xg[r * d + i], 1e-13 * fabs(xl[r * d + i]) + 1e-300);
  }
  sigma_synth_destroy(&g);
  sigma_synth_destroy(&s);
}

static void test_tau2_and_errors(void **state) {
  (void)state;
  sigma_synth *s = make(7, SIGMA_SPEC_ISOTROPIC, 0, 0, 1);
  assert_close(sigma_synth_tau2(s), 14.0, 0);
  sigma_synth_destroy(&s);
  s = make(3, SIGMA_SPEC_ISOTROPIC, 0, INFINITY, 1);
  assert_close(sigma_synth_tau2(s), 6.0, 0);
  sigma_synth_destroy(&s);
  s = make(3, SIGMA_SPEC_ISOTROPIC, 0, 6.0, 1); /* 4*3*5/2 - 9 = 21 */
  assert_close(sigma_synth_tau2(s), 21.0, 1e-13);
  sigma_synth_destroy(&s);
  s = make(3, SIGMA_SPEC_ISOTROPIC, 0, 4.0, 1);
  assert_true(isnan(sigma_synth_tau2(s)));
  sigma_synth_destroy(&s);
  s = make(3, SIGMA_SPEC_ISOTROPIC, 0, 3.0, 1);
  assert_true(isnan(sigma_synth_tau2(s)));
  sigma_synth_destroy(&s);

  sigma_synth_params bad = {0, SIGMA_SPEC_ISOTROPIC, 0, 0, 0, 0, 1, SIGMA_RADIAL_NONE, 0, 0, 0};
  sigma_synth *out = (sigma_synth *)&bad;
  sigma_clear_error();
  assert_int_equal(sigma_synth_create(&bad, &out), SIGMA_EINVAL);
  assert_null(out);
  sigma_clear_error();
  bad.d = 3;
  bad.nu = 2.0;
  assert_int_equal(sigma_synth_create(&bad, &out), SIGMA_EINVAL);
  assert_non_null(strstr(sigma_error_message(), "nu"));
  sigma_clear_error();
  bad.nu = 1.5;
  assert_int_equal(sigma_synth_create(&bad, &out), SIGMA_EINVAL);
  /* a lognormal radius: not with a Student t, and only with a finite Var w > 0 */
  const double nus[4] = {5.0, 0, 0, 0}, vars[4] = {0.5, 0, -1.0, INFINITY};
  for (int k = 0; k < 4; k++) {
    sigma_synth_params r = {3, SIGMA_SPEC_ISOTROPIC, 0, 0, 0, nus[k], 1, SIGMA_RADIAL_LOGNORMAL,
                            vars[k], 0, 0};
    sigma_clear_error();
    assert_int_equal(sigma_synth_create(&r, &out), SIGMA_EINVAL);
    assert_null(out);
  }
  s = make_lognormal(256, 0.1705, 1); /* the study's: tau2 = 45.99 d */
  assert_close(sigma_synth_tau2(s), 1.1705 * (256.0 * 256 + 512) - 256.0 * 256, 1e-9);
  sigma_synth_destroy(&s);
  sigma_radial_kind rk = SIGMA_RADIAL_NONE;
  assert_int_equal(sigma_radial_parse("lognormal", &rk), SIGMA_OK);
  assert_int_equal(rk, SIGMA_RADIAL_LOGNORMAL);
  assert_string_equal(sigma_radial_name(rk), "lognormal");
  assert_string_equal(sigma_radial_name(SIGMA_RADIAL_NONE), "none");
  sigma_clear_error();
  assert_int_equal(sigma_radial_parse("gamma", &rk), SIGMA_EINVAL);
  assert_non_null(strstr(sigma_error_message(), "'gamma'"));
  sigma_clear_error();
}

static void test_spectrum_parse(void **state) {
  (void)state;
  const char *names[4] = {"isotropic", "powerlaw", "spiked", "exponential"};
  const sigma_spectrum_kind kinds[4] = {SIGMA_SPEC_ISOTROPIC, SIGMA_SPEC_POWERLAW,
                                        SIGMA_SPEC_SPIKED, SIGMA_SPEC_EXPONENTIAL};
  for (int k = 0; k < 4; k++) {
    sigma_spectrum_kind got = (sigma_spectrum_kind)99;
    assert_int_equal(sigma_spectrum_parse(names[k], &got), SIGMA_OK);
    assert_int_equal(got, kinds[k]);
    assert_string_equal(sigma_spectrum_name(kinds[k]), names[k]);
  }
  const char *bad[] = {"foo", "", "powerlaw ", "power", "isotropicx"};
  for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
    sigma_spectrum_kind got = SIGMA_SPEC_SPIKED;
    sigma_clear_error();
    assert_int_equal(sigma_spectrum_parse(bad[k], &got), SIGMA_EINVAL);
    char quoted[64];
    snprintf(quoted, sizeof quoted, "'%s'", bad[k]);
    assert_non_null(strstr(sigma_error_message(), quoted));
    assert_int_equal(got, SIGMA_SPEC_SPIKED); /* untouched */
  }
  sigma_clear_error();
}

/* The row seed (issue 10): it keys z only. The same seed with another row seed keeps
 * Sigma (A, sigma) and changes every row; a row seed equal to the seed, or none, gives the
 * rows of the seed bit for bit. */
static void test_row_seed(void **state) {
  (void)state;
  enum { d = 5, R = 70 };
  sigma_synth_params p = {d, SIGMA_SPEC_POWERLAW, 1.0, 2, 10.0, 0, 12, SIGMA_RADIAL_NONE, 0, 0, 0};
  sigma_synth_params same = p, other = p;
  same.has_row_seed = 1, same.row_seed = 12;
  other.has_row_seed = 1, other.row_seed = 13;
  assert_int_equal(sigma_synth_row_seed(&p), 12);
  assert_int_equal(sigma_synth_row_seed(&other), 13);
  sigma_synth *a = NULL, *b = NULL, *c = NULL;
  assert_int_equal(sigma_synth_create(&p, &a), SIGMA_OK);
  assert_int_equal(sigma_synth_create(&same, &b), SIGMA_OK);
  assert_int_equal(sigma_synth_create(&other, &c), SIGMA_OK);
  assert_memory_equal(a->A, c->A, d * d * sizeof(double));
  assert_memory_equal(a->sigma, c->sigma, d * sizeof(double));
  double xa[R * d], xb[R * d], xc[R * d];
  double *wk = malloc(sigma_synth_work_len(d) * sizeof *wk);
  sigma_synth_rows(a, 0, R, xa, wk);
  sigma_synth_rows(b, 0, R, xb, wk);
  sigma_synth_rows(c, 0, R, xc, wk);
  assert_memory_equal(xa, xb, sizeof xa);
  for (int k = 0; k < R * d; k++) assert_true(xa[k] != xc[k]);
  /* the other row seed's rows are the seed-13 file's z under the seed-12 Sigma */
  sigma_synth_params p13 = p;
  p13.seed = 13;
  sigma_synth *e = NULL;
  assert_int_equal(sigma_synth_create(&p13, &e), SIGMA_OK);
  double za[d], ze[d];
  sigma_synth_z(c, 3, za);
  sigma_synth_z(e, 3, ze);
  assert_memory_equal(za, ze, sizeof za);
  free(wk);
  sigma_synth_destroy(&a);
  sigma_synth_destroy(&b);
  sigma_synth_destroy(&c);
  sigma_synth_destroy(&e);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mixing_matrix),    cmocka_unit_test(test_rows_deterministic),
      cmocka_unit_test(test_gaussian_moments), cmocka_unit_test(test_student_moments),
      cmocka_unit_test(test_lognormal_moments),
      cmocka_unit_test(test_tau2_and_errors),  cmocka_unit_test(test_spectrum_parse),
      cmocka_unit_test(test_row_seed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
