/* The input matrix: one or many HDF5 datasets concatenated by rows (SPEC section 1).
 *
 * A spec is FILE[:DATASET] (default dataset "embeddings"); FILE may be a glob
 * pattern (expanded and sorted), or @LIST, a text file naming one spec per line
 * (blank lines and # comments skipped). Shards must agree on d; dtypes may be
 * one of float16, float32 or float64 (the same for every shard: a shard of another
 * dtype is an error, like one of another d), converted to float64 on read.
 *
 * Reads of shards of SIGMA_MPIO_MIN_BYTES or more go through HDF5's MPI-IO driver,
 * opened on MPI_COMM_SELF so each rank streams its own contiguous hyperslabs
 * independently (ranks own disjoint row ranges, so no collective call would line up
 * across ranks). Smaller shards and the metadata inspection use the POSIX driver:
 * MPI_File_open costs ~0.5 ms a file, which dominated an audit over 1000 small shards.
 *
 * Chunked (e.g. compressed) datasets are opened with a chunk cache that holds two full
 * row bands of chunks (at most SIGMA_CHUNK_CACHE_MAX bytes). HDF5's default of 1 MiB
 * cannot hold a larger chunk, so every row read from it decompressed the whole chunk
 * again: a study on 4 MiB gzip chunks ran 500x slower than on a contiguous file.
 */
#define SIGMA_CHUNK_CACHE_MAX (256.0 * 1048576.0)
#define SIGMA_MPIO_MIN_BYTES (64.0 * 1048576.0)
/* Widest d: d^2 < 2^31, since LP64 LAPACK indexes a d x d matrix with 32-bit ints. */
#define SIGMA_D_MAX 46340
#ifndef SIGMA_INPUT_H
#define SIGMA_INPUT_H

#include <hdf5.h>
#include <mpi.h>
#include <stdint.h>

typedef struct {
  char *path;      /* file */
  char *dataset;   /* dataset path inside the file */
  int64_t rows;    /* rows in this shard */
  int64_t row0;    /* global index of its first row */
  int dtype_bytes; /* 2, 4 or 8 */
  int ieee_f32;    /* IEEE binary32 (either byte order): read raw and widened in place */
  size_t cache_bytes; /* chunked datasets: HDF5 chunk cache to open it with; 0: default */
} sigma_shard;

typedef struct sigma_input {
  int nshards;
  sigma_shard *shard;
  int64_t N;
  int d;
  /* the shard currently open for reading (-1: none) */
  int cur;
  hid_t file, dset, fspace, dxpl;
} sigma_input;

/* Expand specs, open every shard's metadata and validate it. Each rank does the
 * same deterministic work, so every rank reaches the same verdict. A spec that names an
 * existing file is taken literally; only one that names none is globbed. Every file
 * (shard, @LIST, external raw file) is checked and recorded by io/files.h, so no output
 * can overwrite it.
 * Errors: SIGMA_EIO (missing/unreadable/truncated file, not a regular file, no dataset,
 * empty glob, a missing or short external raw file), SIGMA_EINVAL (an @LIST that names no
 * input), SIGMA_EFORMAT (rank != 2, non-float dtype, d or dtype mismatch, zero rows,
 * d > SIGMA_D_MAX, a virtual dataset, storage never allocated or chunks never written --
 * HDF5 would read them as fill values -- a filter whose plugin is missing), SIGMA_ENOMEM. */
int sigma_input_open(char *const *specs, int nspecs, sigma_input **in);

/* Read global rows [row0, row0 + n) as float64 into X (row-major n x d), across
 * shards as needed. Values are not checked here: the caller checks them in its own
 * pass over the rows (sigma_input_prepare_row), saving a pass over memory.
 * Errors: SIGMA_EIO (read failed: names file, dataset, rows; for a chunked dataset the
 * first failing chunk's rows and HDF5's cause, e.g. a Fletcher32 checksum). */
int sigma_input_read(sigma_input *in, int64_t row0, int64_t n, double *X);

/* The one row preparation that audit, study and plan share, so a row prepared by any of
 * them has the same bits. x: global row r, d doubles, modified in place.
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

void sigma_input_close(sigma_input **in);

/* Bytes per row on disk averaged over shards (for GB/s reporting). */
double sigma_input_bytes_per_row(const sigma_input *in);



/* Read the rows rows[0..n) (ascending, distinct, < N) into X (row-major n x d), in
 * that order, for sampled blocks. Rows whose gaps are at most SIGMA_GAP_ROWS share one
 * hyperslab read through the gap (at most SIGMA_SPAN_ROWS rows, staged in scratch:
 * SIGMA_SPAN_ROWS * d doubles), so a dense set streams and a sparse set costs about
 * one read per row without reading the rows between. Values are checked with
 * sigma_input_check_row. Errors as sigma_input_read, SIGMA_EDATA. */
#define SIGMA_GAP_ROWS 8
#define SIGMA_SPAN_ROWS 1024
int sigma_input_read_rows(sigma_input *in, const uint64_t *rows, int64_t n, double *X,
                          double *scratch);

/* SIGMA_EDATA naming file, dataset, row within the file, global row and column if
 * row x (global row r) holds a NaN or Inf; SIGMA_OK otherwise. */
int sigma_input_check_row(const sigma_input *in, int64_t r, const double *x);

/* "FILE:DATASET row k (global row r)" for global row r, into buf. */
const char *sigma_input_describe_row(const sigma_input *in, int64_t r, char *buf, size_t len);
#endif
