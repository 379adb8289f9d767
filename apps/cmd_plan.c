/* sigma plan: its options, then the driver. */
#include <argp.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sigma/error.h"
#include "plan_cmd.h"
#include "plan_report.h"
#include "reduce.h"

/* ---- plan ---- */

typedef struct {
  sigma_plan_opts o;
  spec_list specs;
} plan_args;

static struct argp_option plan_options[] = {
    {"epsilon", O_EPS, "E1,E2,...", 0, "target precisions eps in nats (required)", 0},
    {"pilot", O_PILOT, "K", 0, "pilot rows (default max(16 d, 4096), at most N)", 0},
    {"json", O_JSON, "FILE", 0, "write the plan and its inputs as JSON", 0},
    {0}};

static error_t plan_parse(int key, char *arg, struct argp_state *st) {
  plan_args *a = st->input;
  sigma_plan_opts *o = &a->o;
  switch (key) {
  case ARGP_KEY_INIT: st->child_inputs[0] = &a->o.c; break;
  case O_EPS:
    o->K = flag_eps_list(st, arg, o->eps);
    break;
  case O_PILOT: o->pilot = flag_int(st, "--pilot", arg, 1, ROWS_MAX); break;
  case O_JSON: o->json = arg; break;
  case ARGP_KEY_ARG:
    spec_add(st, &a->specs, arg);
    break;
  case ARGP_KEY_END:
    spec_require(st, &a->specs);
    if (o->K == 0) argp_error(st, "give --epsilon E1,E2,...");
    break;
  default: return ARGP_ERR_UNKNOWN;
  }
  return 0;
}

static struct argp plan_argp = {
    plan_options, plan_parse, "FILE[:DATASET]...",
    "Plan n1 without the truth: from a pilot block only, estimate tau2 and the plug-in bias and "
    "recommend the n1 each estimator needs for precision eps, next to the paper's rule.",
    common_child, NULL, NULL};

int run_plan(int argc, char **argv) {
  static plan_args a;
  memset(&a, 0, sizeof a);
  a.o.c = sigma_common_defaults();
  argp_parse(&plan_argp, argc, argv, 0, NULL, &a);
  quiet_end();
  common_finish(&a.o.c, &a.specs, argc, argv);
  sigma_plan_result r;
  int rc = sigma_plan_run(&a.o, MPI_COMM_WORLD, &r);
  if (rc == SIGMA_OK && g_rank == 0) {
    sigma_plan_table(stdout, &a.o, &r);
    fflush(stdout);
    rc = sigma_plan_write(&a.o, &r);
  }
  sigma_plan_result_free(&r);
  return sigma_sync_error(rc, MPI_COMM_WORLD);
}
