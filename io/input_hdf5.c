/* The HDF5 input backend (io/input_backend.h): one 2-D float dataset per shard.
 *
 * Recognised by the 8-byte HDF5 signature "\211HDF\r\n\032\n" at offset 0, 512, 1024,
 * 2048, ... (a file may start with a user block of 512 bytes or a larger power of two).
 *
 * MPI: only as HDF5's MPI-IO file driver, never to communicate. Reads of shards of
 * SIGMA_MPIO_MIN_BYTES or more go through it, opened on MPI_COMM_SELF so each rank
 * streams its own contiguous hyperslabs independently (ranks own disjoint row ranges, so
 * no collective call would line up across ranks). Smaller shards and the metadata
 * inspection use the POSIX driver: MPI_File_open costs ~0.5 ms a file, which dominated
 * an audit over 1000 small shards.
 *
 * Chunked (e.g. compressed) datasets are opened with a chunk cache that holds two full
 * row bands of chunks (at most SIGMA_CHUNK_CACHE_MAX bytes). HDF5's default of 1 MiB
 * cannot hold a larger chunk, so every row read from it decompressed the whole chunk
 * again: a study on 4 MiB gzip chunks ran 500x slower than on a contiguous file.
 *
 * Storage HDF5 would silently answer with fill values is refused at inspection: virtual
 * datasets, missing or short external raw files, storage never allocated, chunks never
 * written; so is a filter whose plugin is missing. A failed read names the rows (for a
 * chunked dataset, the first failing chunk's) and HDF5's innermost cause.
 */
#include <hdf5.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "input_backend.h"
#include "sigma/error.h"

#define SIGMA_CHUNK_CACHE_MAX (256.0 * 1048576.0)
#define SIGMA_MPIO_MIN_BYTES (64.0 * 1048576.0)

/* What inspection learnt about a shard (kept in sigma_shard.priv). */
typedef struct {
  int ieee_f32;       /* IEEE binary32 (either byte order): read raw and widened in place */
  size_t cache_bytes; /* chunked datasets: HDF5 chunk cache to open it with; 0: default */
} h5_shard;
_Static_assert(sizeof(h5_shard) <= sizeof(((sigma_shard *)0)->priv), "h5_shard fits priv");

static h5_shard get_priv(const sigma_shard *s) {
  h5_shard p;
  memcpy(&p, s->priv, sizeof p);
  return p;
}

/* A shard open for reading. */
typedef struct {
  hid_t file, dset, fspace, dxpl;
} h5_handle;

/* ---- probe ---- */

static int h5_probe(int fd, int64_t size) {
  static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  unsigned char buf[8];
  for (int64_t off = 0; off + 8 <= size; off = off ? 2 * off : 512)
    if (pread(fd, buf, 8, (off_t)off) == 8 && memcmp(buf, sig, 8) == 0) return 1;
  return 0;
}

/* ---- open ---- */

/* Open a shard's file and dataset. mpio: HDF5's MPI-IO driver on MPI_COMM_SELF (for the
 * streaming reads of large shards); otherwise the POSIX driver, whose open costs ~0.05 ms
 * instead of ~0.5 ms: metadata inspection and small shards, where opening dominates. */
static int shard_open(const sigma_shard *s, size_t cache_bytes, int mpio, hid_t *file,
                      hid_t *dset) {
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* we print one line, not HDF5's stack */
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
  if (cache_bytes > 0 && !getenv("SIGMA_DEBUG_DEFAULT_CHUNK_CACHE")) /* 12421 slots (a prime): few hash collisions for any chunk count */
    H5Pset_chunk_cache(dapl, 12421, cache_bytes, H5D_CHUNK_CACHE_W0_DEFAULT);
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

/* ---- inspect ---- */

static const char *dtype_name(hid_t type) {
  switch (H5Tget_class(type)) {
  case H5T_INTEGER: return "integer";
  case H5T_STRING: return "string";
  case H5T_COMPOUND: return "compound";
  default: return "non-float";
  }
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
                             name[0] ? name : "unknown", (int)id);
  }
  return SIGMA_OK;
}

/* Every chunk of a chunked dataset must have been written: HDF5 reads a missing chunk as
 * fill values, silently. */
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

/* Rank, class, width and shape of the dataset: a 2-D float matrix sigma can factor. */
static int check_shape(const sigma_shard *s, int ndims, hid_t type, size_t sz,
                       const hsize_t *dims) {
  if (ndims != 2)
    return sigma_set_error(SIGMA_EFORMAT, "%s:%s: dataset has rank %d, expected 2 (N rows x d)",
                           s->path, s->dataset, ndims);
  if (H5Tget_class(type) != H5T_FLOAT)
    return sigma_set_error(SIGMA_EFORMAT,
                           "%s:%s: dataset dtype is %s, expected float16, float32 or float64",
                           s->path, s->dataset, dtype_name(type));
  if (sz != 2 && sz != 4 && sz != 8)
    return sigma_set_error(SIGMA_EFORMAT, "%s:%s: %zu-byte floats, expected float16/32/64",
                           s->path, s->dataset, sz);
  if (dims[0] == 0 || dims[1] == 0)
    return sigma_set_error(SIGMA_EFORMAT, "%s:%s: dataset is empty (%llu x %llu)", s->path,
                           s->dataset, (unsigned long long)dims[0], (unsigned long long)dims[1]);
  if (dims[1] > SIGMA_D_MAX || dims[0] > (hsize_t)INT64_MAX / dims[1])
    return sigma_set_error(SIGMA_EFORMAT, "%s:%s: %llu x %llu: d = %llu columns would need a %.3g "
                           "GiB d x d Gram; sigma handles d <= %d (LAPACK's 32-bit indices)",
                           s->path, s->dataset, (unsigned long long)dims[0],
                           (unsigned long long)dims[1], (unsigned long long)dims[1],
                           (double)dims[1] * (double)dims[1] * 8 / 1073741824.0, SIGMA_D_MAX);
  return SIGMA_OK;
}

static int h5_inspect(sigma_shard *s, int *d) {
  hid_t file, dset;
  SIGMA_CHECK(shard_open(s, 0, 0, &file, &dset));
  hid_t space = H5Dget_space(dset), type = H5Dget_type(dset);
  int ndims = H5Sget_simple_extent_ndims(space);
  hsize_t dims[8] = {0};
  size_t sz = H5Tget_size(type);
  if (ndims == 2) H5Sget_simple_extent_dims(space, dims, NULL);
  int rc = check_shape(s, ndims, type, sz, dims);
  if (rc == SIGMA_OK) {
    s->rows = (int64_t)dims[0];
    s->dtype_bytes = (int)sz;
    s->dtype = sz == 2 ? "float16" : sz == 4 ? "float32" : "float64";
    /* Only IEEE binary32 takes the raw float fast path; any other 4-byte float (another
     * exponent width, say) is converted by HDF5. */
    h5_shard p = {H5Tequal(type, H5T_IEEE_F32LE) > 0 || H5Tequal(type, H5T_IEEE_F32BE) > 0,
                  chunk_cache_bytes(dset, dims[1], sz)};
    memcpy(s->priv, &p, sizeof p);
    *d = (int)dims[1];
    rc = check_storage(s, dset, (double)dims[0] * (double)dims[1] * (double)sz);
  }
  H5Tclose(type);
  H5Sclose(space);
  H5Dclose(dset);
  H5Fclose(file);
  return rc;
}

/* ---- open, read, close ---- */

static int h5_open(const sigma_shard *s, int d, void **handle) {
  h5_handle *h = calloc(1, sizeof *h);
  if (!h) return sigma_set_error(SIGMA_ENOMEM, "out of memory");
  const int mpio = (double)s->rows * d * s->dtype_bytes >= SIGMA_MPIO_MIN_BYTES;
  int rc = shard_open(s, get_priv(s).cache_bytes, mpio, &h->file, &h->dset);
  if (rc != SIGMA_OK) {
    free(h);
    return rc;
  }
  h->fspace = H5Dget_space(h->dset);
  h->dxpl = H5P_DEFAULT; /* the POSIX driver: nothing to set */
  if (mpio) { /* independent I/O: ranks read disjoint rows, no collective lines up */
    h->dxpl = H5Pcreate(H5P_DATASET_XFER);
    H5Pset_dxpl_mpio(h->dxpl, H5FD_MPIO_INDEPENDENT);
  }
  *handle = h;
  return SIGMA_OK;
}

static void h5_close(void *handle) {
  h5_handle *h = handle;
  if (h->dxpl != H5P_DEFAULT) H5Pclose(h->dxpl);
  H5Sclose(h->fspace);
  H5Dclose(h->dset);
  H5Fclose(h->file);
  free(h);
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

/* Rows [row, row + n) of the open dataset, as memory type mtype, into buf; HDF5's status.
 * On failure, HDF5's innermost cause into cause (256 bytes), taken before any other call
 * clears HDF5's error stack. */
static herr_t read_slab(const h5_handle *h, int64_t row, int64_t n, int d, hid_t mtype,
                        void *buf, char *cause) {
  hsize_t start[2] = {(hsize_t)row, 0}, count[2] = {(hsize_t)n, (hsize_t)d};
  H5Sselect_hyperslab(h->fspace, H5S_SELECT_SET, start, NULL, count, NULL);
  hid_t ms = H5Screate_simple(2, count, NULL);
  herr_t st = H5Dread(h->dset, mtype, ms, h->fspace, h->dxpl, buf);
  if (st < 0) h5_cause(cause);
  H5Sclose(ms);
  return st;
}

/* A failed read of rows [row, row + n) of shard s: for a chunked dataset, find the
 * first band of chunks that fails (re-reading band by band into X, which holds n rows)
 * and name its rows and HDF5's cause, instead of "unreadable" over the whole range. */
static int read_failure(const h5_handle *h, const sigma_shard *s, int d, int64_t row, int64_t n,
                        double *X, const char *first_cause) {
  char cause[256];
  snprintf(cause, sizeof cause, "%s", first_cause);
  int64_t lo = row, hi = row + n - 1;
  hid_t dcpl = H5Dget_create_plist(h->dset);
  hsize_t cd[2] = {0, 0};
  const int chunked =
      H5Pget_layout(dcpl) == H5D_CHUNKED && H5Pget_chunk(dcpl, 2, cd) == 2 && cd[0] > 0;
  H5Pclose(dcpl);
  if (!chunked)
    return sigma_set_error(SIGMA_EIO, "%s:%s: cannot read rows %lld..%lld (file truncated or "
                           "unreadable%s%s)", s->path, s->dataset, (long long)lo, (long long)hi,
                           cause[0] ? ": " : "", cause);
  const int64_t band = (int64_t)cd[0];
  for (int64_t b = row / band * band; b < row + n; b += band) {
    const int64_t from = b > row ? b : row, end = b + band < row + n ? b + band : row + n;
    if (read_slab(h, from, end - from, d, H5T_NATIVE_DOUBLE, X, cause) < 0) {
      lo = b;
      hi = b + band - 1 < s->rows - 1 ? b + band - 1 : s->rows - 1;
      break;
    }
  }
  return sigma_set_error(SIGMA_EIO, "%s:%s: cannot read the chunk of rows %lld..%lld: %s",
                         s->path, s->dataset, (long long)lo, (long long)hi,
                         cause[0] ? cause : "corrupt or unreadable");
}

/* A part of a float32 read failed: the message of one read of the whole range [row,
 * row + n), as without parts (its HDF5 cause; the part's, should the whole now succeed). */
static int parts_failure(const h5_handle *h, const sigma_shard *s, int d, int64_t row, int64_t n,
                         double *X, const char *part_cause) {
  char cause[256] = "";
  if (read_slab(h, row, n, d, H5T_NATIVE_FLOAT, (float *)X + (size_t)n * d, cause) >= 0)
    snprintf(cause, sizeof cause, "%s", part_cause);
  return read_failure(h, s, d, row, n, X, cause);
}

/* float32 rows [row, row + n) in parts of SIGMA_PIECE_BYTES of float64, each left raw in
 * the upper half of its own rows of X and handed to fn at once, while it is in cache. */
static int read_parts32(const h5_handle *h, const sigma_shard *s, int d, int64_t row, int64_t n,
                        double *X, sigma_piece_fn fn, void *ctx) {
  int64_t step = SIGMA_PIECE_BYTES / (8 * (int64_t)d);
  if (step < 1) step = 1;
  char cause[256] = "";
  for (int64_t r = row; r < row + n; r += step) {
    const int64_t k = row + n - r < step ? row + n - r : step;
    double *Xp = X + (size_t)(r - row) * d;
    if (read_slab(h, r, k, d, H5T_NATIVE_FLOAT, (float *)Xp + (size_t)k * d, cause) < 0)
      return parts_failure(h, s, d, row, n, X, cause);
    SIGMA_CHECK(fn(ctx, s->row0 + r, k, Xp, 1));
  }
  return SIGMA_OK;
}

static int h5_read(void *handle, const sigma_shard *s, int d, int64_t row, int64_t n, double *X,
                   sigma_piece_fn fn, void *ctx) {
  const h5_handle *h = handle;
  char cause[256] = "";
  herr_t st;
  const int f32 = s->dtype_bytes == 4 && get_priv(s).ieee_f32;
  if (f32 && fn) return read_parts32(h, s, d, row, n, X, fn, ctx);
  if (f32) {
    /* float32 (the common case): read the raw floats into the upper half of X and
     * widen in place, instead of HDF5's conversion buffer and second copy. */
    size_t m = (size_t)n * d;
    float *f = (float *)((char *)X + m * sizeof(float));
    st = read_slab(h, row, n, d, H5T_NATIVE_FLOAT, f, cause);
    if (st >= 0) widen_in_place(X, f, m);
  } else {
    st = read_slab(h, row, n, d, H5T_NATIVE_DOUBLE, X, cause);
  }
  if (st < 0) return read_failure(h, s, d, row, n, X, cause);
  return fn ? fn(ctx, s->row0 + row, n, X, 0) : SIGMA_OK;
}

/* ---- the library ---- */

static const char *h5_version(char *buf, size_t len) {
  unsigned maj = 0, min = 0, rel = 0;
  H5get_libversion(&maj, &min, &rel);
  snprintf(buf, len, "%u.%u.%u", maj, min, rel);
  return buf;
}

static void h5_shutdown(void) { H5close(); }

const sigma_input_backend sigma_input_hdf5 = {
    .name = "hdf5",
    .what = "an HDF5 file",
    .probe = h5_probe,
    .inspect = h5_inspect,
    .open = h5_open,
    .read = h5_read,
    .close = h5_close,
    .version = h5_version,
    .shutdown = h5_shutdown,
};
