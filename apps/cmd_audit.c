/* sigma audit: its options, then the driver and the report. */
#include <argp.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sigma/error.h"
#include "audit.h"
#include "audit_report.h"
#include "reduce.h"

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
    {0, 0, 0, 0, "Statistics:", 3},
    {"delta", O_DELTA, "D", 0, "regulariser delta > 0 of Track II and the envelope (default 1e-3)", 3},
    {"energy-cap", O_ECAP, "C", 0, "c_E: B = c_E n2, requires ||x||^2 <= c_E (default 1)", 3},
    {"no-tau2", O_NOTAU, 0, 0, "skip pass 2 (tau2 oracle and leave-one-out): CIs become n/a", 3},
    {"block-jackknife", O_BJ, "G", 0, "v_bj, the delete-G-block jackknife variance of LEV, and "
                                      "LEV's own CI with max(calibrated variance, v_bj) (SPEC "
                                      "4.1; G = 2..n1; pass 2 costs about G times more; off by "
                                      "default)", 3},
    {"scalapack", O_SCALAPACK, "MODE", 0, "auto|on|off: log det and spectra of G, G1, G2 on a "
                                          "ScaLAPACK process grid (default auto: on when "
                                          "d >= 8192 and >= 4 ranks)", 3},
    {0, 0, 0, 0, "Output:", 4},
    {"json", O_JSON, "FILE", 0, "write every number and provenance as JSON to FILE", 4},
    {"csv", O_CSV, "FILE", 0, "the same as CSV: key,value, one row per number", 4},
    {"plots", O_PLOTS, "DIR", 0, "gnuplot PNGs in DIR (created): spectra of G, (N/n1) G1, G2; "
                                 "the estimates and their CIs against L; Theorem 1's bounds", 4},
    {0}};

static error_t audit_parse(int key, char *arg, struct argp_state *st) {
  audit_args *a = st->input;
  sigma_audit_opts *o = &a->o;
  switch (key) {
  case ARGP_KEY_INIT: st->child_inputs[0] = st->child_inputs[1] = &a->o.c; break;
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
  case O_DELTA: o->delta = flag_positive(st, "--delta", arg); break;
  case O_ECAP: o->energy_cap = flag_positive(st, "--energy-cap", arg); break;
  case O_NOTAU: o->tau2_pass = 0; break;
  case O_BJ: o->block_jackknife = flag_block_jackknife(st, arg); break;
  case O_SCALAPACK:
    if (!strcmp(arg, "auto")) o->scalapack = SIGMA_SL_AUTO;
    else if (!strcmp(arg, "on")) o->scalapack = SIGMA_SL_ON;
    else if (!strcmp(arg, "off")) o->scalapack = SIGMA_SL_OFF;
    else argp_error(st, "--scalapack: '%s' is not auto, on or off", arg);
    break;
  case O_JSON: a->json = arg; break;
  case O_CSV: a->csv = arg; break;
  case O_PLOTS: o->plots_dir = flag_dir(st, "--plots", arg); break;
  case ARGP_KEY_ARG:
    spec_add(st, &a->specs, arg);
    break;
  case ARGP_KEY_END:
    spec_require(st, &a->specs);
    if (o->indices_path && a->observed_mode)
      argp_error(st, "--observed %s conflicts with --observed-indices %s: give one", a->observed_mode,
                 o->indices_path);
    if (o->block_jackknife && !o->tau2_pass)
      argp_error(st, "--block-jackknife needs the leverages of pass 2: drop --no-tau2");
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
    "Inputs are matrices of shape (N, d), float16/32/64, in HDF5 (FILE[:DATASET], default "
    "dataset 'embeddings'), NumPy .npy (FILE.npy alone: one array a file; any byte order, C or "
    "Fortran order) or safetensors files (FILE[:TENSOR]: F16/F32/F64; default 'embeddings', "
    "else the only 2-D float tensor), told apart by their first bytes and concatenated by "
    "rows (formats may mix; d and dtype must agree). FILE may be a glob (quote it) or @LIST, "
    "a file naming one FILE[:DATASET] per line. Run under mpirun for several ranks. Exit status: 0 on success, "
    "1 on an error (one line on stderr), 2 on a usage error.", common_pass_children, NULL, NULL};

int run_audit(int argc, char **argv) {
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
    if (rc == SIGMA_OK && a.o.plots_dir) rc = sigma_audit_plots(a.o.plots_dir, &a.o, &r);
  }
  rc = sigma_sync_error(rc, MPI_COMM_WORLD);
  sigma_audit_result_free(&r);
  return rc;
}
