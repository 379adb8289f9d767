/* sigma study and sigma merge: their options, then the drivers. */
#include <argp.h>
#include <errno.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sigma/error.h"
#include "parse.h"
#include "study.h"

/* ---- study ---- */

typedef struct {
  sigma_study_opts o;
  int64_t n1s[64];
  double eps[64];
  int have_range;
  spec_list specs;
} study_args;

static struct argp_option study_options[] = {
    {"replicates", O_REPS, "R", 0, "replicates (observed blocks) per n1 (required)", 1},
    {"n1", O_N1, "A,B,...", 0, "the n1 sweep (nested blocks)", 1},
    {"epsilon", O_EPS, "E1,E2,...", 0, "the sweep from precisions: n1 = ceil(c d / eps^2)", 1},
    {"out", O_OUT, "DIR", 0, "output directory (required; created)", 2},
    {"resume", O_RESUME, 0, 0, "continue the study in DIR, keeping finished replicates", 2},
    {"replicate-range", O_RANGE, "A:B", 0, "run replicates A..B-1 only (default 0:R)", 2},
    {"memory-limit", O_MEMLIM, "MIB", 0, "memory per rank for one replicate; a larger block is read in chunks (default 4096)", 2},
    {"block-jackknife", O_BJ, "G", 0, "LEV's own CI with max(calibrated variance, delete-G-block "
                                      "jackknife variance v_bj) (SPEC 4.1; G = 2..n1; about G "
                                      "times the replicate cost; off by default)", 2},
    {"no-plots", O_NOPLOTS, 0, 0, "do not run gnuplot (report and CSV/JSON still written)", 3},
    {0}};

/* "a,b,c" of at most 64 precisions, each finite and > 0. */

static error_t study_parse(int key, char *arg, struct argp_state *st) {
  study_args *a = st->input;
  sigma_study_opts *o = &a->o;
  switch (key) {
  case ARGP_KEY_INIT: st->child_inputs[0] = st->child_inputs[1] = &a->o.c; break;
  case O_REPS: o->replicates = flag_int(st, "--replicates", arg, 1, INT64_MAX); break;
  case O_N1:
    o->K = sigma_parse_int64_list(arg, 1, ROWS_MAX, a->n1s, 64);
    if (o->K < 1) argp_error(st, "--n1: '%s' is not a list of at most 64 row counts >= 1", arg);
    o->from_epsilon = 0;
    break;
  case O_EPS:
    o->K = flag_eps_list(st, arg, a->eps);
    o->from_epsilon = 1;
    break;
  case O_OUT: o->out_dir = flag_dir(st, "--out", arg); break;
  case O_RESUME: o->resume = 1; break;
  case O_RANGE: {
    const char *colon = strchr(arg, ':');
    if (!colon) argp_error(st, "--replicate-range: '%s' is not A:B", arg);
    char *lo = strndup(arg, (size_t)(colon - arg));
    if (!lo) argp_failure(st, 1, ENOMEM, "--replicate-range");
    int bad = sigma_parse_int64(lo, 0, INT64_MAX, &o->rep_lo) != 0 ||
              sigma_parse_int64(colon + 1, 1, INT64_MAX, &o->rep_hi) != 0 ||
              o->rep_lo >= o->rep_hi;
    free(lo);
    if (bad) argp_error(st, "--replicate-range: '%s' is not A:B with 0 <= A < B", arg);
    a->have_range = 1;
    break;
  }
  case O_NOPLOTS: o->no_plots = 1; break;
  case O_BJ: o->block_jackknife = flag_block_jackknife(st, arg); break;
  case O_MEMLIM: o->memory_limit = flag_mib(st, "--memory-limit", arg); break;
  case ARGP_KEY_ARG:
    spec_add(st, &a->specs, arg);
    break;
  case ARGP_KEY_END:
    spec_require(st, &a->specs);
    if (o->K == 0) argp_error(st, "give the sweep: --n1 A,B,... or --epsilon E1,E2,...");
    if (!o->out_dir) argp_error(st, "give --out DIR");
    if (!a->have_range) o->rep_hi = o->replicates;
    break;
  default: return ARGP_ERR_UNKNOWN;
  }
  return 0;
}

static struct argp study_argp = {
    study_options, study_parse, "FILE[:DATASET]...",
    "Confidence-interval study: R replicates of the sub-sampled estimators over an n1 sweep "
    "against the full-Gram truth. Writes DIR/study.json, DIR/replicates/ (one file per "
    "replicate), DIR/replicates.csv, DIR/summary.csv and DIR/summary.json.",
    common_pass_children, NULL, NULL};

int run_study(int argc, char **argv) {
  static study_args a;
  memset(&a, 0, sizeof a);
  a.o.memory_limit = 4096.0 * 1048576.0;
  a.o.replicates = -1;
  a.o.c = sigma_common_defaults();
  argp_parse(&study_argp, argc, argv, 0, NULL, &a);
  quiet_end();
  if (a.o.replicates < 0) {
    if (g_rank == 0) fprintf(stderr, "sigma study: give --replicates R\n");
    exit(2);
  }
  common_finish(&a.o.c, &a.specs, argc, argv);
  a.o.n1s = a.n1s;
  a.o.eps = a.eps;
  return sigma_study_run(&a.o, MPI_COMM_WORLD);
}

/* ---- merge ---- */

typedef struct {
  const char *out;
  char *dirs[64];
  int ndirs;
} merge_args;

static struct argp_option merge_options[] = {
    {"out", O_OUT, "DIR", 0, "the merged study (required; must not hold one yet)", 0},
    {0}};

static error_t merge_parse(int key, char *arg, struct argp_state *st) {
  merge_args *a = st->input;
  switch (key) {
  case O_OUT: a->out = flag_dir(st, "--out", arg); break;
  case ARGP_KEY_ARG:
    if (a->ndirs == 64) argp_error(st, "at most 64 directories");
    a->dirs[a->ndirs++] = flag_dir(st, "a study directory", arg);
    break;
  case ARGP_KEY_END:
    if (a->ndirs == 0) argp_error(st, "give the study directories to merge");
    if (!a->out) argp_error(st, "give --out DIR");
    break;
  default: return ARGP_ERR_UNKNOWN;
  }
  return 0;
}

static struct argp merge_argp = {
    merge_options, merge_parse, "DIR...",
    "Merge studies run as disjoint --replicate-range jobs into one, identical to a single "
    "run with all replicates.", NULL, NULL, NULL};

int run_merge(int argc, char **argv) {
  merge_args a;
  memset(&a, 0, sizeof a);
  argp_parse(&merge_argp, argc, argv, 0, NULL, &a);
  quiet_end();
  sigma_common_opts c = sigma_common_defaults();
  c.argc = argc;
  c.argv = argv;
  return sigma_study_merge(a.dirs, a.ndirs, a.out, &c, MPI_COMM_WORLD);
}
