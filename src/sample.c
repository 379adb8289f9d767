/* Counter-based sampling without replacement (virtual Fisher-Yates). */
#include "sigma/sample.h"

#include <Random123/philox.h>
#include <stdlib.h>

#include "sigma/error.h"

static philox4x32_ctr_t philox(uint64_t seed, uint64_t a, uint32_t b, uint32_t c) {
  philox4x32_ctr_t ctr = {{(uint32_t)a, (uint32_t)(a >> 32), b, c}};
  philox4x32_key_t key = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
  return philox4x32(ctr, key);
}

uint64_t sigma_philox_below(uint64_t m, uint64_t seed, uint64_t a, uint32_t b, uint32_t c) {
  /* Accept r < limit, the largest multiple of m not above 2^64: exactly uniform. */
  const uint64_t limit = UINT64_MAX - (UINT64_MAX % m + 1) % m;
  for (uint32_t draw = 0;; draw++) {
    philox4x32_ctr_t r = philox(seed, a, b, c ^ (draw << 16));
    uint64_t v0 = (uint64_t)r.v[0] | (uint64_t)r.v[1] << 32;
    uint64_t v1 = (uint64_t)r.v[2] | (uint64_t)r.v[3] << 32;
    if (v0 <= limit) return v0 % m;
    if (v1 <= limit) return v1 % m;
  }
}

double sigma_philox_u01(uint64_t seed, uint64_t a, uint32_t b, uint32_t c, int lane) {
  philox4x32_ctr_t r = philox(seed, a, b, c);
  uint64_t v = lane ? ((uint64_t)r.v[2] | (uint64_t)r.v[3] << 32)
                    : ((uint64_t)r.v[0] | (uint64_t)r.v[1] << 32);
  return ((double)(v >> 11) + 0.5) * 0x1.0p-53; /* midpoints: in (0, 1) */
}

/* Open-addressing map position -> value for the virtual array of Fisher-Yates. */
typedef struct {
  uint64_t *key, *val;
  unsigned char *used;
  uint64_t mask;
} posmap;

static int posmap_init(posmap *m, uint64_t n) {
  uint64_t cap = 16;
  while (cap < 2 * n + 2) cap <<= 1;
  m->key = malloc(cap * sizeof(uint64_t));
  m->val = malloc(cap * sizeof(uint64_t));
  m->used = calloc(cap, 1);
  m->mask = cap - 1;
  if (!m->key || !m->val || !m->used)
    return sigma_set_error(SIGMA_ENOMEM, "out of memory (sampler, n = %llu)",
                           (unsigned long long)n);
  return SIGMA_OK;
}

static void posmap_free(posmap *m) {
  free(m->key);
  free(m->val);
  free(m->used);
}

static uint64_t *posmap_slot(posmap *m, uint64_t k, int *found) {
  uint64_t h = (k * 0x9E3779B97F4A7C15ull) & m->mask;
  while (m->used[h] && m->key[h] != k) h = (h + 1) & m->mask;
  *found = m->used[h];
  if (!m->used[h]) {
    m->used[h] = 1;
    m->key[h] = k;
    m->val[h] = k; /* virtual array starts as the identity */
  }
  return &m->val[h];
}

int sigma_sample_prefix(uint64_t N, uint64_t n, uint64_t seed, uint64_t replicate,
                        uint64_t *perm) {
  if (n > N)
    return sigma_set_error(SIGMA_EINVAL, "cannot sample %llu rows out of N = %llu",
                           (unsigned long long)n, (unsigned long long)N);
  if (replicate > UINT32_MAX)
    return sigma_set_error(SIGMA_EINVAL, "replicate %llu out of range",
                           (unsigned long long)replicate);
  posmap m;
  int rc = posmap_init(&m, n);
  if (rc == SIGMA_OK) {
    for (uint64_t k = 0; k < n; k++) {
      uint64_t j = k + sigma_philox_below(N - k, seed, k, (uint32_t)replicate, 0x5A3u);
      int found;
      uint64_t vk = *posmap_slot(&m, k, &found);
      uint64_t *vj = posmap_slot(&m, j, &found);
      perm[k] = *vj;
      *vj = vk; /* position k is never read again: j >= k for all later steps */
    }
  }
  posmap_free(&m);
  return rc;
}

typedef struct {
  uint64_t row, pos;
  unsigned char half;
} tagged;

static int cmp_tagged(const void *a, const void *b) {
  uint64_t x = ((const tagged *)a)->row, y = ((const tagged *)b)->row;
  return (x > y) - (x < y);
}

int sigma_observed_sorted(const uint64_t *ordered, int64_t n, uint64_t *rows,
                          unsigned char *half, uint64_t *pos) {
  tagged *t = malloc((size_t)(n > 0 ? n : 1) * sizeof *t);
  if (!t) return sigma_set_error(SIGMA_ENOMEM, "out of memory (observed block, n1 = %lld)",
                                 (long long)n);
  for (int64_t k = 0; k < n; k++) {
    t[k].row = ordered[k];
    t[k].pos = (uint64_t)k;
    t[k].half = k >= n / 2;
  }
  qsort(t, (size_t)n, sizeof *t, cmp_tagged);
  int rc = SIGMA_OK;
  for (int64_t k = 0; k < n; k++) {
    if (k > 0 && t[k].row == t[k - 1].row) {
      rc = sigma_set_error(SIGMA_EINVAL, "observed row %llu is listed twice",
                           (unsigned long long)t[k].row);
      break;
    }
    rows[k] = t[k].row;
    half[k] = t[k].half;
    if (pos) pos[k] = t[k].pos;
  }
  free(t);
  return rc;
}
