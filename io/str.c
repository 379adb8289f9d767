/* The growable string (io/str.h). */
#include "str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigma/error.h"

/* Room for n more bytes and the NUL; 0 on failure (the string becomes failed). */
static int reserve(sigma_str *s, size_t n) {
  if (s->failed) return 0;
  if (s->len + n + 1 <= s->cap) return 1;
  size_t cap = s->cap ? s->cap : 64;
  while (cap < s->len + n + 1) {
    if (cap > ((size_t)-1) / 2) {
      s->failed = 1;
      return 0;
    }
    cap *= 2;
  }
  char *b = realloc(s->buf, cap);
  if (!b) {
    s->failed = 1;
    return 0;
  }
  s->buf = b;
  s->cap = cap;
  return 1;
}

void sigma_str_vappendf(sigma_str *s, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) {
    s->failed = 1;
    return;
  }
  if (!reserve(s, (size_t)n)) return;
  vsnprintf(s->buf + s->len, (size_t)n + 1, fmt, ap);
  s->len += (size_t)n;
}

void sigma_str_appendf(sigma_str *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sigma_str_vappendf(s, fmt, ap);
  va_end(ap);
}

void sigma_str_append(sigma_str *s, const char *text, size_t n) {
  if (!reserve(s, n)) return;
  memcpy(s->buf + s->len, text, n);
  s->len += n;
  s->buf[s->len] = '\0';
}

void sigma_str_puts(sigma_str *s, const char *text) { sigma_str_append(s, text, strlen(text)); }

int sigma_str_error(const sigma_str *s) {
  return s->failed ? sigma_set_error(SIGMA_ENOMEM, "out of memory (formatting text)") : SIGMA_OK;
}

const char *sigma_str_cstr(const sigma_str *s) { return s->buf && !s->failed ? s->buf : ""; }

char *sigma_str_take(sigma_str *s) {
  char *b = s->failed ? NULL : s->buf;
  if (!b && !s->failed) b = calloc(1, 1);
  if (s->failed) free(s->buf);
  *s = (sigma_str)SIGMA_STR_INIT;
  return b;
}

void sigma_str_free(sigma_str *s) {
  free(s->buf);
  *s = (sigma_str)SIGMA_STR_INIT;
}

char *sigma_strf(const char *fmt, ...) {
  sigma_str s = SIGMA_STR_INIT;
  va_list ap;
  va_start(ap, fmt);
  sigma_str_vappendf(&s, fmt, ap);
  va_end(ap);
  if (sigma_str_error(&s) != 0) {
    sigma_str_free(&s);
    return NULL;
  }
  return sigma_str_take(&s);
}
