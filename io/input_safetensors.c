/* The safetensors input backend (io/input_backend.h): one 2-D float tensor per shard.
 *
 * The format: 8 bytes, the header length n (little-endian), n bytes of JSON, then the
 * tensors' data; each tensor {"dtype", "shape", "data_offsets": [begin, end]} with offsets
 * relative to byte 8 + n; values little-endian, row-major. There is no magic string, so
 * the probe is careful and runs after every other backend's: n >= 2, 8 + n within the
 * file, byte 8 is '{' and the header's last byte '}' or a blank (the format pads with
 * blanks).
 *
 * FILE.safetensors:NAME reads tensor NAME; without NAME, "embeddings" if the file has
 * it, else its only tensor of dtype F16, F32 or F64 and rank 2 (none or several: an error
 * listing the tensors); the shard's dataset becomes the name read (provenance, messages).
 * The header is untrusted (io/tensor_header.c): every tensor's offsets must lie inside the
 * file and match its shape and dtype width, else the file is refused; BF16, integer and
 * other dtypes are refused by name. Rows are read by io/input_raw.c.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input_backend.h"
#include "input_raw.h"
#include "sigma/error.h"
#include "tensor_header.h"

static int st_probe(int fd, int64_t size) {
  unsigned char p[9], last = 0;
  if (size < 10 || pread(fd, p, 9, 0) != 9 || p[8] != '{') return 0;
  uint64_t n = 0;
  for (int k = 7; k >= 0; k--) n = n << 8 | p[k];
  if (n < 2 || n > (uint64_t)size - 8) return 0;
  return pread(fd, &last, 1, (off_t)(8 + n - 1)) == 1 && (last == '}' || last == ' ');
}

static int st_inspect(sigma_shard *s, int *d) {
  int fd = -1, rc = SIGMA_OK;
  int64_t size = 0, hlen = 0;
  char *text = NULL, *chosen = NULL;
  unsigned char pre[8];
  sigma_tensor_info t;
  SIGMA_CHECK(sigma_raw_file(s, &fd, &size));
  const size_t n = size < 8 ? (size_t)size : 8;
  SIGMA_TRY(sigma_raw_pread(s, fd, pre, n, 0, "its header length"));
  SIGMA_TRY(sigma_st_preamble(pre, n, size, s->path, &hlen));
  SIGMA_TRY(sigma_calloc(&text, (size_t)hlen + 1, 1));
  SIGMA_TRY(sigma_raw_pread(s, fd, text, (size_t)hlen, 8, "its header"));
  SIGMA_TRY(sigma_st_header(text, (size_t)hlen, size, s->path,
                            s->dataset_given ? s->dataset : NULL, &chosen, &t));
  SIGMA_TRY(sigma_raw_set(s, &t, chosen, d));
done:
  free(chosen);
  free(text);
  close(fd);
  return rc;
}

const sigma_input_backend sigma_input_safetensors = {
    .name = "safetensors",
    .what = "a safetensors file",
    .probe = st_probe,
    .inspect = st_inspect,
    .open = sigma_raw_open,
    .read = sigma_raw_read,
    .close = sigma_raw_close,
};
