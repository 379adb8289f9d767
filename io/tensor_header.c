/* Parsers of the .npy and safetensors headers (io/tensor_header.h). Memory only: the
 * callers read the bytes. Fuzzed by tests/fuzz/fuzz_npy.c and fuzz_safetensors.c. */
#include "tensor_header.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "sigma/error.h"

/* Bytes of the file (header text, tensor names) in a message: printable ASCII only, at
 * most SHOWN_MAX characters ("..." after), so a hostile file cannot break the one-line
 * rule. out: SHOWN_MAX + 4 bytes. */
#define SHOWN_MAX 100
typedef char shown_buf[SHOWN_MAX + 4];

static int printable(char c) { return c >= 0x20 && c < 0x7f; }

static const char *shown(const char *s, size_t n, char *out) {
  size_t k = 0;
  for (; k < n && k < SHOWN_MAX; k++) out[k] = printable(s[k]) ? s[k] : '?';
  if (k < n) memcpy(out + k, "...", 3), k += 3;
  out[k] = '\0';
  return out;
}

static int host_big_endian(void) {
  const uint16_t one = 1;
  unsigned char b;
  memcpy(&b, &one, 1);
  return b == 0;
}

/* The matrix a header describes: rank 2, not empty, d <= SIGMA_D_MAX, N d elements
 * addressable. who/tensor: "FILE" or "FILE:TENSOR" in messages; what: "array", "tensor". */
static int check_matrix(const char *who, const char *tensor, const char *what, int ndim,
                        const int64_t *shape, sigma_tensor_info *t) {
  const char *sep = tensor ? ":" : "";
  if (!tensor) tensor = "";
  if (ndim != 2)
    return sigma_set_error(SIGMA_EFORMAT, "%s%s%s: %s has rank %d, expected 2 (N rows x d)", who,
                           sep, tensor, what, ndim);
  if (shape[0] == 0 || shape[1] == 0)
    return sigma_set_error(SIGMA_EFORMAT, "%s%s%s: %s is empty (%lld x %lld)", who, sep, tensor,
                           what, (long long)shape[0], (long long)shape[1]);
  if (shape[1] > SIGMA_D_MAX || shape[0] > INT64_MAX / 8 / shape[1])
    return sigma_set_error(SIGMA_EFORMAT, "%s%s%s: %lld x %lld: sigma handles d <= %d (LAPACK's "
                           "32-bit indices) and N d < 2^60", who, sep, tensor,
                           (long long)shape[0], (long long)shape[1], SIGMA_D_MAX);
  t->rows = shape[0];
  t->cols = shape[1];
  return SIGMA_OK;
}

/* ---- .npy ---- */

int sigma_npy_preamble(const unsigned char *p, size_t n, int64_t size, const char *name,
                       int64_t *hoff, int64_t *hlen) {
  if (n < 10 || memcmp(p, "\x93NUMPY", 6) != 0)
    return sigma_set_error(SIGMA_EFORMAT, "%s: not a .npy file (%s)", name,
                           n < 10 ? "shorter than its 10-byte preamble" : "no \\x93NUMPY magic");
  const int major = p[6], minor = p[7];
  if ((major != 1 && major != 2 && major != 3) || minor != 0)
    return sigma_set_error(SIGMA_EFORMAT, "%s: .npy format version %d.%d, expected 1.0, 2.0 or "
                           "3.0", name, major, minor);
  if (major > 1 && n < 12)
    return sigma_set_error(SIGMA_EIO, "%s: .npy file truncated inside its preamble", name);
  *hoff = major == 1 ? 10 : 12;
  *hlen = major == 1 ? (int64_t)p[8] | (int64_t)p[9] << 8
                     : (int64_t)p[8] | (int64_t)p[9] << 8 | (int64_t)p[10] << 16 |
                           (int64_t)p[11] << 24;
  if (*hlen > SIGMA_NPY_HEADER_MAX)
    return sigma_set_error(SIGMA_EFORMAT, "%s: .npy header of %lld bytes (sigma reads at most "
                           "%d)", name, (long long)*hlen, SIGMA_NPY_HEADER_MAX);
  if (*hoff + *hlen > size)
    return sigma_set_error(SIGMA_EIO, "%s: .npy file truncated: its header needs %lld bytes, the "
                           "file has %lld", name, (long long)(*hoff + *hlen), (long long)size);
  return SIGMA_OK;
}

/* A cursor over the header text. */
typedef struct {
  const char *start, *p, *end, *name;
} lex;

static int bad(const lex *x, const char *what) {
  return sigma_set_error(SIGMA_EFORMAT, "%s: malformed .npy header at byte %lld: %s", x->name,
                         (long long)(x->p - x->start), what);
}

static void skip_ws(lex *x) {
  while (x->p < x->end && (*x->p == ' ' || *x->p == '\t' || *x->p == '\n' || *x->p == '\r'))
    x->p++;
}

/* The next non-blank byte is c: consume it, 1; else 0. */
static int eat(lex *x, char c) {
  skip_ws(x);
  if (x->p < x->end && *x->p == c) {
    x->p++;
    return 1;
  }
  return 0;
}

/* A quoted string without escapes: [*s, *s + *n). */
static int lex_string(lex *x, const char **s, size_t *n) {
  skip_ws(x);
  if (x->p >= x->end || (*x->p != '\'' && *x->p != '"')) return bad(x, "expected a quoted string");
  const char q = *x->p++, *b = x->p;
  for (; x->p < x->end && *x->p != q; x->p++)
    if (*x->p == '\\' || *x->p == '\n') return bad(x, "an escape or line break inside a string");
  if (x->p >= x->end) return bad(x, "an unterminated string");
  *s = b;
  *n = (size_t)(x->p++ - b);
  return SIGMA_OK;
}

/* True or False. */
static int lex_bool(lex *x, int *v) {
  skip_ws(x);
  const size_t left = (size_t)(x->end - x->p);
  if (left >= 4 && memcmp(x->p, "True", 4) == 0) *v = 1, x->p += 4;
  else if (left >= 5 && memcmp(x->p, "False", 5) == 0) *v = 0, x->p += 5;
  else return bad(x, "fortran_order is not True or False");
  return SIGMA_OK;
}

/* (n0, n1, ...) with an optional trailing comma; at most 64 dimensions (NumPy's limit). */
static int lex_shape(lex *x, int *ndim, int64_t shape[64]) {
  if (!eat(x, '(')) return bad(x, "shape is not a tuple");
  for (*ndim = 0; !eat(x, ')');) {
    skip_ws(x);
    if (x->p >= x->end || *x->p < '0' || *x->p > '9') return bad(x, "expected a dimension");
    if (*ndim == 64) return bad(x, "more than 64 dimensions");
    int64_t v = 0;
    for (; x->p < x->end && *x->p >= '0' && *x->p <= '9'; x->p++) {
      if (v > (INT64_MAX - 9) / 10) return bad(x, "a dimension beyond 2^63");
      v = v * 10 + (*x->p - '0');
    }
    if (x->p < x->end && *x->p == 'L') x->p++; /* written by Python 2 */
    shape[(*ndim)++] = v;
    if (!eat(x, ',')) {
      if (!eat(x, ')')) return bad(x, "expected ',' or ')' in shape");
      break;
    }
  }
  return SIGMA_OK;
}

/* descr: byte order and type; refusals name the kind of a non-float dtype. */
static int parse_descr(const char *name, const char *s, size_t n, sigma_tensor_info *t) {
  shown_buf buf;
  size_t k = 0, j;
  int big = host_big_endian(), width = 0;
  if (n > 0 && (s[0] == '<' || s[0] == '>' || s[0] == '=' || s[0] == '|')) {
    if (s[0] != '=' && s[0] != '|') big = s[0] == '>';
    k = 1;
  }
  for (j = k + 1; j < n && j < k + 4 && s[j] >= '0' && s[j] <= '9'; j++)
    width = width * 10 + (s[j] - '0');
  if (k < n && s[k] == 'f' && j == n && j > k + 1 && (width == 2 || width == 4 || width == 8)) {
    t->itemsize = width;
    t->big_endian = big;
    return SIGMA_OK;
  }
  const char c = k < n ? s[k] : '?';
  const char *kind = c == 'f'                ? "a float of another width"
                     : c == 'i' || c == 'u'  ? "integer"
                     : c == 'b' || c == '?'  ? "boolean"
                     : c == 'c'              ? "complex"
                     : c && strchr("USa", c) ? "string"
                     : c == 'O'              ? "object"
                     : c == 'M' || c == 'm'  ? "datetime"
                     : c == 'V'              ? "void (raw bytes)"
                                             : "not a float";
  return sigma_set_error(SIGMA_EFORMAT, "%s: array dtype is '%s' (%s), expected float16, float32 "
                         "or float64 ('<f2', '<f4', '<f8' or big-endian '>f2', ...)", name,
                         shown(s, n, buf), kind);
}

/* The three keys, each once, in any order; blanks after the closing brace. */
static int parse_dict(lex *x, const char **descr, size_t *dlen, int *fortran, int *ndim,
                      int64_t shape[64]) {
  static const char *const keys[3] = {"descr", "fortran_order", "shape"};
  int seen = 0;
  if (!eat(x, '{')) return bad(x, "expected '{'");
  while (!eat(x, '}')) {
    const char *key;
    size_t n;
    shown_buf buf;
    SIGMA_CHECK(lex_string(x, &key, &n));
    int k = 0;
    while (k < 3 && !(strlen(keys[k]) == n && memcmp(key, keys[k], n) == 0)) k++;
    if (k == 3)
      return sigma_set_error(SIGMA_EFORMAT, "%s: .npy header has the key '%s' (expected descr, "
                             "fortran_order and shape only)", x->name, shown(key, n, buf));
    if (seen & 1 << k) return bad(x, "a key given twice");
    seen |= 1 << k;
    if (!eat(x, ':')) return bad(x, "expected ':'");
    skip_ws(x);
    if (k == 0 && x->p < x->end && *x->p == '[')
      return sigma_set_error(SIGMA_EFORMAT, "%s: array has a structured dtype (a record array), "
                             "expected float16, float32 or float64", x->name);
    SIGMA_CHECK(k == 0 ? lex_string(x, descr, dlen) : k == 1 ? lex_bool(x, fortran)
                                                            : lex_shape(x, ndim, shape));
    if (!eat(x, ',')) {
      if (!eat(x, '}')) return bad(x, "expected ',' or '}'");
      break;
    }
  }
  skip_ws(x);
  if (x->p != x->end) return bad(x, "text after the closing '}'");
  if (seen != 7)
    return sigma_set_error(SIGMA_EFORMAT, "%s: .npy header lacks the key '%s'", x->name,
                           keys[!(seen & 1) ? 0 : !(seen & 2) ? 1 : 2]);
  return SIGMA_OK;
}

int sigma_npy_header(const char *text, size_t len, int64_t data_off, int64_t size,
                     const char *name, sigma_tensor_info *t) {
  lex x = {text, text, text + len, name};
  const char *descr = NULL;
  size_t dlen = 0;
  int fortran = 0, ndim = 0;
  int64_t shape[64];
  memset(t, 0, sizeof *t);
  SIGMA_CHECK(parse_dict(&x, &descr, &dlen, &fortran, &ndim, shape));
  SIGMA_CHECK(parse_descr(name, descr, dlen, t));
  SIGMA_CHECK(check_matrix(name, NULL, "array", ndim, shape, t));
  t->offset = data_off;
  t->fortran = fortran && t->rows > 1 && t->cols > 1; /* else both orders are the same bytes */
  const int64_t need = t->rows * t->cols * t->itemsize, have = size - data_off;
  shown_buf buf;
  if (have < need)
    return sigma_set_error(SIGMA_EIO, "%s: .npy file truncated: its array (%lld, %lld) '%s' needs "
                           "%lld bytes of data, the file holds %lld", name, (long long)t->rows,
                           (long long)t->cols, shown(descr, dlen, buf), (long long)need,
                           (long long)have);
  if (have > need)
    return sigma_set_error(SIGMA_EFORMAT, "%s: %lld bytes after the array's data (its shape "
                           "(%lld, %lld) needs %lld): not one .npy array", name,
                           (long long)(have - need), (long long)t->rows, (long long)t->cols,
                           (long long)need);
  return SIGMA_OK;
}

/* ---- safetensors ---- */

int sigma_st_preamble(const unsigned char *p, size_t n, int64_t size, const char *name,
                      int64_t *hlen) {
  if (n < 8)
    return sigma_set_error(SIGMA_EFORMAT, "%s: not a safetensors file (shorter than its 8-byte "
                           "header length)", name);
  uint64_t v = 0;
  for (int k = 7; k >= 0; k--) v = v << 8 | p[k];
  if (v < 2 || v > SIGMA_ST_HEADER_MAX || (int64_t)v > size - 8)
    return sigma_set_error(SIGMA_EFORMAT, "%s: safetensors header length %llu is %s", name,
                           (unsigned long long)v,
                           v < 2 ? "too small for a JSON object"
                           : v > SIGMA_ST_HEADER_MAX ? "beyond sigma's limit of 100 MB"
                                                     : "beyond the end of the file");
  *hlen = (int64_t)v;
  return SIGMA_OK;
}

/* Bytes per element of a safetensors dtype; 0 if unknown (or not whole bytes). */
static int st_width(const char *dtype) {
  static const struct { const char *name; int width; } w[] = {
      {"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8}, {"I32", 4}, {"I16", 2},
      {"I8", 1}, {"U64", 8}, {"U32", 4}, {"U16", 2}, {"U8", 1}, {"BOOL", 1}, {"F8_E5M2", 1},
      {"F8_E4M3", 1}, {"F8_E8M0", 1}, {"C64", 8}};
  for (size_t k = 0; k < sizeof w / sizeof *w; k++)
    if (strcmp(dtype, w[k].name) == 0) return w[k].width;
  return 0;
}

/* One tensor entry, as far as it is needed to trust it. */
typedef struct {
  const char *dtype;
  int ndim;
  int64_t shape[2];   /* the first two dimensions */
  int64_t begin, end; /* data_offsets */
} st_entry;

/* A non-negative JSON integer. */
static int nonneg(const json_t *v, int64_t *out) {
  if (!json_is_integer(v) || json_integer_value(v) < 0) return 0;
  *out = (int64_t)json_integer_value(v);
  return 1;
}

/* Entry key: well formed, inside the data (end <= data_len, the bytes after the header),
 * and, for a dtype of known width, exactly as long as its shape needs. */
static int st_entry_check(const char *name, const char *key, const json_t *v, int64_t data_len,
                          st_entry *e) {
  shown_buf kb, db;
  const char *k = shown(key, strlen(key), kb);
  const json_t *shape = json_object_get(v, "shape"), *off = json_object_get(v, "data_offsets");
  e->dtype = json_string_value(json_object_get(v, "dtype"));
  if (!e->dtype || !json_is_array(shape) || !json_is_array(off) || json_array_size(off) != 2)
    return sigma_set_error(SIGMA_EFORMAT, "%s:%s: safetensors header entry is not {dtype, shape, "
                           "data_offsets: [begin, end]}", name, k);
  if (!nonneg(json_array_get(off, 0), &e->begin) || !nonneg(json_array_get(off, 1), &e->end))
    return sigma_set_error(SIGMA_EFORMAT, "%s:%s: data_offsets is not [begin, end] (two "
                           "non-negative integers)", name, k);
  if (e->begin > e->end)
    return sigma_set_error(SIGMA_EFORMAT, "%s:%s: data_offsets [%lld, %lld] end before they begin",
                           name, k, (long long)e->begin, (long long)e->end);
  if (e->end > data_len)
    return sigma_set_error(SIGMA_EFORMAT, "%s:%s: data_offsets [%lld, %lld] reach beyond the "
                           "file's %lld bytes of data (a truncated file or a hostile header)", name,
                           k, (long long)e->begin, (long long)e->end, (long long)data_len);
  int64_t prod = 1, dim = 0;
  int ovf = 0, zero = 0;
  e->ndim = json_array_size(shape) > 64 ? 65 : (int)json_array_size(shape);
  for (size_t j = 0; j < json_array_size(shape); j++) {
    if (!nonneg(json_array_get(shape, j), &dim))
      return sigma_set_error(SIGMA_EFORMAT, "%s:%s: shape is not a list of non-negative integers",
                             name, k);
    if (j < 2) e->shape[j] = dim;
    if (dim == 0) zero = 1;
    else if (prod > INT64_MAX / dim) ovf = 1;
    else prod *= dim;
  }
  if (zero) prod = 0, ovf = 0;
  const int w = st_width(e->dtype);
  if (w && (ovf || prod > INT64_MAX / w || prod * w != e->end - e->begin))
    return sigma_set_error(SIGMA_EFORMAT, "%s:%s: data_offsets [%lld, %lld] hold %lld bytes, but "
                           "its shape needs %s%lld bytes of %s", name, k, (long long)e->begin,
                           (long long)e->end, (long long)(e->end - e->begin),
                           ovf ? "more than " : "", ovf ? (long long)INT64_MAX : (long long)(prod * w),
                           shown(e->dtype, strlen(e->dtype), db));
  return SIGMA_OK;
}

static int st_float(const char *dtype) {
  return strcmp(dtype, "F16") == 0 || strcmp(dtype, "F32") == 0 || strcmp(dtype, "F64") == 0;
}

/* "a [F32, rank 2], b [BF16, rank 2] and 3 more": the tensors, for messages. */
static void st_list(const json_t *root, char *out, size_t cap) {
  const char *key;
  json_t *v;
  size_t len = 0, n = 0, total = json_object_size(root);
  out[0] = '\0';
  json_object_foreach((json_t *)root, key, v) {
    if (strcmp(key, "__metadata__") == 0) {
      total--;
      continue;
    }
    if (n == 6) continue;
    shown_buf kb, db;
    const char *dt = json_string_value(json_object_get(v, "dtype"));
    len += (size_t)snprintf(out + len, cap - len, "%s%s [%s, rank %zu]", n ? ", " : "",
                            shown(key, strlen(key), kb), shown(dt ? dt : "?", strlen(dt ? dt : "?"), db),
                            json_array_size(json_object_get(v, "shape")));
    n++;
    if (len >= cap) break;
  }
  if (total == 0) snprintf(out, cap, "none");
  else if (total > n && len < cap) snprintf(out + len, cap - len, " and %zu more", total - n);
}

/* The tensor to read: want, or "embeddings", or the only 2-D F16/F32/F64 tensor. */
static int st_choose(const json_t *root, const char *name, const char *want, const char **pick) {
  char list[1024];
  shown_buf wb;
  if (want && strcmp(want, "__metadata__") != 0 && json_object_get(root, want)) *pick = want;
  else if (!want && json_object_get(root, "embeddings")) *pick = "embeddings";
  if (*pick) return SIGMA_OK;
  st_list(root, list, sizeof list);
  if (want)
    return sigma_set_error(SIGMA_EFORMAT, "%s: no tensor '%s' (tensors: %s)", name,
                           shown(want, strlen(want), wb), list);
  int count = 0;
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)root, key, v) {
    if (strcmp(key, "__metadata__") != 0 && st_float(json_string_value(json_object_get(v, "dtype"))) &&
        json_array_size(json_object_get(v, "shape")) == 2)
      count++, *pick = key;
  }
  if (count == 1) return SIGMA_OK;
  *pick = NULL;
  if (count == 0)
    return sigma_set_error(SIGMA_EFORMAT, "%s: no tensor 'embeddings' and no 2-D F16, F32 or F64 "
                           "tensor to read instead (tensors: %s)", name, list);
  return sigma_set_error(SIGMA_EFORMAT, "%s: no tensor 'embeddings' and %d 2-D float tensors "
                         "(%s): name one as FILE:TENSOR", name, count, list);
}

/* The chosen tensor as the matrix: F16/F32/F64, rank 2, a printable name. */
static int st_matrix(const char *name, const char *key, const st_entry *e, sigma_tensor_info *t) {
  shown_buf kb, db;
  const char *k = shown(key, strlen(key), kb);
  if (!st_float(e->dtype))
    return sigma_set_error(SIGMA_EFORMAT, "%s:%s: tensor dtype is %s, expected F16, F32 or F64%s",
                           name, k, shown(e->dtype, strlen(e->dtype), db),
                           strcmp(e->dtype, "BF16") == 0 ? " (bfloat16 is not read: store it as "
                                                           "F32)" : "");
  for (const unsigned char *c = (const unsigned char *)key; *c; c++)
    if (*c < 0x20 || *c == 0x7f)
      return sigma_set_error(SIGMA_EFORMAT, "%s:%s: the tensor's name has control characters "
                             "(sigma names it in messages): name another tensor", name, k);
  SIGMA_CHECK(check_matrix(name, k, "tensor", e->ndim, e->shape, t));
  t->itemsize = st_width(e->dtype);
  return SIGMA_OK;
}

int sigma_st_header(const char *json, size_t len, int64_t size, const char *name,
                    const char *want, char **chosen, sigma_tensor_info *t) {
  *chosen = NULL;
  memset(t, 0, sizeof *t);
  json_error_t err;
  json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err), *v;
  shown_buf eb;
  if (!root)
    return sigma_set_error(SIGMA_EFORMAT, "%s: safetensors header is not valid JSON (line %d, "
                           "column %d: %s)", name, err.line, err.column,
                           shown(err.text, strlen(err.text), eb));
  int rc = SIGMA_OK;
  const int64_t data_len = size - 8 - (int64_t)len;
  const char *key, *pick = NULL;
  st_entry e;
  if (!json_is_object(root))
    SIGMA_TRY(sigma_set_error(SIGMA_EFORMAT, "%s: safetensors header is not a JSON object", name));
  json_object_foreach(root, key, v) {
    if (strcmp(key, "__metadata__") != 0) SIGMA_TRY(st_entry_check(name, key, v, data_len, &e));
  }
  SIGMA_TRY(st_choose(root, name, want, &pick));
  SIGMA_TRY(st_entry_check(name, pick, json_object_get(root, pick), data_len, &e));
  SIGMA_TRY(st_matrix(name, pick, &e, t));
  t->offset = 8 + (int64_t)len + e.begin;
  *chosen = strdup(pick);
  if (!*chosen) rc = sigma_set_error(SIGMA_ENOMEM, "out of memory");
done:
  json_decref(root);
  return rc;
}
