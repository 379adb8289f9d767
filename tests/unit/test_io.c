/* Unit tests of the I/O layer (io/): the parsers of untrusted text against hand-worked
 * cases, the output writer's identity checks, and the n/a formatting. */
#include "test_util.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "fmt.h"
#include "parse.h"
#include "str.h"
#include "sigma/error.h"

static int64_t int_of(const char *s, int64_t lo, int64_t hi, int *ok) {
  int64_t v = -42;
  *ok = sigma_parse_int64(s, lo, hi, &v) == 0;
  return v;
}

/* Integers: exact over the int64 range, exponent form only when exact, no hex, no
 * blanks, no trailing bytes. */
static void test_parse_int64(void **state) {
  (void)state;
  int ok;
  assert_int_equal(int_of("1e6", 0, INT64_MAX, &ok), 1000000); assert_true(ok);
  assert_int_equal(int_of("2.5e3", 0, INT64_MAX, &ok), 2500); assert_true(ok);
  assert_int_equal(int_of("10e-1", 0, INT64_MAX, &ok), 1); assert_true(ok);
  assert_int_equal(int_of("9223372036854775807", 0, INT64_MAX, &ok), INT64_MAX); assert_true(ok);
  assert_int_equal(int_of("-9223372036854775808", INT64_MIN, 0, &ok), INT64_MIN); assert_true(ok);
  assert_int_equal(int_of("100.000", 0, INT64_MAX, &ok), 100); assert_true(ok);
  const char *bad[] = {"9223372036854775808", "1.5", "15e-1", "0x10", " 5", "5 ", "", "-",
                       "1e19", "1e", "e5", "--1", "+-1", "1,2", "nan", "inf", "1e999"};
  for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
    int_of(bad[k], INT64_MIN, INT64_MAX, &ok);
    if (ok) fail_msg("'%s' was accepted as an integer", bad[k]);
  }
  int_of("0", 1, 10, &ok);
  assert_false(ok); /* below the range */
}

static void test_parse_real_and_lists(void **state) {
  (void)state;
  double v = 0, r[64];
  assert_int_equal(sigma_parse_real("0.95", &v), 0);
  assert_true(v == 0.95);
  const char *bad[] = {"nan", "-inf", "inf", "1e999", "1e-400", "", " 1", "1 ", "0.5x"};
  for (size_t k = 0; k < sizeof bad / sizeof *bad; k++)
    if (sigma_parse_real(bad[k], &v) == 0) fail_msg("'%s' was accepted as a finite real", bad[k]);
  int64_t n[64];
  assert_int_equal(sigma_parse_int64_list("16,64,1e3", 1, INT64_MAX, n, 64), 3);
  assert_true(n[0] == 16 && n[1] == 64 && n[2] == 1000);
  assert_int_equal(sigma_parse_int64_list("16,,64", 1, INT64_MAX, n, 64), -1);
  assert_int_equal(sigma_parse_int64_list("16,", 1, INT64_MAX, n, 64), -1);
  assert_int_equal(sigma_parse_int64_list("1,2,3", 1, INT64_MAX, n, 2), -1); /* over max */
  assert_int_equal(sigma_parse_real_list("1,0.5", r, 64), 2);
  assert_int_equal(sigma_parse_real_list("1,nan", r, 64), -1);
}

static FILE *text(const char *s) { return fmemopen((void *)s, strlen(s), "r"); }

/* Index files: comments, blank lines, CRLF and blanks around a number; anything else on a
 * line, or a row outside 0..N-1, is an error naming the line. */
static void test_parse_indices(void **state) {
  (void)state;
  uint64_t *rows = NULL;
  int64_t n = 0;
  FILE *f = text("# header\n\n  7\r\n0\n\t99  \n");
  assert_int_equal(sigma_parse_indices(f, "i.txt", 100, &rows, &n), SIGMA_OK);
  fclose(f);
  assert_int_equal(n, 3);
  assert_true(rows[0] == 7 && rows[1] == 0 && rows[2] == 99);
  free(rows);
  const char *bad[] = {"100\n", "-1\n", "5 6\n", "1e2\n", "+5\n", "5x\n", "0x1\n"};
  for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
    sigma_clear_error();
    f = text(bad[k]);
    assert_int_equal(sigma_parse_indices(f, "i.txt", 100, &rows, &n), SIGMA_EINVAL);
    fclose(f);
    assert_non_null(strstr(sigma_error_message(), "i.txt: line 1"));
  }
  sigma_clear_error();
}

/* Replicate CSVs: exactly the header and K rows of this sweep, empty fields are NaN. */
static void test_parse_rep_csv(void **state) {
  (void)state;
  const int64_t n1s[2] = {16, 64};
  double v[8];
  FILE *f = text("replicate,n1,a,b\n3,16,1.5,\n3,64,-2e-3,0\n");
  assert_int_equal(sigma_parse_rep_csv(f, "replicate,n1,a,b", 3, n1s, 2, 4, v), 0);
  fclose(f);
  assert_true(v[2] == 1.5 && isnan(v[3]) && v[6] == -2e-3 && v[7] == 0);
  const char *bad[] = {"replicate,n1,a,b\n3,16,1.5,\n",                /* a row short */
                       "replicate,n1,a,b\n3,16,1,2\n3,64,1,2\n3,64,1,2\n", /* a row more */
                       "replicate,n1,a,b\n4,16,1,2\n3,64,1,2\n",       /* another replicate */
                       "replicate,n1,a,b\n3,16,1,2,5\n3,64,1,2\n",     /* a field more */
                       "replicate,n1,a,b\n3,16,nan,2\n3,64,1,2\n",     /* nan is not a number */
                       "replicate,n1,a\n3,16,1,2\n3,64,1,2\n"};        /* another header */
  for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
    f = text(bad[k]);
    if (sigma_parse_rep_csv(f, "replicate,n1,a,b", 3, n1s, 2, 4, v) == 0)
      fail_msg("accepted: %s", bad[k]);
    fclose(f);
  }
}

static void test_parse_study_header(void **state) {
  (void)state;
  const char *good = "{\"n1\": [16, 64], \"epsilon\": [1, 0.5], \"replicates\": 4, \"seed\": 7, "
                     "\"N\": 3000, \"d\": 8, \"level\": 0.95, \"rule_constant\": 4, "
                     "\"from_epsilon\": false, \"normalize\": true, \"center\": false, "
                     "\"files\": [{\"path\": \"/a.h5\", \"dataset\": \"x\", \"rows\": 1000}, "
                     "{\"path\": \"/b.h5\", \"dataset\": \"x\", \"rows\": 2000}]}";
  json_t *h = json_loads(good, 0, NULL);
  sigma_study_header sh;
  assert_int_equal(sigma_parse_study_header(h, "s.json", &sh), SIGMA_OK);
  assert_true(sh.K == 2 && sh.n1[1] == 64 && sh.d == 8 && sh.normalize && sh.seed == 7);
  assert_true(sh.nfiles == 2 && !strcmp(sh.files[1].path, "/b.h5") && sh.files[1].rows == 2000);
  sigma_study_header_free(&sh);
  assert_true(sh.nfiles == 0 && sh.files == NULL);
  const char *edits[][2] = {{"level", "1"}, {"d", "17"}, {"N", "63"}, {"replicates", "0"},
                            {"n1", "[64, 16]"}, {"seed", "-1"}, {"normalize", "1"},
                            {"files", "[]"}, {"files", "[{\"path\": \"/a.h5\", \"rows\": 3000}]"},
                            {"files", "[{\"path\": \"/a.h5\", \"dataset\": \"x\", \"rows\": 2999}]"},
                            {"files", "[{\"path\": 1, \"dataset\": \"x\", \"rows\": 3000}]"}};
  for (size_t k = 0; k < sizeof edits / sizeof *edits; k++) {
    json_t *c = json_deep_copy(h), *v = json_loads(edits[k][1], JSON_DECODE_ANY, NULL);
    json_object_set_new(c, edits[k][0], v);
    sigma_clear_error();
    if (sigma_parse_study_header(c, "s.json", &sh) == SIGMA_OK)
      fail_msg("accepted %s = %s", edits[k][0], edits[k][1]);
    assert_non_null(strstr(sigma_error_message(), "s.json"));
    assert_true(sh.nfiles == 0 && sh.files == NULL); /* nothing to free after a refusal */
    json_decref(c);
  }
  json_decref(h);
  sigma_clear_error();
}

/* An output that reaches a recorded input by another name is refused; a new name in an
 * existing directory is fine, twice the same output is not. */
static void test_outputs_never_inputs(void **state) {
  (void)state;
  char dir[] = "/tmp/sigma-io-XXXXXX", in[256], hard[256], sym[256], out[256];
  assert_non_null(mkdtemp(dir));
  snprintf(in, sizeof in, "%s/in.h5", dir);
  snprintf(hard, sizeof hard, "%s/hard.json", dir);
  snprintf(sym, sizeof sym, "%s/sym.json", dir);
  snprintf(out, sizeof out, "%s/out.json", dir);
  FILE *f = fopen(in, "w");
  fputs("data", f);
  fclose(f);
  assert_int_equal(link(in, hard), 0);
  assert_int_equal(symlink(in, sym), 0);
  assert_int_equal(sigma_file_input(in, "input"), SIGMA_OK);
  const char *names[] = {in, hard, sym};
  for (int k = 0; k < 3; k++) {
    sigma_clear_error();
    assert_int_equal(sigma_file_check_output(names[k], "--json"), SIGMA_EINVAL);
    assert_int_equal(sigma_file_write(names[k], "--json", "x", 1), SIGMA_EINVAL);
  }
  sigma_clear_error();
  assert_int_equal(sigma_file_check_output(out, "--json"), SIGMA_OK);
  assert_int_equal(sigma_file_check_output(out, "--csv"), SIGMA_EINVAL);
  sigma_clear_error();
  assert_int_equal(sigma_file_write(out, "--json", "{}\n", 3), SIGMA_OK);
  f = fopen(in, "r");
  char buf[8] = "";
  assert_non_null(fgets(buf, sizeof buf, f));
  fclose(f);
  assert_string_equal(buf, "data");
  unlink(out); unlink(sym); unlink(hard); unlink(in); rmdir(dir);
}

static void test_fmt(void **state) {
  (void)state;
  assert_string_equal(sigma_num("%.3f", NAN), "n/a");
  assert_string_equal(sigma_num("%.3f", -INFINITY), "n/a");
  assert_string_equal(sigma_num("%.3f", 1.5), "1.500");
  assert_string_equal(sigma_csv_num(NAN), "");
  assert_string_equal(sigma_csv_num(0.1), "0.10000000000000001");
}

/* The growable string: long formatted text is kept whole (the size is never guessed),
 * take hands over the buffer, an empty string is "". */
static void test_str(void **state) {
  (void)state;
  sigma_str s = SIGMA_STR_INIT;
  assert_string_equal(sigma_str_cstr(&s), "");
  size_t want = 0;
  for (int i = 0; i < 5000; i++) {
    sigma_str_appendf(&s, "%d,%.17g;", i, i / 7.0);
    want += (size_t)snprintf(NULL, 0, "%d,%.17g;", i, i / 7.0);
  }
  sigma_str_puts(&s, "end");
  assert_int_equal(sigma_str_error(&s), SIGMA_OK);
  assert_int_equal(s.len, want + 3);
  assert_int_equal(strlen(sigma_str_cstr(&s)), want + 3);
  assert_memory_equal(sigma_str_cstr(&s), "0,0;1,0.14285714285714285;", 26);
  assert_string_equal(sigma_str_cstr(&s) + want, "end");
  char *t = sigma_str_take(&s);
  assert_non_null(t);
  assert_null(s.buf);
  assert_int_equal(strlen(t), want + 3);
  free(t);
  t = sigma_str_take(&s); /* empty: "" not NULL */
  assert_string_equal(t, "");
  free(t);
  char *f = sigma_strf("%s/replicates/rep-%06lld.csv", "dir", 42LL);
  assert_string_equal(f, "dir/replicates/rep-000042.csv");
  free(f);
  sigma_str_free(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_str),
      cmocka_unit_test(test_parse_int64),      cmocka_unit_test(test_parse_real_and_lists),
      cmocka_unit_test(test_parse_indices),    cmocka_unit_test(test_parse_rep_csv),
      cmocka_unit_test(test_parse_study_header), cmocka_unit_test(test_outputs_never_inputs),
      cmocka_unit_test(test_fmt),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
