/* libFuzzer target: safetensors files (io/tensor_header.h sigma_st_preamble,
 * sigma_st_header), the input taken as a whole file, the tensor chosen by the default
 * rule and by name ("emb"). An accepted header names a printable tensor whose F16/F32/F64
 * rows x d matrix lies inside the file after the header; a refusal is one non-empty line
 * and allocates nothing. The header is copied to a buffer of its exact length. */
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

static void check(const char *text, int64_t hlen, int64_t size, const char *want) {
  sigma_tensor_info t;
  char *chosen = (char *)1;
  sigma_clear_error();
  if (sigma_st_header(text, (size_t)hlen, size, "f.safetensors", want, &chosen, &t) != SIGMA_OK) {
    if (chosen) abort();
    one_line();
    return;
  }
  if (!chosen || (want && strcmp(chosen, want) != 0)) abort();
  for (const unsigned char *c = (const unsigned char *)chosen; *c; c++)
    if (*c < 0x20 || *c == 0x7f) abort();
  if (t.rows < 1 || t.cols < 1 || t.cols > SIGMA_D_MAX || t.big_endian || t.fortran) abort();
  if (t.itemsize != 2 && t.itemsize != 4 && t.itemsize != 8) abort();
  if (t.rows > (INT64_MAX / 8) / t.cols || t.offset < 8 + hlen) abort();
  if (t.offset + t.rows * t.cols * t.itemsize > size) abort();
  free(chosen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int64_t hlen = 0;
  sigma_clear_error();
  if (sigma_st_preamble(data, size < 8 ? size : 8, (int64_t)size, "f.safetensors", &hlen)) {
    one_line();
    return 0;
  }
  if (hlen < 2 || hlen > SIGMA_ST_HEADER_MAX || 8 + hlen > (int64_t)size) abort();
  char *text = malloc((size_t)hlen);
  if (!text) return 0;
  memcpy(text, data + 8, (size_t)hlen);
  check(text, hlen, (int64_t)size, NULL);
  check(text, hlen, (int64_t)size, "emb");
  free(text);
  return 0;
}
