/* Spectra and log-dets of G, G1 and G2 = G - G1 (include/sigma/spectra.h). */
#include "sigma/spectra.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sigma/error.h"
#include "sigma/linalg.h"

int sigma_spectra_init(sigma_spectra *s, int d) {
  int rc = SIGMA_OK;
  memset(s, 0, sizeof *s);
  s->d = d;
  s->L = s->logdet_G1 = NAN;
  SIGMA_TRY(sigma_calloc(&s->w_G, (size_t)d, sizeof(double)));
  SIGMA_TRY(sigma_calloc(&s->w_G1, (size_t)d, sizeof(double)));
  SIGMA_TRY(sigma_calloc(&s->w_G2, (size_t)d, sizeof(double)));
done:
  return rc;
}

void sigma_spectra_ranks(sigma_spectra *s) {
  s->rank_G = sigma_numerical_rank(s->w_G, s->d);
  s->rank_G1 = sigma_numerical_rank(s->w_G1, s->d);
}

/* Log-det by Cholesky; on failure, an error naming the matrix and its numerical
 * rank from the eigenvalues (SPEC section 2: never a garbage number). */
static int logdet_named(const double *A, int d, const char *name, const double *w,
                        double *ld, int *rank) {
  int rc = sigma_logdet_chol(A, d, ld);
  if (rc == SIGMA_ESINGULAR) {
    sigma_clear_error();
    *rank = sigma_numerical_rank(w, d);
    return sigma_set_error(SIGMA_ESINGULAR,
                           "%s is singular: not numerically positive definite, numerical rank "
                           "%d of d = %d (lambda_max %.6g, lambda_min %.6g)",
                           name, *rank, d, w[0], w[d - 1]);
  }
  return rc;
}

int sigma_spectra_compute(const double *G, const double *G1, int d, sigma_spectra *s) {
  const size_t dd = (size_t)d * d;
  double *G2 = NULL;
  int rc = sigma_spectra_init(s, d);
  if (rc != SIGMA_OK) return rc;
  SIGMA_TRY(sigma_calloc(&G2, dd, sizeof(double)));
  SIGMA_TRY(sigma_eigvalsh(G, d, s->w_G));
  SIGMA_TRY(sigma_eigvalsh(G1, d, s->w_G1));
  for (size_t k = 0; k < dd; k++) G2[k] = G[k] - G1[k];
  SIGMA_TRY(sigma_eigvalsh(G2, d, s->w_G2));
  sigma_spectra_ranks(s);
  SIGMA_TRY(logdet_named(G, d, "the full Gram G", s->w_G, &s->L, &s->rank_G));
  SIGMA_TRY(logdet_named(G1, d, "the observed Gram G1", s->w_G1, &s->logdet_G1, &s->rank_G1));
done:
  free(G2);
  return rc;
}

void sigma_spectra_free(sigma_spectra *s) {
  free(s->w_G);
  free(s->w_G1);
  free(s->w_G2);
  s->w_G = s->w_G1 = s->w_G2 = NULL;
}
