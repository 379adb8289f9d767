/* libFuzzer target: .npy files (io/tensor_header.h sigma_npy_preamble, sigma_npy_header),
 * the input taken as a whole file. An accepted header describes a 2-D float16/32/64
 * matrix whose data ends exactly at the end of the file; a refusal is one non-empty line.
 * The header text is copied to a buffer of its exact length, so ASan sees any read past
 * it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "sigma/error.h"
#include "tensor_header.h"

static void one_line(void) {
  const char *m = sigma_error_message();
  if (!*m || strchr(m, '\n')) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int64_t hoff = 0, hlen = 0;
  sigma_tensor_info t;
  sigma_clear_error();
  if (sigma_npy_preamble(data, size < 12 ? size : 12, (int64_t)size, "f.npy", &hoff, &hlen)) {
    one_line();
    return 0;
  }
  if (hoff != 10 && hoff != 12) abort();
  if (hlen < 0 || hlen > SIGMA_NPY_HEADER_MAX || hoff + hlen > (int64_t)size) abort();
  char *text = malloc(hlen ? (size_t)hlen : 1);
  if (!text) return 0;
  memcpy(text, data + hoff, (size_t)hlen);
  if (sigma_npy_header(text, (size_t)hlen, hoff + hlen, (int64_t)size, "f.npy", &t) == SIGMA_OK) {
    if (t.rows < 1 || t.cols < 1 || t.cols > SIGMA_D_MAX || t.offset != hoff + hlen) abort();
    if (t.itemsize != 2 && t.itemsize != 4 && t.itemsize != 8) abort();
    if (t.rows > (INT64_MAX / 8) / t.cols) abort();
    if (t.offset + t.rows * t.cols * t.itemsize != (int64_t)size) abort();
    if ((t.fortran != 0 && t.fortran != 1) || (t.big_endian != 0 && t.big_endian != 1)) abort();
  } else {
    one_line();
  }
  free(text);
  return 0;
}
