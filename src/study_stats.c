/* Replicate rows and summary-cell statistics of a study (sigma/study_stats.h). */
#include "sigma/study_stats.h"

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sigma/error.h"
#include "sigma/stats.h"

static double covers_value(int c) { return c < 0 ? NAN : c; }

/* The covers column of each SIGMA_COV_* CI. */
static const int kCoversCol[SIGMA_NCOV] = {SIGMA_REP_COVERS_ORACLE, SIGMA_REP_COVERS_OBSERVED,
                                           SIGMA_REP_COVERS_CAL_ORACLE, SIGMA_REP_COVERS_CAL_DEC,
                                           SIGMA_REP_COVERS_OWN};

void sigma_rep_row(int64_t i, const sigma_rep_point *p, double *row) {
  row[SIGMA_REP_REPLICATE] = (double)i;
  row[SIGMA_REP_N1] = (double)p->n1;
  row[SIGMA_REP_LOGDET_G1] = p->logdet_G1;
  row[SIGMA_REP_LOGDET_GA] = p->logdet_Ga;
  row[SIGMA_REP_LOGDET_GB] = p->logdet_Gb;
  row[SIGMA_REP_TAU2_OBSERVED] = p->tau2_observed;
  row[SIGMA_REP_TAU2_DEC] = p->tau2_dec;
  row[SIGMA_REP_V_G] = p->V_G;
  row[SIGMA_REP_V_BJ] = p->v_bj;
  for (int e = 0; e < sigma_nest; e++) {
    const sigma_est_line *l = &p->line[e];
    double *v = row + sigma_rep_col(e, 0);
    v[SIGMA_REP_EST] = l->est;
    v[SIGMA_REP_ERR] = l->err;
    v[SIGMA_REP_S_ORACLE] = l->s[0];
    v[SIGMA_REP_S_OBSERVED] = l->s[1];
    v[SIGMA_REP_COVERS_ORACLE] = covers_value(l->covers[0]);
    v[SIGMA_REP_COVERS_OBSERVED] = covers_value(l->covers[1]);
    v[SIGMA_REP_S_CAL_ORACLE] = l->cal[0].s;
    v[SIGMA_REP_S_CAL_DEC] = l->cal[1].s;
    v[SIGMA_REP_S_OWN] = l->own.s;
    v[SIGMA_REP_COVERS_CAL_ORACLE] = covers_value(l->cal[0].covers);
    v[SIGMA_REP_COVERS_CAL_DEC] = covers_value(l->cal[1].covers);
    v[SIGMA_REP_COVERS_OWN] = covers_value(l->own.covers);
  }
}

static void cell_not_applicable(sigma_study_cell *c) {
  c->bias = c->sd = c->rmse = c->s_obs_mean = c->p_within = c->q_level = c->s_oracle = NAN;
  c->ks_D = c->ks_p = NAN;
  for (int j = 0; j < SIGMA_NCOV; j++) c->cov[j] = c->cov_se[j] = NAN;
}

/* The moments and tests of the n applicable errors err[0..n) (z = err / s_oracle);
 * err is sorted by |err| on return. */
static int cell_moments(double *err, const double *z, int64_t n, double sq, double sobs,
                        double within, double level, sigma_study_cell *c) {
  c->bias = gsl_stats_mean(err, 1, (size_t)n);
  c->sd = n > 1 ? gsl_stats_sd(err, 1, (size_t)n) : NAN;
  c->rmse = sqrt(sq / n);
  c->s_obs_mean = sobs / n;
  c->p_within = within / n;
  SIGMA_CHECK(sigma_ks_normal(z, (size_t)n, &c->ks_D, &c->ks_p));
  for (int64_t r = 0; r < n; r++) err[r] = fabs(err[r]);
  gsl_sort(err, 1, (size_t)n);
  c->q_level = gsl_stats_quantile_from_sorted_data(err, 1, (size_t)n, level);
  return SIGMA_OK;
}

int sigma_study_cell_stats(const double *f, int64_t R, size_t stride, double eps, double level,
                           sigma_study_cell *c) {
  double *err = NULL, *z = NULL;
  int rc = SIGMA_OK;
  SIGMA_TRY(sigma_calloc(&err, (size_t)R, sizeof(double)));
  SIGMA_TRY(sigma_calloc(&z, (size_t)R, sizeof(double)));
  int64_t n = 0, ncov[SIGMA_NCOV] = {0};
  double cov[SIGMA_NCOV] = {0}, sobs = 0, within = 0, sq = 0;
  memset(c, 0, sizeof *c);
  for (int64_t r = 0; r < R; r++) {
    const double *v = f + (size_t)r * stride;
    if (isnan(v[SIGMA_REP_EST])) continue;
    err[n] = v[SIGMA_REP_ERR];
    c->s_oracle = v[SIGMA_REP_S_ORACLE];
    z[n] = err[n] / c->s_oracle;
    sobs += v[SIGMA_REP_S_OBSERVED];
    for (int j = 0; j < SIGMA_NCOV; j++) /* a CI not applicable (NaN flag) does not count */
      if (!isnan(v[kCoversCol[j]])) {
        cov[j] += v[kCoversCol[j]];
        ncov[j]++;
      }
    within += fabs(err[n]) <= eps;
    sq += err[n] * err[n];
    n++;
  }
  c->n = n;
  c->n1_needed = NAN;
  if (n == 0) {
    cell_not_applicable(c);
    goto done;
  }
  for (int j = 0; j < SIGMA_NCOV; j++) {
    c->cov[j] = ncov[j] ? cov[j] / ncov[j] : NAN;
    c->cov_se[j] = ncov[j] ? sigma_binomial_se(c->cov[j], (size_t)ncov[j]) : NAN;
  }
  rc = cell_moments(err, z, n, sq, sobs, within, level, c);
done:
  free(err);
  free(z);
  return rc;
}

/* Estimator e's n1_needed at every sweep point: interpolated over the points where its
 * level-quantile of |err| is finite. */
static void cells_n1_needed(int e, int K, const int64_t *n1s, const double *eps,
                            sigma_study_cell *S) {
  double n1d[64], q[64];
  int m = 0;
  for (int k = 0; k < K && m < 64; k++)
    if (isfinite(S[k * sigma_nest + e].q_level)) {
      n1d[m] = (double)n1s[k];
      q[m++] = S[k * sigma_nest + e].q_level;
    }
  for (int k = 0; k < K; k++)
    S[k * sigma_nest + e].n1_needed = sigma_n1_for_precision(n1d, q, (size_t)m, eps[k]);
}

int sigma_study_cells(const double *V, int64_t R, int K, const int64_t *n1s, const double *eps,
                      double level, sigma_study_cell *S) {
  if (K < 1 || K > 64) return sigma_set_error(SIGMA_EINVAL, "a study has 1 to 64 sweep points");
  const size_t stride = (size_t)K * sigma_rep_ncol(); /* replicate r to r + 1 at one n1 */
  for (int k = 0; k < K; k++)
    for (int e = 0; e < sigma_nest; e++)
      SIGMA_CHECK(sigma_study_cell_stats(V + (size_t)k * sigma_rep_ncol() + sigma_rep_col(e, 0),
                                         R, stride, eps[k], level, &S[k * sigma_nest + e]));
  for (int e = 0; e < sigma_nest; e++) cells_n1_needed(e, K, n1s, eps, S);
  return SIGMA_OK;
}
