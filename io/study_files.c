/* The files of a study directory (io/study_files.h). */
#include "study_files.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "fmt.h"
#include "parse.h"
#include "str.h"
#include "study_desc.h"
#include "sigma/error.h"
#include "sigma/study_stats.h"

/* ---- the directory ---- */

/* A DIR that does not exist yet: its parent must be writable (DIR is created after the
 * truth pass, so a failed run leaves nothing behind). */

/* Entries of DIR other than . and .., and whether study.json is one. */
static int scan_dir(const char *dir, int *entries, int *study) {
  DIR *dp = opendir(dir);
  if (!dp)
    return sigma_set_error(SIGMA_EIO, "%s: cannot read directory (%s)", dir, strerror(errno));
  *entries = *study = 0;
  for (struct dirent *e; (e = readdir(dp));) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    (*entries)++;
    *study |= !strcmp(e->d_name, "study.json");
  }
  closedir(dp);
  return SIGMA_OK;
}

int sigma_study_check_dir(const char *dir, int resume, int allow_study) {
  struct stat st;
  if (stat(dir, &st) != 0) return sigma_file_check_dir(dir, "--out"); /* a new name */
  if (!S_ISDIR(st.st_mode))
    return sigma_set_error(SIGMA_EIO, "%s: --out exists and is not a directory", dir);
  int entries = 0, study = 0;
  SIGMA_CHECK(scan_dir(dir, &entries, &study));
  if (entries == 0) return SIGMA_OK;
  if (!study)
    return sigma_set_error(SIGMA_EINVAL, "%s is not empty and holds no study (no study.json): "
                           "refusing to %s (choose a new or empty --out)", dir,
                           resume ? "resume from files it cannot verify" : "write into it");
  if (!allow_study)
    return sigma_set_error(SIGMA_EINVAL, "%s already holds a study: merge into a new --out", dir);
  char *path = sigma_study_path(dir, "study.json");
  if (!path) return SIGMA_ENOMEM;
  sigma_study_desc d;
  int rc = sigma_study_desc_read(path, &d);
  sigma_study_desc_free(&d);
  free(path);
  if (rc == SIGMA_OK && !resume)
    rc = sigma_set_error(SIGMA_EINVAL, "%s already holds a study: add --resume to continue "
                         "it, or choose another --out", dir);
  return rc;
}

int sigma_study_make_dirs(const char *dir) {
  char *sub = sigma_study_path(dir, "replicates");
  if (!sub) return SIGMA_ENOMEM;
  int rc = SIGMA_OK;
  if ((mkdir(dir, 0777) != 0 && errno != EEXIST) || (mkdir(sub, 0777) != 0 && errno != EEXIST))
    rc = sigma_set_error(SIGMA_EIO, "%s: cannot create the output directory (%s)", dir,
                         strerror(errno));
  else if (access(sub, W_OK) != 0)
    rc = sigma_set_error(SIGMA_EIO, "%s: output directory is not writable", dir);
  free(sub);
  return rc;
}

char *sigma_study_path(const char *dir, const char *name) { return sigma_strf("%s/%s", dir, name); }

char *sigma_study_rep_path(const char *dir, int64_t i) {
  return sigma_strf("%s/replicates/rep-%06lld.csv", dir, (long long)i);
}

int sigma_study_write(const char *dir, const char *name, const char *text) {
  char *path = sigma_study_path(dir, name);
  if (!path) return SIGMA_ENOMEM;
  int rc = sigma_file_write(path, "study output", text, strlen(text));
  free(path);
  return rc;
}

/* The rest of f appended to s; 0 on a read error. */
static int read_all(FILE *f, sigma_str *s) {
  char buf[8192];
  size_t n;
  sigma_str_puts(s, ""); /* an empty file is "" */
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) sigma_str_append(s, buf, n);
  return !ferror(f);
}

int sigma_study_slurp(const char *path, char **text, size_t *len) {
  *text = NULL;
  *len = 0;
  FILE *f = fopen(path, "r");
  if (!f) return sigma_set_error(SIGMA_EIO, "%s: cannot read (%s)", path, strerror(errno));
  sigma_str s = SIGMA_STR_INIT;
  int ok = read_all(f, &s);
  fclose(f);
  if (!ok) {
    sigma_str_free(&s);
    return sigma_set_error(SIGMA_EIO, "%s: cannot read", path);
  }
  SIGMA_CHECK(sigma_str_error(&s));
  *len = s.len;
  *text = sigma_str_take(&s);
  return SIGMA_OK;
}

/* ---- the replicate CSV ---- */

static const char *const kHead[SIGMA_REP_HEAD] = {
    "replicate", "n1", "logdet_G1", "logdet_Ga", "logdet_Gb", "tau2_observed", "tau2_dec", "V_G",
    "v_bj"};
static const char *const kField[SIGMA_REP_FIELDS] = {
    "est",           "err",           "s_oracle",   "s_observed",
    "covers_oracle", "covers_observed", "s_cal_oracle", "s_cal_dec",
    "s_own",         "covers_cal_oracle", "covers_cal_dec", "covers_own"};

/* The header line, or NULL (out of memory; no message recorded). */
static char *header_text(void) {
  sigma_str s = SIGMA_STR_INIT;
  for (int c = 0; c < SIGMA_REP_HEAD; c++) sigma_str_appendf(&s, "%s%s", c ? "," : "", kHead[c]);
  for (int e = 0; e < sigma_nest; e++)
    for (int f = 0; f < SIGMA_REP_FIELDS; f++)
      sigma_str_appendf(&s, ",%s_%s", sigma_estimators[e].key, kField[f]);
  return sigma_str_take(&s); /* NULL if an append failed */
}

char *sigma_rep_csv_header(void) {
  char *h = header_text();
  if (!h) sigma_set_error(SIGMA_ENOMEM, "out of memory (replicate CSV header)");
  return h;
}

int sigma_rep_csv_format(int64_t i, const sigma_rep_point *p, int K, char **text) {
  char *header = sigma_rep_csv_header();
  if (!header) return SIGMA_ENOMEM;
  sigma_str s = SIGMA_STR_INIT;
  double row[SIGMA_REP_HEAD + SIGMA_REP_FIELDS * SIGMA_EST_MAX];
  sigma_str_appendf(&s, "%s\n", header);
  free(header);
  for (int k = 0; k < K; k++) {
    sigma_rep_row(i, &p[k], row);
    sigma_str_appendf(&s, "%lld,%lld", (long long)i, (long long)p[k].n1);
    for (int c = SIGMA_REP_N1 + 1; c < sigma_rep_ncol(); c++)
      sigma_str_appendf(&s, ",%s", sigma_csv_num(row[c]));
    sigma_str_puts(&s, "\n");
  }
  int rc = sigma_str_error(&s);
  *text = rc == SIGMA_OK ? sigma_str_take(&s) : NULL;
  sigma_str_free(&s);
  return rc;
}

/* sigma_rep_csv_complete on an open stream. */
static int rep_complete(FILE *f, int64_t i, const int64_t *n1s, int K, double *v) {
  char *header = header_text(); /* a question: out of memory answers 0, no message */
  if (!header) return 0;
  int ok = sigma_parse_rep_csv(f, header, i, n1s, K, sigma_rep_ncol(), v) == 0;
  free(header);
  return ok;
}

int sigma_rep_csv_complete(const char *path, int64_t i, const int64_t *n1s, int K, double *v) {
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  int ok = rep_complete(f, i, n1s, K, v);
  fclose(f);
  return ok;
}

/* ---- replicates.csv ---- */

/* Replicate i from the first directory holding it complete: its rows in v, its text
 * (header and K lines) in *text. */
static int gather_one(char *const *dirs, int ndirs, int64_t i, const int64_t *n1s, int K,
                      double *v, char **text) {
  for (int k = 0; k < ndirs; k++) {
    char *path = sigma_study_rep_path(dirs[k], i);
    if (!path) return SIGMA_ENOMEM;
    FILE *f = fopen(path, "r");
    free(path);
    if (!f) continue; /* not in this directory: maybe in the next */
    sigma_str s = SIGMA_STR_INIT;
    int ok = read_all(f, &s);
    fclose(f);
    const size_t len = s.len;
    *text = sigma_str_take(&s);
    if (ok && !*text) return sigma_set_error(SIGMA_ENOMEM, "out of memory (replicates.csv)");
    FILE *m = ok && len > 0 ? fmemopen(*text, len, "r") : NULL;
    if (ok && len > 0 && !m) {
      free(*text);
      return sigma_set_error(SIGMA_ENOMEM, "out of memory (replicates.csv)");
    }
    ok = m && rep_complete(m, i, n1s, K, v);
    if (m) fclose(m);
    if (ok) return SIGMA_OK;
    free(*text); /* torn or foreign here: maybe complete in the next directory */
    *text = NULL;
  }
  return sigma_set_error(SIGMA_EIO, "replicate %lld: no complete file in %s%s", (long long)i,
                         dirs[0], ndirs > 1 ? " or the other directories" : "");
}

int sigma_study_gather(const char *out_dir, char *const *dirs, int ndirs, int64_t lo, int64_t hi,
                       const int64_t *n1s, int K, double *V) {
  char *header = sigma_rep_csv_header(), *text = NULL;
  if (!header) return SIGMA_ENOMEM;
  sigma_str all = SIGMA_STR_INIT;
  sigma_str_appendf(&all, "%s\n", header);
  free(header);
  int rc = SIGMA_OK;
  for (int64_t i = lo; i < hi && rc == SIGMA_OK; i++) {
    rc = gather_one(dirs, ndirs, i, n1s, K, V + (size_t)(i - lo) * K * sigma_rep_ncol(), &text);
    if (rc == SIGMA_OK) sigma_str_puts(&all, text + strcspn(text, "\n") + 1); /* the rows */
    free(text);
    text = NULL;
  }
  if (rc == SIGMA_OK) rc = sigma_str_error(&all);
  if (rc == SIGMA_OK) rc = sigma_study_write(out_dir, "replicates.csv", sigma_str_cstr(&all));
  sigma_str_free(&all);
  return rc;
}
