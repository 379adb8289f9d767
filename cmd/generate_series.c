/* sigma generate --recursive-refit M --generations T: the collapse series as T + 1 files. */
#include <cblas.h>
#include <dirent.h>
#include <errno.h>
#include <hdf5.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "generate.h"
#include "generate_parts.h"
#include "reduce.h"
#include "sigma/error.h"
#include "sigma/refit.h"
#include "str.h"

/* The series' file names: path (as given, for messages), resolved target, temporary. */
typedef struct {
  int64_t n; /* T + 1 */
  char **path, **target, **tmp;
} series_names;

static void names_free(series_names *nm) {
  for (int64_t t = 0; nm->path && t < nm->n; t++) {
    free(nm->path[t]);
    free(nm->target[t]);
    free(nm->tmp[t]);
  }
  free(nm->path);
  free(nm->target);
  free(nm->tmp);
}

/* The zero-padded width of generation numbers: max(3, digits of T). */
static int name_width(const sigma_generate_opts *o) {
  int width = snprintf(NULL, 0, "%lld", (long long)o->generations);
  return width < 3 ? 3 : width;
}

/* PREFIX-%0Wlld.h5, W = name_width; targets checked as generate's one file is. */
static int make_names(const sigma_generate_opts *o, long pid, series_names *nm) {
  nm->n = o->generations + 1;
  SIGMA_CHECK(sigma_calloc(&nm->path, (size_t)nm->n, sizeof(char *)));
  SIGMA_CHECK(sigma_calloc(&nm->target, (size_t)nm->n, sizeof(char *)));
  SIGMA_CHECK(sigma_calloc(&nm->tmp, (size_t)nm->n, sizeof(char *)));
  const int width = name_width(o);
  for (int64_t t = 0; t < nm->n; t++) {
    int direct = 0;
    nm->path[t] = sigma_strf("%s-%0*lld.h5", o->path, width, (long long)t);
    if (!nm->path[t]) return SIGMA_ENOMEM;
    SIGMA_CHECK(sigma_file_output_target(nm->path[t], "generate output", &nm->target[t], &direct));
    if (direct)
      return sigma_set_error(SIGMA_EIO, "%s: not a regular file: an HDF5 file cannot be written "
                             "to a device or FIFO", nm->path[t]);
    if (!(nm->tmp[t] = sigma_file_temp_name(nm->target[t], pid))) return SIGMA_ENOMEM;
  }
  return SIGMA_OK;
}

/* Generation K of "BASE-K.h5" (digits only; *digits: how many), or -1 for other names. */
static long long generation_of(const char *name, const char *base, int *digits) {
  size_t lb = strlen(base), ln = strlen(name);
  if (ln < lb + 5 || strncmp(name, base, lb) != 0 || name[lb] != '-' ||
      strcmp(name + ln - 3, ".h5") != 0)
    return -1;
  long long k = 0;
  for (const char *c = name + lb + 1; c < name + ln - 3; c++) {
    if (*c < '0' || *c > '9') return -1;
    k = k > 100000000000000000LL ? k : k * 10 + (*c - '0'); /* saturates: still > T */
  }
  *digits = (int)(ln - lb - 4);
  return k;
}

/* Refuse a PREFIX-K.h5 in PREFIX's directory that is not one of this series' names (K > T,
 * or K written with other padding): it would stay beside the series, and a monitor reading
 * PREFIX-*.h5 would take it for part of it. */
static int check_stale(const sigma_generate_opts *o, int width) {
  char *a = strdup(o->path), *b = strdup(o->path);
  int rc = a && b ? SIGMA_OK : sigma_set_error(SIGMA_ENOMEM, "out of memory (file names)");
  const char *dir = rc ? NULL : dirname(a), *base = rc ? NULL : basename(b);
  const int slash = strchr(o->path, '/') != NULL;
  DIR *dp = rc ? NULL : opendir(dir);
  for (struct dirent *e; dp && rc == SIGMA_OK && (e = readdir(dp));) {
    int digits = 0;
    long long k = generation_of(e->d_name, base, &digits);
    if (k >= 0 && (k > o->generations || digits != width))
      rc = sigma_set_error(SIGMA_EIO, "%s%s%s: a file of another series (generation %lld; this "
                           "one is %s-%0*d.h5 .. %s-%0*lld.h5) would stay beside it: remove it "
                           "or use another prefix", slash ? dir : "", slash ? "/" : "",
                           e->d_name, k, o->path, width, 0, o->path, width,
                           (long long)o->generations);
  }
  if (dp) closedir(dp);
  free(a);
  free(b);
  return rc;
}

/* Sigma_{t-1} -> Sigma_t: rank 0 refits on one BLAS thread (bits independent of the rank
 * count), then A_t, its spectrum and log det are broadcast. */
static int refit(const sigma_generate_opts *o, int64_t t, sigma_synth *s, double *logdet,
                 MPI_Comm comm) {
  const int d = o->p.d;
  int rank, rc = SIGMA_OK;
  MPI_Comm_rank(comm, &rank);
  if (rank == 0) {
    int threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    double dl = 0.0;
    rc = sigma_refit_step(d, o->refit_M, o->p.seed, (uint64_t)t, s->A, &dl);
    if (rc == SIGMA_OK) rc = sigma_refit_spectrum(d, s->A, s->sigma);
    openblas_set_num_threads(threads);
    *logdet += dl;
  }
  SIGMA_CHECK(sigma_sync_error(rc, comm));
  SIGMA_CHECK(sigma_mpi_check(MPI_Bcast(s->A, d * d, MPI_DOUBLE, 0, comm), "MPI_Bcast"));
  SIGMA_CHECK(sigma_mpi_check(MPI_Bcast(s->sigma, d, MPI_DOUBLE, 0, comm), "MPI_Bcast"));
  return sigma_mpi_check(MPI_Bcast(logdet, 1, MPI_DOUBLE, 0, comm), "MPI_Bcast");
}

/* An error inside generation t, restated to name it (the same on every rank). */
static int in_generation(int rc, int64_t t, const sigma_generate_opts *o) {
  if (rc == SIGMA_OK) return rc;
  char *m = strdup(sigma_error_message());
  sigma_clear_error();
  sigma_set_error(rc, "generation %lld of %lld: %s (no file of the series is written)",
                  (long long)t, (long long)o->generations, m ? m : "");
  free(m);
  return rc;
}

/* Generation t: refit (t >= 1), then its file as a temporary. */
static int generation(const sigma_generate_opts *o, const series_names *nm, int64_t t,
                      sigma_synth *s, double *logdet, const double ld0_drift[2],
                      sigma_gen_bufs *bf, MPI_Comm comm) {
  int rank;
  MPI_Comm_rank(comm, &rank);
  double before = *logdet;
  if (t > 0) SIGMA_CHECK(in_generation(refit(o, t, s, logdet, comm), t, o));
  sigma_generate_opts fo = *o;
  fo.path = nm->path[t];
  const sigma_gen_truth tr = {s->sigma, *logdet, t, ld0_drift[0], ld0_drift[1]};
  char label[64];
  snprintf(label, sizeof label, "generate: generation %lld/%lld", (long long)t,
           (long long)o->generations);
  SIGMA_CHECK(in_generation(sigma_gen_write(&fo, nm->tmp[t], s, &tr, bf, label, comm), t, o));
  if (rank == 0 && !o->quiet) {
    fprintf(stderr, "%s: log det Sigma = %.6f", label, *logdet);
    if (t > 0) fprintf(stderr, " (step %+.4f, expected %+.4f)", *logdet - before, ld0_drift[1]);
    fprintf(stderr, "\n");
  }
  return SIGMA_OK;
}

/* Rank 0: every temporary onto its name; on a failure the files already renamed are
 * removed too, so the series appears whole or not at all. */
static int rename_all(const series_names *nm) {
  for (int64_t t = 0; t < nm->n; t++) {
    if (rename(nm->tmp[t], nm->target[t]) == 0) continue;
    int rc = sigma_set_error(SIGMA_EIO, "%s: cannot rename from %s (%s); the series' files are "
                             "removed", nm->path[t], nm->tmp[t], strerror(errno));
    for (int64_t k = 0; k < t; k++) unlink(nm->target[k]);
    return rc;
  }
  return SIGMA_OK;
}

static int check_series_opts(const sigma_generate_opts *o) {
  if (o->refit_M < o->p.d || o->refit_M > SIGMA_REFIT_MAX)
    return sigma_set_error(SIGMA_EINVAL, "--recursive-refit %lld must be in [--dim, %lld] (d = %d)",
                           (long long)o->refit_M, (long long)SIGMA_REFIT_MAX, o->p.d);
  if (o->generations < 1 || o->generations > SIGMA_REFIT_MAX)
    return sigma_set_error(SIGMA_EINVAL, "--generations %lld must be in [1, %lld]",
                           (long long)o->generations, (long long)SIGMA_REFIT_MAX);
  return SIGMA_OK;
}

int sigma_generate_series_run(const sigma_generate_opts *o, MPI_Comm comm) {
  int rank, rc = SIGMA_OK;
  long pid;
  SIGMA_CHECK(sigma_gen_begin(o, comm, &rank, &pid));
  SIGMA_CHECK(check_series_opts(o));
  series_names nm = {0};
  sigma_synth *s = NULL;
  sigma_gen_bufs bf = {0};
  rc = make_names(o, pid, &nm);
  if (rc == SIGMA_OK && rank == 0) rc = check_stale(o, name_width(o));
  if (rc == SIGMA_OK) {
    sigma_generate_opts fo = *o;
    fo.path = nm.path[0];
    rc = sigma_gen_check_space(&fo, nm.target[0], nm.n);
  }
  if (rc == SIGMA_OK) rc = sigma_synth_create(&o->p, &s);
  if (rc == SIGMA_OK) rc = sigma_gen_bufs_alloc(&bf, o);
  SIGMA_TRY(sigma_sync_error(rc, comm));
  double logdet = sigma_synth_logdet(s);
  const double ld0_drift[2] = {logdet, sigma_refit_expected_drift(o->p.d, o->refit_M)};
  for (int64_t t = 0; t < nm.n; t++)
    SIGMA_TRY(generation(o, &nm, t, s, &logdet, ld0_drift, &bf, comm));
  if (rank == 0) rc = rename_all(&nm);
  rc = sigma_sync_error(rc, comm);
done:
  for (int64_t t = 0; rank == 0 && rc != SIGMA_OK && nm.tmp && t < nm.n; t++)
    if (nm.tmp[t]) unlink(nm.tmp[t]); /* nothing of the series is left */
  names_free(&nm);
  sigma_gen_bufs_free(&bf);
  sigma_synth_destroy(&s);
  return rc;
}
