/* libFuzzer target: @LIST files (io/parse.h sigma_parse_list). Every spec handed on is a
 * non-empty line without line breaks, leading blanks or a leading #. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "sigma/error.h"

static int check(const char *spec, void *ctx) {
  (void)ctx;
  if (!*spec || *spec == ' ' || *spec == '\t' || *spec == '#' || strpbrk(spec, "\r\n")) abort();
  return SIGMA_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FILE *f = fmemopen((void *)data, size, "r");
  if (!f) return 0;
  int count = 0;
  sigma_clear_error();
  sigma_parse_list(f, "fuzz.list", check, NULL, &count);
  fclose(f);
  return 0;
}
