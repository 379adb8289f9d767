/* A rank's share of the lines of text files (io/lines.h). */
#define _POSIX_C_SOURCE 200809L
#include "lines.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "files.h"
#include "parse.h"
#include "sigma/error.h"

int sigma_lines_check(char *const *files, int nfiles, uint64_t *total) {
  *total = 0;
  for (int k = 0; k < nfiles; k++) {
    SIGMA_CHECK(sigma_file_input(files[k], "text file"));
    struct stat st;
    if (stat(files[k], &st) != 0)
      return sigma_set_error(SIGMA_EIO, "%s: %s", files[k], strerror(errno));
    *total += (uint64_t)st.st_size;
  }
  return SIGMA_OK;
}

/* The line number (from 1) of the line starting at byte off of path: 1 + its newlines
 * before off. Only on the error path. */
static int64_t line_number(const char *path, uint64_t off) {
  FILE *f = fopen(path, "rb");
  int64_t n = 1;
  if (!f) return -1;
  for (uint64_t i = 0; i < off; i++) {
    int c = getc(f);
    if (c == EOF) break;
    n += c == '\n';
  }
  fclose(f);
  return n;
}

static int bad_line(const char *path, uint64_t off, const char *what) {
  return sigma_set_error(SIGMA_EDATA, "%s: line %lld: %s", path,
                         (long long)line_number(path, off), what);
}

/* The lines of path whose first byte is in [lo, hi) (file offsets). */
static int file_share(const char *path, uint64_t lo, uint64_t hi, sigma_line_fn fn,
                      void *ctx) {
  FILE *f = fopen(path, "rb");
  if (!f) return sigma_set_error(SIGMA_EIO, "%s: %s", path, strerror(errno));
  char *buf = NULL;
  size_t cap = 0;
  int rc = SIGMA_OK;
  uint64_t pos = lo;
  if (lo > 0) { /* the line under way at lo belongs to the rank before */
    if (fseeko(f, (off_t)(lo - 1), SEEK_SET) != 0)
      rc = sigma_set_error(SIGMA_EIO, "%s: %s", path, strerror(errno));
    int c = rc == SIGMA_OK ? getc(f) : '\n';
    pos = lo;
    while (rc == SIGMA_OK && c != '\n' && c != EOF && (c = getc(f)) != EOF) pos++;
    if (c != '\n') pos = hi; /* no line starts in the range */
  }
  while (rc == SIGMA_OK && pos < hi) {
    ssize_t n = getline(&buf, &cap, f);
    if (n < 0) break;
    const size_t len = (size_t)n - (n > 0 && buf[n - 1] == '\n');
    buf[len] = '\0';
    if (strlen(buf) != len) rc = bad_line(path, pos, "a NUL byte (not a text line)");
    else if (!sigma_utf8_valid(buf)) rc = bad_line(path, pos, "invalid UTF-8");
    else rc = fn(ctx, buf, len);
    pos += (uint64_t)n;
  }
  if (rc == SIGMA_OK && ferror(f)) rc = sigma_set_error(SIGMA_EIO, "%s: read error", path);
  free(buf);
  fclose(f);
  return rc;
}

int sigma_lines_share(char *const *files, int nfiles, int rank, int size, sigma_line_fn fn,
                      void *ctx) {
  uint64_t total = 0, off = 0;
  SIGMA_CHECK(sigma_lines_check(files, nfiles, &total));
  const uint64_t lo = (uint64_t)((unsigned __int128)total * (unsigned)rank / (unsigned)size);
  const uint64_t hi = (uint64_t)((unsigned __int128)total * (unsigned)(rank + 1) / (unsigned)size);
  for (int k = 0; k < nfiles; k++) {
    struct stat st;
    if (stat(files[k], &st) != 0)
      return sigma_set_error(SIGMA_EIO, "%s: %s", files[k], strerror(errno));
    const uint64_t s = (uint64_t)st.st_size;
    if (hi > off && lo < off + s) { /* this rank's range meets file k: [a, b) of it */
      const uint64_t a = lo > off ? lo - off : 0, b = hi - off < s ? hi - off : s;
      SIGMA_CHECK(file_share(files[k], a, b, fn, ctx));
    }
    off += s;
  }
  return SIGMA_OK;
}
