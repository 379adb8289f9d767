/* sigma plan: pilot block -> tau2, bias constant -> n1 per estimator. */
#include "plan_cmd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "fetch.h"
#include "input.h"
#include "reduce.h"
#include "sigma/error.h"
#include "sigma/estimators.h"
#include "sigma/plan.h"
#include "sigma/replicate.h"
#include "sigma/sample.h"

/* The pilot: the first K rows of the Philox permutation (seed, replicate 0), read
 * without a pass over the file, prepared like sigma audit's rows. */
static int run_pilot(const sigma_plan_opts *o, sigma_input *in, sigma_plan_result *pr) {
  const int d = in->d;
  const int64_t N = in->N;
  int64_t K = o->pilot ? o->pilot : (16 * (int64_t)d > 4096 ? 16 * (int64_t)d : 4096);
  if (K > N) K = N;
  if (K < 2 * (int64_t)d)
    return sigma_set_error(SIGMA_EINVAL, "pilot of %lld rows < 2 d = %d: its halves need d rows "
                           "each (N = %lld)", (long long)K, 2 * d, (long long)N);
  uint64_t *perm = NULL;
  double *X = NULL, *mean = NULL;
  sigma_fetch_buf fb = {0};
  int rc = SIGMA_OK;
  SIGMA_TRY(sigma_calloc(&perm, (size_t)K, sizeof *perm));
  SIGMA_TRY(sigma_calloc(&X, (size_t)K * d, sizeof(double)));
  SIGMA_TRY(sigma_calloc(&mean, (size_t)d, sizeof(double)));
  SIGMA_TRY(sigma_fetch_init(&fb, K, d));
  SIGMA_TRY(sigma_sample_prefix((uint64_t)N, (uint64_t)K, o->c.seed, 0, perm));
  /* In draw order: the halves are the first K/2 drawn rows and the rest. */
  const sigma_prep prep = {.check = 1, .normalize = o->c.normalize};
  SIGMA_TRY(sigma_rows_fetch(in, &prep, perm, K, &fb, X));
  for (int64_t k = 0; k < K; k++) /* the pilot's own mean, summed in draw order */
    for (int j = 0; j < d; j++) mean[j] += X[(size_t)k * d + j] / (double)K;
  if (o->c.center) SIGMA_TRY(sigma_rows_prepare(in, &(sigma_prep){.shift = mean}, 0, perm, X, K, NULL));
  sigma_rep_truth t = {d, (double)N, NAN, NAN, o->c.level, 0};
  sigma_rep_point p;
  SIGMA_TRY(sigma_replicate_run(&t, X, &K, 1, &p));
  const double na = (double)(K / 2), nb = (double)(K - K / 2);
  double Lhat = sigma_plugin(p.logdet_G1, d, (double)N, (double)K), c = NAN;
  if (isfinite(p.logdet_Ga))
    sigma_richardson(Lhat, p.logdet_Ga, p.logdet_Gb, d, (double)N, na, nb, NULL, &c);
  pr->N = N;
  pr->K = K;
  pr->d = d;
  pr->tau2 = p.tau2_observed;
  pr->tau2_dec = p.tau2_dec;
  pr->logdet = p.logdet_G1;
  pr->c_hat = c;
  pr->c_gauss = 0.5 * d * (d + 1.0);
  pr->z = sigma_z_for_level(o->c.level);
done:
  free(perm);
  free(X);
  free(mean);
  sigma_fetch_free(&fb);
  return rc;
}


/* The n1 each estimator needs for eps (Theorem 3 with its bias: sigma/plan.h). */
static void plan_row(const sigma_plan_result *pr, double eps, double rule_constant,
                     sigma_plan_row *w) {
  const double N = (double)pr->N;
  w->eps = eps;
  w->rule_n1 = sigma_rule_n1(rule_constant, pr->d, eps);
  const int fits = w->rule_n1 > 0 && w->rule_n1 <= pr->N; /* -1: beyond any row count */
  w->halfwidth_rule = fits ? pr->z * sigma_ci_sd(pr->tau2, N, (double)w->rule_n1) : NAN;
  w->bias_rule = fits ? (isfinite(pr->c_hat) ? pr->c_hat : pr->c_gauss) *
                            (1.0 / w->rule_n1 - 1.0 / N) : NAN;
  const int have_c = isfinite(pr->c_hat) && pr->c_hat > 0;
  for (int e = 0; e < sigma_nest; e++)
    w->n1[e] = sigma_estimators[e].calibrated
                   ? sigma_plan_n1_calibrated(eps, pr->z, pr->tau2_dec, pr->d, N)
               : sigma_estimators[e].bias_corrected
                   ? ceil(sigma_plan_n1(eps, pr->z, pr->tau2, 0.0, N))
                   : have_c ? ceil(sigma_plan_n1(eps, pr->z, pr->tau2, pr->c_hat, N)) : NAN;
  w->plugin_n1_gaussian = ceil(sigma_plan_n1(eps, pr->z, pr->tau2, pr->c_gauss, N));
  w->needs_full_pass = ceil(sigma_plan_n1(eps, pr->z, pr->tau2, 0.0, N)) >= N;
}

int sigma_plan_run(const sigma_plan_opts *o, MPI_Comm comm, sigma_plan_result *r) {
  int rank, rc = SIGMA_OK;
  memset(r, 0, sizeof *r);
  SIGMA_CHECK(sigma_mpi_check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank"));
  if (rank == 0) {
    rc = sigma_input_open(o->c.inputs, o->c.ninputs, &r->input);
    if (rc == SIGMA_OK && o->json) rc = sigma_file_check_output(o->json, "--json");
    if (rc == SIGMA_OK) rc = run_pilot(o, r->input, r);
    r->nrows = o->K;
    for (int k = 0; rc == SIGMA_OK && k < o->K; k++)
      plan_row(r, o->eps[k], o->c.rule_constant, &r->row[k]);
  }
  return sigma_sync_error(rc, comm);
}

void sigma_plan_result_free(sigma_plan_result *r) { sigma_input_close(&r->input); }
