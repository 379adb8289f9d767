/* sigma plan: recommend n1 from a pilot block only (no full pass). */
#ifndef SIGMA_PLAN_CMD_H
#define SIGMA_PLAN_CMD_H

#include <mpi.h>
#include <stdint.h>

#include "input.h"
#include "options.h"
#include "sigma/registry.h"

typedef struct {
  sigma_common_opts c;  /* inputs, seed, level, rule constant; --center uses the pilot's own
                           mean (no full pass) */
  double eps[64];
  int K;                /* number of eps values */
  int64_t pilot;        /* pilot rows; 0: max(16 d, 4096), at most N (leave-one-out tau2
                           is inflated at small pilot / d) */
  const char *json;
} sigma_plan_opts;

/* One precision target: what the rule and each registered estimator need. */
typedef struct {
  double eps;               /* nats */
  int64_t rule_n1;          /* [3.14]; -1: beyond any row count */
  double halfwidth_rule;    /* z tau sqrt(1/rule_n1 - 1/N) (NaN if the rule exceeds N) */
  double bias_rule;         /* plug-in bias at rule_n1: c (1/n1 - 1/N), c from the pilot */
  double n1[SIGMA_EST_MAX]; /* per estimator (registry order): |bias| + z s <= eps, the bias
                               taken as 0 for bias-corrected ones, s from the calibrated
                               variance with tau2_dec for the SPEC 4.1 ones; NaN if not
                               plannable */
  double plugin_n1_gaussian;/* the plug-in with the Gaussian c = d(d+1)/2 */
  int needs_full_pass;      /* even a bias-corrected estimator needs n1 = N */
} sigma_plan_row;

typedef struct {
  sigma_input *input;       /* owned */
  int64_t N, K;             /* rows, pilot rows */
  int d;
  double tau2, logdet, c_hat, c_gauss, z; /* pilot tau2, log det G1, bias constants, z */
  double tau2_dec;          /* SPEC 4.1 from the pilot's leverages (NaN if K <= d + 4) */
  int nrows;
  sigma_plan_row row[64];   /* one per --epsilon value */
} sigma_plan_result;

/* Rank 0 computes (the pilot is small); every rank returns the same code.
 * Errors: the input's, SIGMA_EINVAL (pilot < 2 d: the halves need d rows each), SIGMA_EIO
 * (o->json checked, not written: the report layer writes it). */
int sigma_plan_run(const sigma_plan_opts *o, MPI_Comm comm, sigma_plan_result *r);

void sigma_plan_result_free(sigma_plan_result *r);

#endif
