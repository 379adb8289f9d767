/* The input matrix, format-neutral: one or many shards concatenated by rows (SPEC
 * section 1). No format library shows through this header (no hdf5.h, no handles):
 * each shard is read by the input backend that recognises its file's magic bytes
 * (io/input_backend.h): HDF5 (io/input_hdf5.c), NumPy .npy (io/input_npy.c) and
 * safetensors (io/input_safetensors.c); a list may mix them.
 *
 * A spec is FILE[:DATASET]: DATASET is the object inside the file that holds the matrix.
 * HDF5: a dataset path, default "embeddings". safetensors: a tensor name; by default
 * "embeddings" if the file has it, else its only tensor of dtype F16/F32/F64 and rank 2
 * (none or several: an error listing them). .npy: one array a file, no DATASET
 * (FILE.npy:X is an error; FILE.npy: is FILE.npy). FILE may be a glob pattern (expanded
 * and sorted), or @LIST, a text file naming one spec per line (blank lines and # comments
 * skipped). Shards must agree on d; dtypes may be one of float16, float32 or float64
 * (the same for every shard whatever its format or byte order: a shard of another dtype
 * is an error, like one of another d), converted to float64 on read. Rows are numbered
 * globally: shard k holds global rows [shard[k].row0, shard[k].row0 + shard[k].rows).
 *
 * Where the code lives: io/input.c (specs, globs, @LIST, the shard table, format
 * detection, cross-shard and sampled reads), io/rows.c (naming, checking and preparing
 * rows: needs only the shard table, no backend), io/input_hdf5.c (the HDF5 backend),
 * io/input_npy.c and io/input_safetensors.c (their headers parsed by io/tensor_header.c,
 * their rows read by io/input_raw.c). No MPI communication anywhere: every rank opens
 * and reads on its own.
 */
#ifndef SIGMA_IO_INPUT_H
#define SIGMA_IO_INPUT_H

#include <stddef.h>
#include <stdint.h>

/* Widest d: d^2 < 2^31, since LP64 LAPACK indexes a d x d matrix with 32-bit ints. */
#define SIGMA_D_MAX 46340

typedef struct sigma_input_backend sigma_input_backend;

typedef struct {
  char *path;        /* file */
  /* The object inside the file that holds the matrix: HDF5 a dataset path, safetensors a
   * tensor name (the one chosen when the spec named none), .npy "" (one array a file). */
  char *dataset;
  int dataset_given; /* 1: the spec named it (FILE:DATASET); 0: the default was filled in */
  int64_t rows;      /* rows in this shard */
  int64_t row0;      /* global index of its first row */
  int dtype_bytes;   /* bytes per value on disk: 2, 4 or 8 */
  const char *dtype; /* "float16", "float32" or "float64" (static string) */
  /* Backend-private, set by sigma_input_open; callers do not touch these. */
  const sigma_input_backend *backend; /* the format of this shard's file */
  _Alignas(16) unsigned char priv[64]; /* the backend's facts about the shard */
} sigma_shard;

/* A shard in messages: "FILE:DATASET", or "FILE" when dataset is "" (.npy).
 *   sigma_set_error(code, SIGMA_SHARD_FMT ": ...", SIGMA_SHARD_ARGS(s), ...) */
#define SIGMA_SHARD_FMT "%s%s%s"
#define SIGMA_SHARD_ARGS(s) (s)->path, (s)->dataset[0] ? ":" : "", (s)->dataset

typedef struct sigma_input {
  int nshards;
  sigma_shard *shard;
  int64_t N;         /* rows over all shards */
  int d;             /* columns (1 <= d <= SIGMA_D_MAX) */
  /* Private: the shard currently open for reading (-1: none) and its backend state. */
  int cur;
  void *handle;
} sigma_input;

/* Expand specs, detect every shard's format from its file's magic bytes, inspect its
 * metadata and validate it. Each rank does the same deterministic work, so every rank
 * reaches the same verdict. A spec that names an existing file is taken literally; only
 * one that names none is globbed. Every file (shard, @LIST, external raw file) is checked
 * and recorded by io/files.h, so no output can overwrite it.
 * Errors: SIGMA_EIO (missing/unreadable/truncated file, not a regular file, no dataset,
 * empty glob, a missing or short external raw file), SIGMA_EINVAL (no spec, an @LIST
 * that names no input, lists nested too deeply), SIGMA_EFORMAT (a file no backend
 * recognises: "FILE: not an HDF5 file, a NumPy .npy file or a safetensors file (wanted
 * dataset 'D')"; rank != 2, non-float dtype, a .npy spec with a DATASET, a malformed or
 * hostile .npy or safetensors header, a .npy file longer than its shape (shorter: EIO),
 * d or dtype mismatch, zero rows, d > SIGMA_D_MAX, and the backend's storage refusals,
 * e.g. HDF5: a virtual dataset, storage never allocated or chunks never written -- HDF5
 * would read them as fill values -- a filter whose plugin is missing), SIGMA_ENOMEM.
 * On error *in is NULL. */
int sigma_input_open(char *const *specs, int nspecs, sigma_input **in);

/* Read global rows [row0, row0 + n) as float64 into X (row-major n x d doubles), across
 * shards as needed (0 <= row0, row0 + n <= N). Values are not checked here: the caller
 * checks them in its own pass over the rows (sigma_input_prepare_row, sigma_rows_prepare
 * in io/rows.h), saving a pass over memory. A shard is (re)checked by io/files.h each
 * time it is opened for reading, so one deleted after sigma_input_open is "no such file".
 * Errors: SIGMA_EIO (read failed: names file, dataset, rows; for a chunked HDF5 dataset
 * the first failing chunk's rows and HDF5's cause, e.g. a Fletcher32 checksum). */
int sigma_input_read(sigma_input *in, int64_t row0, int64_t n, double *X);

/* As sigma_input_read, piece by piece: fn(ctx, r, k, Xp, staged32) right after rows
 * [r, r + k) of the range are read into Xp (= X + (r - row0) d), while they are in cache;
 * the pieces cover the range in order (at least one per shard; float32 in parts of about
 * 1 MiB of float64). staged32 = 1: the piece holds IEEE float32 values not yet widened,
 * k * d floats at (float *)Xp + k * d, for io/rows.h sigma_rows_prepare32 to widen in its
 * pass over the rows; 0: float64 as sigma_input_read gives them. Errors: as
 * sigma_input_read (a failed read names the rows asked for, whatever the pieces), and
 * fn's (which stops the read). */
typedef int (*sigma_piece_fn)(void *ctx, int64_t r, int64_t k, double *Xp, int staged32);
int sigma_input_read_each(sigma_input *in, int64_t row0, int64_t n, double *X,
                          sigma_piece_fn fn, void *ctx);

/* Read the rows rows[0..n) (ascending, distinct, < N) into X (row-major n x d), in
 * that order, for sampled blocks. Rows whose gaps are at most SIGMA_GAP_ROWS share one
 * contiguous read through the gap (at most SIGMA_SPAN_ROWS rows, staged in scratch:
 * SIGMA_SPAN_ROWS * d doubles), so a dense set streams and a sparse set costs about
 * one read per row without reading the rows between. Values are checked with
 * sigma_input_check_row. Errors as sigma_input_read, SIGMA_EDATA. */
#define SIGMA_GAP_ROWS 8
#define SIGMA_SPAN_ROWS 1024
int sigma_input_read_rows(sigma_input *in, const uint64_t *rows, int64_t n, double *X,
                          double *scratch);

/* Release the shard table and any open shard; *in = NULL (NULL is fine). */
void sigma_input_close(sigma_input **in);

/* Bytes per row on disk averaged over shards (for GB/s reporting); 0 if N = 0. */
double sigma_input_bytes_per_row(const sigma_input *in);

/* Version of the format library behind backend name ("hdf5"), e.g. "1.10.8", into buf
 * (len bytes); "" if no such backend or it has no library. Returns buf. */
const char *sigma_input_library_version(const char *name, char *buf, size_t len);

/* Let every backend release its library's global state (HDF5: H5close, which closes
 * what a failed run left open). Call once, before MPI_Finalize: HDF5's own atexit
 * handler would run after it and crash inside the MPI-IO driver. */
void sigma_input_shutdown(void);

/* ---- rows by global index (io/rows.c: need only the shard table) ---- */

/* Index of the shard holding global row r (0 <= r < N). */
int sigma_input_shard_of(const sigma_input *in, int64_t r);

/* SIGMA_EDATA "FILE:DATASET: row k (global row r) has NaN|Inf in column j" if row x
 * (global row r, d doubles) holds a NaN or Inf; SIGMA_OK otherwise. */
int sigma_input_check_row(const sigma_input *in, int64_t r, const double *x);

/* The one row preparation that audit, study and plan share, so a row prepared by any of
 * them has the same bits (sigma_rows_prepare in io/rows.h applies it to a block).
 * x: global row r, d doubles, modified in place.
 * - NaN or Inf values: SIGMA_EDATA naming file, dataset, row and column.
 * - normalize: x *= 1 / sqrt(||x||^2); a row whose squared norm overflows or underflows
 *   is scaled by its largest |x_j| first (as LAPACK's dnrm2), so any finite non-zero row
 *   normalises; an all-zero row is SIGMA_EDATA.
 * - otherwise a non-zero row whose squared norm overflows (values near 1e155 and up) or
 *   underflows (near 1e-155 and down) is SIGMA_EDATA "row R overflows double precision":
 *   x x^T cannot be represented, and the Gram would be Inf or lose the row.
 * norm2 (may be NULL): ||x||^2 of the row as prepared (1 up to rounding when normalised).
 * Centring is the caller's (it needs the global mean). */
int sigma_input_prepare_row(const sigma_input *in, int64_t r, double *x, int normalize,
                            double *norm2);

#endif
