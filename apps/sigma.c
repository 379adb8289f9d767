/* sigma: the command. Subcommands: audit, generate. */
#include <argp.h>
#include <cblas.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "blas_core.h"
#include "generate.h"
#include "plan_cmd.h"
#include "study.h"
#include "reduce.h"
#include "audit_report.h"
#include "str.h"
#include "parse.h"
#include "sigma/error.h"
#include "sigma/estimators.h"
#include "sigma/version.h"

static int g_rank = 0;
static int g_saved_out = -1, g_saved_err = -1;

/* Ranks other than 0 are silenced while parsing options (every rank parses and
 * reaches the same verdict; only rank 0 should print help or usage errors). */
static void quiet_begin(void) {
  if (g_rank == 0) return;
  int null = open("/dev/null", O_WRONLY);
  g_saved_out = dup(1);
  g_saved_err = dup(2);
  dup2(null, 1);
  dup2(null, 2);
  close(null);
}

static void quiet_end(void) {
  if (g_saved_out < 0) return;
  dup2(g_saved_out, 1);
  dup2(g_saved_err, 2);
  close(g_saved_out);
  close(g_saved_err);
  g_saved_out = g_saved_err = -1;
}

static void finalize_mpi(void) {
  int init = 0, fin = 0;
  MPI_Initialized(&init);
  MPI_Finalized(&fin);
  if (init && !fin) {
    sigma_reduce_finalize();
    /* HDF5 closes what a failed run left open (a file whose flush failed on a full disk)
     * now, while MPI still runs; its own atexit handler would do it after MPI_Finalize
     * and crash inside the MPI-IO driver (io/input.h). */
    sigma_input_shutdown();
    MPI_Finalize();
  }
}

/* ---- option value parsing (one-line usage errors via argp_error, exit 2) ----
 * Every numeric flag is checked when parsed, before any work: finite, in range, and
 * integers as integers (io/parse.h: the full 64-bit range, never through a double). */

#define ROWS_MAX INT64_MAX
#define BLOCK_ROWS_MAX (1ll << 30) /* a read buffer of block_rows x d doubles must fit */

static double flag_real(struct argp_state *st, const char *opt, const char *s) {
  double v;
  if (sigma_parse_real(s, &v) != 0) argp_error(st, "%s: '%s' is not a finite number", opt, s);
  return v;
}

/* A real > 0 (precisions, constants, regularisers). */
static double flag_positive(struct argp_state *st, const char *opt, const char *s) {
  double v = flag_real(st, opt, s);
  if (!(v > 0)) argp_error(st, "%s: '%s' must be > 0", opt, s);
  return v;
}

static int64_t flag_int(struct argp_state *st, const char *opt, const char *s, int64_t lo,
                        int64_t hi) {
  int64_t v;
  if (sigma_parse_int64(s, lo, hi, &v) != 0)
    argp_error(st, "%s: '%s' is not an integer in %lld..%lld", opt, s, (long long)lo,
               (long long)hi);
  return v;
}

/* Seeds are recorded as JSON integers, so they stay within int64: 0 .. 2^63 - 1. */
static uint64_t flag_seed(struct argp_state *st, const char *s) {
  return (uint64_t)flag_int(st, "--seed", s, 0, INT64_MAX);
}

/* --level L: strictly inside (0, 1), and its normal quantile z finite (a level of
 * 1 - 1e-17 rounds (1 + L) / 2 to 1, where z would be infinite). */
static double flag_level(struct argp_state *st, const char *s) {
  double v = flag_real(st, "--level", s);
  if (!(v > 0 && v < 1)) argp_error(st, "--level: '%s' must be in (0, 1)", s);
  if (!isfinite(sigma_z_for_level(v)) || !(sigma_z_for_level(v) > 0))
    argp_error(st, "--level: '%s' is too close to 0 or 1 for a finite normal quantile", s);
  return v;
}

/* --memory-limit MIB: a positive, finite number of bytes. */
static double flag_mib(struct argp_state *st, const char *opt, const char *s) {
  double v = flag_positive(st, opt, s);
  if (!(v * 1048576.0 < 9e18) || v * 1048576.0 < 1) argp_error(st, "%s: '%s' MiB is out of range", opt, s);
  return v * 1048576.0;
}

/* A study directory: its files' paths (DIR/replicates/rep-NNNNNN.csv) are built in
 * 4096-byte buffers, so a longer name would be truncated into another path: refuse it. */
static char *flag_dir(struct argp_state *st, char *s) {
  if (!*s || strlen(s) > 3900) argp_error(st, "directory name empty or longer than 3900 bytes");
  return s;
}

/* Input specs FILE[:DATASET] shared by the commands that read a matrix. */
typedef struct {
  char *v[4096];
  int n;
} spec_list;

static void spec_add(struct argp_state *st, spec_list *l, char *arg) {
  if (l->n == 4096) argp_error(st, "too many inputs (use a glob or @LIST)");
  l->v[l->n++] = arg;
}

static void spec_require(struct argp_state *st, const spec_list *l) {
  if (l->n == 0) argp_error(st, "no input: give FILE[:DATASET]");
}

/* ---- audit ---- */

enum {
  O_N1 = 1000, O_EPS, O_RULEC, O_SEED, O_OBS, O_OBSIDX, O_SAVEIDX, O_BLOCK, O_NORM, O_CENTER,
  O_LEVEL, O_DELTA, O_ECAP, O_NOTAU, O_JSON, O_CSV, O_QUIET, O_ROWS, O_DIM, O_SPEC, O_BETA, O_SPIKES,
  O_SPIKESIZE, O_NU, O_DTYPE, O_DATASET, O_REPS, O_OUT, O_RESUME, O_RANGE, O_MEMLIM, O_NOPLOTS, O_PILOT, O_SCALAPACK
};

/* ---- options shared by audit, study and plan: one argp child parser ---- */


static struct argp_option common_options[] = {
    {"seed", O_SEED, "S", 0, "seed of the Philox draws: the observed block, replicate i of a "
                             "study (key (seed, i)), the pilot of a plan (default 1)", 0},
    {"level", O_LEVEL, "L", 0, "confidence level of the CIs and precision targets (default 0.95)",
     0},
    {"rule-constant", O_RULEC, "C", 0, "c of the paper's rule n1 = ceil(c d / eps^2) [3.14] "
                                       "(default 4)", 0},
    {"normalize", O_NORM, 0, 0, "scale every row to unit norm (needed for Track I)", 0},
    {"center", O_CENTER, 0, 0, "subtract the global mean (SPEC section 1; plan: the pilot's "
                               "mean, no full pass is made)", 0},
    {0}};

static error_t common_parse(int key, char *arg, struct argp_state *st) {
  sigma_common_opts *c = st->input;
  switch (key) {
  case O_SEED: c->seed = flag_seed(st, arg); break;
  case O_LEVEL: c->level = flag_level(st, arg); break;
  case O_RULEC: c->rule_constant = flag_positive(st, "--rule-constant", arg); break;
  case O_NORM: c->normalize = 1; break;
  case O_CENTER: c->center = 1; break;
  default: return ARGP_ERR_UNKNOWN;
  }
  return 0;
}

/* The inputs and the command line, once parsing is over. */
static void common_finish(sigma_common_opts *c, spec_list *specs, int argc, char **argv) {
  c->inputs = specs->v;
  c->ninputs = specs->n;
  c->argc = argc;
  c->argv = argv;
}

static struct argp common_argp = {common_options, common_parse, NULL, NULL, NULL, NULL, NULL};
static struct argp_child common_child[] = {
    {&common_argp, 0, "Shared by audit, study and plan:", 5}, {0}};


typedef struct {
  sigma_audit_opts o;
  const char *json, *csv;
  const char *observed_mode; /* --observed as given, to refuse it beside --observed-indices */
  spec_list specs;
} audit_args;

static struct argp_option audit_options[] = {
    {0, 0, 0, 0, "Observed block O:", 1},
    {"n1", O_N1, "K", 0, "observed rows n1 (default: from --epsilon by the rule)", 1},
    {"epsilon", O_EPS, "E", 0, "target precision eps (nats): n1 = ceil(c d / eps^2) if --n1 is "
                               "not given; also reported by the rule section", 1},
    {"observed", O_OBS, "MODE", 0, "random (default) or first (rows 0..n1-1)", 1},
    {"observed-indices", O_OBSIDX, "FILE", 0, "observed rows from FILE, one index per line", 1},
    {"save-indices", O_SAVEIDX, "FILE", 0, "write the observed rows to FILE: Richardson half a, then half b, each sorted", 1},
    {0, 0, 0, 0, "Data:", 2},
    {"block-rows", O_BLOCK, "B", 0, "rows per HDF5 read per rank (default 0: 16 MiB of float64, e.g. 8192 rows at d = 256)", 2},
    {0, 0, 0, 0, "Statistics:", 3},
    {"delta", O_DELTA, "D", 0, "regulariser delta > 0 of Track II and the envelope (default 1e-3)", 3},
    {"energy-cap", O_ECAP, "C", 0, "c_E: B = c_E n2, requires ||x||^2 <= c_E (default 1)", 3},
    {"no-tau2", O_NOTAU, 0, 0, "skip pass 2 (tau2 oracle and leave-one-out): CIs become n/a", 3},
    {"scalapack", O_SCALAPACK, "MODE", 0, "auto|on|off: log det and spectra of G, G1, G2 on a "
                                          "ScaLAPACK process grid (default auto: on when "
                                          "d >= 8192 and >= 4 ranks)", 3},
    {0, 0, 0, 0, "Output:", 4},
    {"json", O_JSON, "FILE", 0, "write every number and provenance as JSON to FILE", 4},
    {"csv", O_CSV, "FILE", 0, "the same as CSV: key,value, one row per number", 4},
    {"quiet", O_QUIET, 0, 0, "no progress on stderr", 4},
    {0}};

static error_t audit_parse(int key, char *arg, struct argp_state *st) {
  audit_args *a = st->input;
  sigma_audit_opts *o = &a->o;
  switch (key) {
  case ARGP_KEY_INIT: st->child_inputs[0] = &a->o.c; break;
  case O_N1: o->n1 = flag_int(st, "--n1", arg, 1, ROWS_MAX); break;
  case O_EPS: o->epsilon = flag_positive(st, "--epsilon", arg); break;
  case O_OBS:
    a->observed_mode = arg;
    if (!strcmp(arg, "random")) o->observed = SIGMA_OBS_RANDOM;
    else if (!strcmp(arg, "first")) o->observed = SIGMA_OBS_FIRST;
    else argp_error(st, "--observed: '%s' is not random or first", arg);
    break;
  case O_OBSIDX:
    if (o->indices_path) argp_error(st, "--observed-indices given twice");
    o->observed = SIGMA_OBS_INDICES;
    o->indices_path = arg;
    break;
  case O_SAVEIDX: o->save_indices = arg; break;
  case O_BLOCK: o->c.block_rows = flag_int(st, "--block-rows", arg, 1, BLOCK_ROWS_MAX); break;
  case O_DELTA: o->delta = flag_positive(st, "--delta", arg); break;
  case O_ECAP: o->energy_cap = flag_positive(st, "--energy-cap", arg); break;
  case O_NOTAU: o->tau2_pass = 0; break;
  case O_SCALAPACK:
    if (!strcmp(arg, "auto")) o->scalapack = SIGMA_SL_AUTO;
    else if (!strcmp(arg, "on")) o->scalapack = SIGMA_SL_ON;
    else if (!strcmp(arg, "off")) o->scalapack = SIGMA_SL_OFF;
    else argp_error(st, "--scalapack: '%s' is not auto, on or off", arg);
    break;
  case O_JSON: a->json = arg; break;
  case O_CSV: a->csv = arg; break;
  case O_QUIET: o->c.quiet = 1; break;
  case ARGP_KEY_ARG:
    spec_add(st, &a->specs, arg);
    break;
  case ARGP_KEY_END:
    spec_require(st, &a->specs);
    if (o->indices_path && a->observed_mode)
      argp_error(st, "--observed %s conflicts with --observed-indices %s: give one", a->observed_mode,
                 o->indices_path);
    if (o->observed != SIGMA_OBS_INDICES && o->n1 == 0 && isnan(o->epsilon))
      argp_error(st, "give --n1, --epsilon or --observed-indices");
    break;
  default: return ARGP_ERR_UNKNOWN;
  }
  return 0;
}

static struct argp audit_argp = {
    audit_options, audit_parse, "FILE[:DATASET]...",
    "Audit the SIGMA estimators of log det G against the full Gram.\v"
    "Inputs are HDF5 datasets of shape (N, d), float16/32/64, concatenated by rows. FILE may "
    "be a glob (quote it) or @LIST, a file naming one FILE[:DATASET] per line; the dataset "
    "defaults to 'embeddings'. Run under mpirun for several ranks. Exit status: 0 on success, "
    "1 on an error (one line on stderr), 2 on a usage error.", common_child, NULL, NULL};

static int run_audit(int argc, char **argv) {
  audit_args a;
  memset(&a, 0, sizeof a);
  sigma_audit_opts_default(&a.o);
  argp_parse(&audit_argp, argc, argv, 0, NULL, &a);
  quiet_end();
  common_finish(&a.o.c, &a.specs, argc, argv);
  a.o.json_path = a.json;
  a.o.csv_path = a.csv;
  sigma_audit_result r;
  int rc = sigma_audit_run(&a.o, MPI_COMM_WORLD, &r);
  if (rc == SIGMA_OK && g_rank == 0) {
    sigma_report_table(stdout, &a.o, &r);
    fflush(stdout);
    if (a.json || a.csv || a.o.save_indices)
      rc = sigma_report_write(a.json, a.csv, a.o.save_indices, &a.o, &r);
  }
  rc = sigma_sync_error(rc, MPI_COMM_WORLD);
  sigma_audit_result_free(&r);
  return rc;
}

/* ---- generate ---- */

typedef struct {
  sigma_generate_opts o;
} gen_args;

static struct argp_option gen_options[] = {
    {"rows", O_ROWS, "N", 0, "rows N (required)", 0},
    {"dim", O_DIM, "D", 0, "dimension d (required)", 0},
    {"spectrum", O_SPEC, "KIND", 0, "isotropic, powerlaw (default), spiked, exponential", 0},
    {"beta", O_BETA, "B", 0, "power law i^-B or exponential exp(-B (i-1)/d) (default 1)", 0},
    {"spikes", O_SPIKES, "K", 0, "spiked: number of spikes (default 10)", 0},
    {"spike-size", O_SPIKESIZE, "S", 0, "spiked: spike eigenvalue, others 1 (default 10)", 0},
    {"nu", O_NU, "NU", 0, "Student t degrees of freedom (> 2); 0: Gaussian (default)", 0},
    {"seed", O_SEED, "S", 0, "seed (default 1)", 0},
    {"dtype", O_DTYPE, "T", 0, "float16, float32 (default) or float64", 0},
    {"dataset", O_DATASET, "NAME", 0, "dataset name (default embeddings)", 0},
    {"block-rows", O_BLOCK, "B", 0, "rows per write per rank (default 4096)", 0},
    {"quiet", O_QUIET, 0, 0, "no progress on stderr", 0},
    {0}};

static error_t gen_parse(int key, char *arg, struct argp_state *st) {
  sigma_generate_opts *o = &((gen_args *)st->input)->o;
  switch (key) {
  case O_ROWS: o->rows = flag_int(st, "--rows", arg, 1, ROWS_MAX); break;
  case O_DIM: o->p.d = (int)flag_int(st, "--dim", arg, 1, SIGMA_D_MAX); break;
  case O_SPEC:
    if (sigma_spectrum_parse(arg, &o->p.spectrum) != SIGMA_OK)
      argp_error(st, "--spectrum: %s", sigma_error_message());
    break;
  case O_BETA:
    o->p.beta = flag_real(st, "--beta", arg);
    if (o->p.beta < 0) argp_error(st, "--beta: '%s' must be >= 0", arg);
    break;
  case O_SPIKES: o->p.spikes = (int)flag_int(st, "--spikes", arg, 0, SIGMA_D_MAX); break;
  case O_SPIKESIZE: o->p.spike_size = flag_positive(st, "--spike-size", arg); break;
  case O_NU: o->p.nu = flag_real(st, "--nu", arg); break;
  case O_SEED: o->p.seed = flag_seed(st, arg); break;
  case O_DTYPE:
    if (!strcmp(arg, "float16")) o->dtype_bytes = 2;
    else if (!strcmp(arg, "float32")) o->dtype_bytes = 4;
    else if (!strcmp(arg, "float64")) o->dtype_bytes = 8;
    else argp_error(st, "--dtype: '%s' is not float16, float32 or float64", arg);
    break;
  case O_DATASET: o->dataset = arg; break;
  case O_BLOCK: o->block_rows = flag_int(st, "--block-rows", arg, 1, BLOCK_ROWS_MAX); break;
  case O_QUIET: o->quiet = 1; break;
  case ARGP_KEY_ARG:
    if (o->path) argp_error(st, "one output file only");
    o->path = arg;
    break;
  case ARGP_KEY_END:
    if (!o->path) argp_error(st, "no output file");
    if (o->rows < 1 || o->p.d < 1) argp_error(st, "--rows and --dim are required");
    if (o->p.nu != 0 && !(o->p.nu > 2)) argp_error(st, "--nu must be > 2 (or 0 for Gaussian)");
    if (o->p.spectrum == SIGMA_SPEC_SPIKED && o->p.spikes > o->p.d) argp_error(st, "--spikes %d exceeds --dim %d", o->p.spikes, o->p.d);
    break;
  default: return ARGP_ERR_UNKNOWN;
  }
  return 0;
}

static struct argp gen_argp = {
    gen_options, gen_parse, "OUT.h5",
    "Write synthetic rows x = Q diag(sqrt(sigma)) z with known log det Sigma and tau2 "
    "(SPEC section 8) to OUT.h5, in parallel.", NULL, NULL, NULL};

static int run_generate(int argc, char **argv) {
  gen_args a;
  memset(&a, 0, sizeof a);
  a.o.dataset = "embeddings";
  a.o.dtype_bytes = 4;
  a.o.block_rows = 4096;
  a.o.p.spectrum = SIGMA_SPEC_POWERLAW;
  a.o.p.beta = 1.0;
  a.o.p.spikes = 10;
  a.o.p.spike_size = 10.0;
  a.o.p.seed = 1;
  argp_parse(&gen_argp, argc, argv, 0, NULL, &a);
  quiet_end();
  return sigma_generate_run(&a.o, MPI_COMM_WORLD);
}

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
    {"block-rows", O_BLOCK, "B", 0, "rows per HDF5 read in the truth pass (default 0: 16 MiB)", 3},
    {"quiet", O_QUIET, 0, 0, "no progress on stderr", 3},
    {"no-plots", O_NOPLOTS, 0, 0, "do not run gnuplot (report and CSV/JSON still written)", 3},
    {0}};

/* "a,b,c" of at most 64 precisions, each finite and > 0. */
static int flag_eps_list(struct argp_state *st, const char *s, double *v) {
  int n = sigma_parse_real_list(s, v, 64);
  if (n < 1) argp_error(st, "--epsilon: '%s' is not a list of at most 64 finite numbers", s);
  for (int k = 0; k < n; k++)
    if (!(v[k] > 0)) argp_error(st, "--epsilon: %g must be > 0", v[k]);
  return n;
}

static error_t study_parse(int key, char *arg, struct argp_state *st) {
  study_args *a = st->input;
  sigma_study_opts *o = &a->o;
  switch (key) {
  case ARGP_KEY_INIT: st->child_inputs[0] = &a->o.c; break;
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
  case O_OUT: o->out_dir = flag_dir(st, arg); break;
  case O_RESUME: o->resume = 1; break;
  case O_RANGE: {
    char buf[64];
    const char *colon = strchr(arg, ':');
    if (!colon || (size_t)(colon - arg) >= sizeof buf)
      argp_error(st, "--replicate-range: '%s' is not A:B", arg);
    memcpy(buf, arg, (size_t)(colon - arg));
    buf[colon - arg] = '\0';
    if (sigma_parse_int64(buf, 0, INT64_MAX, &o->rep_lo) != 0 ||
        sigma_parse_int64(colon + 1, 1, INT64_MAX, &o->rep_hi) != 0 || o->rep_lo >= o->rep_hi)
      argp_error(st, "--replicate-range: '%s' is not A:B with 0 <= A < B", arg);
    a->have_range = 1;
    break;
  }
  case O_NOPLOTS: o->no_plots = 1; break;
  case O_MEMLIM: o->memory_limit = flag_mib(st, "--memory-limit", arg); break;
  case O_BLOCK: o->c.block_rows = flag_int(st, "--block-rows", arg, 1, BLOCK_ROWS_MAX); break;
  case O_QUIET: o->c.quiet = 1; break;
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
    common_child, NULL, NULL};

static int run_study(int argc, char **argv) {
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
  case O_OUT: a->out = flag_dir(st, arg); break;
  case ARGP_KEY_ARG:
    if (a->ndirs == 64) argp_error(st, "at most 64 directories");
    a->dirs[a->ndirs++] = flag_dir(st, arg);
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

static int run_merge(int argc, char **argv) {
  merge_args a;
  memset(&a, 0, sizeof a);
  argp_parse(&merge_argp, argc, argv, 0, NULL, &a);
  quiet_end();
  sigma_common_opts c = sigma_common_defaults();
  c.argc = argc;
  c.argv = argv;
  return sigma_study_merge(a.dirs, a.ndirs, a.out, &c, MPI_COMM_WORLD);
}

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

static int run_plan(int argc, char **argv) {
  static plan_args a;
  memset(&a, 0, sizeof a);
  a.o.c = sigma_common_defaults();
  argp_parse(&plan_argp, argc, argv, 0, NULL, &a);
  quiet_end();
  common_finish(&a.o.c, &a.specs, argc, argv);
  return sigma_plan_run(&a.o, MPI_COMM_WORLD);
}

/* ---- main ---- */

static void usage(FILE *f) {
  fprintf(f,
          "Usage: sigma COMMAND [OPTION...]\n"
          "Audit the SIGMA spectral estimators of log det G on HDF5 embedding matrices.\n\n"
          "Commands:\n"
          "  audit      full-Gram ground truth vs the sub-sampled estimators\n"
          "  study      confidence-interval study: replicates over an n1 sweep\n"
          "  merge      combine studies run as --replicate-range jobs\n"
          "  plan       recommend n1 for a precision from a pilot block only\n"
          "  generate   synthetic HDF5 input with known log det Sigma and tau2\n\n"
          "  sigma COMMAND --help   lists the command's options and defaults\n"
          "  sigma --version\n");
}

typedef struct {
  const char *name;
  int (*run)(int argc, char **argv);
} command;

static const command kCommands[] = {{"audit", run_audit}, {"study", run_study},
                                    {"plan", run_plan},   {"merge", run_merge},
                                    {"generate", run_generate}};

static const command *find_command(const char *name) {
  for (size_t k = 0; k < sizeof kCommands / sizeof *kCommands; k++)
    if (!strcmp(kCommands[k].name, name)) return &kCommands[k];
  return NULL;
}

int main(int argc, char **argv) {
  sigma_blas_core_fix(argv); /* before MPI_Init: may re-exec with better BLAS kernels */
  MPI_Init(&argc, &argv);
  atexit(finalize_mpi); /* argp exits directly on --help and usage errors */
  /* MPI failures come back as codes (sigma_mpi_check), reported as one line, exit 1. */
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int size;
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  /* One BLAS thread per rank when ranks share the cores, unless the user chose. */
  if (size > 1 && !getenv("OPENBLAS_NUM_THREADS")) openblas_set_num_threads(1);
  argp_err_exit_status = 2;
  quiet_begin();
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("sigma %s (%s)\n", SIGMA_VERSION, sigma_git());
    return 0;
  }
  const char *cmd = argv[1];
  const command *c = find_command(cmd);
  if (!c) {
    fprintf(stderr, "sigma: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
  }
  char *prog = sigma_strf("sigma %s", cmd);
  if (!prog) return 1;
  argv[1] = prog; /* argp sees "sigma CMD" as the program name */
  int rc = c->run(argc - 1, argv + 1);
  free(prog);
  if (rc != SIGMA_OK) {
    if (g_rank == 0) fprintf(stderr, "sigma: error: %s\n", sigma_error_message());
    return 1;
  }
  return 0;
}
