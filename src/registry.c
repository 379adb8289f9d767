/* The estimator registry (include/sigma/registry.h): one entry and one function each. */
#include "sigma/registry.h"

#include <math.h>
#include <string.h>

/* [3.13]: Lhat = log det G1 + d log(N / n1). */
static double est_plugin(const sigma_block *b) {
  return sigma_plugin(b->logdet_G1, b->d, b->N, b->n1);
}

/* SPEC 4: Lhat_W = log det G1 + sum_i [psi((N-i+1)/2) - psi((n1-i+1)/2)]. */
static double est_wishart(const sigma_block *b) {
  return b->logdet_G1 + sigma_wishart_correction(b->d, b->N, b->n1);
}

/* SPEC 4: Richardson from the two halves of O. */
static double est_richardson(const sigma_block *b) {
  if (isnan(b->logdet_Ga) || isnan(b->logdet_Gb)) return NAN;
  return sigma_richardson(est_plugin(b), b->logdet_Ga, b->logdet_Gb, b->d, b->N, b->na, b->nb,
                          NULL, NULL);
}

const sigma_estimator sigma_estimators[] = {
    {"plugin", "plug-in Lhat", "[3.13]", NULL, 0, est_plugin},
    {"wishart", "Wishart Lhat_W", "SPEC 4", NULL, 1, est_wishart},
    {"richardson", "Richardson Lhat_R", "SPEC 4", "needs both halves of O with >= d rows", 1,
     est_richardson},
};
const int sigma_nest = (int)(sizeof sigma_estimators / sizeof sigma_estimators[0]);
_Static_assert(sizeof sigma_estimators / sizeof sigma_estimators[0] <= SIGMA_EST_MAX,
               "raise SIGMA_EST_MAX");

int sigma_estimator_index(const char *key) {
  for (int e = 0; e < sigma_nest; e++)
    if (strcmp(sigma_estimators[e].key, key) == 0) return e;
  return -1;
}

void sigma_est_lines(const sigma_block *b, double L, double z, const double tau2[2],
                     sigma_est_line *line) {
  for (int e = 0; e < sigma_nest; e++) {
    double est = sigma_estimators[e].estimate(b);
    if (isnan(est)) sigma_est_nan_line(&line[e]);
    else sigma_est_fill_line(&line[e], est, L, z, tau2, b->N, b->n1);
  }
}
