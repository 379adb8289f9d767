/* The estimator registry (include/sigma/registry.h): one entry and one function each. */
#include "sigma/registry.h"

#include <math.h>
#include <string.h>

/* [3.13]: Lhat = log det G1 + d log(N / n1). */
static double est_plugin(const sigma_block *b, double *var) {
  *var = NAN;
  return sigma_plugin(b->logdet_G1, b->d, b->N, b->n1);
}

/* SPEC 4: Lhat_W = log det G1 + sum_i [psi((N-i+1)/2) - psi((n1-i+1)/2)]. */
static double est_wishart(const sigma_block *b, double *var) {
  *var = NAN;
  return b->logdet_G1 + sigma_wishart_correction(b->d, b->N, b->n1);
}

/* SPEC 4: Richardson from the two halves of O. */
static double est_richardson(const sigma_block *b, double *var) {
  double v;
  *var = NAN;
  if (isnan(b->logdet_Ga) || isnan(b->logdet_Gb)) return NAN;
  return sigma_richardson(est_plugin(b, &v), b->logdet_Ga, b->logdet_Gb, b->d, b->N, b->na,
                          b->nb, NULL, NULL);
}

/* The leverages of every row of O are known. */
static int have_leverages(const sigma_block *b) { return b->lev.n > 0 && b->lev.n == b->n1; }

/* SPEC 4.1: Lhat_LEV, its CI from the calibrated variance with tau2_dec, or from the
 * delete-G-block jackknife variance v_bj where that is larger (--block-jackknife; a NaN
 * v_bj compares false: V_cal stays). */
static double est_lev(const sigma_block *b, double *var) {
  double v;
  *var = NAN;
  if (!have_leverages(b) || isnan(b->tau2_dec)) return NAN;
  *var = sigma_var_calibrated(b->V_G, b->tau2_dec, b->d, b->N, b->n1);
  if (b->v_bj > *var) *var = b->v_bj;
  return sigma_lev(est_wishart(b, &v), b->d, b->N, b->n1, b->lev.abar, b->lev.sum_log,
                   b->tau2_dec);
}

/* SPEC 4.1: the delete-one jackknife on Wishart, with its jackknife variance. */
static double est_jackknife(const sigma_block *b, double *var) {
  double v;
  *var = NAN;
  if (!have_leverages(b)) return NAN;
  return sigma_jackknife(est_wishart(b, &v), b->d, b->N, b->n1, b->lev.sum_log, b->lev.ss_log,
                         var);
}

const sigma_estimator sigma_estimators[] = {
    {"plugin", "plug-in Lhat", "[3.13]", NULL, 0, 0, est_plugin},
    {"wishart", "Wishart Lhat_W", "SPEC 4", NULL, 1, 0, est_wishart},
    {"richardson", "Richardson Lhat_R", "SPEC 4", "needs both halves of O with >= d rows", 1, 0,
     est_richardson},
    {"lev", "leverage Lhat_LEV", "SPEC 4.1", "needs n1 > d + 4 and the leverages of pass 2", 1,
     1, est_lev},
    {"jackknife", "jackknife Lhat_JK", "SPEC 4.1", "needs n1 > d and the leverages of pass 2",
     1, 1, est_jackknife},
};
const int sigma_nest = (int)(sizeof sigma_estimators / sizeof sigma_estimators[0]);
_Static_assert(sizeof sigma_estimators / sizeof sigma_estimators[0] <= SIGMA_EST_MAX,
               "raise SIGMA_EST_MAX");

int sigma_estimator_index(const char *key) {
  for (int e = 0; e < sigma_nest; e++)
    if (strcmp(sigma_estimators[e].key, key) == 0) return e;
  return -1;
}

void sigma_block_finish(sigma_block *b) {
  b->V_G = sigma_var_gauss(b->d, b->N, b->n1);
  b->tau2_dec = have_leverages(b) ? sigma_tau2_dec(b->d, b->n1, b->lev.abar, b->lev.var_a) : NAN;
}

void sigma_est_lines(const sigma_block *b, double L, double z, const double tau2[2],
                     sigma_est_line *line) {
  const double tau2_cal[2] = {tau2[0], b->tau2_dec};
  for (int e = 0; e < sigma_nest; e++) {
    double var, est = sigma_estimators[e].estimate(b, &var);
    sigma_est_line *ln = &line[e];
    if (isnan(est)) {
      sigma_est_nan_line(ln);
      continue;
    }
    sigma_est_fill_line(ln, est, L, z, tau2, b->N, b->n1);
    for (int k = 0; k < 2; k++)
      sigma_ci_fill(&ln->cal[k], est, L, z,
                    sigma_var_calibrated(b->V_G, tau2_cal[k], b->d, b->N, b->n1));
    sigma_ci_fill(&ln->own, est, L, z, isnan(var) ? ln->s[1] * ln->s[1] : var);
  }
}
