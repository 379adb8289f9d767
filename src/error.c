/* Error message storage: one process-wide buffer, first message wins. */
#include "sigma/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char g_msg[1024];
static int g_set;

int sigma_set_error(int code, const char *fmt, ...) {
  if (!g_set) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_msg, sizeof g_msg, fmt, ap);
    va_end(ap);
    /* Messages are one line by contract. */
    for (char *p = g_msg; *p; p++)
      if (*p == '\n') *p = ' ';
    g_set = 1;
  }
  return code;
}

const char *sigma_error_message(void) { return g_msg; }

void sigma_clear_error(void) {
  g_msg[0] = '\0';
  g_set = 0;
}

const char *sigma_error_name(int code) {
  switch (code) {
  case SIGMA_OK: return "ok";
  case SIGMA_EINVAL: return "invalid argument";
  case SIGMA_ENOMEM: return "out of memory";
  case SIGMA_EIO: return "i/o";
  case SIGMA_EFORMAT: return "format";
  case SIGMA_EDATA: return "bad data";
  case SIGMA_ESINGULAR: return "singular";
  case SIGMA_ELAPACK: return "lapack";
  case SIGMA_EMPI: return "mpi";
  default: return "unknown";
  }
}

int sigma_calloc(void *pptr, size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  *(void **)pptr = p;
  if (!p) return sigma_set_error(SIGMA_ENOMEM, "out of memory allocating %zu x %zu bytes", n, size);
  return SIGMA_OK;
}
