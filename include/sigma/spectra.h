/* Spectra and log-determinants of the audit's Grams (SPEC section 2): the first half of
 * an audit's math, the part a distributed eigensolver may replace (mpi/scalapack.h fills
 * the same struct). The metrics are computed from it by sigma_estimate_from_spectra
 * (sigma/estimators.h) and, from G1 alone, by sigma_tracks_compute (sigma/tracks.h).
 */
#ifndef SIGMA_SPECTRA_H
#define SIGMA_SPECTRA_H

typedef struct {
  int d;
  double *w_G, *w_G1, *w_G2; /* eigenvalues of G, G1, G2 = G - G1, descending (owned) */
  double L;                  /* log det G (nats, Cholesky) */
  double logdet_G1;          /* log det G1 (nats, Cholesky) */
  int rank_G, rank_G1;       /* numerical ranks (also set on SIGMA_ESINGULAR) */
} sigma_spectra;

/* Allocate the three eigenvalue arrays (d each, zeroed); L, logdet_G1 set to NaN.
 * Errors: SIGMA_ENOMEM. Call sigma_spectra_free in any case. */
int sigma_spectra_init(sigma_spectra *s, int d);

/* Serially (dsyevd, dpotrf) from G and G1 (d x d, full storage): eigenvalues first, so a
 * Cholesky that fails can name the numerical rank. Errors: SIGMA_ESINGULAR naming "the
 * full Gram G" or "the observed Gram G1" with rank and extreme eigenvalues,
 * SIGMA_ELAPACK, SIGMA_ENOMEM. s must be fresh (not initialised); free it in any case. */
int sigma_spectra_compute(const double *G, const double *G1, int d, sigma_spectra *s);

/* Set the numerical ranks from the eigenvalues (after a distributed solver filled them). */
void sigma_spectra_ranks(sigma_spectra *s);

/* Free the arrays; s may be zero-initialised. */
void sigma_spectra_free(sigma_spectra *s);

#endif
