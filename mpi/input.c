/* Parallel HDF5 input: shard discovery, validation and row-block reads. */
#include "input.h"

#include <float.h>
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "parse.h"
#include "sigma/error.h"

#define DEFAULT_DATASET "embeddings"

static int add_shard(sigma_input *in, const char *path, const char *dataset) {
  sigma_shard *s = realloc(in->shard, (size_t)(in->nshards + 1) * sizeof *s);
  if (!s) return sigma_set_error(SIGMA_ENOMEM, "out of memory (shard list)");
  in->shard = s;
  s = &in->shard[in->nshards];
  memset(s, 0, sizeof *s);
  s->path = strdup(path);
  s->dataset = strdup(dataset);
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

static int expand_spec(sigma_input *in, const char *spec, int depth) {
  if (depth > 4) return sigma_set_error(SIGMA_EINVAL, "%s: list files nested too deeply", spec);
  if (spec[0] == '@') return expand_list(in, spec + 1, depth);
  /* Split FILE[:DATASET] at the last ':' (paths with ':' need an explicit dataset). */
  char *path = strdup(spec);
  if (!path) return sigma_set_error(SIGMA_ENOMEM, "out of memory");
  const char *dataset = DEFAULT_DATASET;
  char *colon = strrchr(path, ':');
  if (colon) {
    *colon = '\0';
    dataset = colon[1] ? colon + 1 : DEFAULT_DATASET;
  }
  int rc = SIGMA_OK;
  /* A name that exists is taken literally (the shell may have expanded a pattern
   * already: x[1].h5 must not become x1.h5); only a pattern that names no file is
   * expanded here. */
  if (has_glob(path) && access(path, F_OK) != 0) {
    glob_t g;
    int grc = glob(path, 0, NULL, &g);
    if (grc == GLOB_NOMATCH || (grc == 0 && g.gl_pathc == 0))
      rc = sigma_set_error(SIGMA_EIO, "%s: no file matches this pattern", path);
    else if (grc != 0)
      rc = sigma_set_error(SIGMA_EIO, "%s: cannot expand pattern", path);
    for (size_t k = 0; rc == SIGMA_OK && k < g.gl_pathc; k++) /* glob sorts */
      rc = add_shard(in, g.gl_pathv[k], dataset);
    if (grc == 0) globfree(&g);
  } else {
    rc = add_shard(in, path, dataset);
  }
  free(path);
  return rc;
}

static const char *dtype_name(hid_t type) {
  switch (H5Tget_class(type)) {
  case H5T_INTEGER: return "integer";
  case H5T_STRING: return "string";
  case H5T_COMPOUND: return "compound";
  default: return "non-float";
  }
}

static void shard_close_handles(sigma_input *in) {
  if (in->cur < 0) return;
  H5Sclose(in->fspace);
  H5Dclose(in->dset);
  H5Fclose(in->file);
  in->cur = -1;
}

/* Open a shard's file and dataset. mpio: HDF5's MPI-IO driver on MPI_COMM_SELF (for the
 * streaming reads of large shards); otherwise the POSIX driver, whose open costs ~0.05 ms
 * instead of ~0.5 ms: metadata inspection and small shards, where opening dominates. */
static int shard_open(const sigma_shard *s, int mpio, hid_t *file, hid_t *dset) {
  char what[512];
  snprintf(what, sizeof what, "input, wanted dataset '%s'", s->dataset);
  SIGMA_CHECK(sigma_file_input(s->path, what)); /* regular (a FIFO hangs H5Fopen), recorded */
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  if (mpio) H5Pset_fapl_mpio(fapl, MPI_COMM_SELF, MPI_INFO_NULL);
  else H5Pset_fapl_sec2(fapl);
  *file = H5Fopen(s->path, H5F_ACC_RDONLY, fapl);
  H5Pclose(fapl);
  if (*file < 0) {
    htri_t is = H5Fis_hdf5(s->path);
    if (is > 0)
      return sigma_set_error(SIGMA_EIO,
                             "%s: HDF5 file is truncated or corrupt, cannot open it to read "
                             "dataset '%s'", s->path, s->dataset);
    return sigma_set_error(SIGMA_EIO, "%s: not an HDF5 file (wanted dataset '%s')", s->path,
                           s->dataset);
  }
  hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
  /* SIGMA_DEBUG_DEFAULT_CHUNK_CACHE=1 (benchmarks only): HDF5's 1 MiB default, to measure
   * what the sized cache saves. */
  if (s->cache_bytes > 0 && !getenv("SIGMA_DEBUG_DEFAULT_CHUNK_CACHE")) /* 12421 slots (a prime): few hash collisions for any chunk count */
    H5Pset_chunk_cache(dapl, 12421, s->cache_bytes, H5D_CHUNK_CACHE_W0_DEFAULT);
  /* External raw files are named relative to the HDF5 file, not the working directory. */
  H5Pset_efile_prefix(dapl, "${ORIGIN}");
  *dset = H5Dopen2(*file, s->dataset, dapl);
  H5Pclose(dapl);
  if (*dset < 0) {
    H5Fclose(*file);
    return sigma_set_error(SIGMA_EIO, "%s: no dataset '%s'", s->path, s->dataset);
  }
  return SIGMA_OK;
}

/* Chunk cache for reading a chunked dataset of d columns: two row bands of chunks (a band
 * is the ceil(d / chunk columns) chunks that hold the same rows), so sorted row reads and
 * blocks that cut a chunk decompress each chunk once. 0 for other layouts. */
static size_t chunk_cache_bytes(hid_t dset, hsize_t d, size_t elem) {
  hid_t dcpl = H5Dget_create_plist(dset);
  hsize_t cd[2] = {0, 0};
  size_t bytes = 0;
  if (H5Pget_layout(dcpl) == H5D_CHUNKED && H5Pget_chunk(dcpl, 2, cd) == 2 && cd[0] && cd[1]) {
    double band = (double)((d + cd[1] - 1) / cd[1]) * (double)cd[0] * (double)cd[1] * elem;
    double want = 2 * band < 1048576.0 ? 1048576.0 : 2 * band;
    bytes = (size_t)(want < SIGMA_CHUNK_CACHE_MAX ? want : SIGMA_CHUNK_CACHE_MAX);
  }
  H5Pclose(dcpl);
  return bytes;
}

/* External raw files: named relative to the HDF5 file (H5Pset_efile_prefix), each must
 * be a regular file that holds its segment. HDF5 reads a missing or short external file
 * as fill values without an error, which would be audited as rows of zeros. */
static int check_external(const sigma_shard *s, hid_t dcpl, double need) {
  const int n = H5Pget_external_count(dcpl);
  char *dir = strdup(s->path), *slash = dir ? strrchr(dir, '/') : NULL;
  if (!dir) return sigma_set_error(SIGMA_ENOMEM, "out of memory");
  if (slash) slash[1] = '\0';
  else dir[0] = '\0';
  int rc = SIGMA_OK;
  for (int k = 0; k < n && need > 0 && rc == SIGMA_OK; k++) {
    char name[2048], path[4096], what[2600];
    off_t off = 0;
    hsize_t size = 0;
    if (H5Pget_external(dcpl, (unsigned)k, sizeof name, name, &off, &size) < 0) {
      rc = sigma_set_error(SIGMA_EFORMAT, "%s:%s: cannot read external storage entry %d",
                           s->path, s->dataset, k);
      break;
    }
    snprintf(path, sizeof path, "%s%s", name[0] == '/' ? "" : dir, name);
    snprintf(what, sizeof what, "external raw file of %s:%s", s->path, s->dataset);
    rc = sigma_file_input(path, what);
    const double take = (double)size < need ? (double)size : need;
    struct stat st;
    if (rc == SIGMA_OK && stat(path, &st) == 0 && (double)st.st_size < (double)off + take)
      rc = sigma_set_error(SIGMA_EIO, "%s: external raw file of %s:%s is %lld bytes, its segment "
                           "needs %.0f (offset %lld + %.0f): HDF5 would read the rest as fill "
                           "values", path, s->path, s->dataset, (long long)st.st_size,
                           (double)off + take, (long long)off, take);
    need -= take;
  }
  if (rc == SIGMA_OK && need > 0)
    rc = sigma_set_error(SIGMA_EIO, "%s:%s: external storage is %.0f bytes short of the dataset",
                         s->path, s->dataset, need);
  free(dir);
  return rc;
}

/* Every filter of the pipeline must be available, or every read of a chunk fails: say
 * which filter (a missing plugin) before any work, instead of a read error later. */
static int check_filters(const sigma_shard *s, hid_t dcpl) {
  const int n = H5Pget_nfilters(dcpl);
  for (int k = 0; k < n; k++) {
    unsigned flags = 0, conf = 0, cd[16];
    size_t ncd = 16;
    char name[256] = "";
    H5Z_filter_t id = H5Pget_filter2(dcpl, (unsigned)k, &flags, &ncd, cd, sizeof name, name, &conf);
    if (id < 0 || H5Zfilter_avail(id) <= 0)
      return sigma_set_error(SIGMA_EFORMAT, "%s:%s: needs HDF5 filter '%s' (id %d), which is not "
                             "available here (its plugin is not installed)", s->path, s->dataset,
                             name[0] ? name : "unnamed", (int)id);
  }
  return SIGMA_OK;
}

/* A chunked dataset must have every chunk written: HDF5 answers a missing chunk with
 * fill values. (Its space status cannot tell: compressed chunks are smaller than their
 * nominal size, so a complete gzip dataset reads as "partly allocated".) */
static int check_chunks(const sigma_shard *s, hid_t dset, hid_t dcpl) {
  hsize_t cd[2] = {0, 0}, dims[2] = {0, 0}, have = 0;
  hid_t space = H5Dget_space(dset);
  H5Sget_simple_extent_dims(space, dims, NULL);
  herr_t st = H5Dget_num_chunks(dset, space, &have); /* 1.10 refuses H5S_ALL here */
  H5Sclose(space);
  if (H5Pget_chunk(dcpl, 2, cd) != 2 || !cd[0] || !cd[1] || st < 0)
    return sigma_set_error(SIGMA_EFORMAT, "%s:%s: cannot read the chunk index", s->path,
                           s->dataset);
  const double want = ceil((double)dims[0] / cd[0]) * ceil((double)dims[1] / cd[1]);
  if ((double)have < want)
    return sigma_set_error(SIGMA_EFORMAT, "%s:%s: %.0f of %.0f chunks were never written (HDF5 "
                           "would read their rows as fill values)", s->path, s->dataset,
                           want - (double)have, want);
  return SIGMA_OK;
}

/* Refuse storage that HDF5 would answer with fill values instead of data: a virtual
 * dataset (missing source files are filled silently), external files that are missing
 * or short, and storage never (or only partly) allocated, i.e. rows never written. */
static int check_storage(const sigma_shard *s, hid_t dset, double bytes) {
  hid_t dcpl = H5Dget_create_plist(dset);
  int rc = SIGMA_OK;
  H5D_space_status_t status = H5D_SPACE_STATUS_ERROR;
  if (H5Pget_layout(dcpl) == H5D_VIRTUAL)
    rc = sigma_set_error(SIGMA_EFORMAT, "%s:%s: a virtual dataset (HDF5 fills the rows of missing "
                         "source files silently): give its source datasets as shards instead",
                         s->path, s->dataset);
  else if (H5Pget_external_count(dcpl) > 0)
    rc = check_external(s, dcpl, bytes);
  else if (H5Pget_layout(dcpl) == H5D_CHUNKED)
    rc = check_chunks(s, dset, dcpl);
  else if (H5Dget_space_status(dset, &status) < 0 || status != H5D_SPACE_STATUS_ALLOCATED)
    rc = sigma_set_error(SIGMA_EFORMAT, "%s:%s: the dataset's storage is not allocated: rows "
                         "never written would be read as fill values", s->path, s->dataset);
  if (rc == SIGMA_OK) rc = check_filters(s, dcpl);
  H5Pclose(dcpl);
  return rc;
}

/* Shape and dtype of one shard. */
static int shard_inspect(sigma_shard *s, int *d) {
  hid_t file, dset;
  SIGMA_CHECK(shard_open(s, 0, &file, &dset));
  int rc = SIGMA_OK;
  hid_t space = H5Dget_space(dset), type = H5Dget_type(dset);
  int ndims = H5Sget_simple_extent_ndims(space);
  hsize_t dims[8] = {0};
  size_t sz = H5Tget_size(type);
  if (ndims == 2) H5Sget_simple_extent_dims(space, dims, NULL);
  if (ndims != 2) {
    rc = sigma_set_error(SIGMA_EFORMAT, "%s:%s: dataset has rank %d, expected 2 (N rows x d)",
                         s->path, s->dataset, ndims);
  } else if (H5Tget_class(type) != H5T_FLOAT) {
    rc = sigma_set_error(SIGMA_EFORMAT,
                         "%s:%s: dataset dtype is %s, expected float16, float32 or float64",
                         s->path, s->dataset, dtype_name(type));
  } else if (sz != 2 && sz != 4 && sz != 8) {
    rc = sigma_set_error(SIGMA_EFORMAT, "%s:%s: %zu-byte floats, expected float16/32/64",
                         s->path, s->dataset, sz);
  } else if (dims[0] == 0 || dims[1] == 0) {
    rc = sigma_set_error(SIGMA_EFORMAT, "%s:%s: dataset is empty (%llu x %llu)", s->path,
                         s->dataset, (unsigned long long)dims[0], (unsigned long long)dims[1]);
  } else if (dims[1] > SIGMA_D_MAX || dims[0] > (hsize_t)INT64_MAX / dims[1]) {
    rc = sigma_set_error(SIGMA_EFORMAT, "%s:%s: %llu x %llu: d = %llu columns would need a %.3g "
                         "GiB d x d Gram; sigma handles d <= %d (LAPACK's 32-bit indices)",
                         s->path, s->dataset, (unsigned long long)dims[0],
                         (unsigned long long)dims[1], (unsigned long long)dims[1],
                         (double)dims[1] * (double)dims[1] * 8 / 1073741824.0, SIGMA_D_MAX);
  } else {
    s->rows = (int64_t)dims[0];
    s->dtype_bytes = (int)sz;
    /* Only IEEE binary32 takes the raw float fast path; any other 4-byte float (another
     * exponent width, say) is converted by HDF5. */
    s->ieee_f32 = H5Tequal(type, H5T_IEEE_F32LE) > 0 || H5Tequal(type, H5T_IEEE_F32BE) > 0;
    *d = (int)dims[1];
    s->cache_bytes = chunk_cache_bytes(dset, dims[1], sz);
    rc = check_storage(s, dset, (double)dims[0] * (double)dims[1] * (double)sz);
  }
  H5Tclose(type);
  H5Sclose(space);
  H5Dclose(dset);
  H5Fclose(file);
  return rc;
}

int sigma_input_open(char *const *specs, int nspecs, sigma_input **out) {
  *out = NULL;
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* we print one line, not HDF5's stack */
  sigma_input *in = calloc(1, sizeof *in);
  if (!in) return sigma_set_error(SIGMA_ENOMEM, "out of memory");
  in->cur = -1;
  int rc = SIGMA_OK;
  if (nspecs < 1) SIGMA_TRY(sigma_set_error(SIGMA_EINVAL, "no input file given"));
  for (int k = 0; k < nspecs; k++) SIGMA_TRY(expand_spec(in, specs[k], 0));
  for (int k = 0; k < in->nshards; k++) {
    sigma_shard *s = &in->shard[k];
    int d = 0;
    SIGMA_TRY(shard_inspect(s, &d));
    if (k == 0) in->d = d;
    else if (d != in->d)
      SIGMA_TRY(sigma_set_error(SIGMA_EFORMAT, "%s:%s: d = %d but %s:%s has d = %d", s->path,
                                s->dataset, d, in->shard[0].path, in->shard[0].dataset, in->d));
    else if (s->dtype_bytes != in->shard[0].dtype_bytes) /* shards of one matrix share a dtype */
      SIGMA_TRY(sigma_set_error(SIGMA_EFORMAT, "%s:%s: dtype float%d but %s:%s is float%d",
                                s->path, s->dataset, 8 * s->dtype_bytes, in->shard[0].path,
                                in->shard[0].dataset, 8 * in->shard[0].dtype_bytes));
    s->row0 = in->N;
    in->N += s->rows;
  }
  in->dxpl = H5Pcreate(H5P_DATASET_XFER);
  H5Pset_dxpl_mpio(in->dxpl, H5FD_MPIO_INDEPENDENT);
  *out = in;
  return SIGMA_OK;
done:
  sigma_input_close(&in);
  return rc;
}

void sigma_input_close(sigma_input **pin) {
  sigma_input *in = *pin;
  if (!in) return;
  shard_close_handles(in);
  if (in->dxpl > 0) H5Pclose(in->dxpl);
  for (int k = 0; k < in->nshards; k++) {
    free(in->shard[k].path);
    free(in->shard[k].dataset);
  }
  free(in->shard);
  free(in);
  *pin = NULL;
}

/* Shard holding global row r (binary search over row0). */
static int shard_of(const sigma_input *in, int64_t r) {
  int lo = 0, hi = in->nshards - 1;
  while (lo < hi) {
    int mid = (lo + hi + 1) / 2;
    if (in->shard[mid].row0 <= r) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/* f[k] -> X[k] for k < m, where f starts at byte 4m of X: double k ends at byte
 * 8k + 8 <= 4m + 4(k + 1), the start of float k + 1, so forward order never
 * overwrites an unread float. */
static void widen_in_place(double *X, const float *f, size_t m) {
  for (size_t k = 0; k < m; k++) X[k] = (double)f[k];
}

/* The innermost message of HDF5's error stack (the cause, e.g. "data error detected by
 * Fletcher32 checksum"), or "" if none. */
static herr_t innermost(unsigned n, const H5E_error2_t *e, void *out) {
  if (n == 0 && e->desc) snprintf(out, 256, "%s", e->desc);
  return 0;
}

static void h5_cause(char *buf) {
  buf[0] = '\0';
  hid_t st = H5Eget_current_stack();
  if (st >= 0) {
    H5Ewalk2(st, H5E_WALK_UPWARD, innermost, buf);
    H5Eclose_stack(st);
  }
}

/* A failed read of rows [row, row + n) of shard s: for a chunked dataset, find the
 * first band of chunks that fails (re-reading band by band into X, which holds n rows)
 * and name its rows and HDF5's cause, instead of "unreadable" over the whole range. */
static int read_failure(sigma_input *in, const sigma_shard *s, int64_t row, int64_t n, double *X,
                        const char *first_cause) {
  char cause[256];
  snprintf(cause, sizeof cause, "%s", first_cause);
  int64_t lo = row, hi = row + n - 1;
  hid_t dcpl = H5Dget_create_plist(in->dset);
  hsize_t cd[2] = {0, 0};
  if (H5Pget_layout(dcpl) == H5D_CHUNKED && H5Pget_chunk(dcpl, 2, cd) == 2 && cd[0] > 0) {
    const int64_t band = (int64_t)cd[0];
    for (int64_t b = row / band * band; b < row + n; b += band) {
      hsize_t start[2] = {(hsize_t)(b > row ? b : row), 0}, count[2] = {0, (hsize_t)in->d};
      int64_t end = b + band < row + n ? b + band : row + n;
      count[0] = (hsize_t)(end - (int64_t)start[0]);
      H5Sselect_hyperslab(in->fspace, H5S_SELECT_SET, start, NULL, count, NULL);
      hid_t ms = H5Screate_simple(2, count, NULL);
      herr_t st = H5Dread(in->dset, H5T_NATIVE_DOUBLE, ms, in->fspace, in->dxpl, X);
      if (st < 0) h5_cause(cause); /* before any other call clears HDF5's error stack */
      H5Sclose(ms);
      if (st < 0) {
        lo = b;
        hi = b + band - 1 < s->rows - 1 ? b + band - 1 : s->rows - 1;
        break;
      }
    }
    H5Pclose(dcpl);
    return sigma_set_error(SIGMA_EIO, "%s:%s: cannot read the chunk of rows %lld..%lld: %s",
                           s->path, s->dataset, (long long)lo, (long long)hi,
                           cause[0] ? cause : "corrupt or unreadable");
  }
  H5Pclose(dcpl);
  return sigma_set_error(SIGMA_EIO, "%s:%s: cannot read rows %lld..%lld (file truncated or "
                         "unreadable%s%s)", s->path, s->dataset, (long long)lo, (long long)hi,
                         cause[0] ? ": " : "", cause);
}

int sigma_input_read(sigma_input *in, int64_t row0, int64_t n, double *X) {
  const int d = in->d;
  while (n > 0) {
    int k = shard_of(in, row0);
    const sigma_shard *s = &in->shard[k];
    if (in->cur != k) {
      shard_close_handles(in);
      const double bytes = (double)s->rows * in->d * s->dtype_bytes;
      SIGMA_CHECK(shard_open(s, bytes >= SIGMA_MPIO_MIN_BYTES, &in->file, &in->dset));
      in->fspace = H5Dget_space(in->dset);
      in->cur = k;
    }
    int64_t take = s->row0 + s->rows - row0;
    if (take > n) take = n;
    hsize_t start[2] = {(hsize_t)(row0 - s->row0), 0}, count[2] = {(hsize_t)take, (hsize_t)d};
    H5Sselect_hyperslab(in->fspace, H5S_SELECT_SET, start, NULL, count, NULL);
    hid_t mspace = H5Screate_simple(2, count, NULL);
    herr_t st;
    if (s->dtype_bytes == 4 && s->ieee_f32) {
      /* float32 (the common case): read the raw floats into the upper half of X and
       * widen in place, instead of HDF5's conversion buffer and second copy. */
      size_t m = (size_t)take * d;
      float *f = (float *)((char *)X + m * sizeof(float));
      st = H5Dread(in->dset, H5T_NATIVE_FLOAT, mspace, in->fspace, in->dxpl, f);
      if (st >= 0) widen_in_place(X, f, m);
    } else {
      st = H5Dread(in->dset, H5T_NATIVE_DOUBLE, mspace, in->fspace, in->dxpl, X);
    }
    char cause[256] = "";
    if (st < 0) h5_cause(cause); /* before any other call clears HDF5's error stack */
    H5Sclose(mspace);
    if (st < 0) return read_failure(in, s, (int64_t)start[0], take, X, cause);
    X += (size_t)take * d;
    row0 += take;
    n -= take;
  }
  return SIGMA_OK;
}

double sigma_input_bytes_per_row(const sigma_input *in) {
  double b = 0;
  for (int k = 0; k < in->nshards; k++) b += (double)in->shard[k].rows * in->shard[k].dtype_bytes;
  return in->N ? b * in->d / (double)in->N : 0;
}

const char *sigma_input_describe_row(const sigma_input *in, int64_t r, char *buf, size_t len) {
  const sigma_shard *s = &in->shard[shard_of(in, r)];
  snprintf(buf, len, "%s:%s: row %lld (global row %lld)", s->path, s->dataset,
           (long long)(r - s->row0), (long long)r);
  return buf;
}

/* max |x_j| and sum (x_j / m)^2: the squared norm m^2 t without overflow or underflow
 * (LAPACK's dnrm2 scales the same way). */
static double scaled_norm2(const double *x, int d, double *t) {
  double m = 0, acc = 0;
  for (int j = 0; j < d; j++) m = fmax(m, fabs(x[j]));
  if (m > 0)
    for (int j = 0; j < d; j++) acc += (x[j] / m) * (x[j] / m);
  *t = acc;
  return m;
}

int sigma_input_prepare_row(const sigma_input *in, int64_t r, double *x, int normalize,
                            double *norm2) {
  const int d = in->d;
  double s = 0;
  for (int j = 0; j < d; j++) s += x[j] * x[j];
  if (!isfinite(s)) SIGMA_CHECK(sigma_input_check_row(in, r, x)); /* a NaN or Inf, named */
  /* Finite values whose squares overflow, or squares that underflow: x x^T is not
   * representable in double precision. m = 0: an all-zero row (harmless unless it must
   * be normalised). */
  const int overflow = !isfinite(s), underflow = s < DBL_MIN;
  double t = 0, m = 0;
  if (overflow || underflow) m = scaled_norm2(x, d, &t);
  char where[1024];
  if (m > 0 && !normalize)
    return sigma_set_error(SIGMA_EDATA, "%s %s double precision: ||x||^2 = %.3g^2 x %.6g, so x "
                           "x^T cannot be represented (rescale the data, or --normalize)",
                           sigma_input_describe_row(in, r, where, sizeof where),
                           overflow ? "overflows" : "underflows", m, t);
  if (normalize) {
    if (overflow || underflow) {
      if (m == 0)
        return sigma_set_error(SIGMA_EDATA, "%s is all zeros: cannot --normalize it",
                               sigma_input_describe_row(in, r, where, sizeof where));
      const double inv = 1.0 / sqrt(t); /* x / m has norm sqrt(t) in [1, sqrt(d)] */
      for (int j = 0; j < d; j++) x[j] = (x[j] / m) * inv;
    } else {
      const double inv = 1.0 / sqrt(s);
      for (int j = 0; j < d; j++) x[j] *= inv;
    }
    s = 0;
    for (int j = 0; j < d; j++) s += x[j] * x[j];
  }
  if (norm2) *norm2 = s;
  return SIGMA_OK;
}

int sigma_input_check_row(const sigma_input *in, int64_t r, const double *x) {
  for (int j = 0; j < in->d; j++)
    if (!isfinite(x[j])) {
      const sigma_shard *s = &in->shard[shard_of(in, r)];
      return sigma_set_error(SIGMA_EDATA, "%s:%s: row %lld (global row %lld) has %s in column %d",
                             s->path, s->dataset, (long long)(r - s->row0), (long long)r,
                             isnan(x[j]) ? "NaN" : "Inf", j);
    }
  return SIGMA_OK;
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
