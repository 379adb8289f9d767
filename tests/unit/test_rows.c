/* Unit tests of the row-preparation pipeline (io/rows.h) and the row functions of
 * io/input.h it rests on, over an in-memory shard table: no file, no HDF5, no MPI (the
 * test is built from io/rows.c alone). The pipeline must give exactly the bits of the
 * drivers' own loops it replaces (audit's preprocess, study's rep_fetch, plan's pilot),
 * written out here as references. */
#include "test_util.h"

#include "input.h"
#include "rows.h"
#include "sigma/error.h"

/* Three shards of 5, 3 and 4 rows: global rows 0-4, 5-7, 8-11. */
static sigma_shard g_shards[3] = {
    {.path = "a.h5", .dataset = "embeddings", .rows = 5, .row0 = 0, .dtype_bytes = 4},
    {.path = "b.h5", .dataset = "x/y", .rows = 3, .row0 = 5, .dtype_bytes = 4},
    {.path = "c.h5", .dataset = "embeddings", .rows = 4, .row0 = 8, .dtype_bytes = 4},
};

static sigma_input table(int d) {
  return (sigma_input){.nshards = 3, .shard = g_shards, .N = 12, .d = d, .cur = -1};
}

static uint64_t g_rng = 12345;
static double gauss(void) { /* splitmix64 + Box-Muller: independent of sigma_core */
  double u[2];
  for (int k = 0; k < 2; k++) {
    uint64_t z = (g_rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    u[k] = ((z ^ (z >> 31)) >> 11) * 0x1.0p-53 + 0x1.0p-54;
  }
  return sqrt(-2 * log(u[0])) * cos(6.283185307179586 * u[1]);
}

static double *random_rows(int64_t n, int d, double scale) {
  double *X = malloc((size_t)n * d * sizeof *X);
  for (int64_t i = 0; i < (int64_t)n * d; i++) X[i] = scale * (gauss() + 0.3);
  return X;
}

static void assert_rows_bits(const double *a, const double *b, size_t m) {
  for (size_t k = 0; k < m; k++) assert_bits_equal(a[k], b[k]);
}

static void expect_error(int rc, int code, const char *const *parts) {
  assert_int_equal(rc, code);
  for (int k = 0; parts[k]; k++)
    if (!strstr(sigma_error_message(), parts[k]))
      fail_msg("message '%s' lacks '%s'", sigma_error_message(), parts[k]);
  sigma_clear_error();
}

/* Shards, local rows and names by global row. */
static void test_describe_and_shard_of(void **state) {
  (void)state;
  const sigma_input in = table(3);
  const int want[12] = {0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2};
  for (int r = 0; r < 12; r++) assert_int_equal(sigma_input_shard_of(&in, r), want[r]);
  /* A bad row is named by file, dataset, local and global row, whatever the path's length. */
  double x[3] = {1, NAN, 2}, z[3] = {0, 0, 0};
  assert_int_equal(sigma_input_check_row(&in, 6, x), SIGMA_EDATA);
  assert_string_equal(sigma_error_message(), "b.h5:x/y: row 1 (global row 6) has NaN in column 1");
  sigma_clear_error();
  assert_int_equal(sigma_input_prepare_row(&in, 11, z, 1, NULL), SIGMA_EDATA);
  assert_string_equal(sigma_error_message(),
                      "c.h5:embeddings: row 3 (global row 11) is all zeros: cannot --normalize it");
  sigma_clear_error();
  /* A .npy shard (dataset ""): the file alone. */
  sigma_shard npy[1] = {{.path = "d.npy", .dataset = "", .rows = 4, .row0 = 0, .dtype_bytes = 4}};
  const sigma_input one = {.nshards = 1, .shard = npy, .N = 4, .d = 3, .cur = -1};
  assert_int_equal(sigma_input_check_row(&one, 2, x), SIGMA_EDATA);
  assert_string_equal(sigma_error_message(), "d.npy: row 2 (global row 2) has NaN in column 1");
  sigma_clear_error();
}

static void test_check_row(void **state) {
  (void)state;
  const sigma_input in = table(3);
  double x[3] = {1, 2, 3};
  assert_int_equal(sigma_input_check_row(&in, 7, x), SIGMA_OK);
  x[2] = NAN;
  expect_error(sigma_input_check_row(&in, 7, x), SIGMA_EDATA,
               (const char *[]){"b.h5:x/y: row 2 (global row 7) has NaN in column 2", NULL});
  x[2] = 3;
  x[0] = -INFINITY;
  expect_error(sigma_input_check_row(&in, 9, x), SIGMA_EDATA,
               (const char *[]){"c.h5:embeddings: row 1 (global row 9) has Inf in column 0", NULL});
}

/* Normalising: unit norm; rows whose squares overflow or underflow are scaled first and
 * still normalise; an all-zero row cannot. Without normalising they are refused. */
static void test_prepare_row_norms(void **state) {
  (void)state;
  const sigma_input in = table(4);
  double x[4] = {3, 4, 0, 12}, s = -1;
  assert_int_equal(sigma_input_prepare_row(&in, 2, x, 1, &s), SIGMA_OK);
  assert_close(s, 1.0, 4e-16);
  assert_close(x[3], 12.0 / 13.0, 2e-16);
  double big[4] = {1e200, -1e200, 0, 0}, tiny[4] = {1e-200, 0, 1e-200, 0};
  assert_int_equal(sigma_input_prepare_row(&in, 1, big, 1, &s), SIGMA_OK);
  assert_close(big[0], sqrt(0.5), 2e-16);
  assert_close(s, 1.0, 4e-16);
  assert_int_equal(sigma_input_prepare_row(&in, 1, tiny, 1, &s), SIGMA_OK);
  assert_close(tiny[2], sqrt(0.5), 2e-16);
  double big2[4] = {1e200, 0, 0, 0}, tiny2[4] = {0, 0, 0, 1e-200}, zero[4] = {0};
  expect_error(sigma_input_prepare_row(&in, 5, big2, 0, &s), SIGMA_EDATA,
               (const char *[]){"b.h5:x/y: row 0 (global row 5) overflows double precision",
                                "--normalize", NULL});
  expect_error(sigma_input_prepare_row(&in, 10, tiny2, 0, &s), SIGMA_EDATA,
               (const char *[]){"c.h5:embeddings: row 2 (global row 10) underflows", NULL});
  assert_int_equal(sigma_input_prepare_row(&in, 3, zero, 0, &s), SIGMA_OK); /* harmless */
  assert_true(s == 0);
  expect_error(sigma_input_prepare_row(&in, 3, zero, 1, &s), SIGMA_EDATA,
               (const char *[]){"a.h5:embeddings: row 3 (global row 3) is all zeros",
                                "cannot --normalize it", NULL});
  double nan[4] = {1, NAN, 1, 1};
  expect_error(sigma_input_prepare_row(&in, 4, nan, 1, NULL), SIGMA_EDATA,
               (const char *[]){"row 4 (global row 4) has NaN in column 1", NULL});
}

/* The audit's row preparation (prepare in mpi/stream.c before the pipeline), verbatim but
 * for the stream struct. */
static int audit_reference(const sigma_input *in, int checks, int normalize, const double *shift,
                           const double *shift2, int64_t row0, double *X, int64_t n,
                           double *max_norm2) {
  const int d = in->d;
  if (!checks && !normalize && !shift) return SIGMA_OK;
  for (int64_t i = 0; i < n; i++) {
    double *x = X + (size_t)i * d, s = 0;
    if (checks || normalize) SIGMA_CHECK(sigma_input_prepare_row(in, row0 + i, x, normalize, &s));
    if (s > *max_norm2) *max_norm2 = s;
    if (shift)
      for (int j = 0; j < d; j++) x[j] -= shift[j];
    if (shift2)
      for (int j = 0; j < d; j++) x[j] -= shift2[j];
  }
  return SIGMA_OK;
}

static void test_audit_bits(void **state) {
  (void)state;
  const int d = 7;
  const int64_t n = 12;
  const sigma_input in = table(d);
  double *X0 = random_rows(n, d, 1e3), *A = malloc(n * d * sizeof *A), *B = malloc(n * d * sizeof *B);
  double *mean = random_rows(2, d, 1e3);
  for (int j = 0; j < d; j++) mean[d + j] *= 1e-9; /* the small second part */
  for (int mode = 0; mode < 16; mode++) {
    const int checks = mode & 1, normalize = (mode >> 1) & 1, center = (mode >> 2) & 1;
    const double *sh = center ? mean : NULL, *sh2 = center && (mode & 8) ? mean + d : NULL;
    memcpy(A, X0, n * d * sizeof *A);
    memcpy(B, X0, n * d * sizeof *B);
    double ma = 0.25, mb = 0.25;
    assert_int_equal(audit_reference(&in, checks, normalize, sh, sh2, 0, A, n, &ma), SIGMA_OK);
    const sigma_prep p = {.check = checks, .normalize = normalize, .shift = sh, .shift2 = sh2};
    assert_int_equal(sigma_rows_prepare(&in, &p, 0, NULL, B, n, &mb), SIGMA_OK);
    assert_rows_bits(A, B, (size_t)n * d);
    assert_bits_equal(ma, mb);
    if (checks && !normalize) assert_true(mb > 1e6); /* the norms were measured */
    if (!checks && !normalize) assert_true(mb == 0.25);
  }
  free(X0); free(A); free(B); free(mean);
}

/* The study's rep_fetch: rows in sorted order, normalised, then (x - m) - m2 in one
 * expression; the pipeline runs on the sorted block before it is put in draw order. */
static void test_study_bits(void **state) {
  (void)state;
  const int d = 5;
  const int64_t n = 6;
  const sigma_input in = table(d);
  const uint64_t rows[6] = {1, 2, 6, 8, 10, 11};
  double *X0 = random_rows(n, d, 50), *A = malloc(n * d * sizeof *A), *B = malloc(n * d * sizeof *B);
  double *mean = random_rows(2, d, 0.1);
  for (int normalize = 0; normalize < 2; normalize++)
    for (int center = 0; center < 2; center++) {
      memcpy(A, X0, n * d * sizeof *A);
      memcpy(B, X0, n * d * sizeof *B);
      for (int64_t k = 0; k < n; k++) {
        double *x = A + k * d;
        if (normalize) assert_int_equal(sigma_input_prepare_row(&in, (int64_t)rows[k], x, 1, NULL), SIGMA_OK);
        if (center)
          for (int j = 0; j < d; j++) x[j] = (x[j] - mean[j]) - mean[d + j];
      }
      const sigma_prep p = {.normalize = normalize, .shift = center ? mean : NULL,
                            .shift2 = center ? mean + d : NULL};
      assert_int_equal(sigma_rows_prepare(&in, &p, 0, rows, B, n, NULL), SIGMA_OK);
      assert_rows_bits(A, B, (size_t)n * d);
    }
  free(X0); free(A); free(B); free(mean);
}

/* The plan's pilot: every row prepared (checked; normalised if asked) in draw order, the
 * pilot mean summed in draw order, then that mean subtracted. */
static void test_plan_bits(void **state) {
  (void)state;
  const int d = 4;
  const int64_t K = 9;
  const sigma_input in = table(d);
  const uint64_t perm[9] = {11, 3, 7, 0, 9, 5, 2, 8, 4};
  double *X0 = random_rows(K, d, 3), *A = malloc(K * d * sizeof *A), *B = malloc(K * d * sizeof *B);
  for (int normalize = 0; normalize < 2; normalize++) {
    double ma[4] = {0}, mb[4] = {0};
    memcpy(A, X0, K * d * sizeof *A);
    memcpy(B, X0, K * d * sizeof *B);
    for (int64_t k = 0; k < K; k++) {
      double *x = A + k * d;
      assert_int_equal(sigma_input_prepare_row(&in, (int64_t)perm[k], x, normalize, NULL), SIGMA_OK);
      for (int j = 0; j < d; j++) ma[j] += x[j] / (double)K;
    }
    for (int64_t k = 0; k < K; k++)
      for (int j = 0; j < d; j++) A[k * d + j] -= ma[j];
    const sigma_prep p = {.check = 1, .normalize = normalize};
    assert_int_equal(sigma_rows_prepare(&in, &p, 0, perm, B, K, NULL), SIGMA_OK);
    for (int64_t k = 0; k < K; k++)
      for (int j = 0; j < d; j++) mb[j] += B[k * d + j] / (double)K;
    const sigma_prep centre = {.shift = mb};
    assert_int_equal(sigma_rows_prepare(&in, &centre, 0, perm, B, K, NULL), SIGMA_OK);
    assert_rows_bits(ma, mb, 4);
    assert_rows_bits(A, B, (size_t)K * d);
  }
  free(X0); free(A); free(B);
}

/* Errors name the row by its global index (rows[i], or row0 + i), stop at the first bad
 * row, and leave the rows before it prepared; nothing to do reads nothing. */
static void test_errors_and_order(void **state) {
  (void)state;
  const int d = 3;
  const sigma_input in = table(d);
  double X[4 * 3] = {3, 4, 0, 1, 1, 1, 0, 0, 0, 1, NAN, 1};
  const sigma_prep norm = {.normalize = 1};
  expect_error(sigma_rows_prepare(&in, &norm, 4, NULL, X, 4, NULL), SIGMA_EDATA,
               (const char *[]){"b.h5:x/y: row 1 (global row 6) is all zeros", NULL});
  assert_close(X[0], 0.6, 2e-16); /* rows 4 and 5 done */
  assert_close(X[3], 1 / sqrt(3.0), 2e-16);
  X[6] = 2; /* fix the zero row: the NaN row comes next, named by rows[3] */
  const uint64_t rows[4] = {0, 1, 2, 10};
  const sigma_prep check = {.check = 1};
  expect_error(sigma_rows_prepare(&in, &check, 0, rows, X, 4, NULL), SIGMA_EDATA,
               (const char *[]){"c.h5:embeddings: row 2 (global row 10) has NaN in column 1",
                                NULL});
  const sigma_prep none = {0};
  double m = 7;
  assert_int_equal(sigma_rows_prepare(&in, &none, 0, NULL, X, 4, &m), SIGMA_OK);
  assert_true(isnan(X[10]) && m == 7); /* not even looked at */
  const double sh[3] = {1, 2, 3};
  const sigma_prep shift = {.shift = sh};
  double Y[2 * 3] = {1, 2, 3, 4, 5, 6};
  assert_int_equal(sigma_rows_prepare(&in, &shift, 0, NULL, Y, 2, &m), SIGMA_OK);
  assert_true(Y[0] == 0 && Y[5] == 3 && m == 7); /* shifted, norms not measured */
}


/* ---- sigma_rows_prepare32: float32 rows staged in the upper half, widened in the pass ---- */

/* X (n * d doubles) with the floats F staged in its upper half, as the HDF5 backend
 * leaves them. */
static double *staged(const float *F, int64_t n, int d) {
  double *X = malloc((size_t)n * d * sizeof *X);
  memcpy((float *)X + (size_t)n * d, F, (size_t)n * d * sizeof *F);
  return X;
}

/* Float rows of many scales: ordinary rows, a zero row, huge and subnormal values, rows
 * that are permutations of one another (the same fast sum of squares, exact sums that
 * may differ in the last bit: the maximum must still be the exact one), ascending norms. */
static float *float_rows(int64_t n, int d) {
  float *F = malloc((size_t)n * d * sizeof *F);
  for (int64_t i = 0; i < n; i++)
    for (int j = 0; j < d; j++) {
      double v = gauss() * (i % 5 == 3 ? 1e30 : i % 7 == 2 ? 1e-41 : 1.0 + 0.01 * (double)i);
      F[i * d + j] = (float)v;
    }
  for (int j = 0; j < d; j++) F[4 * d + j] = 0; /* row 4: all zeros */
  for (int j = 0; j < d; j++) F[(n - 1) * d + j] = F[(n - 2) * d + (d - 1 - j)]; /* reversed */
  return F;
}

/* Widening then sigma_rows_prepare, against the fused pass: bits of every row and of the
 * maximum norm, for every preparation and widths around the widening step. */
static void test_prepare32_bits(void **state) {
  (void)state;
  const int widths[] = {1, 3, 8, 9, 63, 64, 65, 130, 256};
  for (size_t w = 0; w < sizeof widths / sizeof *widths; w++) {
    const int d = widths[w];
    const int64_t n = 40;
    const sigma_input in = table(d);
    float *F = float_rows(n, d);
    double *mean = random_rows(2, d, 0.5);
    for (int mode = 0; mode < 16; mode++) {
      const int check = mode & 1, normalize = (mode >> 1) & 1, center = (mode >> 2) & 1;
      if (normalize) /* no zero row to normalise */
        for (int j = 0; j < d; j++) F[4 * d + j] = 1;
      const sigma_prep p = {.check = check, .normalize = normalize, .shift = center ? mean : NULL,
                            .shift2 = center && (mode & 8) ? mean + d : NULL};
      double *A = malloc((size_t)n * d * sizeof *A), *B = staged(F, n, d);
      for (int64_t k = 0; k < n * d; k++) A[k] = F[k];
      double ma = 1e-300, mb = 1e-300;
      assert_int_equal(sigma_rows_prepare(&in, &p, 0, NULL, A, n, &ma), SIGMA_OK);
      assert_int_equal(sigma_rows_prepare32(&in, &p, 0, B, n, &mb), SIGMA_OK);
      assert_rows_bits(A, B, (size_t)n * d);
      assert_bits_equal(ma, mb);
      free(A);
      free(B);
    }
    free(F);
    free(mean);
  }
}

/* The same error for the same first bad row: NaN and Inf named by column, a zero row
 * refused by --normalize; the rows before it prepared. */
static void test_prepare32_errors(void **state) {
  (void)state;
  const int d = 70;
  const sigma_input in = table(d);
  float *F = float_rows(12, d);
  const sigma_prep check = {.check = 1}, norm = {.normalize = 1};
  F[7 * d + 66] = NAN;
  F[9 * d + 3] = INFINITY;
  double *X = staged(F, 12, d);
  expect_error(sigma_rows_prepare32(&in, &check, 0, X, 12, NULL), SIGMA_EDATA,
               (const char *[]){"b.h5:x/y: row 2 (global row 7) has NaN in column 66", NULL});
  assert_true(X[6 * d + 5] == (double)F[6 * d + 5]); /* row 6 done */
  free(X);
  F[7 * d + 66] = 1;
  X = staged(F, 12, d);
  expect_error(sigma_rows_prepare32(&in, &check, 0, X, 12, NULL), SIGMA_EDATA,
               (const char *[]){"c.h5:embeddings: row 1 (global row 9) has Inf in column 3", NULL});
  free(X);
  X = staged(F, 12, d);
  expect_error(sigma_rows_prepare32(&in, &norm, 0, X, 12, NULL), SIGMA_EDATA,
               (const char *[]){"a.h5:embeddings: row 4 (global row 4) is all zeros", NULL});
  free(X);
  free(F);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_describe_and_shard_of),
      cmocka_unit_test(test_check_row),
      cmocka_unit_test(test_prepare_row_norms),
      cmocka_unit_test(test_audit_bits),
      cmocka_unit_test(test_study_bits),
      cmocka_unit_test(test_plan_bits),
      cmocka_unit_test(test_errors_and_order),
      cmocka_unit_test(test_prepare32_bits),
      cmocka_unit_test(test_prepare32_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
