/* Unit tests of a study's files without MPI: the description written to study.json and
 * read back bit for bit (io/study_desc.h), the replicate CSV from the registry written
 * and read back, replicates.csv gathered from two directories, and --out refusals
 * (io/study_files.h). */
#include "test_util.h"

#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "sigma/error.h"
#include "sigma/study_stats.h"
#include "study_desc.h"
#include "study_files.h"

static char g_dir[] = "/tmp/sigma-study-XXXXXX";

static char *at(const char *name) { return sigma_study_path(g_dir, name); }

static int write_text(const char *path, const char *text) {
  return sigma_file_write(path, "test", text, strlen(text));
}

static void fill_desc(sigma_study_desc *d) {
  memset(d, 0, sizeof *d);
  sigma_study_header *h = &d->study;
  h->nfiles = 1;
  h->files = calloc(1, sizeof *h->files);
  h->files[0] = (sigma_study_file){strdup("/data/in.h5"), strdup("embeddings"), 5000};
  h->K = 2;
  h->n1[0] = 16;
  h->n1[1] = 64;
  h->eps[0] = sqrt(4.0 * 8 / 16); /* not a short decimal: 17 digits needed */
  h->eps[1] = 0.1 + 0.2;
  h->replicates = 5;
  h->seed = 9007199254740993; /* 2^53 + 1: not a double */
  h->N = 5000;
  h->d = 8;
  h->level = 0.95;
  h->rule_constant = 4;
  h->center = 1;
  d->L = 68.585898123456789;
  d->tau2_oracle = 16.1234567890123;
  d->logdet_G1_rep0 = 1.5;
}

static void test_desc_round_trip(void **state) {
  (void)state;
  sigma_study_desc d, back;
  fill_desc(&d);
  char *path = at("study.json");
  json_t *prov = json_pack("{s:s}", "tool", "test");
  assert_int_equal(sigma_study_desc_write(path, &d, prov), SIGMA_OK);
  assert_int_equal(sigma_study_desc_read(path, &back), SIGMA_OK);
  assert_null(sigma_study_header_diff(&d.study, &back.study));
  assert_true(back.L == d.L && back.tau2_oracle == d.tau2_oracle);
  assert_true(back.study.seed == d.study.seed);
  assert_true(isnan(back.logdet_G1_rep0)); /* not recorded in study.json */
  back.study.eps[1] = 0.3;
  assert_string_equal(sigma_study_header_diff(&d.study, &back.study), "epsilon");
  back.study.seed++;
  assert_string_equal(sigma_study_header_diff(&d.study, &back.study), "seed");
  free(back.study.files[0].path);
  back.study.files[0].path = strdup("/data/other.h5");
  assert_string_equal(sigma_study_header_diff(&d.study, &back.study), "files");
  sigma_study_desc_free(&back);
  d.tau2_oracle = NAN;
  assert_int_equal(sigma_study_desc_write(path, &d, NULL), SIGMA_EINVAL);
  sigma_clear_error();
  FILE *f = fopen(path, "w");
  fputs("{\"study\": ", f);
  fclose(f);
  assert_int_equal(sigma_study_desc_read(path, &back), SIGMA_EINVAL);
  assert_non_null(strstr(sigma_error_message(), "corrupt"));
  sigma_clear_error();
  unlink(path);
  free(path);
  json_decref(prov);
  sigma_study_desc_free(&d);
}

static void points(sigma_rep_point *p, double shift) {
  for (int k = 0; k < 2; k++) {
    p[k] = (sigma_rep_point){.n1 = k ? 64 : 16, .logdet_G1 = 1.25 + k + shift,
                             .logdet_Ga = k ? 2.0 : NAN, .logdet_Gb = k ? 3.0 : NAN,
                             .tau2_observed = 0.1};
    for (int e = 0; e < sigma_nest; e++)
      p[k].line[e] = (sigma_est_line){.est = 1.0 / 3 + e, .err = -0.1, .s = {0.5, 0.25},
                                      .covers = {1, k ? 0 : -1}};
  }
}

/* A replicate CSV names every registered estimator, reads back to the same doubles, and
 * a torn or foreign copy is not complete. */
static void test_rep_csv(void **state) {
  (void)state;
  const int64_t n1s[2] = {16, 64};
  sigma_rep_point p[2];
  points(p, 0);
  char *header = sigma_rep_csv_header(), *text = NULL;
  for (int e = 0; e < sigma_nest; e++) {
    char want[64];
    snprintf(want, sizeof want, ",%s_covers_observed", sigma_estimators[e].key);
    assert_non_null(strstr(header, want));
  }
  assert_int_equal(sigma_rep_csv_format(3, p, 2, &text), SIGMA_OK);
  assert_int_equal(strncmp(text, header, strlen(header)), 0);
  assert_non_null(strstr(text, "\n3,16,1.25,,,0.10000000000000001,"));
  char *path = sigma_study_rep_path(g_dir, 3);
  assert_non_null(strstr(path, "/replicates/rep-000003.csv"));
  double v[2 * (SIGMA_REP_HEAD + SIGMA_REP_FIELDS * SIGMA_EST_MAX)];
  double row[SIGMA_REP_HEAD + SIGMA_REP_FIELDS * SIGMA_EST_MAX]; /* any registry size */
  char *sub = at("replicates");
  mkdir(sub, 0777);
  free(sub);
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
  assert_true(sigma_rep_csv_complete(path, 3, n1s, 2, v));
  sigma_rep_row(3, &p[1], row);
  for (int c = 0; c < sigma_rep_ncol(); c++) {
    const double got = v[sigma_rep_ncol() + c];
    assert_true(got == row[c] || (isnan(row[c]) && isnan(got)));
  }
  assert_false(sigma_rep_csv_complete(path, 4, n1s, 2, v)); /* another replicate's */
  f = fopen(path, "w");
  fwrite(text, 1, strlen(text) - 20, f); /* torn */
  fclose(f);
  assert_false(sigma_rep_csv_complete(path, 3, n1s, 2, v));
  assert_string_equal(sigma_error_message(), ""); /* a question, not an error */
  unlink(path);
  free(path);
  free(text);
  free(header);
}

/* replicates.csv from two directories: the header once, then each replicate's rows. */
static void test_gather(void **state) {
  (void)state;
  char a[300], b[300];
  snprintf(a, sizeof a, "%s/a", g_dir);
  snprintf(b, sizeof b, "%s/b", g_dir);
  assert_int_equal(sigma_study_make_dirs(a), SIGMA_OK);
  assert_int_equal(sigma_study_make_dirs(b), SIGMA_OK);
  const int64_t n1s[2] = {16, 64};
  for (int i = 0; i < 3; i++) {
    sigma_rep_point p[2];
    char *text, *path = sigma_study_rep_path(i == 1 ? b : a, i);
    points(p, i);
    assert_int_equal(sigma_rep_csv_format(i, p, 2, &text), SIGMA_OK);
    assert_int_equal(write_text(path, text), SIGMA_OK);
    free(text);
    free(path);
  }
  char *dirs[2] = {a, b};
  double *V = calloc((size_t)3 * 2 * sigma_rep_ncol(), sizeof(double));
  assert_int_equal(sigma_study_gather(a, dirs, 2, 0, 3, n1s, 2, V), SIGMA_OK);
  assert_true(V[(1 * 2 + 1) * sigma_rep_ncol() + SIGMA_REP_LOGDET_G1] == 3.25);
  char *all, *path = sigma_study_path(a, "replicates.csv");
  size_t len;
  assert_int_equal(sigma_study_slurp(path, &all, &len), SIGMA_OK);
  int lines = 0;
  for (size_t k = 0; k < len; k++) lines += all[k] == '\n';
  assert_int_equal(lines, 1 + 3 * 2);
  assert_non_null(strstr(all, "\n2,64,"));
  assert_int_equal(sigma_study_gather(a, dirs, 1, 0, 3, n1s, 2, V), SIGMA_EIO); /* 1 is in b */
  assert_non_null(strstr(sigma_error_message(), "replicate 1: no complete file"));
  sigma_clear_error();
  free(all);
  free(path);
  free(V);
}

/* --out: a user's non-empty directory and a study without --resume are refused. */
static void test_check_dir(void **state) {
  (void)state;
  char mine[300], fresh[300];
  snprintf(mine, sizeof mine, "%s/mine", g_dir);
  snprintf(fresh, sizeof fresh, "%s/fresh", g_dir);
  assert_int_equal(sigma_study_check_dir(fresh, 0, 1), SIGMA_OK);
  mkdir(mine, 0777);
  assert_int_equal(sigma_study_check_dir(mine, 0, 1), SIGMA_OK); /* empty */
  char *notes = sigma_study_path(mine, "notes.txt");
  assert_int_equal(write_text(notes, "mine"), SIGMA_OK);
  assert_int_equal(sigma_study_check_dir(mine, 1, 1), SIGMA_EINVAL);
  assert_non_null(strstr(sigma_error_message(), "holds no study"));
  sigma_clear_error();
  sigma_study_desc d;
  fill_desc(&d);
  char *sj = sigma_study_path(mine, "study.json");
  assert_int_equal(sigma_study_desc_write(sj, &d, NULL), SIGMA_OK);
  assert_int_equal(sigma_study_check_dir(mine, 0, 1), SIGMA_EINVAL);
  assert_non_null(strstr(sigma_error_message(), "add --resume"));
  sigma_clear_error();
  assert_int_equal(sigma_study_check_dir(mine, 1, 1), SIGMA_OK);
  assert_int_equal(sigma_study_check_dir(mine, 0, 0), SIGMA_EINVAL);
  sigma_clear_error();
  sigma_study_desc_free(&d);
  free(sj);
  free(notes);
}

static int setup(void **state) {
  (void)state;
  return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
  return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_desc_round_trip),
      cmocka_unit_test(test_rep_csv),
      cmocka_unit_test(test_gather),
      cmocka_unit_test(test_check_dir),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
