/* Parsers of untrusted text (io/parse.h). */
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sigma/error.h"

/* Magnitude of an unsigned decimal "D[.D][eE[+]D]" that is an exact integer, without
 * a double: the digits as an integer, shifted by the exponent. Returns 0 or -1. */
static int parse_magnitude(const char *s, uint64_t *out) {
  uint64_t m = 0;
  int digits = 0, frac = 0, seen_dot = 0;
  const char *p = s;
  for (;; p++) {
    if (*p == '.' && !seen_dot) {
      seen_dot = 1;
      continue;
    }
    if (!isdigit((unsigned char)*p)) break;
    const uint64_t dig = (uint64_t)(*p - '0');
    digits++;
    if (m > UINT64_MAX / 10 || (m == UINT64_MAX / 10 && dig > UINT64_MAX % 10)) {
      if (seen_dot && dig == 0) continue; /* a fractional zero adds nothing */
      return -1;
    }
    if (seen_dot) frac++;
    m = m * 10 + dig;
  }
  if (digits == 0) return -1;
  long e = 0, esign = 1;
  if (*p == 'e' || *p == 'E') {
    p++;
    if (*p == '+' || *p == '-') esign = *p++ == '-' ? -1 : 1;
    if (!isdigit((unsigned char)*p)) return -1;
    for (; isdigit((unsigned char)*p); p++) {
      e = e * 10 + (*p - '0');
      if (e > 100) return -1;
    }
  }
  e *= esign;
  if (*p) return -1;
  for (long k = e - frac; k < 0; k++) { /* dividing: must stay exact */
    if (m % 10) return -1;
    m /= 10;
  }
  for (long k = 0; k < e - frac; k++) {
    if (m > UINT64_MAX / 10) return -1;
    m *= 10;
  }
  *out = m;
  return 0;
}

int sigma_parse_int64(const char *s, int64_t lo, int64_t hi, int64_t *v) {
  if (!s) return -1;
  const int neg = *s == '-';
  if (*s == '-' || *s == '+') s++;
  uint64_t m;
  if (*s == '-' || *s == '+' || parse_magnitude(s, &m) != 0) return -1;
  int64_t x;
  if (neg) {
    if (m > (uint64_t)INT64_MAX + 1) return -1;
    x = m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m;
  } else {
    if (m > (uint64_t)INT64_MAX) return -1;
    x = (int64_t)m;
  }
  if (x < lo || x > hi) return -1;
  *v = x;
  return 0;
}

int sigma_parse_real(const char *s, double *v) {
  if (!s || !*s || isspace((unsigned char)*s)) return -1;
  char *end;
  errno = 0;
  double x = strtod(s, &end);
  if (end == s || *end || errno == ERANGE || !isfinite(x)) return -1;
  *v = x;
  return 0;
}

/* Split "a,b,c" and parse each item with item(); returns the count or -1. */
static int parse_list(const char *s, int max, int (*item)(const char *, void *, int), void *out) {
  if (!s || !*s) return -1;
  int n = 0;
  for (const char *p = s;;) {
    size_t len = strcspn(p, ",");
    if (len == 0 || n == max || len > 63) return -1;
    char buf[64];
    memcpy(buf, p, len);
    buf[len] = '\0';
    if (item(buf, out, n) != 0) return -1;
    n++;
    if (!p[len]) return n;
    p += len + 1;
  }
}

typedef struct {
  int64_t lo, hi, *v;
} int_list;

static int int_item(const char *s, void *ctx, int k) {
  int_list *l = ctx;
  return sigma_parse_int64(s, l->lo, l->hi, &l->v[k]);
}

static int real_item(const char *s, void *ctx, int k) { return sigma_parse_real(s, (double *)ctx + k); }

int sigma_parse_int64_list(const char *s, int64_t lo, int64_t hi, int64_t *v, int max) {
  int_list l = {lo, hi, v};
  return parse_list(s, max, int_item, &l);
}

int sigma_parse_real_list(const char *s, double *v, int max) {
  return parse_list(s, max, real_item, v);
}

int sigma_parse_indices(FILE *f, const char *name, int64_t N, uint64_t **rows, int64_t *n) {
  int64_t cap = 1024, k = 0, lineno = 0;
  uint64_t *v = malloc((size_t)cap * sizeof *v);
  char *line = NULL;
  size_t lcap = 0;
  ssize_t len;
  int rc = v ? SIGMA_OK : sigma_set_error(SIGMA_ENOMEM, "out of memory reading %s", name);
  while (rc == SIGMA_OK && (len = getline(&line, &lcap, f)) >= 0) {
    lineno++;
    char *p = line, *e = line + len;
    while (e > p && isspace((unsigned char)e[-1])) *--e = '\0'; /* \r\n, trailing blanks */
    while (*p == ' ' || *p == '\t') p++;
    if (*p == '\0' || *p == '#') continue;
    int64_t x;
    if ((size_t)(e - p) != strlen(p) || sigma_parse_int64(p, 0, N - 1, &x) != 0 ||
        strpbrk(p, ".eE+")) {
      rc = sigma_set_error(SIGMA_EINVAL, "%s: line %lld: '%.40s%s' is not a row index in 0..%lld",
                           name, (long long)lineno, p, strlen(p) > 40 ? "..." : "",
                           (long long)N - 1);
      break;
    }
    if (k == cap) {
      uint64_t *w = realloc(v, (size_t)(cap *= 2) * sizeof *v);
      if (!w) {
        rc = sigma_set_error(SIGMA_ENOMEM, "out of memory reading %s", name);
        break;
      }
      v = w;
    }
    v[k++] = (uint64_t)x;
  }
  free(line);
  if (rc != SIGMA_OK) {
    free(v);
    return rc;
  }
  *rows = v;
  *n = k;
  return SIGMA_OK;
}

int sigma_parse_list(FILE *f, const char *name, int (*each)(const char *spec, void *ctx),
                     void *ctx, int *count) {
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  int rc = SIGMA_OK, lineno = 0;
  *count = 0;
  while (rc == SIGMA_OK && (len = getline(&line, &cap, f)) >= 0) {
    lineno++;
    if ((size_t)len != strlen(line)) {
      rc = sigma_set_error(SIGMA_EINVAL, "%s: line %d: a NUL byte (not a text file)", name, lineno);
      break;
    }
    line[strcspn(line, "\r\n")] = '\0';
    char *p = line;
    while (*p == ' ' || *p == '\t') p++;
    if (*p == '\0' || *p == '#') continue;
    (*count)++;
    rc = each(p, ctx);
  }
  free(line);
  return rc;
}

/* One CSV field at p: a finite number, or empty (NaN: not applicable). */
static int csv_number(const char *p, double *v, const char **end) {
  if (*p == ',' || *p == '\n' || *p == '\r' || *p == '\0') {
    *v = NAN;
    *end = p;
    return 1;
  }
  if (isspace((unsigned char)*p)) return 0;
  char *e;
  errno = 0;
  *v = strtod(p, &e);
  *end = e;
  return e != p && errno == 0 && isfinite(*v);
}

int sigma_parse_rep_csv(FILE *f, const char *header, int64_t i, const int64_t *n1s, int K,
                        int ncol, double *v) {
  char *line = NULL;
  size_t cap = 0;
  const size_t hl = strlen(header);
  ssize_t len = getline(&line, &cap, f);
  int k = 0, ok = len > 0 && (size_t)len == strlen(line) && !strncmp(line, header, hl) &&
                  (line[hl] == '\n' || line[hl] == '\0');
  while (ok && k < K && (len = getline(&line, &cap, f)) > 0) {
    const char *p = line, *end;
    ok = (size_t)len == strlen(line); /* no NUL inside */
    for (int c = 0; c < ncol && ok; c++) {
      ok = csv_number(p, &v[(size_t)k * ncol + c], &end) &&
           (*end == ',' ? c < ncol - 1 : c == ncol - 1 && (*end == '\n' || *end == '\0'));
      p = end + 1;
    }
    ok = ok && ncol >= 2 && v[(size_t)k * ncol] == (double)i &&
         v[(size_t)k * ncol + 1] == (double)n1s[k];
    k++;
  }
  ok = ok && k == K && getline(&line, &cap, f) < 0; /* nothing after the K rows */
  free(line);
  return ok ? 0 : -1;
}

/* Field helpers: the value, or a message naming the field. */
static int get_int(const json_t *h, const char *key, int64_t lo, int64_t hi, int64_t *v,
                   const char *name) {
  const json_t *x = json_object_get(h, key);
  if (!json_is_integer(x) || json_integer_value(x) < lo || json_integer_value(x) > hi)
    return sigma_set_error(SIGMA_EINVAL, "%s: '%s' is not an integer in %lld..%lld", name, key,
                           (long long)lo, (long long)hi);
  *v = json_integer_value(x);
  return SIGMA_OK;
}

static int get_real(const json_t *h, const char *key, double lo, double hi, double *v,
                    const char *name) {
  const json_t *x = json_object_get(h, key);
  double r = json_is_number(x) ? json_number_value(x) : NAN;
  if (!(r > lo && r < hi))
    return sigma_set_error(SIGMA_EINVAL, "%s: '%s' is not a number in (%g, %g)", name, key, lo, hi);
  *v = r;
  return SIGMA_OK;
}

static int get_bool(const json_t *h, const char *key, int *v, const char *name) {
  const json_t *x = json_object_get(h, key);
  if (!json_is_boolean(x)) return sigma_set_error(SIGMA_EINVAL, "%s: '%s' is not a boolean", name, key);
  *v = json_is_true(x);
  return SIGMA_OK;
}

/* The "files" list: at least one input, rows adding up to N. */
static int get_files(const json_t *h, int64_t N, const char *name, sigma_study_header *o) {
  const json_t *fs = json_object_get(h, "files");
  if (!json_is_array(fs) || json_array_size(fs) < 1 || json_array_size(fs) > INT32_MAX)
    return sigma_set_error(SIGMA_EINVAL, "%s: 'files' is not a list of inputs", name);
  SIGMA_CHECK(sigma_calloc(&o->files, json_array_size(fs), sizeof *o->files));
  int64_t sum = 0;
  for (size_t k = 0; k < json_array_size(fs); k++, o->nfiles++) {
    const json_t *f = json_array_get(fs, k), *rows = json_object_get(f, "rows");
    const char *path = json_string_value(json_object_get(f, "path")),
               *ds = json_string_value(json_object_get(f, "dataset"));
    if (!path || !ds || !json_is_integer(rows) || json_integer_value(rows) < 1 ||
        json_integer_value(rows) > N - sum)
      return sigma_set_error(SIGMA_EINVAL, "%s: files entry %zu is not an input {path, dataset, "
                             "rows} within N = %lld rows", name, k, (long long)N);
    sum += json_integer_value(rows);
    o->files[k].rows = json_integer_value(rows);
    o->files[k].path = strdup(path);
    o->files[k].dataset = strdup(ds);
    if (!o->files[k].path || !o->files[k].dataset) {
      o->nfiles++; /* free this entry's strings too */
      return sigma_set_error(SIGMA_ENOMEM, "out of memory reading %s", name);
    }
  }
  if (sum != N)
    return sigma_set_error(SIGMA_EINVAL, "%s: the files hold %lld rows, not N = %lld", name,
                           (long long)sum, (long long)N);
  return SIGMA_OK;
}

/* n1 and epsilon: two lists of K = 1..64 values, n1 ascending, epsilon finite > 0. */
static int get_sweep(const json_t *h, const char *name, sigma_study_header *o) {
  const json_t *sw = json_object_get(h, "n1"), *ep = json_object_get(h, "epsilon");
  if (!json_is_array(sw) || !json_is_array(ep) || json_array_size(sw) < 1 ||
      json_array_size(sw) > 64 || json_array_size(ep) != json_array_size(sw))
    return sigma_set_error(SIGMA_EINVAL, "%s: 'n1' and 'epsilon' are not two lists of 1 to 64 "
                           "values", name);
  o->K = (int)json_array_size(sw);
  for (int k = 0; k < o->K; k++) {
    const json_t *n = json_array_get(sw, (size_t)k), *e = json_array_get(ep, (size_t)k);
    if (!json_is_integer(n) || json_integer_value(n) < 1 ||
        (k && json_integer_value(n) <= o->n1[k - 1]) || !json_is_number(e) ||
        !(json_number_value(e) > 0 && isfinite(json_number_value(e))))
      return sigma_set_error(SIGMA_EINVAL, "%s: sweep entry %d is not an ascending row count "
                             "with a precision > 0", name, k);
    o->n1[k] = json_integer_value(n);
    o->eps[k] = json_number_value(e);
  }
  return SIGMA_OK;
}

static int get_header(const json_t *h, const char *name, sigma_study_header *o) {
  if (!json_is_object(h)) return sigma_set_error(SIGMA_EINVAL, "%s: no study header", name);
  SIGMA_CHECK(get_sweep(h, name, o));
  int64_t d = 0;
  SIGMA_CHECK(get_int(h, "replicates", 1, INT64_MAX, &o->replicates, name));
  SIGMA_CHECK(get_int(h, "seed", 0, INT64_MAX, &o->seed, name));
  SIGMA_CHECK(get_int(h, "d", 1, o->n1[0] < 46340 ? o->n1[0] : 46340, &d, name));
  SIGMA_CHECK(get_int(h, "N", o->n1[o->K - 1], INT64_MAX, &o->N, name));
  o->d = (int)d;
  SIGMA_CHECK(get_real(h, "level", 0, 1, &o->level, name));
  SIGMA_CHECK(get_real(h, "rule_constant", 0, INFINITY, &o->rule_constant, name));
  SIGMA_CHECK(get_bool(h, "from_epsilon", &o->from_epsilon, name));
  SIGMA_CHECK(get_bool(h, "normalize", &o->normalize, name));
  SIGMA_CHECK(get_bool(h, "center", &o->center, name));
  if (json_object_get(h, "block_jackknife")) { /* absent: 0 (off) */
    SIGMA_CHECK(get_int(h, "block_jackknife", 0, o->n1[0], &o->block_jackknife, name));
    if (o->block_jackknife == 1)
      return sigma_set_error(SIGMA_EINVAL, "%s: 'block_jackknife' is not 0 or 2..n1", name);
  }
  return get_files(h, o->N, name, o);
}

int sigma_parse_study_header(const json_t *h, const char *name, sigma_study_header *o) {
  memset(o, 0, sizeof *o);
  int rc = get_header(h, name, o);
  if (rc != SIGMA_OK) sigma_study_header_free(o);
  return rc;
}

void sigma_study_header_free(sigma_study_header *h) {
  for (int k = 0; k < h->nfiles; k++) {
    free(h->files[k].path);
    free(h->files[k].dataset);
  }
  free(h->files);
  memset(h, 0, sizeof *h);
}

int sigma_utf8_valid(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    int n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2
          : (*p & 0xF8) == 0xF0 ? 3 : -1;
    if (n < 0 || (n == 1 && *p < 0xC2) || (n == 3 && *p > 0xF4)) return 0;
    const unsigned cp0 = *p;
    for (int k = 1; k <= n; k++)
      if ((p[k] & 0xC0) != 0x80) return 0;
    /* overlong 3- and 4-byte forms, surrogates, above U+10FFFF */
    if (n == 2 && ((cp0 == 0xE0 && p[1] < 0xA0) || (cp0 == 0xED && p[1] >= 0xA0))) return 0;
    if (n == 3 && ((cp0 == 0xF0 && p[1] < 0x90) || (cp0 == 0xF4 && p[1] >= 0x90))) return 0;
    p += n + 1;
  }
  return 1;
}
