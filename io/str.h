/* A growable string (in the manner of SQLite's sqlite3_str and Redis's sds): text is
 * formatted into a buffer that grows to fit, never into a buffer of a guessed size.
 *
 *   sigma_str s = SIGMA_STR_INIT;
 *   sigma_str_appendf(&s, "%s/replicates/rep-%06lld.csv", dir, (long long)i);
 *   if (sigma_str_error(&s)) ...          (SIGMA_ENOMEM recorded once)
 *   use sigma_str_cstr(&s); sigma_str_free(&s);   or   char *t = sigma_str_take(&s);
 *
 * A failed allocation makes the string sticky-failed: later appends do nothing and
 * sigma_str_error returns SIGMA_ENOMEM, so a caller checks once at the end. */
#ifndef SIGMA_STR_H
#define SIGMA_STR_H

#include <stdarg.h>
#include <stddef.h>

typedef struct {
  char *buf;   /* NUL-terminated once anything was appended (owned) */
  size_t len;  /* bytes before the NUL */
  size_t cap;  /* bytes allocated */
  int failed;  /* an allocation failed: the content is incomplete */
} sigma_str;

#define SIGMA_STR_INIT {NULL, 0, 0, 0}

void sigma_str_appendf(sigma_str *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sigma_str_vappendf(sigma_str *s, const char *fmt, va_list ap);
void sigma_str_append(sigma_str *s, const char *text, size_t n);
void sigma_str_puts(sigma_str *s, const char *text);

/* SIGMA_OK, or SIGMA_ENOMEM (message recorded) if an append failed. */
int sigma_str_error(const sigma_str *s);

/* The text ("" when empty); valid until the next append or free. */
const char *sigma_str_cstr(const sigma_str *s);

/* The buffer, now the caller's to free (NULL if an append failed: nothing is leaked);
 * s is reset to empty. */
char *sigma_str_take(sigma_str *s);

/* Free the buffer and reset s to empty. */
void sigma_str_free(sigma_str *s);

/* A new formatted string (like asprintf) or NULL with SIGMA_ENOMEM recorded. */
char *sigma_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
