/* Sampling the observed block O (SPEC section 7).
 *
 * O(n) is the first n entries of a uniformly random permutation of 0..N-1,
 * produced by a virtual Fisher-Yates shuffle whose k-th swap position is drawn
 * from Random123 Philox4x32-10 at counter (k, replicate, draw) under key seed.
 * Hence O depends only on (N, seed, replicate): the same rows whatever the number
 * of ranks, the block size or the sharding; and O(n_a) is a prefix, so a subset,
 * of O(n_b) for n_a < n_b (nested sweeps). The draw is exactly uniform (unbiased
 * rejection sampling of each swap position). Cost O(n) time and memory, not O(N).
 */
#ifndef SIGMA_SAMPLE_H
#define SIGMA_SAMPLE_H

#include <stdint.h>

/* perm[k], k < n: the first n entries of the random permutation of 0..N-1 keyed by
 * (seed, replicate). Requires n <= N. Errors: SIGMA_EINVAL, SIGMA_ENOMEM. */
int sigma_sample_prefix(uint64_t N, uint64_t n, uint64_t seed, uint64_t replicate,
                        uint64_t *perm);

/* Uniform integer in [0, m), m >= 1, from Philox at counter (a, b, c): exactly
 * uniform (rejection), deterministic in (seed, a, b, c). */
uint64_t sigma_philox_below(uint64_t m, uint64_t seed, uint64_t a, uint32_t b, uint32_t c);

/* Uniform double in (0, 1) from Philox at counter (a, b, c) under seed: 53 random
 * bits, never 0 or 1 (safe for inverse CDFs). Two independent streams per counter:
 * lane 0 or 1. */
double sigma_philox_u01(uint64_t seed, uint64_t a, uint32_t b, uint32_t c, int lane);

/* The observed list, ordered as drawn, is split for the Richardson estimator
 * (SPEC section 4): entries at positions < n/2 form half a, the rest half b. Given
 * an ordered list (n entries), write rows sorted ascending, half[k] in {0, 1} and, if
 * pos is not NULL, pos[k] the position of rows[k] in the drawn order (0..n-1: the
 * delete-G-block jackknife's groups are contiguous in it, SPEC 4.1).
 * Errors: SIGMA_EINVAL (duplicate row), SIGMA_ENOMEM. */
int sigma_observed_sorted(const uint64_t *ordered, int64_t n, uint64_t *rows,
                          unsigned char *half, uint64_t *pos);

#endif
