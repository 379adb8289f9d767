/* Parallel synthetic HDF5 writer. */
#include "generate.h"
#include "generate_parts.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "files.h"
#include "progress.h"
#include "reduce.h"
#include "sigma/error.h"
#include "sigma/version.h"

/* IEEE half precision as h5py writes it (HDF5 1.10 has no predefined float16). */
static hid_t file_type(int bytes) {
  if (bytes == 8) return H5Tcopy(H5T_IEEE_F64LE);
  hid_t t = H5Tcopy(H5T_IEEE_F32LE);
  if (bytes == 2) {
    H5Tset_fields(t, 15, 10, 5, 0, 10);
    H5Tset_size(t, 2);
    H5Tset_ebias(t, 15);
  }
  return t;
}

static herr_t attr_double(hid_t obj, const char *name, const double *v, hsize_t n) {
  hid_t sp = n == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, NULL);
  hid_t a = H5Acreate2(obj, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
  herr_t st = a < 0 ? -1 : H5Awrite(a, H5T_NATIVE_DOUBLE, v);
  if (a >= 0) H5Aclose(a);
  H5Sclose(sp);
  return st;
}

/* Counts and seeds as 64-bit integers: a double cannot hold a seed above 2^53 exactly. */
static herr_t attr_int64(hid_t obj, const char *name, int64_t v) {
  hid_t sp = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(obj, name, H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
  herr_t st = a < 0 ? -1 : H5Awrite(a, H5T_NATIVE_INT64, &v);
  if (a >= 0) H5Aclose(a);
  H5Sclose(sp);
  return st;
}

static herr_t attr_string(hid_t obj, const char *name, const char *v) {
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, strlen(v) + 1);
  hid_t sp = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
  herr_t st = a < 0 ? -1 : H5Awrite(a, t, v);
  if (a >= 0) H5Aclose(a);
  H5Sclose(sp);
  H5Tclose(t);
  return st;
}

/* A series file's place (SPEC section 8): its generation, the series' length and M, the
 * start and the expected drift per generation. */
static herr_t series_attrs(hid_t dset, const sigma_generate_opts *o, const sigma_gen_truth *tr) {
  herr_t st = 0;
  st |= attr_int64(dset, "generation", tr->generation);
  st |= attr_int64(dset, "generations", o->generations);
  st |= attr_int64(dset, "refit_M", o->refit_M);
  st |= attr_double(dset, "logdet_Sigma_0", &tr->logdet0, 1);
  st |= attr_double(dset, "expected_drift_per_generation", &tr->drift, 1);
  return st;
}

/* Attributes: the generator's parameters and this file's Sigma (tr). */
static herr_t write_attrs(hid_t dset, const sigma_generate_opts *o, const sigma_synth *s,
                          const sigma_gen_truth *tr) {
  const sigma_synth_params *p = &o->p;
  double tau2 = sigma_synth_tau2(s);
  double nu = (p->nu <= 0 || isinf(p->nu)) ? INFINITY : p->nu;
  double beta = p->beta, spike = p->spike_size;
  herr_t st = 0;
  st |= attr_string(dset, "generator", "sigma generate " SIGMA_VERSION);
  const int radial = p->radial != SIGMA_RADIAL_NONE;
  st |= attr_string(dset, "distribution",
                    radial ? "elliptical_lognormal" : isinf(nu) ? "gaussian" : "student_t");
  st |= attr_string(dset, "spectrum_kind", sigma_spectrum_name(p->spectrum));
  st |= attr_double(dset, "nu", &nu, 1);
  st |= attr_double(dset, "beta", &beta, 1);
  st |= attr_int64(dset, "spikes", p->spikes);
  st |= attr_double(dset, "spike_size", &spike, 1);
  st |= attr_int64(dset, "seed", (int64_t)p->seed);
  st |= attr_int64(dset, "N", o->rows);
  st |= attr_int64(dset, "d", p->d);
  st |= attr_double(dset, "logdet_Sigma", &tr->logdet, 1);
  st |= attr_double(dset, "tau2", &tau2, 1);
  st |= attr_double(dset, "spectrum", tr->spectrum, (hsize_t)p->d);
  /* Only for elliptical rows, another row seed, a series: other files keep their bytes. */
  if (radial) st |= attr_string(dset, "radial", sigma_radial_name(p->radial));
  if (radial) st |= attr_double(dset, "radial_var", &p->radial_var, 1);
  if (sigma_synth_row_seed(p) != p->seed)
    st |= attr_int64(dset, "row_seed", (int64_t)sigma_synth_row_seed(p));
  if (tr->generation >= 0) st |= series_attrs(dset, o, tr);
  if (o->provenance) st |= attr_string(dset, "provenance", o->provenance);
  return st;
}

int sigma_gen_check_space(const sigma_generate_opts *o, const char *target, int64_t files) {
  /* SIGMA_DEBUG_NO_SPACE_CHECK (tests only): skip the check, so a test can fill the
   * disk in the middle of the write. */
  if (getenv("SIGMA_DEBUG_NO_SPACE_CHECK")) return SIGMA_OK;
  char *dir = strdup(target), *slash = dir ? strrchr(dir, '/') : NULL;
  if (slash) *slash = '\0';
  struct statvfs v;
  int rc = SIGMA_OK;
  const double need = (double)files * (double)o->rows * o->p.d * o->dtype_bytes;
  if (dir && slash && statvfs(*dir ? dir : "/", &v) == 0 &&
      (double)v.f_bavail * (double)v.f_frsize < need)
    rc = sigma_set_error(SIGMA_EIO, "%s: needs %.3g MB for its rows%s, the file system has %.3g MB "
                         "free", o->path, need / 1e6, files > 1 ? " (all generations)" : "",
                         (double)v.f_bavail * v.f_frsize / 1e6);
  free(dir);
  return rc;
}

/* Rows as the file's bytes (little-endian IEEE), refusing a value the dtype cannot hold
 * (it would be written as Inf). float16 uses the compiler's IEEE cast: HDF5 1.10's soft
 * double->half conversion drops the carry when rounding crosses a power of two (0.49998
 * becomes 0.25). */
static int to_bytes(const sigma_generate_opts *o, const double *x, int64_t row0, int64_t n,
                    void *out) {
  const size_t m = (size_t)n * o->p.d;
  const double max = o->dtype_bytes == 2 ? 65504.0 : o->dtype_bytes == 4 ? FLT_MAX : DBL_MAX;
  for (size_t k = 0; k < m; k++) {
    if (!(fabs(x[k]) <= max))
      return sigma_set_error(SIGMA_EINVAL, "%s: row %lld: value %.6g overflows float%d: use a "
                             "wider --dtype", o->path, (long long)(row0 + (int64_t)(k / o->p.d)),
                             x[k], 8 * o->dtype_bytes);
    if (o->dtype_bytes == 2) ((_Float16 *)out)[k] = (_Float16)x[k];
    else if (o->dtype_bytes == 4) ((float *)out)[k] = (float)x[k];
    else ((double *)out)[k] = x[k];
  }
  return SIGMA_OK;
}

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "sigma generate writes little-endian IEEE floats with plain stores"
#endif

/* Rank 0: the HDF5 file with its dataset allocated (contiguous, never filled) and its
 * attributes, closed before any row is written; *offset: where the rows go. Written with
 * the serial driver: only metadata goes through HDF5, so a full disk later is a plain
 * write error (a failed flush of an MPI-IO file crashed HDF5's exit handler). */
static int create_file(const sigma_generate_opts *o, const char *tmp, const sigma_synth *s,
                       const sigma_gen_truth *tr, int64_t *offset) {
  hid_t file = -1, dset = -1, space = -1, type = -1, dcpl = -1;
  int rc = SIGMA_OK;
  file = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (file < 0) SIGMA_TRY(sigma_set_error(SIGMA_EIO, "%s: cannot create file", o->path));
  hsize_t dims[2] = {(hsize_t)o->rows, (hsize_t)o->p.d};
  space = H5Screate_simple(2, dims, NULL);
  type = file_type(o->dtype_bytes);
  dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_layout(dcpl, H5D_CONTIGUOUS);
  H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
  H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER);
  dset = H5Dcreate2(file, o->dataset, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  if (dset < 0)
    SIGMA_TRY(sigma_set_error(SIGMA_EIO, "%s: cannot create dataset '%s'", o->path, o->dataset));
  if (write_attrs(dset, o, s, tr) < 0)
    SIGMA_TRY(sigma_set_error(SIGMA_EIO, "%s: cannot write attributes", o->path));
  haddr_t at = H5Dget_offset(dset);
  if (at == HADDR_UNDEF) SIGMA_TRY(sigma_set_error(SIGMA_EIO, "%s: dataset not allocated", o->path));
  *offset = (int64_t)at;
done:
  if (dcpl >= 0) H5Pclose(dcpl);
  if (type >= 0) H5Tclose(type);
  if (space >= 0) H5Sclose(space);
  if (dset >= 0) H5Dclose(dset);
  if (file >= 0 && H5Fclose(file) < 0 && rc == SIGMA_OK)
    rc = sigma_set_error(SIGMA_EIO, "%s: cannot write the file's metadata", o->path);
  return rc;
}

/* All of buf at offset, or SIGMA_EIO naming the row and the cause (ENOSPC: disk full). */
static int write_all(int fd, const sigma_generate_opts *o, const char *buf, size_t len,
                     off_t off, int64_t row0) {
  while (len > 0) {
    ssize_t w = pwrite(fd, buf, len, off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0)
      return sigma_set_error(SIGMA_EIO, "%s: write failed at row %lld (%s)", o->path,
                             (long long)row0, w < 0 ? strerror(errno) : "no progress");
    buf += w;
    len -= (size_t)w;
    off += w;
  }
  return SIGMA_OK;
}

/* This rank's rows [lo, hi), B at a time, into the allocated dataset at offset. */
static int write_rows(const sigma_generate_opts *o, const char *tmp, const sigma_synth *s,
                      int64_t offset, int64_t lo, int64_t hi, sigma_gen_bufs *bf,
                      const char *label, int rank) {
  const int64_t B = bf->B;
  double *X = bf->X, *W = bf->W;
  const int d = o->p.d;
  const size_t row_bytes = (size_t)d * o->dtype_bytes;
  int fd = open(tmp, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return sigma_set_error(SIGMA_EIO, "%s: cannot open (%s)", o->path, strerror(errno));
  sigma_progress pg;
  sigma_progress_start(&pg, label, rank == 0 && !o->quiet, o->rows, hi - lo, (double)row_bytes);
  int rc = SIGMA_OK;
  for (int64_t r0 = lo; r0 < hi && rc == SIGMA_OK; r0 += B) {
    int64_t b = hi - r0 < B ? hi - r0 : B;
    sigma_synth_rows(s, (uint64_t)r0, b, X, W);
    rc = to_bytes(o, X, r0, b, W); /* W (>= b rows) is free again after sigma_synth_rows */
    if (rc == SIGMA_OK)
      rc = write_all(fd, o, (const char *)W, (size_t)b * row_bytes,
                     (off_t)(offset + r0 * (int64_t)row_bytes), r0);
    sigma_progress_update(&pg, r0 + b - lo);
  }
  if (close(fd) != 0 && rc == SIGMA_OK)
    rc = sigma_set_error(SIGMA_EIO, "%s: write failed (%s)", o->path, strerror(errno));
  if (rc == SIGMA_OK) sigma_progress_end(&pg);
  return rc;
}

int sigma_gen_check_opts(const sigma_generate_opts *o) {
  if (o->rows < 1) return sigma_set_error(SIGMA_EINVAL, "--rows must be >= 1");
  if (o->dtype_bytes != 2 && o->dtype_bytes != 4 && o->dtype_bytes != 8)
    return sigma_set_error(SIGMA_EINVAL, "dtype must be float16, float32 or float64");
  return SIGMA_OK;
}

int sigma_gen_bufs_alloc(sigma_gen_bufs *b, const sigma_generate_opts *o) {
  const int d = o->p.d;
  b->B = o->block_rows > 0 ? o->block_rows : 4096;
  b->X = b->W = NULL;
  SIGMA_CHECK(sigma_calloc(&b->X, (size_t)b->B * d, sizeof(double)));
  size_t wlen = sigma_synth_work_len(d);
  if (wlen < (size_t)b->B * d) wlen = (size_t)b->B * d;
  return sigma_calloc(&b->W, wlen, sizeof(double));
}

void sigma_gen_bufs_free(sigma_gen_bufs *b) {
  free(b->X);
  free(b->W);
  b->X = b->W = NULL;
}

int sigma_gen_write(const sigma_generate_opts *o, const char *tmp, const sigma_synth *s,
                    const sigma_gen_truth *tr, sigma_gen_bufs *bf, const char *label,
                    MPI_Comm comm) {
  int rank, size, rc = SIGMA_OK;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  int64_t offset = 0;
  if (rank == 0) rc = create_file(o, tmp, s, tr, &offset);
  SIGMA_CHECK(sigma_sync_error(rc, comm));
  SIGMA_CHECK(sigma_mpi_check(MPI_Bcast(&offset, 1, MPI_INT64_T, 0, comm), "MPI_Bcast"));
  int64_t lo = o->rows * rank / size, hi = o->rows * (rank + 1) / size;
  return sigma_sync_error(write_rows(o, tmp, s, offset, lo, hi, bf, label, rank), comm);
}

int sigma_gen_begin(const sigma_generate_opts *o, MPI_Comm comm, int *rank, long *pid) {
  MPI_Comm_rank(comm, rank);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  *pid = (long)getpid(); /* rank 0's names the temporaries every rank writes into */
  SIGMA_CHECK(sigma_mpi_check(MPI_Bcast(pid, 1, MPI_LONG, 0, comm), "MPI_Bcast"));
  return sigma_gen_check_opts(o);
}

int sigma_generate_run(const sigma_generate_opts *o, MPI_Comm comm) {
  int rank, rc = SIGMA_OK;
  long pid;
  SIGMA_CHECK(sigma_gen_begin(o, comm, &rank, &pid));
  sigma_synth *s = NULL;
  sigma_gen_bufs bf = {0};
  char *target = NULL, *tmp = NULL;
  int direct = 0;
  /* The output through the I/O layer: links resolved, never an input; HDF5 needs a
   * regular file, so a device or FIFO is refused. The temporary sits beside the target. */
  rc = sigma_file_output_target(o->path, "generate output", &target, &direct);
  if (rc == SIGMA_OK && direct)
    rc = sigma_set_error(SIGMA_EIO, "%s: not a regular file: an HDF5 file cannot be written to a "
                         "device or FIFO", o->path);
  if (rc == SIGMA_OK && !(tmp = sigma_file_temp_name(target, pid))) rc = SIGMA_ENOMEM;
  if (rc == SIGMA_OK) rc = sigma_gen_check_space(o, target, 1);
  if (rc == SIGMA_OK) rc = sigma_synth_create(&o->p, &s);
  if (rc == SIGMA_OK) rc = sigma_gen_bufs_alloc(&bf, o);
  SIGMA_TRY(sigma_sync_error(rc, comm));
  const sigma_gen_truth tr = {s->sigma, sigma_synth_logdet(s), -1, 0.0, 0.0};
  SIGMA_TRY(sigma_gen_write(o, tmp, s, &tr, &bf, "generate", comm));
  if (rank == 0 && rename(tmp, target) != 0)
    rc = sigma_set_error(SIGMA_EIO, "%s: cannot rename from %s (%s)", o->path, tmp, strerror(errno));
  rc = sigma_sync_error(rc, comm);
done:
  if (rank == 0 && rc != SIGMA_OK && tmp) unlink(tmp); /* nothing half-written is left */
  sigma_gen_bufs_free(&bf);
  free(tmp);
  free(target);
  sigma_synth_destroy(&s);
  return rc;
}
