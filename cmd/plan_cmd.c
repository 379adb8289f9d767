/* sigma plan: pilot block -> tau2, bias constant -> n1 per estimator. */
#include "plan_cmd.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "provenance.h"
#include "fmt.h"
#include "fetch.h"
#include "input.h"
#include "reduce.h"
#include "blas_core.h"
#include "sigma/error.h"
#include "sigma/estimators.h"
#include "sigma/plan.h"
#include "sigma/replicate.h"
#include "sigma/sample.h"

typedef struct {
  int64_t N, K;
  int d;
  double tau2, logdet, c_hat, c_gauss, z;
} pilot_result;

/* The pilot: the first K rows of the Philox permutation (seed, replicate 0), read
 * without a pass over the file, prepared like sigma audit's rows. */
static int run_pilot(const sigma_plan_opts *o, sigma_input *in, pilot_result *pr) {
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
  sigma_rep_truth t = {d, (double)N, NAN, NAN, o->c.level};
  sigma_rep_point p;
  SIGMA_TRY(sigma_replicate_run(&t, X, &K, 1, &p));
  const double na = (double)(K / 2), nb = (double)(K - K / 2);
  double Lhat = sigma_plugin(p.logdet_G1, d, (double)N, (double)K), c = NAN;
  if (isfinite(p.logdet_Ga))
    sigma_richardson(Lhat, p.logdet_Ga, p.logdet_Gb, d, (double)N, na, nb, NULL, &c);
  *pr = (pilot_result){N, K, d, p.tau2_observed, p.logdet_G1, c, 0.5 * d * (d + 1.0),
                       sigma_z_for_level(o->c.level)};
done:
  free(perm);
  free(X);
  free(mean);
  sigma_fetch_free(&fb);
  return rc;
}


static int report(const sigma_plan_opts *o, const sigma_input *in, const pilot_result *pr) {
  const double N = (double)pr->N;
  const int d = pr->d;
  printf("sigma plan: N = %lld, d = %d, pilot %lld rows (seed %llu), level %.4g (z = %.4f)\n"
         "  tau2 (leave-one-out on the pilot) = %s = %s d   (the rule assumes ~ d; Gaussian 2 d)\n"
         "  plug-in bias constant c: %s from the pilot (Richardson split), %.4g Gaussian d(d+1)/2\n\n",
         (long long)pr->N, d, (long long)pr->K, (unsigned long long)o->c.seed, o->c.level, pr->z,
         sigma_num("%.4g", pr->tau2), sigma_num("%.2f", pr->tau2 / d), sigma_num("%.4g", pr->c_hat),
         pr->c_gauss);
  printf("%8s %10s | %14s %14s | %12s %14s %14s\n", "eps", "rule n1", "halfwidth@rule",
         "bias@rule", "Wishart n1", "plug-in n1", "plug-in n1 (G)");
  json_t *rows = json_array();
  for (int k = 0; k < o->K; k++) {
    double eps = o->eps[k];
    int64_t rule = sigma_rule_n1(o->c.rule_constant, d, eps);
    const int fits = rule > 0 && rule <= pr->N; /* -1: beyond any row count */
    double hw = fits ? pr->z * sigma_ci_sd(pr->tau2, N, (double)rule) : NAN;
    double bias = fits ? (isfinite(pr->c_hat) ? pr->c_hat : pr->c_gauss) *
                             (1.0 / rule - 1.0 / N) : NAN;
    double nw = ceil(sigma_plan_n1(eps, pr->z, pr->tau2, 0.0, N));
    double np = isfinite(pr->c_hat) && pr->c_hat > 0
                    ? ceil(sigma_plan_n1(eps, pr->z, pr->tau2, pr->c_hat, N)) : NAN;
    double ng = ceil(sigma_plan_n1(eps, pr->z, pr->tau2, pr->c_gauss, N));
    char rs[32] = "n/a";
    if (rule > 0) snprintf(rs, sizeof rs, "%lld", (long long)rule);
    printf("%8.4g %10s | %14s %14s | %12s %14s %14s%s\n", eps, rs, sigma_num("%.4f", hw),
           sigma_num("%.4f", bias), sigma_num("%.0f", nw), sigma_num("%.0f", np),
           sigma_num("%.0f", ng), nw >= N ? "  (Wishart needs the full pass: n1 = N)" : "");
    json_array_append_new(
        rows, json_pack("{s:f,s:o,s:o,s:o,s:o,s:o,s:o,s:b}", "epsilon", eps, "rule_n1",
                        rule > 0 ? json_integer((json_int_t)rule) : json_null(), "halfwidth_at_rule_n1", sigma_json_num(hw), "plugin_bias_at_rule_n1",
                        sigma_json_num(bias), "wishart_n1", sigma_json_num(nw), "plugin_n1", sigma_json_num(np),
                        "plugin_n1_gaussian_c", sigma_json_num(ng), "needs_full_pass", nw >= N));
  }
  printf("\nWishart n1: z tau sqrt(1/n1 - 1/N) <= eps (bias taken as 0; Richardson needs the same "
         "and n1 >= 16 d = %d); plug-in n1: c (1/n1 - 1/N) + z s <= eps, c from the pilot or "
         "Gaussian (G). Sizes are capped by N.\n", 16 * d);
  if (!o->json) {
    json_decref(rows);
    return SIGMA_OK;
  }
  json_t *files = json_array();
  for (int k = 0; k < in->nshards; k++)
    json_array_append_new(files, json_pack("{s:s,s:s,s:I}", "path", in->shard[k].path, "dataset",
                                           in->shard[k].dataset, "rows",
                                           (json_int_t)in->shard[k].rows));
  json_t *root = json_pack("{s:s,s:o,s:I,s:i,s:I,s:I,s:f,s:f,s:o,s:o,s:o,s:f,s:b,s:b,s:o}", "tool",
                           "sigma plan " SIGMA_VERSION, "files", files, "N", (json_int_t)pr->N,
                           "d", d, "pilot_rows", (json_int_t)pr->K, "seed", (json_int_t)o->c.seed,
                           "level", o->c.level, "z", pr->z, "tau2_pilot", sigma_json_num(pr->tau2), "c_pilot",
                           sigma_json_num(pr->c_hat), "logdet_G1_pilot", sigma_json_num(pr->logdet), "c_gaussian",
                           pr->c_gauss, "normalize", o->c.normalize, "center", o->c.center, "plan",
                           rows);
  if (root) json_object_set_new(root, "blas", sigma_blas_json()); /* OpenBLAS core, threads */
  if (root) json_object_set_new(root, "provenance", sigma_provenance("sigma plan", &o->c, in, 1));
  char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) : NULL;
  int rc = text ? sigma_file_write(o->json, "--json", text, strlen(text))
                : sigma_set_error(SIGMA_ENOMEM, "%s: cannot build the JSON plan", o->json);
  free(text);
  json_decref(root);
  return rc;
}

int sigma_plan_run(const sigma_plan_opts *o, MPI_Comm comm) {
  int rank, rc = SIGMA_OK;
  MPI_Comm_rank(comm, &rank);
  if (rank == 0) {
    sigma_input *in = NULL;
    pilot_result pr = {0};
    rc = sigma_input_open(o->c.inputs, o->c.ninputs, &in);
    if (rc == SIGMA_OK && o->json) rc = sigma_file_check_output(o->json, "--json");
    if (rc == SIGMA_OK) rc = run_pilot(o, in, &pr);
    if (rc == SIGMA_OK) rc = report(o, in, &pr);
    sigma_input_close(&in);
  }
  return sigma_sync_error(rc, comm);
}
