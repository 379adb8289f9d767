/* sigma study driver: truth by one audit, replicates over the ranks, summary. */
#include "study.h"

#include <errno.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "blas_core.h"
#include "files.h"
#include "fmt.h"
#include "parse.h"
#include "plots.h"
#include "provenance.h"
#include "progress.h"
#include "reduce.h"
#include "sigma/error.h"
#include "sigma/version.h"
#include "sigma/registry.h"
#include "sigma/gram.h"
#include "sigma/replicate.h"
#include "sigma/sample.h"
#include "sigma/stats.h"

#define kEst(e) (sigma_estimators[e].key)
#define NCOL (6 + 6 * sigma_nest) /* columns of a replicate row */

/* ---- files ---- */

/* Every study file goes through the one output writer (io/files.h): atomic, unique
 * temporary per process, never onto an input. */
static int write_atomic(const char *path, const char *text) {
  return sigma_file_write(path, "study output", text, strlen(text));
}

static void rep_path(const sigma_study_opts *o, int64_t i, char *buf, size_t len) {
  snprintf(buf, len, "%s/replicates/rep-%06lld.csv", o->out_dir, (long long)i);
}

static const char *rep_header(void) {
  static char h[1024];
  if (!h[0]) {
    strcpy(h, "replicate,n1,logdet_G1,logdet_Ga,logdet_Gb,tau2_observed");
    for (int e = 0; e < sigma_nest; e++) {
      char part[256];
      snprintf(part, sizeof part,
               ",%s_est,%s_err,%s_s_oracle,%s_s_observed,%s_covers_oracle,%s_covers_observed",
               kEst(e), kEst(e), kEst(e), kEst(e), kEst(e), kEst(e));
      strcat(h, part);
    }
  }
  return h;
}

/* A CSV field: %.17g (a resumed study reads back the exact doubles), empty when not
 * applicable (NaN; a covers flag of -1). */
static void csv_field(FILE *f, double v) { fprintf(f, ",%s", sigma_csv_num(v)); }

static double covers_value(int c) { return c < 0 ? NAN : c; }

/* One replicate as CSV (header + K lines). Errors: NULL (out of memory). */
static char *rep_csv(int64_t i, const sigma_rep_point *p, int K) {
  char *s = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&s, &len); /* sized by what is written, never guessed */
  if (!f) return NULL;
  fprintf(f, "%s\n", rep_header());
  for (int k = 0; k < K; k++) {
    fprintf(f, "%lld,%lld", (long long)i, (long long)p[k].n1);
    csv_field(f, p[k].logdet_G1);
    csv_field(f, p[k].logdet_Ga);
    csv_field(f, p[k].logdet_Gb);
    csv_field(f, p[k].tau2_observed);
    for (int e = 0; e < sigma_nest; e++) {
      const sigma_est_line *l = &p[k].line[e];
      const double v[6] = {l->est, l->err, l->s[0], l->s[1], covers_value(l->covers[0]),
                           covers_value(l->covers[1])};
      for (int c = 0; c < 6; c++) csv_field(f, v[c]);
    }
    fputc('\n', f);
  }
  if (fclose(f) != 0) {
    free(s);
    return NULL;
  }
  return s;
}

/* Parse a replicate file into v (K x NCOL) (io/parse.h). Returns SIGMA_OK only for a
 * complete file of this sweep. */
static int rep_read(const char *path, const sigma_study_opts *o, int64_t i, double *v) {
  FILE *f = fopen(path, "r");
  if (!f) return SIGMA_EIO;
  int ok = sigma_parse_rep_csv(f, rep_header(), i, o->n1s, o->K, NCOL, v) == 0;
  fclose(f);
  return ok ? SIGMA_OK : SIGMA_EIO;
}

/* ---- the header: what makes two runs the same study ---- */

/* The first top-level key whose value differs (for the error message). */
static const char *first_difference(json_t *a, json_t *b) {
  const char *key;
  json_t *v;
  json_object_foreach(a, key, v) if (!json_equal(v, json_object_get(b, key))) return key;
  return "?";
}


static json_t *study_header(const sigma_study_opts *o, const sigma_audit_result *a) {
  json_t *files = json_array(), *sweep = json_array(), *eps = json_array();
  for (int k = 0; k < a->input->nshards; k++) {
    char *abs = realpath(a->input->shard[k].path, NULL);
    json_array_append_new(files, json_pack("{s:s,s:s,s:I}", "path",
                                           abs ? abs : a->input->shard[k].path, "dataset",
                                           a->input->shard[k].dataset, "rows",
                                           (json_int_t)a->input->shard[k].rows));
    free(abs);
  }
  for (int k = 0; k < o->K; k++) {
    json_array_append_new(sweep, json_integer(o->n1s[k]));
    json_array_append_new(eps, json_real(o->eps[k]));
  }
  return json_pack("{s:o,s:I,s:i,s:I,s:I,s:o,s:o,s:b,s:f,s:f,s:b,s:b}", "files", files, "N",
                   (json_int_t)a->N, "d", a->d, "seed", (json_int_t)o->c.seed, "replicates",
                   (json_int_t)o->replicates, "n1", sweep, "epsilon", eps, "from_epsilon",
                   o->from_epsilon, "level", o->c.level, "rule_constant", o->c.rule_constant,
                   "normalize", o->c.normalize, "center", o->c.center);
}

/* Write DIR/study.json, or under --resume check that it describes this very study:
 * the same header (inputs, N, d, seed, sweep, options) and the same truth, L and the tau2
 * oracle to the last bit (both are rank- and block-independent), so a changed input
 * behind the same path and shape is caught. */
static int header_sync(const sigma_study_opts *o, const sigma_audit_result *a) {
  char path[4096];
  snprintf(path, sizeof path, "%s/study.json", o->out_dir);
  json_t *h = study_header(o, a);
  json_t *root = json_pack("{s:o,s:f,s:f}", "study", h, "L", a->est.L, "tau2_oracle",
                           a->tau2_oracle);
  int rc = SIGMA_OK;
  json_error_t jerr;
  json_t *old = access(path, F_OK) == 0 ? json_load_file(path, 0, &jerr) : NULL;
  if (access(path, F_OK) == 0 && !old)
    rc = sigma_set_error(SIGMA_EINVAL, "%s: corrupt (%s): cannot verify the study", path,
                         jerr.text);
  else if (old && !json_equal(json_object_get(old, "study"), h))
    rc = sigma_set_error(SIGMA_EINVAL, "%s holds a different study ('%s' differs: input, seed, "
                         "sweep, replicates or options): cannot --resume it", path,
                         first_difference(json_object_get(old, "study"), h));
  else if (old && (!json_equal(json_object_get(old, "L"), json_object_get(root, "L")) ||
                   !json_equal(json_object_get(old, "tau2_oracle"),
                               json_object_get(root, "tau2_oracle"))))
    rc = sigma_set_error(SIGMA_EINVAL, "%s: the input changed since the study began (L = %.17g "
                         "then, %.17g now): cannot --resume it", path,
                         json_number_value(json_object_get(old, "L")), a->est.L);
  else if (!old) {
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    rc = text ? write_atomic(path, text) : sigma_set_error(SIGMA_ENOMEM, "out of memory");
    free(text);
  }
  json_decref(old);
  json_decref(root);
  return rc;
}

/* Before any work: --out must be new, empty, or a study (with --resume, a readable one).
 * A non-empty directory without study.json is the user's, not ours: writing report.md,
 * summary.csv or plots/ there would overwrite their files; and replicates without a
 * study.json cannot be verified, so resuming them could mix studies. */
static int check_out_dir(const char *dir, int resume, int allow_study) {
  struct stat st;
  if (stat(dir, &st) != 0) {
    if (errno != ENOENT)
      return sigma_set_error(SIGMA_EIO, "%s: cannot create the output directory (%s)", dir,
                             strerror(errno));
    char *parent = strdup(dir), *slash = parent ? strrchr(parent, '/') : NULL;
    if (slash) *slash = '\0';
    int ok = !parent || !slash || !*parent || access(parent, W_OK) == 0;
    int rc = ok ? SIGMA_OK
                : sigma_set_error(SIGMA_EIO, "%s: cannot create the output directory (%s: %s)",
                                  dir, parent, strerror(errno));
    free(parent);
    return rc; /* created after the truth pass */
  }
  if (!S_ISDIR(st.st_mode))
    return sigma_set_error(SIGMA_EIO, "%s: --out exists and is not a directory", dir);
  DIR *dp = opendir(dir);
  if (!dp) return sigma_set_error(SIGMA_EIO, "%s: cannot read directory (%s)", dir, strerror(errno));
  int entries = 0, study = 0;
  for (struct dirent *e; (e = readdir(dp));) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    entries++;
    study |= !strcmp(e->d_name, "study.json");
  }
  closedir(dp);
  if (entries == 0) return SIGMA_OK;
  if (!study)
    return sigma_set_error(SIGMA_EINVAL, "%s is not empty and holds no study (no study.json): "
                           "refusing to %s (choose a new or empty --out)", dir,
                           resume ? "resume from files it cannot verify" : "write into it");
  if (!allow_study)
    return sigma_set_error(SIGMA_EINVAL, "%s already holds a study: merge into a new --out", dir);
  char path[4096];
  snprintf(path, sizeof path, "%s/study.json", dir);
  json_error_t jerr;
  json_t *j = json_load_file(path, 0, &jerr);
  int rc = SIGMA_OK;
  sigma_study_header sh;
  if (!j)
    rc = sigma_set_error(SIGMA_EINVAL, "%s: corrupt (%s): cannot verify the study", path,
                         jerr.text);
  else if (!json_is_number(json_object_get(j, "L")))
    rc = sigma_set_error(SIGMA_EINVAL, "%s: corrupt or not a study (no L): cannot verify it", path);
  else
    rc = sigma_parse_study_header(json_object_get(j, "study"), path, &sh);
  if (rc == SIGMA_OK && !resume)
    rc = sigma_set_error(SIGMA_EINVAL, "%s already holds a study: add --resume to continue "
                         "it, or choose another --out", dir);
  json_decref(j);
  return rc;
}

static int make_dirs(const sigma_study_opts *o) {
  char sub[4096];
  snprintf(sub, sizeof sub, "%s/replicates", o->out_dir);
  if ((mkdir(o->out_dir, 0777) != 0 && errno != EEXIST) || (mkdir(sub, 0777) != 0 && errno != EEXIST))
    return sigma_set_error(SIGMA_EIO, "%s: cannot create the output directory (%s)", o->out_dir,
                           strerror(errno));
  if (access(sub, W_OK) != 0)
    return sigma_set_error(SIGMA_EIO, "%s: output directory is not writable", o->out_dir);
  return SIGMA_OK;
}

/* ---- one replicate ---- */

typedef struct {
  uint64_t row;
  int64_t pos;
} row_pos;

static int cmp_row_pos(const void *a, const void *b) {
  uint64_t x = ((const row_pos *)a)->row, y = ((const row_pos *)b)->row;
  return (x > y) - (x < y);
}

typedef struct {
  double *X, *Xs, *scratch; /* chunk x d rows (draw order, file order), span staging */
  uint64_t *perm, *rows;    /* n1_max draw order; chunk sorted row indices */
  row_pos *rp;              /* chunk */
  int64_t chunk;            /* rows fetched at a time (n1_max when the block fits) */
} rep_buf;

static void rep_buf_free(rep_buf *b) {
  free(b->X); free(b->Xs); free(b->scratch); free(b->perm); free(b->rows); free(b->rp);
}

static int rep_buf_init(rep_buf *b, int64_t n, int64_t chunk, int d) {
  memset(b, 0, sizeof *b);
  b->chunk = chunk < n ? chunk : n;
  SIGMA_CHECK(sigma_calloc(&b->X, (size_t)b->chunk * d, sizeof(double)));
  SIGMA_CHECK(sigma_calloc(&b->Xs, (size_t)b->chunk * d, sizeof(double)));
  SIGMA_CHECK(sigma_calloc(&b->scratch, (size_t)SIGMA_SPAN_ROWS * d, sizeof(double)));
  SIGMA_CHECK(sigma_calloc(&b->perm, (size_t)n, sizeof(uint64_t)));
  SIGMA_CHECK(sigma_calloc(&b->rows, (size_t)b->chunk, sizeof(uint64_t)));
  return sigma_calloc(&b->rp, (size_t)b->chunk, sizeof(row_pos));
}

/* Rows fetched at a time for a replicate within --memory-limit: the whole block when it
 * fits, else a multiple of SIGMA_BLAS_ROWS (sigma_replicate_stream). Known before the
 * full pass, so an impossible limit fails before any work. */
static int replicate_chunk(const sigma_study_opts *o, int d, int64_t *chunk) {
  const int64_t n = o->n1s[o->K - 1];
  const double fixed = sigma_replicate_work_bytes(d, o->K) + (double)SIGMA_SPAN_ROWS * d * 8 +
                       8.0 * (double)n;
  const double per_row = 16.0 * d + 24.0; /* X, Xs, sorted index and position */
  if (fixed + per_row * (double)n <= o->memory_limit) {
    *chunk = n;
    return SIGMA_OK;
  }
  double rows = (o->memory_limit - fixed) / per_row;
  *chunk = rows > 0 ? (int64_t)(rows / SIGMA_BLAS_ROWS) * SIGMA_BLAS_ROWS : 0;
  if (*chunk < SIGMA_BLAS_ROWS)
    return sigma_set_error(SIGMA_ENOMEM,
                           "a replicate at d = %d needs at least %.0f MiB per rank, over "
                           "--memory-limit %g MiB", d,
                           ceil((fixed + per_row * SIGMA_BLAS_ROWS) / 1048576),
                           o->memory_limit / 1048576);
  return SIGMA_OK;
}

/* Rows [p0, p1) of replicate i in draw order (b->perm holds its draw), prepared as the
 * audit prepares them (unit norm with --normalize, minus the global mean with
 * --center). Read in file order, placed back in draw order. */
typedef struct {
  const sigma_study_opts *o;
  const sigma_audit_result *a;
  rep_buf *b;
} rep_src;

static int rep_fetch(void *ctx, int64_t p0, int64_t p1, const double **out) {
  const rep_src *src = ctx;
  const sigma_study_opts *o = src->o;
  const sigma_audit_result *a = src->a;
  rep_buf *b = src->b;
  const int d = a->d;
  const int64_t n = p1 - p0;
  for (int64_t k = 0; k < n; k++) b->rp[k] = (row_pos){b->perm[p0 + k], k};
  qsort(b->rp, (size_t)n, sizeof *b->rp, cmp_row_pos);
  for (int64_t k = 0; k < n; k++) b->rows[k] = b->rp[k].row;
  SIGMA_CHECK(sigma_input_read_rows(a->input, b->rows, n, b->Xs, b->scratch));
  for (int64_t k = 0; k < n; k++) {
    double *x = b->X + (size_t)b->rp[k].pos * d;
    memcpy(x, b->Xs + (size_t)k * d, (size_t)d * sizeof(double));
    if (o->c.normalize)
      SIGMA_CHECK(sigma_input_prepare_row(a->input, (int64_t)b->rp[k].row, x, 1, NULL));
    if (o->c.center)
      for (int j = 0; j < d; j++) x[j] = (x[j] - a->mean[j]) - a->mean[d + j];
  }
  *out = b->X;
  return SIGMA_OK;
}

/* One replicate: its draw, then the estimators over the sweep from its rows. */
static int replicate_run(const sigma_study_opts *o, const sigma_audit_result *a, int64_t i,
                         rep_buf *b, const sigma_rep_truth *t, sigma_rep_point *pts) {
  const int64_t n = o->n1s[o->K - 1];
  SIGMA_CHECK(sigma_sample_prefix((uint64_t)a->N, (uint64_t)n, o->c.seed, (uint64_t)i, b->perm));
  rep_src src = {o, a, b};
  return sigma_replicate_stream(t, rep_fetch, &src, b->chunk, o->n1s, o->K, pts);
}

static int run_replicates(const sigma_study_opts *o, const sigma_audit_result *a, int64_t chunk,
                          int rank, int size, int64_t *computed) {
  rep_buf b;
  sigma_rep_point *pts = calloc((size_t)o->K, sizeof *pts);
  int rc = pts ? rep_buf_init(&b, o->n1s[o->K - 1], chunk, a->d)
               : sigma_set_error(SIGMA_ENOMEM, "out of memory");
  const sigma_rep_truth t = {a->d, (double)a->N, a->est.L, a->tau2_oracle, o->c.level};
  int64_t mine = 0, done = 0;
  for (int64_t i = o->rep_lo + rank; i < o->rep_hi; i += size) mine++;
  sigma_progress pg;
  sigma_progress_start(&pg, "replicates", rank == 0 && !o->c.quiet, o->rep_hi - o->rep_lo, mine,
                       0.0);
  double *v = calloc((size_t)o->K * NCOL, sizeof(double));
  for (int64_t i = o->rep_lo + rank; rc == SIGMA_OK && i < o->rep_hi; i += size) {
    char path[4096];
    rep_path(o, i, path, sizeof path);
    if (o->resume && v && rep_read(path, o, i, v) == SIGMA_OK) { /* finished before */
      sigma_progress_update(&pg, ++done);
      continue;
    }
    /* SIGMA_DEBUG_REPLICATE_DELAY_MS (tests only) slows each replicate so a test can
     * kill the job mid-study deterministically. */
    const char *delay = getenv("SIGMA_DEBUG_REPLICATE_DELAY_MS");
    if (delay) usleep(1000 * (useconds_t)atoi(delay));
    rc = replicate_run(o, a, i, &b, &t, pts);
    if (rc == SIGMA_OK) {
      char *text = rep_csv(i, pts, o->K);
      rc = text ? write_atomic(path, text) : sigma_set_error(SIGMA_ENOMEM, "out of memory");
      free(text);
      (*computed)++;
    } else {
      char msg[900];
      snprintf(msg, sizeof msg, "%s", sigma_error_message());
      sigma_clear_error();
      rc = sigma_set_error(rc, "replicate %lld: %s", (long long)i, msg);
    }
    sigma_progress_update(&pg, ++done);
  }
  if (rc == SIGMA_OK) sigma_progress_end(&pg);
  free(v);
  free(pts);
  if (pts) rep_buf_free(&b);
  return rc;
}

/* ---- summary (rank 0) ---- */

/* What a summary needs of the truth; from the audit, or from study.json (merge). */
typedef struct {
  int64_t N;
  int d;
  double L, tau2_oracle, logdet_G1_rep0;
  json_t *header; /* the "study" object of study.json (borrowed) */
} study_truth;

/* The complete file of replicate i in one of dirs (the first that has it). */
static int find_rep(const sigma_study_opts *o, char *const *dirs, int ndirs, int64_t i,
                    double *v, char *path, size_t len) {
  for (int k = 0; k < ndirs; k++) {
    snprintf(path, len, "%s/replicates/rep-%06lld.csv", dirs[k], (long long)i);
    if (rep_read(path, o, i, v) == SIGMA_OK) return SIGMA_OK;
  }
  return sigma_set_error(SIGMA_EIO, "replicate %lld: no complete file in %s%s", (long long)i,
                         dirs[0], ndirs > 1 ? " or the other directories" : "");
}

typedef struct {
  int64_t n;              /* replicates with this estimator available */
  double bias, sd, rmse, s_oracle, s_obs_mean;
  double cov[2], cov_se[2];
  double ks_D, ks_p, p_within, q_level, n1_needed;
} sum_cell;

/* Column of estimator e in a replicate row. */
static int col(int e, int field) { return 6 + 6 * e + field; }

static int summarize_cell(const double *V, int64_t R, int K, int k, int e, double eps,
                          double level, sum_cell *c) {
  double *err = malloc((size_t)R * sizeof(double)), *z = malloc((size_t)R * sizeof(double));
  if (!err || !z) {
    free(err);
    free(z);
    return sigma_set_error(SIGMA_ENOMEM, "out of memory (summary)");
  }
  int64_t n = 0, ncov[2] = {0, 0};
  double cov[2] = {0, 0}, sobs = 0, within = 0, sq = 0;
  memset(c, 0, sizeof *c);
  for (int64_t r = 0; r < R; r++) {
    const double *row = V + ((size_t)r * K + k) * NCOL;
    if (isnan(row[col(e, 0)])) continue;
    err[n] = row[col(e, 1)];
    c->s_oracle = row[col(e, 2)];
    z[n] = err[n] / c->s_oracle;
    sobs += row[col(e, 3)];
    for (int j = 0; j < 2; j++) /* a CI that is not applicable (empty flag) does not count */
      if (!isnan(row[col(e, 4 + j)])) {
        cov[j] += row[col(e, 4 + j)];
        ncov[j]++;
      }
    within += fabs(err[n]) <= eps;
    sq += err[n] * err[n];
    n++;
  }
  c->n = n;
  if (n > 0) {
    c->bias = gsl_stats_mean(err, 1, (size_t)n);
    c->sd = n > 1 ? gsl_stats_sd(err, 1, (size_t)n) : NAN;
    c->rmse = sqrt(sq / n);
    c->s_obs_mean = sobs / n;
    for (int j = 0; j < 2; j++) {
      c->cov[j] = ncov[j] ? cov[j] / ncov[j] : NAN;
      c->cov_se[j] = ncov[j] ? sigma_binomial_se(c->cov[j], (size_t)ncov[j]) : NAN;
    }
    c->p_within = within / n;
    sigma_ks_normal(z, (size_t)n, &c->ks_D, &c->ks_p);
    for (int64_t r = 0; r < n; r++) err[r] = fabs(err[r]);
    gsl_sort(err, 1, (size_t)n);
    c->q_level = gsl_stats_quantile_from_sorted_data(err, 1, (size_t)n, level);
  } else {
    c->bias = c->sd = c->rmse = c->s_obs_mean = c->p_within = c->q_level = c->s_oracle = NAN;
    c->cov[0] = c->cov[1] = c->cov_se[0] = c->cov_se[1] = c->ks_D = c->ks_p = NAN;
  }
  c->n1_needed = NAN;
  free(err);
  free(z);
  return SIGMA_OK;
}


/* ---- plots and report ---- */

static FILE *open_in(const sigma_study_opts *o, const char *name) {
  char path[4200];
  snprintf(path, sizeof path, "%s/plots/%s", o->out_dir, name);
  return fopen(path, "w");
}

/* The sweep point shown in the histogram: the n1 nearest 16 d (log scale). */
static int hist_index(const sigma_study_opts *o, int d) {
  int best = 0;
  for (int k = 1; k < o->K; k++)
    if (fabs(log((double)o->n1s[k] / (16.0 * d))) < fabs(log((double)o->n1s[best] / (16.0 * d))))
      best = k;
  return best;
}

/* A plot data value: n/a (gnuplot's "missing") when not applicable, never nan. */
#define DAT(v) sigma_num("%.10g", (v))

static int write_plot_data(const sigma_study_opts *o, const study_truth *a, const double *V,
                           int64_t R, const sum_cell *S, double z) {
  const int K = o->K, kh = hist_index(o, a->d), kq = o->K - 1;
  char sub[4200];
  snprintf(sub, sizeof sub, "%s/plots", o->out_dir);
  if (mkdir(sub, 0777) != 0 && errno != EEXIST)
    return sigma_set_error(SIGMA_EIO, "%s: cannot create", sub);
  int ok = 1;
  for (int e = 0; e < sigma_nest && ok; e++) {
    char name[64];
    snprintf(name, sizeof name, "est_%s.dat", kEst(e));
    FILE *f = open_in(o, name);
    ok = f != NULL;
    if (f) {
      fprintf(f, "# n1 bias sd s_pred z*s_pred bias_formula cov_oracle se cov_observed se\n");
      for (int k = 0; k < K; k++) {
        const sum_cell *cl = &S[k * sigma_nest + e];
        fprintf(f, "%lld %s %s %s %s %s %s %s %s %s\n", (long long)o->n1s[k], DAT(cl->bias),
                DAT(cl->sd), DAT(cl->s_oracle), DAT(z * cl->s_oracle),
                DAT(sigma_bias_formula(a->d, (double)a->N, (double)o->n1s[k])), DAT(cl->cov[0]),
                DAT(cl->cov_se[0]), DAT(cl->cov[1]), DAT(cl->cov_se[1]));
      }
      ok = fclose(f) == 0 && ok; /* a full disk shows at close */
    }
    snprintf(name, sizeof name, "err_%s.dat", kEst(e));
    f = open_in(o, name);
    ok = ok && f;
    if (f) {
      for (int64_t r = 0; r < R; r++)
        for (int k = 0; k < K; k++) {
          const double *row = V + ((size_t)r * K + k) * NCOL;
          if (isfinite(row[col(e, 1)])) fprintf(f, "%lld %.10g\n", (long long)o->n1s[k], row[col(e, 1)]);
        }
      ok = fclose(f) == 0 && ok; /* a full disk shows at close */
    }
    /* QQ at the largest n1: sorted standardized errors against normal quantiles. */
    snprintf(name, sizeof name, "qq_%s.dat", kEst(e));
    f = open_in(o, name);
    ok = ok && f;
    double *zs = malloc((size_t)R * sizeof(double));
    if (f && zs) {
      int64_t n = 0;
      for (int64_t r = 0; r < R; r++) {
        const double *row = V + ((size_t)r * K + kq) * NCOL;
        if (isfinite(row[col(e, 1)])) zs[n++] = row[col(e, 1)] / row[col(e, 2)];
      }
      gsl_sort(zs, 1, (size_t)n);
      for (int64_t i = 0; i < n; i++)
        fprintf(f, "%.10g %.10g\n", gsl_cdf_ugaussian_Pinv((i + 0.5) / n), zs[i]);
    }
    if (f) ok = fclose(f) == 0 && ok;
    free(zs);
  }
  FILE *f = open_in(o, "hist.dat");
  ok = ok && f;
  if (f) {
    fprintf(f, "# errors at n1 = %lld: plugin wishart richardson\n", (long long)o->n1s[kh]);
    for (int64_t r = 0; r < R; r++) {
      const double *row = V + ((size_t)r * K + kh) * NCOL;
      fprintf(f, "%s %s %s\n", DAT(row[col(0, 1)]), DAT(row[col(1, 1)]), DAT(row[col(2, 1)]));
    }
    ok = fclose(f) == 0 && ok;
  }
  if (!ok) return sigma_set_error(SIGMA_EIO, "%s: cannot write the plot data", sub);
  f = open_in(o, "study.gp");
  if (!f) return sigma_set_error(SIGMA_EIO, "%s/study.gp: cannot write", sub);
  const double s_h = S[kh * sigma_nest].s_oracle;
  fprintf(f,
          "# gnuplot script written by sigma study; run in this directory.\n"
          "set datafile missing 'n/a'\n"
          "E = \"plugin wishart richardson\"\n"
          "set terminal pngcairo size 1500,480 font ',10'\n"
          "set output 'errors.png'\n"
          "set multiplot layout 1,3 title 'error L - estimate (nats) vs n1: replicates, mean, "
          "0 +- z s (Theorem 3), Gaussian bias formula (N = %lld, d = %d, R = %lld)'\n"
          "set logscale x 2; set xlabel 'n1'; set key top right; set grid\n"
          "do for [e in E] {\n"
          "  set title e\n"
          "  plot 'est_'.e.'.dat' u 1:(-$5):5 w filledcurves lc rgb '#cfe2f3' t '0 +- z s', \\\n"
          "       'err_'.e.'.dat' u 1:2 w p pt 7 ps 0.25 lc rgb '#777777' t 'replicates', \\\n"
          "       'est_'.e.'.dat' u 1:2 w lp pt 5 lw 2 lc rgb '#cc0000' t 'mean error', \\\n"
          "       'est_'.e.'.dat' u 1:6 w l dt 2 lw 2 lc rgb 'black' t 'd(d+1)/2 (1/n1 - 1/N)'\n"
          "}\n"
          "unset multiplot\n"
          "set terminal pngcairo size 900,600 font ',10'\n"
          "set output 'coverage.png'\n"
          "set title 'coverage of the nominal %.4g CI vs n1 (+- binomial SE)'\n"
          "set yrange [0:1.05]; set ylabel 'coverage'; set key bottom right\n"
          "plot for [e in E] 'est_'.e.'.dat' u 1:7:8 w yerrorlines lw 2 t e.' (oracle tau)', \\\n"
          "     for [e in E] 'est_'.e.'.dat' u 1:9:10 w yerrorlines dt 2 t e.' (observed tau)', \\\n"
          "     %.4g w l lw 2 lc rgb 'black' t 'nominal'\n"
          "unset logscale x; set autoscale y; set ylabel ''\n"
          "set terminal pngcairo size 1500,480 font ',10'\n"
          "set output 'qq.png'\n"
          "set multiplot layout 1,3 title 'QQ: errors / s (oracle tau) at n1 = %lld against N(0,1)'\n"
          "set xlabel 'normal quantile'; set key top left\n"
          "do for [e in E] {\n"
          "  set title e\n"
          "  plot 'qq_'.e.'.dat' u 1:2 w p pt 7 ps 0.4 t 'replicates', x w l lc rgb 'black' t 'y = x'\n"
          "}\n"
          "unset multiplot\n"
          "set output 'hist.png'\n"
          "s = %.10g; R = %lld\n"
          "phi(x) = exp(-x*x / (2*s*s)) / (s*sqrt(2*pi))\n"
          "set multiplot layout 1,3 title sprintf('errors at n1 = %lld against N(0, s^2), s = %%.4g "
          "(Theorem 3)', s)\n"
          "set xlabel 'L - estimate (nats)'; set style fill solid 0.5; set key top right\n"
          "do for [c = 1:3] {\n"
          "  stats 'hist.dat' u c nooutput\n"
          "  w = (STATS_max - STATS_min + 1e-12) / 25.0\n"
          "  bin(x) = w * floor(x / w) + w / 2\n"
          "  set title word(E, c)\n"
          "  set xrange [(STATS_min < -4*s ? STATS_min : -4*s):(STATS_max > 4*s ? STATS_max : 4*s)]\n"
          "  plot 'hist.dat' u (bin(column(c))):(1.0 / (STATS_records * w)) smooth freq w boxes "
          "t 'replicates', phi(x) w l lw 2 lc rgb 'black' t 'N(0, s^2)'\n"
          "  set autoscale x\n"
          "}\n"
          "unset multiplot\n",
          (long long)a->N, a->d, (long long)R, o->c.level, o->c.level, (long long)o->n1s[kq], s_h,
          (long long)R, (long long)o->n1s[kh]);
  if (fclose(f) != 0) return sigma_set_error(SIGMA_EIO, "%s/study.gp: cannot write", sub);
  return SIGMA_OK;
}

/* DIR/report.md: the verdict in words and numbers. */
static int write_report(const sigma_study_opts *o, const study_truth *a, const sum_cell *S) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f) return sigma_set_error(SIGMA_ENOMEM, "out of memory (report)");
  const int K = o->K, d = a->d;
  const double lvl = 100 * o->c.level;
  fprintf(f, "# sigma study\n\nN = %lld rows, d = %d, L = log det G = %.4f nats, tau2 oracle = "
             "%s = %s d (Gaussian rows: 2 d). %lld replicates (seed %llu) per n1 in {",
          (long long)a->N, d, a->L, sigma_num("%.4g", a->tau2_oracle),
          sigma_num("%.2f", a->tau2_oracle / d),
          (long long)(o->rep_hi - o->rep_lo), (unsigned long long)o->c.seed);
  for (int k = 0; k < K; k++) fprintf(f, "%s%lld", k ? ", " : "", (long long)o->n1s[k]);
  fprintf(f, "}, nominal level %.4g%%.\n\n## Verdict\n\n", lvl);
  /* 1. the paper's CI */
  fprintf(f, "- **The paper's CI** (plug-in Lhat +- z tau sqrt(1/n1 - 1/N), oracle tau) covered "
             "L in ");
  for (int k = 0; k < K; k++)
    fprintf(f, "%s%s%%", k ? ", " : "", sigma_num("%.1f", 100 * S[k * sigma_nest + SIGMA_EST_PLUGIN].cov[0]));
  fprintf(f, " of replicates at n1 = ");
  for (int k = 0; k < K; k++) fprintf(f, "%s%lld", k ? ", " : "", (long long)o->n1s[k]);
  fprintf(f, " (nominal %.4g%%).\n", lvl);
  /* 2. bias vs formula */
  fprintf(f, "- **Plug-in bias** mean(L - Lhat) against d(d+1)/2 (1/n1 - 1/N): ");
  for (int k = 0; k < K; k++) {
    const sum_cell *c = &S[k * sigma_nest + SIGMA_EST_PLUGIN];
    fprintf(f, "%sn1 = %lld: %s +- %s vs %.4f", k ? "; " : "", (long long)o->n1s[k],
            sigma_num("%.4f", c->bias), sigma_num("%.4f", c->n > 1 ? c->sd / sqrt((double)c->n) : NAN),
            sigma_bias_formula(d, (double)a->N, (double)o->n1s[k]));
  }
  fprintf(f, " nats (+- one standard error of the mean).\n");
  /* 3. corrected estimators */
  for (int e = SIGMA_EST_WISHART; e < sigma_nest; e++) {
    int within = 0, shown = 0;
    fprintf(f, "- **%s** coverage (oracle tau): ", e == SIGMA_EST_WISHART ? "Wishart Lhat_W" : "Richardson Lhat_R");
    for (int k = 0; k < K; k++) {
      const sum_cell *c = &S[k * sigma_nest + e];
      if (c->n == 0 || !isfinite(c->cov[0])) continue;
      double se = sigma_binomial_se(o->c.level, (size_t)c->n);
      within += fabs(c->cov[0] - o->c.level) <= 3 * se;
      shown++;
      fprintf(f, "%s%.1f%% (bias %s)", shown > 1 ? ", " : "", 100 * c->cov[0],
              sigma_num("%.4f", c->bias));
    }
    fprintf(f, "; within 3 binomial SE of nominal at %d of %d n1.\n", within, shown);
  }
  /* 4. the rule */
  fprintf(f, "- **The rule n1 = %g d / eps^2**: ", o->c.rule_constant);
  for (int k = 0; k < K; k++) {
    const sum_cell *p = &S[k * sigma_nest], *w = &S[k * sigma_nest + 1];
    fprintf(f, "%seps = %.4g -> n1 = %lld: P(|L - est| <= eps) = %.3f plug-in, %.3f Wishart; "
               "n1 needed for eps at %.4g%%: %s plug-in, %s Wishart",
            k ? "; " : "", o->eps[k], (long long)o->n1s[k], p->p_within, w->p_within, lvl,
            sigma_num("%.0f", p->n1_needed), sigma_num("%.0f", w->n1_needed));
  }
  fprintf(f, " (n/a: not reached within the sweep).\n\n");
  fprintf(f, "## Summary table\n\n| n1 | eps | estimator | bias | sd | s (oracle tau) | coverage "
             "(oracle) | coverage (observed) | KS D (p) | P(abs err <= eps) | n1 for eps |\n"
             "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (int k = 0; k < K; k++)
    for (int e = 0; e < sigma_nest; e++) {
      const sum_cell *c = &S[k * sigma_nest + e];
      fprintf(f, "| %lld | %.4g | %s | %s | %s | %s | %s +- %s | %s +- %s | "
                 "%s (%s) | %s | %s |\n",
              (long long)o->n1s[k], o->eps[k], kEst(e), sigma_num("%.4f", c->bias),
              sigma_num("%.4f", c->sd), sigma_num("%.4f", c->s_oracle), sigma_num("%.3f", c->cov[0]),
              sigma_num("%.3f", c->cov_se[0]), sigma_num("%.3f", c->cov[1]),
              sigma_num("%.3f", c->cov_se[1]), sigma_num("%.3f", c->ks_D), sigma_num("%.2g", c->ks_p),
              sigma_num("%.3f", c->p_within), sigma_num("%.0f", c->n1_needed));
    }
  fprintf(f, "\n![errors](plots/errors.png)\n![coverage](plots/coverage.png)\n"
             "![qq](plots/qq.png)\n![histogram](plots/hist.png)\n");
  fclose(f);
  char path[4200];
  snprintf(path, sizeof path, "%s/report.md", o->out_dir);
  int rc = write_atomic(path, text);
  free(text);
  return rc;
}

/* replicates.csv: every replicate's rows (its file without the header), in order. Its
 * size follows what is written (a memstream), never a guess. */
static int write_replicates_csv(const sigma_study_opts *o, char *const *dirs, int ndirs,
                                double *V) {
  const int64_t R = o->rep_hi - o->rep_lo;
  char *all = NULL, *line = NULL;
  size_t len = 0, cap = 0;
  FILE *m = open_memstream(&all, &len);
  if (!m) return sigma_set_error(SIGMA_ENOMEM, "out of memory (summary)");
  int rc = SIGMA_OK;
  fprintf(m, "%s\n", rep_header());
  for (int64_t r = 0; r < R && rc == SIGMA_OK; r++) {
    char path[4096];
    rc = find_rep(o, dirs, ndirs, o->rep_lo + r, V + (size_t)r * o->K * NCOL, path, sizeof path);
    FILE *f = rc == SIGMA_OK ? fopen(path, "r") : NULL;
    if (rc == SIGMA_OK && !f) rc = sigma_set_error(SIGMA_EIO, "%s: cannot read", path);
    if (f && getline(&line, &cap, f) > 0) /* skip the header */
      while (getline(&line, &cap, f) > 0) fputs(line, m);
    if (f) fclose(f);
  }
  free(line);
  if (fclose(m) != 0 && rc == SIGMA_OK) rc = sigma_set_error(SIGMA_ENOMEM, "out of memory (summary)");
  char path[4096];
  snprintf(path, sizeof path, "%s/replicates.csv", o->out_dir);
  if (rc == SIGMA_OK) rc = write_atomic(path, all);
  free(all);
  return rc;
}

/* Per n1 and estimator; then the n1 each estimator needs for each eps (interpolated
 * over the sweep's level-quantiles of |error|). */
static int summarize_cells(const sigma_study_opts *o, const double *V, int64_t R, sum_cell *S) {
  const int K = o->K;
  for (int k = 0; k < K; k++)
    for (int e = 0; e < sigma_nest; e++)
      SIGMA_CHECK(summarize_cell(V, R, K, k, e, o->eps[k], o->c.level, &S[k * sigma_nest + e]));
  double n1d[64], q[64];
  for (int e = 0; e < sigma_nest; e++) {
    int m = 0;
    for (int k = 0; k < K && m < 64; k++)
      if (isfinite(S[k * sigma_nest + e].q_level)) {
        n1d[m] = (double)o->n1s[k];
        q[m++] = S[k * sigma_nest + e].q_level;
      }
    for (int k = 0; k < K; k++)
      S[k * sigma_nest + e].n1_needed = sigma_n1_for_precision(n1d, q, (size_t)m, o->eps[k]);
  }
  return SIGMA_OK;
}

/* One summary row as JSON (NaN: null). */
static json_t *cell_json(const sigma_study_opts *o, int k, int e, const sum_cell *c, double bf) {
  return json_pack("{s:I,s:o,s:s,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,"
                   "s:o,s:o,s:o}",
                   "n1", (json_int_t)o->n1s[k], "epsilon", sigma_json_num(o->eps[k]), "estimator",
                   kEst(e), "replicates", (json_int_t)c->n, "bias", sigma_json_num(c->bias), "sd",
                   sigma_json_num(c->sd), "rmse", sigma_json_num(c->rmse), "s_oracle", sigma_json_num(c->s_oracle),
                   "s_observed_mean", sigma_json_num(c->s_obs_mean), "bias_formula", sigma_json_num(bf),
                   "coverage_oracle", sigma_json_num(c->cov[0]), "coverage_oracle_se",
                   sigma_json_num(c->cov_se[0]), "coverage_observed", sigma_json_num(c->cov[1]),
                   "coverage_observed_se", sigma_json_num(c->cov_se[1]), "ks_D", sigma_json_num(c->ks_D),
                   "ks_p", sigma_json_num(c->ks_p), "p_abs_err_within_eps", sigma_json_num(c->p_within),
                   "abs_err_quantile_level", sigma_json_num(c->q_level), "n1_needed_for_eps",
                   sigma_json_num(c->n1_needed));
}

/* One summary row as CSV (NaN: empty) and as a table line (NaN: n/a). */
static void cell_text(FILE *csv, const sigma_study_opts *o, int k, int e, const sum_cell *c,
                      double bf) {
  const double v[15] = {c->bias,      c->sd,     c->rmse,     c->s_oracle, c->s_obs_mean,
                        bf,           c->cov[0], c->cov_se[0], c->cov[1],  c->cov_se[1],
                        c->ks_D,      c->ks_p,   c->p_within,  c->q_level, c->n1_needed};
  fprintf(csv, "%lld,%.17g,%s,%lld", (long long)o->n1s[k], o->eps[k], kEst(e), (long long)c->n);
  for (int j = 0; j < 15; j++) csv_field(csv, v[j]);
  fputc('\n', csv);
  char c0[64], c1[64];
  snprintf(c0, sizeof c0, "%s+-%s", sigma_num("%.3f", c->cov[0]), sigma_num("%.3f", c->cov_se[0]));
  snprintf(c1, sizeof c1, "%s+-%s", sigma_num("%.3f", c->cov[1]), sigma_num("%.3f", c->cov_se[1]));
  if (!isfinite(c->cov[0])) snprintf(c0, sizeof c0, "n/a");
  if (!isfinite(c->cov[1])) snprintf(c1, sizeof c1, "n/a");
  printf("%7lld %7.4f %-10s %9s %8s %8s %8s %14s %14s %7s %8s %10s\n", (long long)o->n1s[k],
         o->eps[k], kEst(e), sigma_num("%.4f", c->bias), sigma_num("%.4f", c->sd),
         sigma_num("%.4f", c->s_oracle), sigma_num("%.4f", bf), c0, c1,
         sigma_num("%.4f", c->ks_D), sigma_num("%.3f", c->p_within),
         sigma_num("%.0f", c->n1_needed));
}

static int summarize(const sigma_study_opts *o, const study_truth *a, char *const *dirs,
                     int ndirs, int64_t computed, double t_truth, double t_reps, json_t *prov) {
  const int K = o->K, d = a->d;
  const int64_t R = o->rep_hi - o->rep_lo;
  const double N = (double)a->N;
  int rc = SIGMA_OK;
  json_t *rows = NULL, *root = NULL;
  char *csv = NULL, *text = NULL, path[4096];
  size_t len = 0;
  FILE *m = NULL;
  double *V = calloc((size_t)R * K * NCOL, sizeof(double));
  sum_cell *S = calloc((size_t)K * sigma_nest, sizeof *S);
  if (!V || !S) SIGMA_TRY(sigma_set_error(SIGMA_ENOMEM, "out of memory (summary)"));
  SIGMA_TRY(write_replicates_csv(o, dirs, ndirs, V));
  SIGMA_TRY(summarize_cells(o, V, R, S));

  /* summary.csv, summary.json, the table. */
  if (!(m = open_memstream(&csv, &len)))
    SIGMA_TRY(sigma_set_error(SIGMA_ENOMEM, "out of memory (summary)"));
  fprintf(m, "n1,epsilon,estimator,replicates,bias,sd,rmse,s_oracle,s_observed_mean,"
             "bias_formula,coverage_oracle,coverage_oracle_se,coverage_observed,"
             "coverage_observed_se,ks_D,ks_p,p_abs_err_within_eps,abs_err_quantile_level,"
             "n1_needed_for_eps\n");
  rows = json_array();
  printf("sigma study: N = %lld, d = %d, L = %.6f nats, tau2 oracle = %s (%s d), "
         "replicates %lld..%lld of %lld, seed %llu, level %.4g\n\n",
         (long long)a->N, d, a->L, sigma_num("%.4g", a->tau2_oracle),
         sigma_num("%.2f", a->tau2_oracle / d), (long long)o->rep_lo, (long long)o->rep_hi - 1,
         (long long)o->replicates, (unsigned long long)o->c.seed, o->c.level);
  printf("%7s %7s %-10s %9s %8s %8s %8s %14s %14s %7s %8s %10s\n", "n1", "eps", "estimator",
         "bias", "sd", "s_pred", "formula", "cov_oracle", "cov_observed", "KS_D", "P(|e|<=eps)",
         "n1_for_eps");
  for (int k = 0; k < K; k++) {
    double bf = sigma_bias_formula(d, N, (double)o->n1s[k]);
    for (int e = 0; e < sigma_nest; e++) {
      cell_text(m, o, k, e, &S[k * sigma_nest + e], bf);
      json_array_append_new(rows, cell_json(o, k, e, &S[k * sigma_nest + e], bf));
    }
  }
  printf("\nbias = mean(L - estimate) (nats); s_pred = tau_oracle sqrt(1/n1 - 1/N); formula = "
         "d(d+1)/2 (1/n1 - 1/N); coverage of the nominal CI +- its binomial SE; KS_D of the "
         "errors / s_pred against N(0,1); n1_for_eps: n1 at which the %.4g-quantile of |error| "
         "reaches eps (interpolated; n/a: beyond the sweep or not applicable)\n", o->c.level);
  fflush(stdout);
  int bad = fclose(m) != 0;
  m = NULL;
  if (bad) SIGMA_TRY(sigma_set_error(SIGMA_ENOMEM, "out of memory (summary)"));
  snprintf(path, sizeof path, "%s/summary.csv", o->out_dir);
  SIGMA_TRY(write_atomic(path, csv));
  SIGMA_TRY(write_report(o, a, S));
  if (!o->no_plots) {
    SIGMA_TRY(write_plot_data(o, a, V, R, S, sigma_z_for_level(o->c.level)));
    SIGMA_TRY(sigma_run_gnuplot(o->out_dir));
  }
  root = json_pack(
      "{s:O,s:{s:f,s:o,s:o,s:o},s:{s:I,s:I,s:I},s:o,s:{s:f,s:f}}", "study", a->header,
      "truth", "L", a->L, "tau2_oracle", sigma_json_num(a->tau2_oracle), "tau2_oracle_over_d",
      sigma_json_num(a->tau2_oracle / d), "audit_logdet_G1_rep0_n1max", sigma_json_num(a->logdet_G1_rep0),
      "replicates_here", "first", (json_int_t)o->rep_lo, "end", (json_int_t)o->rep_hi,
      "computed_this_run", (json_int_t)computed, "summary", rows, "timing_s", "truth", t_truth,
      "replicates", t_reps);
  rows = NULL; /* owned by root now ("o" steals the reference) */
  if (root && prov) json_object_set(root, "provenance", prov);
  text = root ? json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) : NULL;
  snprintf(path, sizeof path, "%s/summary.json", o->out_dir);
  rc = text ? write_atomic(path, text)
            : sigma_set_error(SIGMA_ENOMEM, "%s: cannot build the JSON summary", path);
done:
  if (m) fclose(m);
  json_decref(rows);
  json_decref(root);
  free(text);
  free(csv);
  free(V);
  free(S);
  return rc;
}

typedef struct {
  int64_t n1;
  double eps;
} sweep_point;

static int cmp_sweep(const void *a, const void *b) {
  int64_t x = ((const sweep_point *)a)->n1, y = ((const sweep_point *)b)->n1;
  return (x > y) - (x < y);
}

/* The sweep as run: n1 ascending and distinct; eps[k] is the precision the rule
 * n1 = ceil(c d / eps^2) [3.14] ties to n1[k] (given, or sqrt(c d / n1) for --n1). */
static int make_sweep(sigma_study_opts *o, int d) {
  sweep_point *s = calloc((size_t)o->K, sizeof *s);
  if (!s) return sigma_set_error(SIGMA_ENOMEM, "out of memory");
  for (int k = 0; k < o->K; k++) {
    s[k].eps = o->from_epsilon ? o->eps[k] : sqrt(o->c.rule_constant * d / (double)o->n1s[k]);
    s[k].n1 = o->from_epsilon ? sigma_rule_n1(o->c.rule_constant, d, o->eps[k]) : o->n1s[k];
    if (s[k].n1 < 0) {
      free(s);
      return sigma_set_error(SIGMA_EINVAL, "--epsilon %g: the rule n1 = ceil(%g d / eps^2) asks "
                             "for %.3g rows, more than any input holds", o->eps[k],
                             o->c.rule_constant, o->c.rule_constant * d / (o->eps[k] * o->eps[k]));
    }
  }
  qsort(s, (size_t)o->K, sizeof *s, cmp_sweep);
  int m = 0;
  for (int k = 0; k < o->K; k++)
    if (m == 0 || s[k].n1 != s[m - 1].n1) s[m++] = s[k];
  for (int k = 0; k < m; k++) {
    o->n1s[k] = s[k].n1;
    o->eps[k] = s[k].eps;
  }
  o->K = m;
  free(s);
  return SIGMA_OK;
}

int sigma_study_run(const sigma_study_opts *opts, MPI_Comm comm) {
  int rank, size, rc = SIGMA_OK;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  /* A working copy: the sweep is sorted and, for --epsilon, mapped with d. */
  sigma_study_opts so = *opts, *o = &so;
  int64_t n1s[64];
  double eps[64];
  if (o->K < 1 || o->K > 64) return sigma_set_error(SIGMA_EINVAL, "give 1 to 64 sweep values");
  memcpy(n1s, opts->n1s, (size_t)o->K * sizeof *n1s);
  memcpy(eps, opts->eps, (size_t)o->K * sizeof *eps);
  so.n1s = n1s;
  so.eps = eps;
  sigma_input *peek = NULL;
  int peek_d = 0;
  rc = sigma_input_open(o->c.inputs, o->c.ninputs, &peek);
  if (rc == SIGMA_OK) peek_d = peek->d;
  if (rc == SIGMA_OK) rc = make_sweep(o, peek->d);
  /* Validate the sweep before anything is written. */
  if (rc == SIGMA_OK && o->n1s[0] < peek->d)
    rc = sigma_set_error(SIGMA_EINVAL, "n1 = %lld < d = %d in the sweep: G1 would be singular",
                         (long long)o->n1s[0], peek->d);
  if (rc == SIGMA_OK && o->n1s[o->K - 1] > peek->N)
    rc = sigma_set_error(SIGMA_EINVAL, "n1 = %lld > N = %lld rows in the sweep",
                         (long long)o->n1s[o->K - 1], (long long)peek->N);
  sigma_input_close(&peek);
  SIGMA_CHECK(sigma_sync_error(rc, comm));
  if (o->replicates < 1) return sigma_set_error(SIGMA_EINVAL, "--replicates must be >= 1");
  if (o->rep_lo < 0 || o->rep_hi > o->replicates || o->rep_lo >= o->rep_hi)
    return sigma_set_error(SIGMA_EINVAL, "--replicate-range %lld:%lld is not inside 0:%lld",
                           (long long)o->rep_lo, (long long)o->rep_hi, (long long)o->replicates);
  int64_t chunk = 0;
  SIGMA_CHECK(replicate_chunk(o, peek_d, &chunk));
  if (chunk < o->n1s[o->K - 1] && rank == 0 && !o->c.quiet)
    fprintf(stderr, "sigma: note: a replicate is read %lld rows at a time to stay within "
                    "--memory-limit %g MiB (the first n1 rows are read again for each n1)\n",
            (long long)chunk, o->memory_limit / 1048576);
  /* The directory is checked now, created only once the truth pass succeeded: a failed
   * run leaves no empty DIR/replicates behind. */
  if (rank == 0) rc = check_out_dir(o->out_dir, o->resume, 1);
  SIGMA_CHECK(sigma_sync_error(rc, comm));

  /* Truth: one audit whose block is replicate 0 at n1_max. */
  double t0 = MPI_Wtime();
  sigma_audit_opts ao;
  sigma_audit_opts_default(&ao);
  ao.c = o->c;
  ao.n1 = o->n1s[o->K - 1];
  sigma_audit_result a;
  rc = sigma_audit_run(&ao, comm, &a);
  if (rc == SIGMA_OK && rank == 0) rc = make_dirs(o);
  if (rc == SIGMA_OK && rank == 0) rc = header_sync(o, &a);
  rc = sigma_sync_error(rc, comm);
  double t_truth = MPI_Wtime() - t0;
  int64_t computed = 0, all_computed = 0;
  if (rc == SIGMA_OK) {
    t0 = MPI_Wtime();
    rc = sigma_sync_error(run_replicates(o, &a, chunk, rank, size, &computed), comm);
    MPI_Allreduce(&computed, &all_computed, 1, MPI_INT64_T, MPI_SUM, comm);
  }
  double t_reps = MPI_Wtime() - t0;
  if (rc == SIGMA_OK && rank == 0) {
    study_truth st = {a.N, a.d, a.est.L, a.tau2_oracle, a.est.logdet_G1, study_header(o, &a)};
    char *dirs[1] = {(char *)o->out_dir};
    json_t *prov = sigma_provenance("sigma study", &o->c, a.input, size);
    json_object_set_new(prov, "memory_limit_mib", json_real(o->memory_limit / 1048576));
    json_object_set_new(prov, "replicate_chunk_rows", json_integer((json_int_t)chunk));
    rc = summarize(o, &st, dirs, 1, all_computed, t_truth, t_reps, prov);
    json_decref(prov);
    json_decref(st.header);
  }
  rc = sigma_sync_error(rc, comm);
  sigma_audit_result_free(&a);
  return rc;
}

/* ---- merge ---- */

static int copy_file(const char *from, const char *to) {
  FILE *f = fopen(from, "r");
  if (!f) return sigma_set_error(SIGMA_EIO, "%s: cannot read", from);
  char *text = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&text, &len);
  char buf[8192];
  size_t n;
  while (m && (n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, m);
  fclose(f);
  if (m) fclose(m);
  int rc = text ? write_atomic(to, text) : sigma_set_error(SIGMA_ENOMEM, "out of memory");
  free(text);
  return rc;
}

static int same_bytes(const char *a, const char *b) {
  FILE *f = fopen(a, "r"), *g = fopen(b, "r");
  int same = f && g;
  while (same) {
    int x = fgetc(f), y = fgetc(g);
    if (x != y) same = 0;
    if (x == EOF || y == EOF) break;
  }
  if (f) fclose(f);
  if (g) fclose(g);
  return same;
}

/* Options of the study described by a study.json "study" object, validated (io/parse.h):
 * merge trusts none of it. */
static int opts_from_header(json_t *h, const char *name, sigma_study_opts *o, int64_t *n1s,
                            double *eps) {
  sigma_study_header sh;
  SIGMA_CHECK(sigma_parse_study_header(h, name, &sh));
  memset(o, 0, sizeof *o);
  o->K = sh.K;
  memcpy(n1s, sh.n1, (size_t)sh.K * sizeof *n1s);
  memcpy(eps, sh.eps, (size_t)sh.K * sizeof *eps);
  o->n1s = n1s;
  o->eps = eps;
  o->replicates = sh.replicates;
  o->rep_lo = 0;
  o->rep_hi = o->replicates;
  o->c.seed = (uint64_t)sh.seed;
  o->c.level = sh.level;
  o->c.rule_constant = sh.rule_constant;
  o->from_epsilon = sh.from_epsilon;
  o->c.normalize = sh.normalize;
  o->c.center = sh.center;
  return SIGMA_OK;
}

static int merge_rank0(char *const *dirs, int ndirs, const char *out_dir,
                       const sigma_common_opts *c) {
  json_t *root[64] = {0};
  char hdr_name[4200];
  int rc = SIGMA_OK;
  if (ndirs < 1 || ndirs > 64) return sigma_set_error(SIGMA_EINVAL, "give 1 to 64 directories");
  for (int k = 0; k < ndirs; k++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/study.json", dirs[k]);
    root[k] = json_load_file(path, 0, NULL);
    if (!root[k]) SIGMA_TRY(sigma_set_error(SIGMA_EIO, "%s: no study (cannot read it)", path));
    json_t *h0 = json_object_get(root[0], "study"), *hk = json_object_get(root[k], "study");
    if (!json_equal(h0, hk))
      SIGMA_TRY(sigma_set_error(SIGMA_EINVAL, "%s is a different study from %s: '%s' differs",
                                dirs[k], dirs[0], first_difference(h0, hk)));
    if (!json_equal(json_object_get(root[0], "L"), json_object_get(root[k], "L")))
      SIGMA_TRY(sigma_set_error(SIGMA_EINVAL, "%s and %s disagree on L", dirs[k], dirs[0]));
  }
  sigma_study_opts o;
  int64_t n1s[64];
  double eps[64];
  json_t *h = json_object_get(root[0], "study");
  snprintf(hdr_name, sizeof hdr_name, "%s/study.json", dirs[0]);
  SIGMA_TRY(opts_from_header(h, hdr_name, &o, n1s, eps));
  o.out_dir = out_dir;
  char path[4096], found[4096];
  SIGMA_TRY(check_out_dir(out_dir, 0, 0));
  SIGMA_TRY(make_dirs(&o));
  double *v = calloc((size_t)o.K * NCOL, sizeof(double));
  if (!v) SIGMA_TRY(sigma_set_error(SIGMA_ENOMEM, "out of memory"));
  for (int64_t i = 0; i < o.replicates && rc == SIGMA_OK; i++) {
    int have = -1;
    for (int k = 0; k < ndirs && rc == SIGMA_OK; k++) {
      snprintf(path, sizeof path, "%s/replicates/rep-%06lld.csv", dirs[k], (long long)i);
      if (rep_read(path, &o, i, v) != SIGMA_OK) continue;
      if (have >= 0 && !same_bytes(found, path))
        rc = sigma_set_error(SIGMA_EINVAL, "replicate %lld differs between %s and %s",
                             (long long)i, dirs[have], dirs[k]);
      if (have < 0) {
        have = k;
        snprintf(found, sizeof found, "%s", path);
      }
    }
    if (rc == SIGMA_OK && have < 0)
      rc = sigma_set_error(SIGMA_EINVAL, "replicate %lld of %lld is in none of the directories "
                           "(a --replicate-range job missing?)", (long long)i,
                           (long long)o.replicates);
    if (rc == SIGMA_OK) {
      rep_path(&o, i, path, sizeof path);
      rc = copy_file(found, path);
    }
  }
  free(v);
  SIGMA_TRY(rc);
  char *text = json_dumps(root[0], JSON_INDENT(2) | JSON_REAL_PRECISION(17));
  snprintf(path, sizeof path, "%s/study.json", out_dir);
  rc = text ? write_atomic(path, text) : sigma_set_error(SIGMA_ENOMEM, "out of memory");
  free(text);
  SIGMA_TRY(rc);
  study_truth st = {json_integer_value(json_object_get(h, "N")),
                    (int)json_integer_value(json_object_get(h, "d")),
                    json_number_value(json_object_get(root[0], "L")),
                    json_number_value(json_object_get(root[0], "tau2_oracle")), NAN, h};
  char *outs[1] = {(char *)out_dir};
  json_t *prov = sigma_provenance("sigma merge", c, NULL, 1);
  json_object_set_new(prov, "merged_from", json_array());
  for (int k = 0; k < ndirs; k++)
    json_array_append_new(json_object_get(prov, "merged_from"), json_string(dirs[k]));
  rc = summarize(&o, &st, outs, 1, 0, 0.0, 0.0, prov);
  json_decref(prov);
done:
  for (int k = 0; k < ndirs && k < 64; k++) json_decref(root[k]);
  return rc;
}

int sigma_study_merge(char *const *dirs, int ndirs, const char *out_dir,
                      const sigma_common_opts *c, MPI_Comm comm) {
  int rank, rc = SIGMA_OK;
  MPI_Comm_rank(comm, &rank);
  if (rank == 0) rc = merge_rank0(dirs, ndirs, out_dir, c);
  return sigma_sync_error(rc, comm);
}
