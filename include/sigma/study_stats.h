/* The numbers of a confidence-interval study (issue 3; SPEC sections 3-4, 7): one
 * replicate at one n1 as a row of doubles, and the statistics of a summary cell (one n1,
 * one estimator) over the replicates. Pure: no MPI, no I/O.
 *
 * A replicate row has SIGMA_REP_HEAD head columns, then SIGMA_REP_FIELDS columns per
 * registered estimator (sigma/registry.h, registry order): sigma_rep_ncol() doubles.
 * NaN means not applicable (an estimator without its halves, tau2_observed at n1 = d,
 * a CI flag that cannot be decided). The study's replicate CSVs are this row with names
 * (io/study_files.h), and what --resume and merge read back.
 *
 * Units: log-determinants, estimates, errors and s in nats; eps in nats; coverages and
 * probabilities in [0, 1]; n1 in rows.
 */
#ifndef SIGMA_STUDY_STATS_H
#define SIGMA_STUDY_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "sigma/registry.h"
#include "sigma/replicate.h"

/* Head columns of a replicate row. */
enum {
  SIGMA_REP_REPLICATE, /* replicate index i (its Philox key is (seed, i)) */
  SIGMA_REP_N1,
  SIGMA_REP_LOGDET_G1,
  SIGMA_REP_LOGDET_GA,
  SIGMA_REP_LOGDET_GB,
  SIGMA_REP_TAU2_OBSERVED,
  SIGMA_REP_TAU2_DEC,  /* SPEC 4.1 */
  SIGMA_REP_V_G,       /* SPEC 4.1 */
  SIGMA_REP_V_BJ,      /* SPEC 4.1: the delete-G-block jackknife variance of LEV (NaN: no
                          --block-jackknife, or not applicable at this n1) */
  SIGMA_REP_HEAD
};

/* Columns of each estimator, at sigma_rep_col(e, field). */
enum {
  SIGMA_REP_EST,              /* the estimate */
  SIGMA_REP_ERR,              /* L - estimate */
  SIGMA_REP_S_ORACLE,         /* s = sqrt(tau2 (1/n1 - 1/N)), oracle tau2 */
  SIGMA_REP_S_OBSERVED,       /* the same with the observed tau2 */
  SIGMA_REP_COVERS_ORACLE,    /* 1 if the CI with oracle tau covers L, 0 if not */
  SIGMA_REP_COVERS_OBSERVED,  /* the same, observed tau */
  SIGMA_REP_S_CAL_ORACLE,     /* SPEC 4.1 calibrated s = sqrt(V_G + max(tau2 - 2d, 0) u), oracle */
  SIGMA_REP_S_CAL_DEC,        /* the same with tau2_dec */
  SIGMA_REP_S_OWN,            /* the estimator's own CI (sigma_est_line.own) */
  SIGMA_REP_COVERS_CAL_ORACLE,
  SIGMA_REP_COVERS_CAL_DEC,
  SIGMA_REP_COVERS_OWN,
  SIGMA_REP_FIELDS
};

/* The CIs whose coverage a summary cell reports, and the covers column of each. */
enum { SIGMA_COV_ORACLE, SIGMA_COV_OBSERVED, SIGMA_COV_CAL_ORACLE, SIGMA_COV_CAL_DEC,
       SIGMA_COV_OWN, SIGMA_NCOV };

/* Doubles in a replicate row. */
static inline int sigma_rep_ncol(void) { return SIGMA_REP_HEAD + SIGMA_REP_FIELDS * sigma_nest; }

/* Column of field f of estimator e (registry index). */
static inline int sigma_rep_col(int e, int f) { return SIGMA_REP_HEAD + SIGMA_REP_FIELDS * e + f; }

/* Replicate i at the sweep point p as a row (sigma_rep_ncol() doubles); a covers flag of
 * -1 (not decided) becomes NaN. */
void sigma_rep_row(int64_t i, const sigma_rep_point *p, double *row);

/* The statistics of one summary cell: one n1, one estimator, over the replicates where
 * the estimator is applicable (its estimate is not NaN). NaN where not applicable: every
 * field when n = 0, sd when n = 1, a coverage whose CI flags are all NaN. */
typedef struct {
  int64_t n;           /* replicates with the estimator applicable */
  double bias;         /* mean of err = L - est */
  double sd;           /* sample standard deviation of err (n - 1) */
  double rmse;         /* sqrt(mean err^2) */
  double s_oracle;     /* s with the oracle tau (the same in every replicate) */
  double s_obs_mean;   /* mean s with the observed tau */
  double cov[SIGMA_NCOV]; /* coverage of each CI (SIGMA_COV_*: the paper's with the oracle
                             and the observed tau, the calibrated with the oracle tau2 and
                             tau2_dec, the estimator's own) over the replicates whose flag
                             is decided */
  double cov_se[SIGMA_NCOV]; /* its binomial standard error sqrt(p (1 - p) / m) */
  double ks_D, ks_p;   /* Kolmogorov-Smirnov of err / s_oracle against N(0, 1) */
  double p_within;     /* fraction with |err| <= eps */
  double q_level;      /* the level-quantile of |err| (GSL's interpolated quantile) */
  double n1_needed;    /* n1 at which q_level reaches eps over the sweep (NaN: not
                          reached; filled by sigma_study_cells) */
} sigma_study_cell;

/* One cell from R replicates: replicate r's SIGMA_REP_FIELDS values of this estimator are
 * f[r * stride + SIGMA_REP_EST ...] (stride >= SIGMA_REP_FIELDS doubles). eps: the
 * precision of this n1; level: the CI level, also the quantile of |err|. n1_needed is
 * left NaN. Errors: SIGMA_ENOMEM. */
int sigma_study_cell_stats(const double *f, int64_t R, size_t stride, double eps, double level,
                           sigma_study_cell *c);

/* Every cell of a study: V holds R x K replicate rows (replicate-major: row (r, k) at
 * V + (r K + k) sigma_rep_ncol()), n1s and eps the K sweep points (ascending n1).
 * S: K x sigma_nest cells, S[k sigma_nest + e]. Then each estimator's n1_needed for each
 * eps[k], interpolated over the sweep points where its q_level is finite
 * (sigma_n1_for_precision). Errors: SIGMA_EINVAL (K not in 1..64), SIGMA_ENOMEM. */
int sigma_study_cells(const double *V, int64_t R, int K, const int64_t *n1s, const double *eps,
                      double level, sigma_study_cell *S);

#endif
