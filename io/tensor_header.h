/* Parsers of the untrusted headers of the raw-array input formats: NumPy .npy and
 * safetensors (io/input_npy.c, io/input_safetensors.c read the bytes; these functions
 * only look at memory, so tests/fuzz/fuzz_npy.c and fuzz_safetensors.c run them alone).
 *
 * A header is believed only as far as it is checked against the file's size: whatever
 * they accept describes a 2-D float16/32/64 matrix that lies wholly inside the file, so
 * a read driven by it can never leave the file. Every refusal is one line naming the
 * file (and the tensor) and what is wrong; text from the file appears in a message only
 * as printable ASCII, bounded (other bytes become '?').
 */
#ifndef SIGMA_IO_TENSOR_HEADER_H
#define SIGMA_IO_TENSOR_HEADER_H

#include <stddef.h>
#include <stdint.h>

/* A 2-D float matrix stored raw in a file. */
typedef struct {
  int64_t rows, cols;  /* N >= 1 and 1 <= d <= SIGMA_D_MAX (io/input.h), rows * cols fits */
  int64_t offset;      /* file offset of element [0][0] */
  int itemsize;        /* 2, 4 or 8 (IEEE binary16/32/64) */
  int big_endian;      /* 1: bytes most significant first */
  int fortran;         /* 1: column-major (element [i][j] at offset + (j N + i) itemsize) */
} sigma_tensor_info;

/* The largest header accepted (a bound on what a hostile length field makes us read):
 * .npy 1 MiB (NumPy itself refuses more than 10000 bytes unless told otherwise),
 * safetensors 100 MB (the safetensors library's own limit). */
#define SIGMA_NPY_HEADER_MAX (1 << 20)
#define SIGMA_ST_HEADER_MAX 100000000

/* The fixed start of a .npy file: magic "\x93NUMPY", version major.minor (1.0, 2.0, 3.0),
 * header length (2 bytes little-endian for 1.0, 4 for 2.0 and 3.0). p: the first n bytes
 * of a file of size bytes (n = min(size, 12)). Sets *hoff (10 or 12: where the header
 * text starts) and *hlen (its length: hoff + hlen <= size, hlen <= SIGMA_NPY_HEADER_MAX).
 * Errors: SIGMA_EFORMAT (not .npy, unknown version, header past the end of the file). */
int sigma_npy_preamble(const unsigned char *p, size_t n, int64_t size, const char *name,
                       int64_t *hoff, int64_t *hlen);

/* The header text (the hlen bytes from file offset hoff; data_off = hoff + hlen): a
 * Python dict literal {'descr': '<f4', 'fortran_order': False,
 * 'shape': (N, d), } padded with blanks and a newline; exactly these three keys. descr:
 * a byte order ('<', '>', '=' or '|' or none: the last three mean this machine's) and
 * f2, f4 or f8. The array's data starts at data_off and must end exactly at size.
 * Errors: SIGMA_EFORMAT naming name: malformed text (with the byte where it went wrong),
 * a missing, repeated or unknown key, a non-float dtype (named: integer, complex, ...),
 * rank != 2, an empty array, d > SIGMA_D_MAX; SIGMA_EIO: the file is shorter than its
 * shape needs (truncated) or longer (bytes after the data). */
int sigma_npy_header(const char *text, size_t len, int64_t data_off, int64_t size,
                     const char *name, sigma_tensor_info *t);

/* The first 8 bytes of a safetensors file: the header length, little-endian. p: the first
 * n bytes (n = min(size, 8)). Sets *hlen (>= 2, 8 + hlen <= size, <= SIGMA_ST_HEADER_MAX).
 * Errors: SIGMA_EFORMAT (too short, length beyond the file or the bound). */
int sigma_st_preamble(const unsigned char *p, size_t n, int64_t size, const char *name,
                      int64_t *hlen);

/* The JSON header of a safetensors file (len bytes; the data starts at 8 + len; the
 * file is size bytes): an object of tensors {"dtype", "shape", "data_offsets": [begin,
 * end]} (offsets relative to the start of the data) and an optional "__metadata__".
 * Every tensor is checked: dtype a string, shape non-negative integers, 0 <= begin <= end,
 * 8 + len + end <= size, and for a dtype of known width end - begin = prod(shape) x width.
 * The matrix: tensor `want`, or (want NULL) "embeddings" if there is one, else the only
 * tensor of dtype F16, F32 or F64 and rank 2. *chosen: its name (malloc'd; printable
 * ASCII). Errors: SIGMA_EFORMAT naming name (and the tensor): not JSON (line and
 * column), not an object, a malformed or hostile entry (offsets beyond the file, a
 * size that does not match its shape), no such tensor, no or several candidates (listed,
 * bounded), dtype not F16/F32/F64 (BF16 and the rest named), rank != 2, empty,
 * d > SIGMA_D_MAX; SIGMA_ENOMEM. */
int sigma_st_header(const char *json, size_t len, int64_t size, const char *name,
                    const char *want, char **chosen, sigma_tensor_info *t);

#endif
