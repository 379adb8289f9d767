/* libFuzzer target: study.json headers that --resume and merge trust
 * (io/parse.h sigma_parse_study_header after jansson). An accepted header is usable:
 * a sorted sweep within N, d <= n1, a level strictly inside (0, 1), inputs whose rows
 * add up to N; everything it allocated is freed (sigma_study_header_free). */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "parse.h"
#include "sigma/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_t *root = json_loadb((const char *)data, size, 0, NULL);
  if (!root) return 0;
  sigma_study_header h;
  sigma_clear_error();
  if (sigma_parse_study_header(json_object_get(root, "study"), "fuzz.json", &h) == SIGMA_OK) {
    if (h.K < 1 || h.K > 64 || h.d < 1 || h.d > h.n1[0] || h.n1[h.K - 1] > h.N) abort();
    for (int k = 1; k < h.K; k++)
      if (h.n1[k] <= h.n1[k - 1]) abort();
    if (!(h.level > 0 && h.level < 1) || !(h.rule_constant > 0) || h.replicates < 1) abort();
    int64_t rows = 0;
    for (int k = 0; k < h.nfiles; k++) {
      if (!h.files[k].path || !h.files[k].dataset || h.files[k].rows < 1) abort();
      rows += h.files[k].rows;
    }
    if (h.nfiles < 1 || rows != h.N) abort();
    sigma_study_header_free(&h);
  } else if (h.nfiles != 0 || h.files != NULL) {
    abort(); /* a refused header holds nothing */
  }
  json_decref(root);
  return 0;
}
