/* Error message storage: one message of any length per thread, first message wins. Per
 * thread so that a helper thread (mpi/worker.h: the streaming pass's reader) records its
 * own error without racing the main thread's; the worker moves it to the waiting thread
 * with sigma_error_take. */
#include "sigma/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char *g_msg; /* malloc'd to the message's length */
static _Thread_local int g_set;
/* Out of memory while recording a message: a fixed one, so the code is still explained. */
static char g_oom[] = "out of memory (while recording an error message)";

int sigma_set_error(int code, const char *fmt, ...) {
  if (g_set) return code;
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  free(g_msg);
  g_msg = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (g_msg) vsnprintf(g_msg, (size_t)n + 1, fmt, ap2);
  va_end(ap2);
  for (char *p = g_msg; p && *p; p++) /* messages are one line by contract */
    if (*p == '\n') *p = ' ';
  g_set = 1;
  return code;
}

const char *sigma_error_message(void) { return !g_set ? "" : g_msg ? g_msg : g_oom; }

void sigma_clear_error(void) {
  free(g_msg);
  g_msg = NULL;
  g_set = 0;
}

char *sigma_error_take(void) {
  if (!g_set) return NULL;
  char *m = g_msg ? g_msg : malloc(sizeof g_oom);
  if (!g_msg && m) memcpy(m, g_oom, sizeof g_oom);
  g_msg = NULL;
  g_set = 0;
  return m;
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
