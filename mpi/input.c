/* Parallel HDF5 input: shard discovery, validation and row-block reads. */
#include "input.h"

#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* @LIST: one spec per line. */
static int expand_list(sigma_input *in, const char *list, int depth) {
  FILE *f = fopen(list, "r");
  if (!f) return sigma_set_error(SIGMA_EIO, "%s: cannot open list file", list);
  char line[4096];
  int rc = SIGMA_OK, lineno = 0;
  while (rc == SIGMA_OK && fgets(line, sizeof line, f)) {
    lineno++;
    line[strcspn(line, "\r\n")] = '\0';
    char *p = line;
    while (*p == ' ' || *p == '\t') p++;
    if (*p == '\0' || *p == '#') continue;
    rc = expand_spec(in, p, depth + 1);
  }
  fclose(f);
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
  if (has_glob(path)) {
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
  if (access(s->path, F_OK) != 0)
    return sigma_set_error(SIGMA_EIO, "%s: no such file (wanted dataset '%s')", s->path,
                           s->dataset);
  if (access(s->path, R_OK) != 0)
    return sigma_set_error(SIGMA_EIO, "%s: permission denied (wanted dataset '%s')", s->path,
                           s->dataset);
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

/* Shape and dtype of one shard. */
static int shard_inspect(sigma_shard *s, int *d) {
  hid_t file, dset;
  SIGMA_CHECK(shard_open(s, 0, &file, &dset));
  int rc = SIGMA_OK;
  hid_t space = H5Dget_space(dset), type = H5Dget_type(dset);
  int ndims = H5Sget_simple_extent_ndims(space);
  hsize_t dims[8] = {0};
  if (ndims != 2) {
    rc = sigma_set_error(SIGMA_EFORMAT, "%s:%s: dataset has rank %d, expected 2 (N rows x d)",
                         s->path, s->dataset, ndims);
  } else if (H5Tget_class(type) != H5T_FLOAT) {
    rc = sigma_set_error(SIGMA_EFORMAT,
                         "%s:%s: dataset dtype is %s, expected float16, float32 or float64",
                         s->path, s->dataset, dtype_name(type));
  } else {
    size_t sz = H5Tget_size(type);
    H5Sget_simple_extent_dims(space, dims, NULL);
    if (sz != 2 && sz != 4 && sz != 8)
      rc = sigma_set_error(SIGMA_EFORMAT, "%s:%s: %zu-byte floats, expected float16/32/64",
                           s->path, s->dataset, sz);
    else if (dims[0] == 0 || dims[1] == 0)
      rc = sigma_set_error(SIGMA_EFORMAT, "%s:%s: dataset is empty (%llu x %llu)", s->path,
                           s->dataset, (unsigned long long)dims[0], (unsigned long long)dims[1]);
    s->rows = (int64_t)dims[0];
    s->dtype_bytes = (int)sz;
    *d = (int)dims[1];
    s->cache_bytes = chunk_cache_bytes(dset, dims[1], sz);
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
    if (s->dtype_bytes == 4) {
      /* float32 (the common case): read the raw floats into the upper half of X and
       * widen in place, instead of HDF5's conversion buffer and second copy. */
      size_t m = (size_t)take * d;
      float *f = (float *)((char *)X + m * sizeof(float));
      st = H5Dread(in->dset, H5T_NATIVE_FLOAT, mspace, in->fspace, in->dxpl, f);
      if (st >= 0) widen_in_place(X, f, m);
    } else {
      st = H5Dread(in->dset, H5T_NATIVE_DOUBLE, mspace, in->fspace, in->dxpl, X);
    }
    H5Sclose(mspace);
    if (st < 0)
      return sigma_set_error(SIGMA_EIO, "%s:%s: cannot read rows %lld..%lld (file truncated or "
                             "unreadable)", s->path, s->dataset, (long long)start[0],
                             (long long)(start[0] + take - 1));
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

int sigma_input_normalize_row(const sigma_input *in, int64_t r, double *x, double s) {
  if (!(s > 0)) {
    char where[1024];
    return sigma_set_error(SIGMA_EDATA, "%s is all zeros: cannot --normalize it",
                           sigma_input_describe_row(in, r, where, sizeof where));
  }
  const double inv = 1.0 / sqrt(s);
  for (int j = 0; j < in->d; j++) x[j] *= inv;
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
