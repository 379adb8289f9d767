/* A monitor run read back (io/monitor_desc.h). */
#include "monitor_desc.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "sigma/error.h"
#include "str.h"

#define F(name) {#name, offsetof(sigma_mon_point, name)}
const sigma_mon_field sigma_mon_point_fields[] = {
    F(N),     F(n1),       F(logdet_G1d), F(U),   F(Gamma),
    F(B),     F(tau2_loo), F(tau2_dec),   F(V_G), F(V),
    F(effective_rank), F(participation), F(alpha), F(max_norm2), F(U_full),
    F(distinct_1), F(distinct_2), F(hhi)};
#undef F
const int sigma_mon_npoint_fields =
    (int)(sizeof sigma_mon_point_fields / sizeof sigma_mon_point_fields[0]);

double sigma_mon_field_get(const sigma_mon_point *p, const sigma_mon_field *f) {
  return *(const double *)((const char *)p + f->offset);
}

static char *json_path(const char *dir) { return sigma_strf("%s/monitor.json", dir); }

int sigma_monitor_dir_has_run(const char *dir) {
  char *p = json_path(dir);
  struct stat st;
  int has = p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
  free(p);
  return has;
}

/* 1 if directory dir has an entry other than . and .. and (own) a monitor's own files (a run
 * that failed while writing, before its monitor.json), 0 if not, -1 if unreadable. */
static int has_foreign_entries(const char *dir) {
  static const char *own[] = {".", "..", "observed-indices.txt", "monitor.csv", "report.md",
                              "plots"};
  DIR *dp = opendir(dir);
  if (!dp) return -1;
  struct dirent *e;
  int n = 0;
  while (!n && (e = readdir(dp))) {
    n = 1;
    for (size_t k = 0; k < sizeof own / sizeof *own; k++)
      if (!strcmp(e->d_name, own[k])) n = 0;
  }
  closedir(dp);
  return n;
}

int sigma_monitor_check_dir(const char *dir, int append) {
  struct stat st;
  if (append && stat(dir, &st) != 0)
    return sigma_set_error(SIGMA_EINVAL, "%s: no such directory: nothing to --append to", dir);
  SIGMA_CHECK(sigma_file_check_dir(dir, "--out"));
  if (stat(dir, &st) != 0) return SIGMA_OK; /* a new name */
  const int run = sigma_monitor_dir_has_run(dir);
  if (append && !run)
    return sigma_set_error(SIGMA_EINVAL, "%s is not a sigma monitor run (no monitor.json): "
                           "cannot --append to it", dir);
  if (!append && run)
    return sigma_set_error(SIGMA_EINVAL, "%s already holds a monitor run: add --append to "
                           "extend it, or choose another --out", dir);
  if (!append && has_foreign_entries(dir) != 0)
    return sigma_set_error(SIGMA_EINVAL, "%s is not empty and holds no monitor run: refusing "
                           "to write into it (choose a new or empty --out)", dir);
  return SIGMA_OK;
}

/* A number (null: NaN) of object o at key, or a format error naming it. */
static int num(const char *path, json_t *o, const char *key, double *v) {
  json_t *x = json_object_get(o, key);
  if (json_is_null(x)) {
    *v = NAN;
    return SIGMA_OK;
  }
  if (!json_is_number(x))
    return sigma_set_error(SIGMA_EFORMAT, "%s: not a sigma monitor run (\"%s\" missing)", path,
                           key);
  *v = json_number_value(x);
  return SIGMA_OK;
}

static int str_dup(const char *path, json_t *o, const char *key, char **s) {
  const char *v = json_string_value(json_object_get(o, key));
  if (!v)
    return sigma_set_error(SIGMA_EFORMAT, "%s: not a sigma monitor run (\"%s\" missing)", path,
                           key);
  *s = strdup(v);
  return *s ? SIGMA_OK : sigma_set_error(SIGMA_ENOMEM, "out of memory");
}

/* The run's parameters: the "monitor" object. */
static int read_params(const char *path, json_t *m, sigma_monitor_desc *d) {
  double v[10];
  const char *keys[] = {"d",          "n1",        "N0",   "seed",  "delta",
                        "energy_cap", "normalize", "full", "level", "baseline"};
  for (int k = 0; k < 10; k++) {
    json_t *x = json_object_get(m, keys[k]);
    if (json_is_boolean(x))
      v[k] = json_is_true(x);
    else
      SIGMA_CHECK(num(path, m, keys[k], &v[k]));
    if (isnan(v[k]))
      return sigma_set_error(SIGMA_EFORMAT, "%s: not a sigma monitor run (\"%s\" is null)",
                             path, keys[k]);
  }
  json_int_t seed = json_integer_value(json_object_get(m, "seed"));
  *d = (sigma_monitor_desc){.d = (int)v[0], .n1 = (int64_t)v[1], .N0 = (int64_t)v[2],
                            .seed = (uint64_t)seed, .delta = v[4], .energy_cap = v[5],
                            .normalize = v[6] != 0, .full = v[7] != 0, .level = v[8],
                            .baseline = (int)v[9]};
  return SIGMA_OK;
}

/* The "files" of a checkpoint. */
static int read_files(const char *path, json_t *c, sigma_mon_ckpt *ck) {
  json_t *fs = json_object_get(c, "files");
  if (!json_is_array(fs))
    return sigma_set_error(SIGMA_EFORMAT, "%s: not a sigma monitor run (\"files\" missing)", path);
  SIGMA_CHECK(sigma_calloc(&ck->files, json_array_size(fs) + 1, sizeof *ck->files));
  for (size_t k = 0; k < json_array_size(fs); k++) {
    json_t *f = json_array_get(fs, k);
    double rows = 0;
    ck->nfiles = (int)k + 1;
    SIGMA_CHECK(str_dup(path, f, "path", &ck->files[k].path));
    SIGMA_CHECK(str_dup(path, f, "dataset", &ck->files[k].dataset));
    SIGMA_CHECK(num(path, f, "rows", &rows));
    ck->files[k].rows = (int64_t)rows;
  }
  return SIGMA_OK;
}

/* One element of "checkpoints". */
static int read_ckpt(const char *path, json_t *c, sigma_monitor_desc *d, int k) {
  sigma_mon_ckpt *ck = &d->ckpts[k];
  ck->seconds = ck->seconds_read = NAN;
  SIGMA_CHECK(str_dup(path, c, "label", &ck->label));
  SIGMA_CHECK(str_dup(path, c, "spec", &ck->spec));
  SIGMA_CHECK(read_files(path, c, ck));
  sigma_mon_point *p = &ck->p;
  for (int f = 0; f < sigma_mon_npoint_fields; f++) {
    const sigma_mon_field *fd = &sigma_mon_point_fields[f];
    double *v = (double *)((char *)p + fd->offset);
    if (f >= sigma_mon_npoint_fields - 3 && !json_object_get(c, fd->name))
      *v = NAN; /* the proxies (the last 3 fields): absent from runs of an older sigma */
    else
      SIGMA_CHECK(num(path, c, fd->name, v));
  }
  p->d = d->d;
  return SIGMA_OK;
}

int sigma_monitor_desc_read(const char *dir, sigma_monitor_desc *d) {
  memset(d, 0, sizeof *d);
  char *path = json_path(dir);
  if (!path) return SIGMA_ENOMEM;
  json_error_t jerr;
  json_t *j = NULL, *cks;
  int rc = SIGMA_OK; /* not recorded as an input: --append rewrites it */
  if (!(j = json_load_file(path, 0, &jerr)))
    rc = sigma_set_error(SIGMA_EIO, "%s: corrupt (%s): cannot read the run back", path, jerr.text);
  if (rc == SIGMA_OK) rc = read_params(path, json_object_get(j, "monitor"), d);
  if (rc == SIGMA_OK && !json_is_array(cks = json_object_get(j, "checkpoints")))
    rc = sigma_set_error(SIGMA_EFORMAT, "%s: not a sigma monitor run (\"checkpoints\" missing)",
                         path);
  if (rc == SIGMA_OK) {
    int K = (int)json_array_size(cks);
    rc = sigma_calloc(&d->ckpts, (size_t)K + 1, sizeof *d->ckpts);
    for (int k = 0; rc == SIGMA_OK && k < K; k++) {
      rc = read_ckpt(path, json_array_get(cks, (size_t)k), d, k);
      d->K = k + 1;
    }
  }
  json_decref(j);
  free(path);
  return rc;
}

void sigma_mon_ckpt_free(sigma_mon_ckpt *c) {
  for (int k = 0; k < c->nfiles; k++) {
    free(c->files[k].path);
    free(c->files[k].dataset);
  }
  free(c->files);
  free(c->label);
  free(c->spec);
  memset(c, 0, sizeof *c);
}

void sigma_monitor_desc_free(sigma_monitor_desc *d) {
  for (int k = 0; k < d->K; k++) sigma_mon_ckpt_free(&d->ckpts[k]);
  free(d->ckpts);
  memset(d, 0, sizeof *d);
}
