/* Raw float matrices in a file (io/input_raw.h): pread, byte order, widening. */
#include "input_raw.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sigma/error.h"

_Static_assert(sizeof(sigma_tensor_info) <= sizeof(((sigma_shard *)0)->priv),
               "sigma_tensor_info fits priv");

static sigma_tensor_info get_info(const sigma_shard *s) {
  sigma_tensor_info t;
  memcpy(&t, s->priv, sizeof t);
  return t;
}

/* A shard open for reading: its file, and a buffer for one column of a row range. */
typedef struct {
  int fd;
  unsigned char *col;
  size_t cap;
} raw_handle;

int sigma_raw_file(const sigma_shard *s, int *fd, int64_t *size) {
  struct stat st;
  *fd = open(s->path, O_RDONLY);
  if (*fd < 0 || fstat(*fd, &st) != 0) {
    const int e = errno;
    if (*fd >= 0) close(*fd);
    *fd = -1;
    return sigma_set_error(SIGMA_EIO, "%s: cannot open input (%s)", s->path, strerror(e));
  }
  *size = (int64_t)st.st_size;
  return SIGMA_OK;
}

int sigma_raw_pread(const sigma_shard *s, int fd, void *buf, size_t len, int64_t off,
                    const char *what) {
  unsigned char *p = buf;
  while (len > 0) {
    const size_t ask = len < ((size_t)1 << 30) ? len : (size_t)1 << 30;
    const ssize_t got = pread(fd, p, ask, (off_t)off);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0)
      return sigma_set_error(SIGMA_EIO, SIGMA_SHARD_FMT ": cannot read %s (%s)",
                             SIGMA_SHARD_ARGS(s), what, strerror(errno));
    if (got == 0)
      return sigma_set_error(SIGMA_EIO, SIGMA_SHARD_FMT ": cannot read %s: the file ends at byte "
                             "%lld (truncated)", SIGMA_SHARD_ARGS(s), what, (long long)off);
    p += got;
    off += got;
    len -= (size_t)got;
  }
  return SIGMA_OK;
}

int sigma_raw_set(sigma_shard *s, const sigma_tensor_info *t, const char *dataset, int *d) {
  char *name = strdup(dataset);
  if (!name) return sigma_set_error(SIGMA_ENOMEM, "out of memory");
  free(s->dataset);
  s->dataset = name;
  s->rows = t->rows;
  s->dtype_bytes = t->itemsize;
  s->dtype = t->itemsize == 2 ? "float16" : t->itemsize == 4 ? "float32" : "float64";
  memcpy(s->priv, t, sizeof *t);
  *d = (int)t->cols;
  return SIGMA_OK;
}

int sigma_raw_open(const sigma_shard *s, int d, void **handle) {
  const sigma_tensor_info t = get_info(s);
  const int64_t end = t.offset + t.rows * t.cols * t.itemsize;
  int fd = -1;
  int64_t size = 0;
  SIGMA_CHECK(sigma_raw_file(s, &fd, &size));
  if (size < end) {
    close(fd);
    return sigma_set_error(SIGMA_EIO, SIGMA_SHARD_FMT ": the file is now %lld bytes, its matrix "
                           "ends at byte %lld (truncated since it was opened)",
                           SIGMA_SHARD_ARGS(s), (long long)size, (long long)end);
  }
  raw_handle *h = calloc(1, sizeof *h);
  if (!h) {
    close(fd);
    return sigma_set_error(SIGMA_ENOMEM, "out of memory");
  }
  h->fd = fd;
  *handle = h;
  return SIGMA_OK;
}

void sigma_raw_close(void *handle) {
  raw_handle *h = handle;
  close(h->fd);
  free(h->col);
  free(h);
}

/* ---- values ---- */

/* IEEE binary16 bits -> double, exactly. */
static double half_to_double(uint16_t h) {
  const uint64_t sign = (uint64_t)(h >> 15) << 63;
  const unsigned e = (h >> 10) & 0x1f, m = h & 0x3ff;
  uint64_t bits;
  if (e == 0) { /* zero or subnormal: m 2^-24 */
    const double v = (double)m * 0x1p-24;
    memcpy(&bits, &v, 8);
    bits |= sign;
  } else if (e == 31) { /* infinity or NaN */
    bits = sign | (uint64_t)0x7ff << 52 | (uint64_t)m << 42;
  } else {
    bits = sign | (uint64_t)(e - 15 + 1023) << 52 | (uint64_t)m << 42;
  }
  double v;
  memcpy(&v, &bits, 8);
  return v;
}

/* Element k of raw values of width w (swap: the other byte order than this machine's). */
static inline double load(const unsigned char *p, size_t k, int w, int swap) {
  if (w == 4) {
    uint32_t u;
    memcpy(&u, p + 4 * k, 4);
    if (swap) u = __builtin_bswap32(u);
    float f;
    memcpy(&f, &u, 4);
    return (double)f;
  }
  if (w == 8) {
    uint64_t u;
    memcpy(&u, p + 8 * k, 8);
    if (swap) u = __builtin_bswap64(u);
    double v;
    memcpy(&v, &u, 8);
    return v;
  }
  uint16_t u;
  memcpy(&u, p + 2 * k, 2);
  if (swap) u = __builtin_bswap16(u);
  return half_to_double(u);
}

/* m values of width w at byte m (8 - w) of X -> X[0..m) as doubles. Forward order never
 * overwrites an unread value: double k ends at byte 8k + 8 <= m (8 - w) + w (k + 1), the
 * start of value k + 1, for every k < m. */
static void widen(double *X, size_t m, int w, int swap) {
  const unsigned char *raw = (const unsigned char *)X + m * (size_t)(8 - w);
  if (w == 4 && !swap)
    for (size_t k = 0; k < m; k++) X[k] = load(raw, k, 4, 0);
  else if (w == 8 && !swap) return;
  else
    for (size_t k = 0; k < m; k++) X[k] = load(raw, k, w, swap);
}

static int host_big_endian(void) {
  const uint16_t one = 1;
  unsigned char b;
  memcpy(&b, &one, 1);
  return b == 0;
}

/* Column-major: column j of rows [r, r + n) is contiguous; one read a column. what: the
 * rows, for messages. */
static int read_fortran(raw_handle *h, const sigma_shard *s, const sigma_tensor_info *t,
                        int64_t r, int64_t n, double *X, int swap, const char *what) {
  const size_t bytes = (size_t)n * (size_t)t->itemsize;
  if (bytes > h->cap) {
    unsigned char *c = realloc(h->col, bytes);
    if (!c) return sigma_set_error(SIGMA_ENOMEM, "out of memory (a column of %lld rows)", (long long)n);
    h->col = c;
    h->cap = bytes;
  }
  for (int64_t j = 0; j < t->cols; j++) {
    SIGMA_CHECK(sigma_raw_pread(s, h->fd, h->col, bytes,
                                t->offset + (j * t->rows + r) * t->itemsize, what));
    for (int64_t i = 0; i < n; i++)
      X[(size_t)i * (size_t)t->cols + (size_t)j] = load(h->col, (size_t)i, t->itemsize, swap);
  }
  return SIGMA_OK;
}

int sigma_raw_read(void *handle, const sigma_shard *s, int d, int64_t r, int64_t n, double *X,
                   sigma_piece_fn fn, void *ctx) {
  raw_handle *h = handle;
  const sigma_tensor_info t = get_info(s);
  const int swap = t.big_endian != host_big_endian();
  char what[64];
  snprintf(what, sizeof what, "rows %lld..%lld", (long long)r, (long long)(r + n - 1));
  if (t.fortran) {
    SIGMA_CHECK(read_fortran(h, s, &t, r, n, X, swap, what));
  } else {
    const size_t m = (size_t)n * (size_t)d;
    unsigned char *raw = (unsigned char *)X + m * (size_t)(8 - t.itemsize);
    SIGMA_CHECK(sigma_raw_pread(s, h->fd, raw, m * (size_t)t.itemsize,
                                t.offset + r * d * t.itemsize, what));
    widen(X, m, t.itemsize, swap);
  }
  /* one part, already widened: the fused float32 path is HDF5's (issue 12) */
  return fn ? fn(ctx, s->row0 + r, n, X, 0) : SIGMA_OK;
}
