/* The format-neutral half of the input (io/input.h): specs, globs, @LIST, the shard
 * table, the choice of backend by magic bytes, reads across shards and sampled reads.
 * Format-specific work is the backends' (io/input_backend.h). */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "str.h"
#include "input_backend.h"
#include "parse.h"
#include "sigma/error.h"

#define DEFAULT_DATASET "embeddings"

/* The backends, probed in this order; the first whose magic bytes match reads the
 * shard. A new format: one line here, its file io/input_FORMAT.c (io/input_backend.h).
 * Formats whose magic sits at offset 0 only go before HDF5, whose signature may follow a
 * user block at 512, 1024, ...: data that happened to hold those 8 bytes there must not
 * be taken for HDF5. safetensors has no magic (a length, then '{'): it goes last, so it
 * never takes a file another format recognises. */
extern const sigma_input_backend sigma_input_npy, sigma_input_hdf5, sigma_input_safetensors;
static const sigma_input_backend *const backends[] = {&sigma_input_npy, &sigma_input_hdf5,
                                                      &sigma_input_safetensors};
enum { NBACKENDS = sizeof backends / sizeof *backends };

/* ---- specs: FILE[:DATASET], globs, @LIST ---- */

static int add_shard(sigma_input *in, const char *path, const char *dataset, int given) {
  sigma_shard *s = realloc(in->shard, (size_t)(in->nshards + 1) * sizeof *s);
  if (!s) return sigma_set_error(SIGMA_ENOMEM, "out of memory (shard list)");
  in->shard = s;
  s = &in->shard[in->nshards];
  memset(s, 0, sizeof *s);
  s->path = strdup(path);
  s->dataset = strdup(dataset);
  s->dataset_given = given;
  in->nshards++;
  if (!s->path || !s->dataset) return sigma_set_error(SIGMA_ENOMEM, "out of memory (shard list)");
  return SIGMA_OK;
}

static int has_glob(const char *s) { return strpbrk(s, "*?[") != NULL; }

static int expand_spec(sigma_input *in, const char *spec, int depth);

typedef struct {
  sigma_input *in;
  int depth;
} list_ctx;

static int list_each(const char *spec, void *ctx) {
  const list_ctx *c = ctx;
  return expand_spec(c->in, spec, c->depth + 1);
}

/* @LIST: one spec per line (io/parse.h). A list that names nothing is an error here,
 * naming the list, rather than "n1 > N = 0" or d = 0 later. */
static int expand_list(sigma_input *in, const char *list, int depth) {
  SIGMA_CHECK(sigma_file_input(list, "list file"));
  FILE *f = fopen(list, "r");
  if (!f) return sigma_set_error(SIGMA_EIO, "%s: cannot open list file", list);
  list_ctx c = {in, depth};
  int count = 0, rc = sigma_parse_list(f, list, list_each, &c, &count);
  fclose(f);
  if (rc == SIGMA_OK && count == 0)
    rc = sigma_set_error(SIGMA_EINVAL, "%s: list file names no input", list);
  return rc;
}

/* The files a glob pattern names (glob sorts them). */
static int expand_glob(sigma_input *in, const char *path, const char *dataset, int given) {
  glob_t g;
  int rc = SIGMA_OK, grc = glob(path, 0, NULL, &g);
  if (grc == GLOB_NOMATCH || (grc == 0 && g.gl_pathc == 0))
    rc = sigma_set_error(SIGMA_EIO, "%s: no file matches this pattern", path);
  else if (grc != 0)
    rc = sigma_set_error(SIGMA_EIO, "%s: cannot expand pattern", path);
  for (size_t k = 0; rc == SIGMA_OK && k < g.gl_pathc; k++) rc = add_shard(in, g.gl_pathv[k], dataset, given);
  if (grc == 0) globfree(&g);
  return rc;
}

static int expand_spec(sigma_input *in, const char *spec, int depth) {
  if (depth > 4) return sigma_set_error(SIGMA_EINVAL, "%s: list files nested too deeply", spec);
  if (spec[0] == '@') return expand_list(in, spec + 1, depth);
  /* Split FILE[:DATASET] at the last ':' (paths with ':' need an explicit dataset). */
  char *path = strdup(spec);
  if (!path) return sigma_set_error(SIGMA_ENOMEM, "out of memory");
  const char *dataset = DEFAULT_DATASET;
  char *colon = strrchr(path, ':');
  const int given = colon && colon[1]; /* FILE: is FILE */
  if (colon) {
    *colon = '\0';
    dataset = colon[1] ? colon + 1 : DEFAULT_DATASET;
  }
  /* A name that exists is taken literally (the shell may have expanded a pattern
   * already: x[1].h5 must not become x1.h5); only a pattern that names no file is
   * expanded here. */
  int rc = has_glob(path) && access(path, F_OK) != 0 ? expand_glob(in, path, dataset, given)
                                                     : add_shard(in, path, dataset, given);
  free(path);
  return rc;
}

/* ---- the format of a shard, from its magic bytes ---- */

/* Regular (a FIFO would hang the open), readable, and recorded as an input (io/files.h):
 * before the shard's format is probed and before every open for reading. */
static int check_file(const sigma_shard *s) {
  char *what = s->dataset[0] ? sigma_strf("input, wanted dataset '%s'", s->dataset)
                             : sigma_strf("input");
  int rc = what ? sigma_file_input(s->path, what) : SIGMA_ENOMEM;
  free(what);
  return rc;
}

/* "FILE: not an HDF5 file (wanted dataset 'D')", listing every known format. */
static int unknown_format(const sigma_shard *s) {
  sigma_str list = SIGMA_STR_INIT;
  for (int k = 0; k < NBACKENDS; k++)
    sigma_str_appendf(&list, "%s%s", k == 0 ? "" : k == NBACKENDS - 1 ? " or " : ", ",
                      backends[k]->what);
  int rc = sigma_str_error(&list);
  if (rc == SIGMA_OK)
    rc = sigma_set_error(SIGMA_EFORMAT, "%s: not %s (wanted dataset '%s')", s->path,
                         sigma_str_cstr(&list), s->dataset);
  sigma_str_free(&list);
  return rc;
}

static int detect_backend(sigma_shard *s) {
  int fd = open(s->path, O_RDONLY);
  if (fd < 0)
    return sigma_set_error(SIGMA_EIO, "%s: cannot open input (%s)", s->path, strerror(errno));
  struct stat st;
  const int64_t size = fstat(fd, &st) == 0 ? (int64_t)st.st_size : 0;
  s->backend = NULL;
  for (int k = 0; k < NBACKENDS && !s->backend; k++)
    if (backends[k]->probe(fd, size) > 0) s->backend = backends[k];
  close(fd);
  return s->backend ? SIGMA_OK : unknown_format(s);
}

/* Shard k agrees with shard 0 on d and dtype: the shards of one matrix. */
static int check_agrees(const sigma_input *in, const sigma_shard *s, int d) {
  const sigma_shard *f = &in->shard[0];
  if (d != in->d)
    return sigma_set_error(SIGMA_EFORMAT, SIGMA_SHARD_FMT ": d = %d but " SIGMA_SHARD_FMT
                           " has d = %d", SIGMA_SHARD_ARGS(s), d, SIGMA_SHARD_ARGS(f), in->d);
  if (strcmp(s->dtype, f->dtype) != 0 || s->dtype_bytes != f->dtype_bytes)
    return sigma_set_error(SIGMA_EFORMAT, SIGMA_SHARD_FMT ": dtype %s but " SIGMA_SHARD_FMT
                           " is %s", SIGMA_SHARD_ARGS(s), s->dtype, SIGMA_SHARD_ARGS(f), f->dtype);
  return SIGMA_OK;
}

int sigma_input_open(char *const *specs, int nspecs, sigma_input **out) {
  *out = NULL;
  sigma_input *in = calloc(1, sizeof *in);
  if (!in) return sigma_set_error(SIGMA_ENOMEM, "out of memory");
  in->cur = -1;
  int rc = SIGMA_OK;
  if (nspecs < 1) SIGMA_TRY(sigma_set_error(SIGMA_EINVAL, "no input file given"));
  for (int k = 0; k < nspecs; k++) SIGMA_TRY(expand_spec(in, specs[k], 0));
  for (int k = 0; k < in->nshards; k++) {
    sigma_shard *s = &in->shard[k];
    int d = 0;
    SIGMA_TRY(check_file(s));
    SIGMA_TRY(detect_backend(s));
    SIGMA_TRY(s->backend->inspect(s, &d));
    if (k == 0) in->d = d;
    SIGMA_TRY(check_agrees(in, s, d));
    s->row0 = in->N;
    in->N += s->rows;
  }
  *out = in;
  return SIGMA_OK;
done:
  sigma_input_close(&in);
  return rc;
}

static void shard_close(sigma_input *in) {
  if (in->cur < 0) return;
  in->shard[in->cur].backend->close(in->handle);
  in->handle = NULL;
  in->cur = -1;
}

void sigma_input_close(sigma_input **pin) {
  sigma_input *in = *pin;
  if (!in) return;
  shard_close(in);
  for (int k = 0; k < in->nshards; k++) {
    free(in->shard[k].path);
    free(in->shard[k].dataset);
  }
  free(in->shard);
  free(in);
  *pin = NULL;
}

/* ---- reads ---- */

/* Make shard k the one open for reading (one at a time: a pass moves through the
 * shards in order, so each is opened once per pass). */
static int shard_use(sigma_input *in, int k) {
  if (in->cur == k) return SIGMA_OK;
  shard_close(in);
  const sigma_shard *s = &in->shard[k];
  SIGMA_CHECK(check_file(s)); /* still there, still the same kind of file */
  SIGMA_CHECK(s->backend->open(s, in->d, &in->handle));
  in->cur = k;
  return SIGMA_OK;
}

int sigma_input_read_each(sigma_input *in, int64_t row0, int64_t n, double *X,
                          sigma_piece_fn fn, void *ctx) {
  const int d = in->d;
  while (n > 0) {
    const int k = sigma_input_shard_of(in, row0);
    const sigma_shard *s = &in->shard[k];
    SIGMA_CHECK(shard_use(in, k));
    int64_t take = s->row0 + s->rows - row0;
    if (take > n) take = n;
    SIGMA_CHECK(s->backend->read(in->handle, s, d, row0 - s->row0, take, X, fn, ctx));
    X += (size_t)take * d;
    row0 += take;
    n -= take;
  }
  return SIGMA_OK;
}

int sigma_input_read(sigma_input *in, int64_t row0, int64_t n, double *X) {
  return sigma_input_read_each(in, row0, n, X, NULL, NULL);
}

int sigma_input_read_rows(sigma_input *in, const uint64_t *rows, int64_t n, double *X,
                          double *scratch) {
  const int d = in->d;
  for (int64_t i = 0; i < n;) {
    /* One read covers rows[i..j): consecutive gaps <= SIGMA_GAP_ROWS, span <= SIGMA_SPAN_ROWS. */
    int64_t j = i + 1;
    while (j < n && rows[j] - rows[j - 1] <= SIGMA_GAP_ROWS && rows[j] - rows[i] < SIGMA_SPAN_ROWS)
      j++;
    int64_t span = (int64_t)(rows[j - 1] - rows[i]) + 1;
    if (span == j - i) { /* contiguous: straight into place */
      SIGMA_CHECK(sigma_input_read(in, (int64_t)rows[i], span, X + (size_t)i * d));
    } else {
      SIGMA_CHECK(sigma_input_read(in, (int64_t)rows[i], span, scratch));
      for (int64_t r = i; r < j; r++)
        memcpy(X + (size_t)r * d, scratch + (size_t)(rows[r] - rows[i]) * d,
               (size_t)d * sizeof(double));
    }
    i = j;
  }
  for (int64_t r = 0; r < n; r++)
    SIGMA_CHECK(sigma_input_check_row(in, (int64_t)rows[r], X + (size_t)r * d));
  return SIGMA_OK;
}

double sigma_input_bytes_per_row(const sigma_input *in) {
  double b = 0;
  for (int k = 0; k < in->nshards; k++) b += (double)in->shard[k].rows * in->shard[k].dtype_bytes;
  return in->N ? b * in->d / (double)in->N : 0;
}

/* ---- the backends' libraries ---- */

const char *sigma_input_library_version(const char *name, char *buf, size_t len) {
  if (len) buf[0] = '\0';
  for (int k = 0; k < NBACKENDS; k++)
    if (strcmp(backends[k]->name, name) == 0 && backends[k]->version)
      return backends[k]->version(buf, len);
  return buf;
}

void sigma_input_shutdown(void) {
  for (int k = 0; k < NBACKENDS; k++)
    if (backends[k]->shutdown) backends[k]->shutdown();
}
