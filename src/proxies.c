/* Surface proxies: n-gram hashing, the count-min sketch and the count map
 * (sigma/proxies.h). */
#include "sigma/proxies.h"

#include <stdlib.h>
#include <string.h>

#include "sigma/error.h"

static uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

uint64_t sigma_ngram_hash(const char *const *tok, const size_t *len, int n) {
  uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a offset basis */
  for (int t = 0; t < n; t++) {
    if (t > 0) h = (h ^ 0xFFu) * 0x100000001b3ull;
    for (size_t i = 0; i < len[t]; i++) h = (h ^ (unsigned char)tok[t][i]) * 0x100000001b3ull;
  }
  h = splitmix64(h ^ (uint64_t)n);
  return h ? h : 1;
}

/* ---- count-min sketch ---- */

int sigma_cms_init(sigma_cms *c, int64_t width, int depth, uint64_t seed) {
  memset(c, 0, sizeof *c);
  if (width < 1 || depth < 1 || depth > 64)
    return sigma_set_error(SIGMA_EINVAL, "count-min sketch: width %lld and depth %d (need "
                           "width >= 1, 1 <= depth <= 64)", (long long)width, depth);
  c->width = width;
  c->depth = depth;
  c->seed = seed;
  return sigma_calloc(&c->count, (size_t)width * (size_t)depth, sizeof(uint64_t));
}

void sigma_cms_free(sigma_cms *c) {
  free(c->count);
  memset(c, 0, sizeof *c);
}

void sigma_cms_add(sigma_cms *c, uint64_t key, uint64_t times) {
  for (int j = 0; j < c->depth; j++) {
    uint64_t b = splitmix64(key ^ splitmix64(c->seed + (uint64_t)j)) % (uint64_t)c->width;
    c->count[(size_t)j * (size_t)c->width + b] += times;
  }
}

/* sum of squares of n counts, exact; *overflow set past 2^64 */
static uint64_t sum_sq(const uint64_t *v, size_t n, int *overflow) {
  uint64_t s = 0, q;
  for (size_t i = 0; i < n; i++) {
    if (!v[i]) continue;
    if (__builtin_mul_overflow(v[i], v[i], &q) || __builtin_add_overflow(s, q, &s)) {
      *overflow = 1;
      return 0;
    }
  }
  return s;
}

uint64_t sigma_cms_f2(const sigma_cms *c, int *overflow) {
  uint64_t best = UINT64_MAX;
  *overflow = 0;
  for (int j = 0; j < c->depth; j++) {
    uint64_t s = sum_sq(c->count + (size_t)j * (size_t)c->width, (size_t)c->width, overflow);
    if (*overflow) return 0;
    if (s < best) best = s;
  }
  return best;
}

/* ---- count map ---- */

int sigma_u64map_init(sigma_u64map *m, size_t hint) {
  memset(m, 0, sizeof *m);
  size_t cap = 64;
  while (cap < 2 * hint) cap *= 2;
  m->cap = cap;
  SIGMA_CHECK(sigma_calloc(&m->key, cap, sizeof(uint64_t)));
  return sigma_calloc(&m->val, cap, sizeof(uint64_t));
}

void sigma_u64map_free(sigma_u64map *m) {
  free(m->key);
  free(m->val);
  memset(m, 0, sizeof *m);
}

static void put(uint64_t *key, uint64_t *val, size_t cap, uint64_t k, uint64_t v, size_t *n) {
  size_t i = (size_t)(splitmix64(k) & (cap - 1));
  while (key[i] && key[i] != k) i = (i + 1) & (cap - 1);
  if (!key[i]) {
    key[i] = k;
    (*n)++;
  }
  val[i] += v;
}

static int grow(sigma_u64map *m) {
  const size_t cap = 2 * m->cap;
  uint64_t *key = NULL, *val = NULL;
  SIGMA_CHECK(sigma_calloc(&key, cap, sizeof(uint64_t)));
  if (sigma_calloc(&val, cap, sizeof(uint64_t)) != SIGMA_OK) {
    free(key);
    return SIGMA_ENOMEM;
  }
  size_t n = 0;
  for (size_t i = 0; i < m->cap; i++)
    if (m->key[i]) put(key, val, cap, m->key[i], m->val[i], &n);
  free(m->key);
  free(m->val);
  m->key = key;
  m->val = val;
  m->cap = cap;
  return SIGMA_OK;
}

int sigma_u64map_add(sigma_u64map *m, uint64_t key, uint64_t times) {
  if (2 * (m->n + 1) > m->cap) SIGMA_CHECK(grow(m)); /* load factor <= 1/2 */
  put(m->key, m->val, m->cap, key, times, &m->n);
  return SIGMA_OK;
}

uint64_t sigma_u64map_f2(const sigma_u64map *m, int *overflow) {
  *overflow = 0;
  return sum_sq(m->val, m->cap, overflow); /* empty slots hold 0 */
}

/* ---- accumulation ---- */

int sigma_proxies_acc_init(sigma_proxies_acc *a, int hhi_n, int64_t width, int depth,
                           uint64_t seed, int exact) {
  memset(a, 0, sizeof *a);
  if (hhi_n < 1 || hhi_n > SIGMA_NGRAM_MAX)
    return sigma_set_error(SIGMA_EINVAL, "--hhi-n %d: 1 to %d", hhi_n, SIGMA_NGRAM_MAX);
  a->hhi_n = hhi_n;
  a->exact = exact;
  SIGMA_CHECK(sigma_u64map_init(&a->uni, 1024));
  SIGMA_CHECK(sigma_u64map_init(&a->bi, 1024));
  if (exact) SIGMA_CHECK(sigma_u64map_init(&a->hn, 1024));
  return sigma_cms_init(&a->cms, width, depth, seed);
}

void sigma_proxies_acc_free(sigma_proxies_acc *a) {
  sigma_u64map_free(&a->uni);
  sigma_u64map_free(&a->bi);
  sigma_u64map_free(&a->hn);
  sigma_cms_free(&a->cms);
}

static int is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* The n-grams ending at the newest token of the window w (t tokens seen so far). */
static int add_ngrams(sigma_proxies_acc *a, const char **w, const size_t *wl, uint64_t t) {
  const int W = SIGMA_NGRAM_MAX;
  SIGMA_CHECK(sigma_u64map_add(&a->uni, sigma_ngram_hash(w + W - 1, wl + W - 1, 1), 1));
  a->ngrams[1]++;
  if (t >= 2) {
    SIGMA_CHECK(sigma_u64map_add(&a->bi, sigma_ngram_hash(w + W - 2, wl + W - 2, 2), 1));
    a->ngrams[2]++;
  }
  const int n = a->hhi_n;
  if (t >= (uint64_t)n) {
    const uint64_t h = sigma_ngram_hash(w + W - n, wl + W - n, n);
    sigma_cms_add(&a->cms, h, 1);
    if (a->exact) SIGMA_CHECK(sigma_u64map_add(&a->hn, h, 1));
    if (n > 2) a->ngrams[n]++;
  }
  return SIGMA_OK;
}

int sigma_proxies_add_line(sigma_proxies_acc *a, const char *line, size_t len) {
  const int W = SIGMA_NGRAM_MAX;
  const char *w[SIGMA_NGRAM_MAX] = {0};
  size_t wl[SIGMA_NGRAM_MAX] = {0};
  uint64_t t = 0;
  size_t i = 0;
  a->lines++;
  while (i < len) {
    while (i < len && is_space(line[i])) i++;
    if (i == len) break;
    const size_t s = i;
    while (i < len && !is_space(line[i])) i++;
    memmove(w, w + 1, (W - 1) * sizeof *w); /* the window: the last W tokens */
    memmove(wl, wl + 1, (W - 1) * sizeof *wl);
    w[W - 1] = line + s;
    wl[W - 1] = i - s;
    t++;
    a->tokens++;
    SIGMA_CHECK(add_ngrams(a, w, wl, t));
  }
  return SIGMA_OK;
}
