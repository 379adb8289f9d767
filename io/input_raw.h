/* Reading a raw float matrix out of a file, for the backends whose formats are a header
 * followed by the array's bytes: .npy (io/input_npy.c) and safetensors
 * (io/input_safetensors.c). Internal to io/input*.c, like io/input_backend.h.
 *
 * A shard's matrix is a sigma_tensor_info (io/tensor_header.h), kept in sigma_shard.priv
 * by sigma_raw_set. Rows are read with pread (no MPI-IO: every rank reads its own row
 * ranges, and a plain read of a contiguous range is what MPI-IO would do on one rank):
 * row-major, one read a range, the values staged at the end of the caller's buffer and
 * widened in place; column-major (.npy fortran_order), one read per column of the range
 * (d reads; a single sampled row costs d small reads). Big-endian values are swapped;
 * float16 is widened exactly (subnormals, infinities and NaN kept).
 */
#ifndef SIGMA_IO_INPUT_RAW_H
#define SIGMA_IO_INPUT_RAW_H

#include <stddef.h>
#include <stdint.h>

#include "input.h"
#include "tensor_header.h"

/* s->path opened read-only (*fd) and its size. Errors: SIGMA_EIO naming the shard. */
int sigma_raw_file(const sigma_shard *s, int *fd, int64_t *size);

/* Exactly len bytes at offset off of fd into buf (pread, interrupted and short reads
 * resumed). what: the part read, for messages ("its header"). Errors: SIGMA_EIO naming
 * the shard (the file ended early: truncated; or the system's error). */
int sigma_raw_pread(const sigma_shard *s, int fd, void *buf, size_t len, int64_t off,
                    const char *what);

/* What inspect reports for a matrix t: s->rows, s->dtype_bytes, s->dtype, t in s->priv,
 * *d = t->cols, and s->dataset replaced by dataset (a copy; "" for .npy).
 * Errors: SIGMA_ENOMEM. */
int sigma_raw_set(sigma_shard *s, const sigma_tensor_info *t, const char *dataset, int *d);

/* The backend operations open, read and close (io/input_backend.h) for a shard set by
 * sigma_raw_set. open refuses a file now shorter than the matrix needs (changed since
 * inspection): SIGMA_EIO. read: SIGMA_EIO naming file, tensor and rows. */
int sigma_raw_open(const sigma_shard *s, int d, void **handle);
int sigma_raw_read(void *handle, const sigma_shard *s, int d, int64_t r, int64_t n, double *X,
                   sigma_piece_fn fn, void *ctx);
void sigma_raw_close(void *handle);

#endif
