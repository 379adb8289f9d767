/* Surface proxies of generated text (issue 13; the SIGMA paper's Appendix C.1, Baselines
 * A and B): distinct-n (Li et al. 2016: distinct n-grams over all n-grams) and the
 * Herfindahl-Hirschman index of n-grams, HHI = sum_k (c_k / C)^2 over n-gram types k with
 * counts c_k, C = sum_k c_k, from a count-min sketch (Cormode and Muthukrishnan 2005).
 * Pure: no MPI, no I/O; the distributed merge is mpi/proxies_mpi.h.
 *
 * Tokens: the maximal runs of bytes other than ASCII white space (space, \t, \n, \v, \f,
 * \r) of one line; no case folding, no Unicode-aware splitting. n-grams never cross lines.
 * An n-gram is identified by a 64-bit hash of its tokens (sigma_ngram_hash): two distinct
 * n-grams collide with probability 2^-64 per pair, i.e. about m^2 / 2^65 expected
 * collisions among m distinct n-grams (3e-8 at m = 1e6), so the "exact" counts are exact
 * up to that.
 */
#ifndef SIGMA_PROXIES_H
#define SIGMA_PROXIES_H

#include <stddef.h>
#include <stdint.h>

#define SIGMA_NGRAM_MAX 8 /* the largest n of --hhi-n */

/* The 64-bit hash of the n tokens tok[0..n) of lengths len[0..n): FNV-1a over their bytes
 * with 0xFF between tokens (a byte that never occurs in UTF-8), finished by splitmix64;
 * never 0 (0 marks an empty slot of sigma_u64map: a hash of 0 becomes 1). */
uint64_t sigma_ngram_hash(const char *const *tok, const size_t *len, int n);

/* ---- count-min sketch: depth rows of width counters (uint64) ---- */
typedef struct {
  int64_t width;
  int depth;
  uint64_t seed;   /* the row hashes: splitmix64(key ^ row seed) mod width */
  uint64_t *count; /* depth x width, row-major */
} sigma_cms;

/* Errors: SIGMA_EINVAL (width < 1, depth < 1 or > 64), SIGMA_ENOMEM. Free with
 * sigma_cms_free in any case (NULL-safe). */
int sigma_cms_init(sigma_cms *c, int64_t width, int depth, uint64_t seed);
void sigma_cms_free(sigma_cms *c);
void sigma_cms_add(sigma_cms *c, uint64_t key, uint64_t times);

/* The count-min estimate of the self-join size F2 = sum_k c_k^2: min over rows j of
 * sum_b count[j][b]^2. F2 <= estimate always; estimate <= F2 + eps C^2 with probability
 * >= 1 - delta, eps = e / width, delta = e^-depth (Cormode and Muthukrishnan 2005,
 * section 4.2). Exact integer sums; *overflow = 1 (and 0 returned) if one passes 2^64. */
uint64_t sigma_cms_f2(const sigma_cms *c, int *overflow);

/* ---- hash map uint64 key (!= 0) -> uint64 count, open addressing ---- */
typedef struct {
  uint64_t *key, *val;
  size_t cap, n; /* slots (a power of 2), keys held */
} sigma_u64map;

/* Errors: SIGMA_ENOMEM. Free with sigma_u64map_free in any case. */
int sigma_u64map_init(sigma_u64map *m, size_t hint);
void sigma_u64map_free(sigma_u64map *m);
/* Add times to key's count (key != 0). Errors: SIGMA_ENOMEM (growing). */
int sigma_u64map_add(sigma_u64map *m, uint64_t key, uint64_t times);
/* sum over keys of count^2; *overflow as sigma_cms_f2. */
uint64_t sigma_u64map_f2(const sigma_u64map *m, int *overflow);

/* ---- one process's accumulation over its lines ---- */
typedef struct {
  int hhi_n, exact;
  uint64_t lines, tokens;
  uint64_t ngrams[SIGMA_NGRAM_MAX + 1]; /* [n]: n-grams of order n (1, 2, hhi_n) */
  sigma_u64map uni, bi;                 /* distinct unigrams and bigrams with counts */
  sigma_u64map hn;                      /* exact: the hhi_n-grams with counts */
  sigma_cms cms;                        /* the hhi_n-grams */
} sigma_proxies_acc;

/* Errors: SIGMA_EINVAL (hhi_n outside 1..SIGMA_NGRAM_MAX, the sketch's), SIGMA_ENOMEM.
 * Free with sigma_proxies_acc_free in any case. */
int sigma_proxies_acc_init(sigma_proxies_acc *a, int hhi_n, int64_t width, int depth,
                           uint64_t seed, int exact);
void sigma_proxies_acc_free(sigma_proxies_acc *a);

/* One line of len bytes (no newline; any bytes: validation is the reader's): its tokens,
 * unigrams, bigrams and hhi_n-grams. Errors: SIGMA_ENOMEM. */
int sigma_proxies_add_line(sigma_proxies_acc *a, const char *line, size_t len);

#endif
