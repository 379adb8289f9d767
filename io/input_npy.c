/* The NumPy .npy input backend (io/input_backend.h): one 2-D float array per file.
 *
 * Recognised by the magic "\x93NUMPY" at offset 0 (never by the name). Versions 1.0
 * (2-byte header length), 2.0 and 3.0 (4-byte; 3.0's header is UTF-8), as np.save and
 * np.lib.format.open_memmap write them. dtype float16, float32 or float64 in either byte
 * order ('<f4', '>f8', ...); fortran_order True is read as such (column-major: one read
 * per column of a row range, so sampled reads of a Fortran-ordered file cost d reads a
 * row). The header (io/tensor_header.c) is untrusted: malformed text, an unknown key, a
 * non-float dtype, rank != 2 are refused naming the file; the data must end exactly at
 * the end of the file (shorter: truncated; longer: refused). A .npy file holds one array:
 * a spec FILE.npy:X is refused (there is no dataset to name); the shard's dataset is "",
 * so messages say "FILE.npy: row k". Rows are read by io/input_raw.c.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input_backend.h"
#include "input_raw.h"
#include "sigma/error.h"
#include "tensor_header.h"

static int npy_probe(int fd, int64_t size) {
  unsigned char m[6];
  return size >= 6 && pread(fd, m, 6, 0) == 6 && memcmp(m, "\x93NUMPY", 6) == 0;
}

static int npy_inspect(sigma_shard *s, int *d) {
  if (s->dataset_given)
    return sigma_set_error(SIGMA_EFORMAT, "%s: a .npy file holds one array and has no dataset "
                           "'%s': give the file alone", s->path, s->dataset);
  int fd = -1, rc = SIGMA_OK;
  int64_t size = 0, hoff = 0, hlen = 0;
  char *text = NULL;
  unsigned char pre[12];
  sigma_tensor_info t;
  SIGMA_CHECK(sigma_raw_file(s, &fd, &size));
  const size_t n = size < 12 ? (size_t)size : 12;
  SIGMA_TRY(sigma_raw_pread(s, fd, pre, n, 0, "its preamble"));
  SIGMA_TRY(sigma_npy_preamble(pre, n, size, s->path, &hoff, &hlen));
  SIGMA_TRY(sigma_calloc(&text, (size_t)hlen + 1, 1));
  SIGMA_TRY(sigma_raw_pread(s, fd, text, (size_t)hlen, hoff, "its header"));
  SIGMA_TRY(sigma_npy_header(text, (size_t)hlen, hoff + hlen, size, s->path, &t));
  SIGMA_TRY(sigma_raw_set(s, &t, "", d));
done:
  free(text);
  close(fd);
  return rc;
}

const sigma_input_backend sigma_input_npy = {
    .name = "npy",
    .what = "a NumPy .npy file",
    .probe = npy_probe,
    .inspect = npy_inspect,
    .open = sigma_raw_open,
    .read = sigma_raw_read,
    .close = sigma_raw_close,
};
