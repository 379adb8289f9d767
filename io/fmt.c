/* Numbers as text (io/fmt.h). */
#include "fmt.h"

#include <math.h>
#include <stdio.h>

static char g_ring[SIGMA_FMT_RING][64];
static unsigned g_next;

static char *slot(void) { return g_ring[g_next++ % SIGMA_FMT_RING]; }

const char *sigma_num(const char *fmt, double v) {
  if (!isfinite(v)) return "n/a";
  char *b = slot();
  snprintf(b, 64, fmt, v);
  return b;
}

json_t *sigma_json_num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

const char *sigma_csv_num(double v) {
  if (!isfinite(v)) return "";
  char *b = slot();
  snprintf(b, 64, "%.17g", v);
  return b;
}
