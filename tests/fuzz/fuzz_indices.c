/* libFuzzer target: observed-index files (io/parse.h sigma_parse_indices). Every accepted
 * row must be in 0..N-1; rejection must leave a one-line message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "sigma/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FILE *f = fmemopen((void *)data, size, "r");
  if (!f) return 0;
  uint64_t *rows = NULL;
  int64_t n = 0;
  const int64_t N = 1000;
  sigma_clear_error();
  int rc = sigma_parse_indices(f, "fuzz.txt", N, &rows, &n);
  fclose(f);
  if (rc == SIGMA_OK) {
    for (int64_t k = 0; k < n; k++)
      if (rows[k] >= (uint64_t)N) abort(); /* a row outside the input */
    free(rows);
  } else if (!strchr(sigma_error_message(), ':') || strchr(sigma_error_message(), '\n')) {
    abort(); /* errors name the file, on one line */
  }
  return 0;
}
