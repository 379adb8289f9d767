/* libFuzzer target: replicate CSVs that --resume and merge read back
 * (io/parse.h sigma_parse_rep_csv). An accepted file has exactly K rows of this sweep. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FILE *f = fmemopen((void *)data, size, "r");
  if (!f) return 0;
  const int64_t n1s[2] = {16, 64};
  double v[2 * 4];
  if (sigma_parse_rep_csv(f, "replicate,n1,a,b", 3, n1s, 2, 4, v) == 0) {
    if (v[0] != 3 || v[1] != 16 || v[4] != 3 || v[5] != 64) abort();
    for (int k = 0; k < 8; k++)
      if (isinf(v[k])) abort(); /* only finite numbers or NaN (empty) */
  }
  fclose(f);
  return 0;
}
