/* Command-line plumbing shared by every command's parser (apps/cli.h). */
#include "cli.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"
#include "sigma/error.h"
#include "sigma/calibrated.h"
#include "sigma/estimators.h"

int g_rank = 0;
static int g_saved_out = -1, g_saved_err = -1;

/* Ranks other than 0 are silenced while parsing options (every rank parses and
 * reaches the same verdict; only rank 0 should print help or usage errors). */
void quiet_begin(void) {
  if (g_rank == 0) return;
  int null = open("/dev/null", O_WRONLY);
  g_saved_out = dup(1);
  g_saved_err = dup(2);
  dup2(null, 1);
  dup2(null, 2);
  close(null);
}

void quiet_end(void) {
  if (g_saved_out < 0) return;
  dup2(g_saved_out, 1);
  dup2(g_saved_err, 2);
  close(g_saved_out);
  close(g_saved_err);
  g_saved_out = g_saved_err = -1;
}

/* ---- option value parsing (one-line usage errors via argp_error, exit 2) ----
 * Every numeric flag is checked when parsed, before any work: finite, in range, and
 * integers as integers (io/parse.h: the full 64-bit range, never through a double). */

#define ROWS_MAX INT64_MAX
#define BLOCK_ROWS_MAX (1ll << 30) /* a read buffer of block_rows x d doubles must fit */

double flag_real(struct argp_state *st, const char *opt, const char *s) {
  double v;
  if (sigma_parse_real(s, &v) != 0) argp_error(st, "%s: '%s' is not a finite number", opt, s);
  return v;
}

/* A real > 0 (precisions, constants, regularisers). */
double flag_positive(struct argp_state *st, const char *opt, const char *s) {
  double v = flag_real(st, opt, s);
  if (!(v > 0)) argp_error(st, "%s: '%s' must be > 0", opt, s);
  return v;
}

int64_t flag_int(struct argp_state *st, const char *opt, const char *s, int64_t lo,
                        int64_t hi) {
  int64_t v;
  if (sigma_parse_int64(s, lo, hi, &v) != 0)
    argp_error(st, "%s: '%s' is not an integer in %lld..%lld", opt, s, (long long)lo,
               (long long)hi);
  return v;
}

/* Seeds are recorded as JSON integers, so they stay within int64: 0 .. 2^63 - 1. */
uint64_t flag_seed(struct argp_state *st, const char *s) {
  return (uint64_t)flag_int(st, "--seed", s, 0, INT64_MAX);
}

/* --level L: strictly inside (0, 1), and its normal quantile z finite (a level of
 * 1 - 1e-17 rounds (1 + L) / 2 to 1, where z would be infinite). */
double flag_level(struct argp_state *st, const char *s) {
  double v = flag_real(st, "--level", s);
  if (!(v > 0 && v < 1)) argp_error(st, "--level: '%s' must be in (0, 1)", s);
  if (!isfinite(sigma_z_for_level(v)) || !(sigma_z_for_level(v) > 0))
    argp_error(st, "--level: '%s' is too close to 0 or 1 for a finite normal quantile", s);
  return v;
}

/* --memory-limit MIB: a positive, finite number of bytes. */
double flag_mib(struct argp_state *st, const char *opt, const char *s) {
  double v = flag_positive(st, opt, s);
  if (!(v * 1048576.0 < 9e18) || v * 1048576.0 < 1) argp_error(st, "%s: '%s' MiB is out of range", opt, s);
  return v * 1048576.0;
}

/* A study directory: not empty (paths inside it are built to length, io/str.h; the
 * file system refuses what it cannot hold, with its own error). */
char *flag_dir(struct argp_state *st, const char *opt, char *s) {
  if (!*s) argp_error(st, "%s: the directory name is empty", opt);
  return s;
}

/* Input specs FILE[:DATASET] shared by the commands that read a matrix. */

void spec_add(struct argp_state *st, spec_list *l, char *arg) {
  if (l->n == 4096) argp_error(st, "too many inputs (use a glob or @LIST)");
  l->v[l->n++] = arg;
}

void spec_require(struct argp_state *st, const spec_list *l) {
  if (l->n == 0) argp_error(st, "no input: give FILE[:DATASET]");
}

int flag_eps_list(struct argp_state *st, const char *s, double *v) {
  int n = sigma_parse_real_list(s, v, 64);
  if (n < 1) argp_error(st, "--epsilon: '%s' is not a list of at most 64 finite numbers", s);
  for (int k = 0; k < n; k++)
    if (!(v[k] > 0)) argp_error(st, "--epsilon: %g must be > 0", v[k]);
  return n;
}

/* --block-jackknife G: an integer 2..SIGMA_BJ_MAX (G <= n1 is checked once n1 is known). */
int64_t flag_block_jackknife(struct argp_state *st, const char *s) {
  return flag_int(st, "--block-jackknife", s, 2, SIGMA_BJ_MAX);
}

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
void common_finish(sigma_common_opts *c, spec_list *specs, int argc, char **argv) {
  c->inputs = specs->v;
  c->ninputs = specs->n;
  c->argc = argc;
  c->argv = argv;
}

/* Options of the commands that stream the whole input (audit, study's truth pass). */
static struct argp_option pass_options[] = {
    {"block-rows", O_BLOCK, "B", 0, "rows per read per rank in a streaming pass (default 0: "
                                    "16 MiB of float64, e.g. 8192 rows at d = 256)", 0},
    {"quiet", O_QUIET, 0, 0, "no progress on stderr", 0},
    {0}};

static error_t pass_parse(int key, char *arg, struct argp_state *st) {
  sigma_common_opts *c = st->input;
  switch (key) {
  case O_BLOCK: c->block_rows = flag_int(st, "--block-rows", arg, 1, BLOCK_ROWS_MAX); break;
  case O_QUIET: c->quiet = 1; break;
  default: return ARGP_ERR_UNKNOWN;
  }
  return 0;
}

static struct argp common_argp = {common_options, common_parse, NULL, NULL, NULL, NULL, NULL};
static struct argp pass_argp = {pass_options, pass_parse, NULL, NULL, NULL, NULL, NULL};
struct argp_child common_child[] = {
    {&common_argp, 0, "Shared by audit, study and plan:", 5}, {0}};
struct argp_child common_pass_children[] = {
    {&common_argp, 0, "Shared by audit, study and plan:", 5},
    {&pass_argp, 0, "Streaming (audit, study):", 6}, {0}};

