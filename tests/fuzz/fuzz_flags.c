/* libFuzzer target: numeric flag values (io/parse.h). An accepted integer is in range and
 * prints back to a string that parses to the same value; an accepted real is finite. */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 256) return 0;
  char s[257];
  memcpy(s, data, size);
  s[size] = '\0';
  int64_t v, w;
  if (sigma_parse_int64(s, -1000, INT64_MAX, &v) == 0) {
    char back[32];
    snprintf(back, sizeof back, "%" PRId64, v);
    if (v < -1000 || sigma_parse_int64(back, -1000, INT64_MAX, &w) != 0 || w != v) abort();
  }
  double x;
  if (sigma_parse_real(s, &x) == 0 && !isfinite(x)) abort();
  int64_t l[64];
  int n = sigma_parse_int64_list(s, 1, INT64_MAX, l, 64);
  if (n > 64 || n == 0) abort();
  for (int k = 0; k < n; k++)
    if (l[k] < 1) abort();
  double r[64];
  n = sigma_parse_real_list(s, r, 64);
  for (int k = 0; k < n; k++)
    if (!isfinite(r[k])) abort();
  return 0;
}
