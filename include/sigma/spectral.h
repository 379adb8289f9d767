/* Spectral health metrics of a Gram matrix (SPEC section 6, beyond the paper). */
#ifndef SIGMA_SPECTRAL_H
#define SIGMA_SPECTRAL_H

typedef struct {
  double trace;          /* sum lambda_i */
  double lambda_max;     /* lambda_1 */
  double lambda_min;     /* lambda_d */
  double condition;      /* lambda_1 / lambda_d (inf if lambda_d <= 0) */
  int numerical_rank;    /* see sigma_numerical_rank */
  double effective_rank; /* RankMe: exp(-sum p_i log p_i), p_i = s_i / sum s, s_i = sqrt(lambda_i) */
  double participation;  /* (sum lambda)^2 / sum lambda^2 */
  double vn_entropy;     /* -sum mu_i log mu_i, mu_i = lambda_i / trace (nats) */
  double powerlaw_alpha; /* alpha-ReQ: minus the least-squares slope of log lambda_i vs log i,
                            over the positive eigenvalues (NaN if fewer than 2) */
} sigma_spectral;

/* Metrics from the d eigenvalues w (descending, PSD up to rounding: negative
 * rounding noise is treated as 0). Pure function, no errors. */
void sigma_spectral_metrics(const double *w, int d, sigma_spectral *out);

#endif
