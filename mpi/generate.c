/* Parallel synthetic HDF5 writer. */
#include "generate.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "progress.h"
#include "reduce.h"
#include "sigma/error.h"

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

/* Attributes: collective in parallel HDF5, identical values on every rank. */
static herr_t write_attrs(hid_t dset, const sigma_generate_opts *o, const sigma_synth *s) {
  const sigma_synth_params *p = &o->p;
  double logdet = sigma_synth_logdet(s), tau2 = sigma_synth_tau2(s);
  double nu = (p->nu <= 0 || isinf(p->nu)) ? INFINITY : p->nu;
  double seed = (double)p->seed, N = (double)o->rows, d = p->d;
  double beta = p->beta, spikes = p->spikes, spike = p->spike_size;
  herr_t st = 0;
  st |= attr_string(dset, "generator", "sigma generate " SIGMA_VERSION);
  st |= attr_string(dset, "distribution", isinf(nu) ? "gaussian" : "student_t");
  st |= attr_string(dset, "spectrum_kind", sigma_spectrum_name(p->spectrum));
  st |= attr_double(dset, "nu", &nu, 1);
  st |= attr_double(dset, "beta", &beta, 1);
  st |= attr_double(dset, "spikes", &spikes, 1);
  st |= attr_double(dset, "spike_size", &spike, 1);
  st |= attr_double(dset, "seed", &seed, 1);
  st |= attr_double(dset, "N", &N, 1);
  st |= attr_double(dset, "d", &d, 1);
  st |= attr_double(dset, "logdet_Sigma", &logdet, 1);
  st |= attr_double(dset, "tau2", &tau2, 1);
  st |= attr_double(dset, "spectrum", s->sigma, (hsize_t)p->d);
  return st;
}

/* float16 rows: HDF5 1.10's soft double->half conversion drops the carry when
 * rounding crosses a power of two (0.49998 becomes 0.25), so convert with the
 * compiler's IEEE cast and hand HDF5 the half-precision bytes unchanged. */
static void to_half(const double *x, size_t n, _Float16 *h) {
  for (size_t k = 0; k < n; k++) h[k] = (_Float16)x[k];
}

int sigma_generate_run(const sigma_generate_opts *o, MPI_Comm comm) {
  int rank, size, rc = SIGMA_OK;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  const int d = o->p.d;
  if (o->rows < 1) return sigma_set_error(SIGMA_EINVAL, "--rows must be >= 1");
  if (o->dtype_bytes != 2 && o->dtype_bytes != 4 && o->dtype_bytes != 8)
    return sigma_set_error(SIGMA_EINVAL, "dtype must be float16, float32 or float64");
  sigma_synth *s = NULL;
  double *X = NULL, *W = NULL;
  hid_t file = -1, dset = -1, fspace = -1, ftype = -1, dxpl = -1;
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", o->path);

  rc = sigma_synth_create(&o->p, &s);
  int64_t B = o->block_rows > 0 ? o->block_rows : 4096;
  if (rc == SIGMA_OK) rc = sigma_calloc(&X, (size_t)B * d, sizeof(double));
  if (rc == SIGMA_OK) rc = sigma_calloc(&W, (size_t)B * d, sizeof(double));
  SIGMA_TRY(sigma_sync_error(rc, comm));

  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL);
  file = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  H5Pclose(fapl);
  if (file < 0) SIGMA_TRY(sigma_set_error(SIGMA_EIO, "%s: cannot create file", o->path));
  hsize_t dims[2] = {(hsize_t)o->rows, (hsize_t)d};
  fspace = H5Screate_simple(2, dims, NULL);
  ftype = file_type(o->dtype_bytes);
  dset = H5Dcreate2(file, o->dataset, ftype, fspace, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (dset < 0)
    SIGMA_TRY(sigma_set_error(SIGMA_EIO, "%s: cannot create dataset '%s'", o->path, o->dataset));
  if (write_attrs(dset, o, s) < 0)
    SIGMA_TRY(sigma_set_error(SIGMA_EIO, "%s: cannot write attributes", o->path));
  dxpl = H5Pcreate(H5P_DATASET_XFER);
  H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_INDEPENDENT);

  int64_t lo = o->rows * rank / size, hi = o->rows * (rank + 1) / size;
  sigma_progress pg;
  sigma_progress_start(&pg, "generate", rank == 0 && !o->quiet, o->rows, hi - lo,
                       (double)d * o->dtype_bytes);
  for (int64_t r0 = lo; r0 < hi && rc == SIGMA_OK; r0 += B) {
    int64_t b = hi - r0 < B ? hi - r0 : B;
    sigma_synth_rows(s, (uint64_t)r0, b, X, W);
    const void *buf = X;
    hid_t mtype = H5T_NATIVE_DOUBLE;
    if (o->dtype_bytes == 2) { /* W is free again after sigma_synth_rows */
      to_half(X, (size_t)b * d, (_Float16 *)W);
      buf = W;
      mtype = ftype;
    }
    hsize_t start[2] = {(hsize_t)r0, 0}, count[2] = {(hsize_t)b, (hsize_t)d};
    H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL);
    hid_t ms = H5Screate_simple(2, count, NULL);
    if (H5Dwrite(dset, mtype, ms, fspace, dxpl, buf) < 0)
      rc = sigma_set_error(SIGMA_EIO, "%s: write failed at row %lld", o->path, (long long)r0);
    H5Sclose(ms);
    sigma_progress_update(&pg, r0 + b - lo);
  }
  rc = sigma_sync_error(rc, comm);
  if (rc == SIGMA_OK) sigma_progress_end(&pg);
done:
  if (dxpl >= 0) H5Pclose(dxpl);
  if (dset >= 0) H5Dclose(dset);
  if (ftype >= 0) H5Tclose(ftype);
  if (fspace >= 0) H5Sclose(fspace);
  if (file >= 0 && H5Fclose(file) < 0 && rc == SIGMA_OK)
    rc = sigma_set_error(SIGMA_EIO, "%s: closing failed", o->path);
  rc = sigma_sync_error(rc, comm);
  if (rank == 0) {
    if (rc == SIGMA_OK && rename(tmp, o->path) != 0)
      rc = sigma_set_error(SIGMA_EIO, "%s: cannot rename from %s", o->path, tmp);
    if (rc != SIGMA_OK) remove(tmp);
  }
  rc = sigma_sync_error(rc, comm);
  free(X);
  free(W);
  sigma_synth_destroy(&s);
  return rc;
}
