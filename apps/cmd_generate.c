/* sigma generate: its options, then the driver. */
#include <argp.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sigma/error.h"
#include "generate.h"
#include "provenance.h"
#include "input.h"
#include "parse.h"
#include "sigma/refit.h"
#include "sigma/synth.h"

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
    {"radial", O_RADIAL, "KIND", 0, "elliptical rows sqrt(w) A z with Gaussian z and a random "
     "radius w: lognormal (needs --radial-var; not with --nu; default none)", 0},
    {"radial-var", O_RADIALVAR, "V", 0, "Var w of the radius (> 0; E w = 1): tau2 = (1 + V)(d^2 + "
     "2d) - d^2, so V = 44/(d + 2) gives 46 d (no default)", 0},
    {"seed", O_SEED, "S", 0, "seed of Sigma (Q) and of the refits (default 1)", 0},
    {"row-seed", O_ROWSEED, "R", 0, "seed of the row draws z (default: --seed): one --seed with "
     "several row seeds gives independent row sets of the same Sigma", 0},
    {"recursive-refit", O_REFIT, "M", 0, "a recursive-refit collapse series (SPEC section 8): "
     "Sigma_t = the second moment of M >= d rows drawn from N(0, Sigma_{t-1}); writes "
     "OUT_PREFIX-000.h5 .. OUT_PREFIX-T.h5, the same z in every file (needs --generations)", 0},
    {"generations", O_GENERATIONS, "T", 0, "refit generations T >= 1 after Sigma_0", 0},
    {"dtype", O_DTYPE, "T", 0, "float16, float32 (default) or float64", 0},
    {"dataset", O_DATASET, "NAME", 0, "dataset name (default embeddings)", 0},
    {"block-rows", O_BLOCK, "B", 0, "rows per write per rank (default 4096)", 0},
    {"quiet", O_QUIET, 0, 0, "no progress on stderr", 0},
    {0}};

/* --radial and --radial-var come together, and never with a Student t. */
static void check_radial(struct argp_state *st, const sigma_synth_params *p) {
  if (p->radial == SIGMA_RADIAL_NONE) {
    if (p->radial_var > 0) argp_error(st, "--radial-var needs --radial lognormal");
    return;
  }
  if (p->nu != 0) argp_error(st, "--radial and --nu exclude each other (the radius multiplies "
                             "Gaussian z)");
  if (!(p->radial_var > 0)) argp_error(st, "--radial %s needs --radial-var V",
                                       sigma_radial_name(p->radial));
}

/* --recursive-refit M and --generations T come together, M >= d (W^T W / M must be
 * invertible), and the output is a prefix, not a file name. */
static void check_series(struct argp_state *st, const sigma_generate_opts *o) {
  if (!o->refit_M != !o->generations)
    argp_error(st, "%s needs %s", o->refit_M ? "--recursive-refit" : "--generations",
               o->refit_M ? "--generations T" : "--recursive-refit M");
  if (!o->refit_M) return;
  if (o->refit_M < o->p.d)
    argp_error(st, "--recursive-refit %lld must be >= --dim %d (a refit from fewer rows than "
               "d is singular)", (long long)o->refit_M, o->p.d);
  size_t n = strlen(o->path);
  if (n >= 3 && !strcmp(o->path + n - 3, ".h5"))
    argp_error(st, "with --recursive-refit the output is a prefix: '%s' would give %s-000.h5",
               o->path, o->path);
}

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
  case O_RADIAL:
    if (sigma_radial_parse(arg, &o->p.radial) != SIGMA_OK)
      argp_error(st, "--radial: %s", sigma_error_message());
    break;
  case O_RADIALVAR:
    o->p.radial_var = flag_positive(st, "--radial-var", arg);
    if (isinf(o->p.radial_var)) argp_error(st, "--radial-var: '%s' must be finite", arg);
    break;
  case O_SEED: o->p.seed = flag_seed(st, arg); break;
  case O_ROWSEED:
    o->p.row_seed = (uint64_t)flag_int(st, "--row-seed", arg, 0, INT64_MAX);
    o->p.has_row_seed = 1;
    break;
  case O_REFIT: o->refit_M = flag_int(st, "--recursive-refit", arg, 1, SIGMA_REFIT_MAX); break;
  case O_GENERATIONS:
    o->generations = flag_int(st, "--generations", arg, 1, SIGMA_REFIT_MAX);
    break;
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
    check_radial(st, &o->p);
    if (o->p.spectrum == SIGMA_SPEC_SPIKED && o->p.spikes > o->p.d) argp_error(st, "--spikes %d exceeds --dim %d", o->p.spikes, o->p.d);
    check_series(st, o);
    break;
  default: return ARGP_ERR_UNKNOWN;
  }
  return 0;
}

static struct argp gen_argp = {
    gen_options, gen_parse, "OUT.h5\nOUT_PREFIX --recursive-refit M --generations T",
    "Write synthetic rows x = Q diag(sqrt(sigma)) z with known log det Sigma and tau2 "
    "(SPEC section 8) to OUT.h5, in parallel; or the recursive-refit series "
    "OUT_PREFIX-000.h5 .. OUT_PREFIX-T.h5 (rows A_t z, Sigma_t = A_t A_t^T).", NULL, NULL, NULL};

int run_generate(int argc, char **argv) {
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
  /* Rank 0 writes the attributes: its provenance is the file's. */
  sigma_common_opts c = sigma_common_defaults();
  c.argc = argc;
  c.argv = argv;
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  json_t *prov = sigma_provenance("sigma generate", &c, NULL, size);
  char *text = prov ? json_dumps(prov, JSON_COMPACT) : NULL;
  json_decref(prov);
  if (!text) return sigma_set_error(SIGMA_ENOMEM, "out of memory (provenance)");
  a.o.provenance = text;
  int rc = a.o.refit_M > 0 ? sigma_generate_series_run(&a.o, MPI_COMM_WORLD)
                            : sigma_generate_run(&a.o, MPI_COMM_WORLD);
  free(text);
  return rc;
}
