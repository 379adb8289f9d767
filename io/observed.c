/* The observed block (io/observed.h). */
#include "observed.h"

#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "parse.h"
#include "sigma/error.h"
#include "sigma/estimators.h"
#include "sigma/sample.h"
#include "str.h"

/* The observed-indices file: a regular file (io/files.h), parsed by io/parse.h. */
static int read_indices(const char *path, int64_t N, uint64_t **out, int64_t *n) {
  SIGMA_CHECK(sigma_file_input(path, "observed-indices file"));
  FILE *f = fopen(path, "r");
  if (!f) return sigma_set_error(SIGMA_EIO, "%s: cannot open observed-indices file", path);
  int rc = sigma_parse_indices(f, path, N, out, n);
  fclose(f);
  return rc;
}

/* n1 from the spec: given, the file's count, or the rule; then checked against d and N. */
static int block_size(const sigma_observed_spec *sp, int64_t N, int d, int64_t listed,
                      int64_t *n1) {
  int64_t n = sp->n1;
  if (sp->mode == SIGMA_OBS_INDICES) {
    if (n && n != listed)
      return sigma_set_error(SIGMA_EINVAL, "%s lists %lld rows but --n1 is %lld",
                             sp->indices_path, (long long)listed, (long long)n);
    n = listed;
    if (n == 0) return sigma_set_error(SIGMA_EINVAL, "%s lists no rows", sp->indices_path);
  } else if (n == 0) {
    n = sigma_rule_n1(sp->rule_constant, d, sp->epsilon);
    if (n < 0)
      return sigma_set_error(SIGMA_EINVAL, "--epsilon %g: the rule n1 = ceil(%g d / eps^2) "
                             "asks for %.3g rows, more than any input holds (N = %lld)",
                             sp->epsilon, sp->rule_constant,
                             sp->rule_constant * d / (sp->epsilon * sp->epsilon), (long long)N);
  }
  if (n < d)
    return sigma_set_error(SIGMA_EINVAL, "n1 = %lld < d = %d: the observed Gram G1 would be "
                           "singular (need n1 >= d)", (long long)n, d);
  if (n > N)
    return sigma_set_error(SIGMA_EINVAL, "n1 = %lld > N = %lld rows in the input",
                           (long long)n, (long long)N);
  *n1 = n;
  return SIGMA_OK;
}

/* The drawn order: a Philox prefix of 0..N-1, or the given/first rows shuffled. */
static int drawn_order(const sigma_observed_spec *sp, int64_t N, int64_t n,
                       const uint64_t *given, uint64_t *ordered) {
  if (sp->mode == SIGMA_OBS_RANDOM)
    return sigma_sample_prefix((uint64_t)N, (uint64_t)n, sp->seed, 0, ordered);
  uint64_t *perm = NULL;
  int rc = SIGMA_OK;
  SIGMA_TRY(sigma_calloc(&perm, (size_t)n, sizeof *perm));
  SIGMA_TRY(sigma_sample_prefix((uint64_t)n, (uint64_t)n, sp->seed, 0, perm));
  for (int64_t k = 0; k < n; k++) ordered[k] = given ? given[perm[k]] : perm[k];
done:
  free(perm);
  return rc;
}

int sigma_observed_make(const sigma_observed_spec *sp, int64_t N, int d, sigma_observed *ob) {
  uint64_t *ordered = NULL, *given = NULL;
  int64_t listed = 0, n = 0;
  int rc = SIGMA_OK;
  if (sp->mode == SIGMA_OBS_INDICES) SIGMA_TRY(read_indices(sp->indices_path, N, &given, &listed));
  SIGMA_TRY(block_size(sp, N, d, listed, &n));
  SIGMA_TRY(sigma_calloc(&ordered, (size_t)n, sizeof *ordered));
  SIGMA_TRY(drawn_order(sp, N, n, given, ordered));
  ob->n = n;
  SIGMA_TRY(sigma_calloc(&ob->rows, (size_t)n, sizeof *ob->rows));
  SIGMA_TRY(sigma_calloc(&ob->half, (size_t)n, 1));
  SIGMA_TRY(sigma_calloc(&ob->pos, (size_t)n, sizeof *ob->pos));
  rc = sigma_observed_sorted(ordered, n, ob->rows, ob->half, ob->pos);
  if (rc == SIGMA_EINVAL && sp->indices_path) { /* a repeated row: name the file */
    char *msg = sigma_strf("%s", sigma_error_message());
    sigma_clear_error();
    rc = msg ? sigma_set_error(SIGMA_EINVAL, "%s: %s", sp->indices_path, msg) : SIGMA_ENOMEM;
    free(msg);
  }
done:
  free(ordered);
  free(given);
  return rc;
}

int sigma_observed_write(FILE *f, const sigma_observed *ob) {
  for (int h = 0; h < 2; h++)
    for (int64_t k = 0; k < ob->n; k++)
      if (ob->half[k] == h && fprintf(f, "%llu\n", (unsigned long long)ob->rows[k]) < 0)
        return sigma_set_error(SIGMA_EIO, "cannot write the observed indices");
  return SIGMA_OK;
}

void sigma_observed_halves(const sigma_observed *ob, int64_t nh[2]) {
  nh[0] = nh[1] = 0;
  for (int64_t k = 0; k < ob->n; k++) nh[ob->half[k]]++;
}

int64_t sigma_observed_lower_bound(const sigma_observed *ob, uint64_t r) {
  int64_t lo = 0, hi = ob->n;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if (ob->rows[mid] < r) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

int sigma_observed_copy(const sigma_observed *src, sigma_observed *dst) {
  memset(dst, 0, sizeof *dst);
  int rc = SIGMA_OK;
  SIGMA_TRY(sigma_calloc(&dst->rows, (size_t)src->n, sizeof *dst->rows));
  SIGMA_TRY(sigma_calloc(&dst->half, (size_t)src->n, 1));
  memcpy(dst->rows, src->rows, (size_t)src->n * sizeof *dst->rows);
  memcpy(dst->half, src->half, (size_t)src->n);
  dst->n = src->n;
done:
  if (rc != SIGMA_OK) sigma_observed_free(dst);
  return rc;
}

void sigma_observed_free(sigma_observed *ob) {
  free(ob->rows);
  free(ob->half);
  free(ob->pos);
  ob->rows = NULL;
  ob->half = NULL;
  ob->pos = NULL;
  ob->n = 0;
}
