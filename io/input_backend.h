/* Input backends: what one file format must provide to io/input.c (internal header;
 * only io/input*.c include it).
 *
 * A backend knows one format and one shard at a time. Everything that does not depend
 * on the format lives once in io/input.c: specs, globs, @LIST, the shard table, the
 * choice of backend from the file's magic bytes, the identity check of io/files.h before
 * every open, the d and dtype agreement between shards, reads that cross shards, the
 * gap-coalesced sampled reads, and (io/rows.c) naming, checking and preparing rows.
 *
 * Adding a format: one file io/input_FORMAT.c defining a `const sigma_input_backend`,
 * one entry in the table `backends` in io/input.c, one source line in CMakeLists.txt.
 *
 * Conventions for every operation: return SIGMA_OK or an error code with one message
 * (sigma_set_error) that names s->path and s->dataset; no MPI communication; no output.
 */
#ifndef SIGMA_IO_INPUT_BACKEND_H
#define SIGMA_IO_INPUT_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "input.h"

/* Parts of a float32 read handed to the caller's sigma_piece_fn: 1 MiB of float64 rows,
 * so that a part is still in the core's L2 cache when the caller widens it. */
#define SIGMA_PIECE_BYTES (1 << 20)

struct sigma_input_backend {
  const char *name; /* key, lower case: "hdf5", "npy" (sigma_input_library_version) */
  const char *what; /* for "FILE: not an HDF5 file, ...": "an HDF5 file" */

  /* 1 if the file starts like this format (its magic bytes), else 0. fd: the file open
   * read-only (read it with pread: its offset is shared with the other probes); size:
   * its length in bytes. Cheap (a few small reads), never an error: a file that cannot
   * be read here is "not mine" and fails later with the backend's own message. */
  int (*probe)(int fd, int64_t size);

  /* Inspect shard s (s->path, s->dataset given; the file was checked by io/files.h and
   * probed as this format): set s->rows (>= 1), s->dtype_bytes (2, 4, 8), s->dtype
   * ("float16", "float32", "float64"), *d (1 <= d <= SIGMA_D_MAX, rows * d <= INT64_MAX)
   * and whatever the backend needs later in s->priv (at most sizeof s->priv bytes).
   * s->dataset_given says whether the spec named the dataset (else it holds the default,
   * "embeddings"); a backend may replace s->dataset (malloc'd) by the name it actually
   * reads (safetensors: the tensor it chose) or by "" for a format with one array per
   * file (.npy), which then names the shard "FILE" alone (SIGMA_SHARD_FMT in io/input.h).
   * Refuse here (SIGMA_EFORMAT / SIGMA_EIO) everything a later read would get wrong:
   * no such dataset, rank != 2, non-float, empty, storage the library would answer with
   * fill values, a missing decompression filter. Checks every side file it will read
   * with sigma_file_input. */
  int (*inspect)(sigma_shard *s, int *d);

  /* Open shard s (inspected; d columns) for reading; *handle is the backend's state
   * until close. io/input.c checks the file with sigma_file_input just before. */
  int (*open)(const sigma_shard *s, int d, void **handle);

  /* Rows [r, r + n) of shard s (shard-local indices, 0 <= r, r + n <= s->rows) as
   * float64 into X (row-major n x d; the caller's buffer holds n * d doubles, the
   * backend may stage narrower values in it). Values are not checked.
   * fn not NULL: fn(ctx, row, k, Xp, staged32) on consecutive parts of the range, in
   * order, each as soon as it is read (row: global, s->row0 + local; Xp = X + (row - s->row0
   * - r) d); the backend may read IEEE binary32 in parts of about SIGMA_PIECE_BYTES of
   * float64 and leave them unconverted (staged32 = 1: k * d floats at (float *)Xp + k * d)
   * for the caller to widen while they are in cache (io/rows.h sigma_rows_prepare32).
   * fn's error stops the read and is returned.
   * Errors: SIGMA_EIO naming path, dataset and the rows that failed, as for one read of
   * the whole range whatever the parts. */
  int (*read)(void *handle, const sigma_shard *s, int d, int64_t r, int64_t n, double *X,
              sigma_piece_fn fn, void *ctx);

  /* Release what open returned (never NULL). */
  void (*close)(void *handle);

  /* Optional (NULL: none). The format library's version into buf; returns buf. */
  const char *(*version)(char *buf, size_t len);
  /* Optional (NULL: none). Release the library's global state before MPI_Finalize. */
  void (*shutdown)(void);
};

#endif
