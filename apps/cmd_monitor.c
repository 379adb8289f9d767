/* sigma monitor: its options, then the driver and the report. */
#include <argp.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "files.h"
#include "monitor.h"
#include "monitor_report.h"
#include "parse.h"
#include "plots.h"
#include "reduce.h"
#include "sigma/error.h"

typedef struct {
  sigma_monitor_opts o;
  const char *observed_mode, *labels_arg, *ckpt_file;
  spec_list specs;
  char *labels[4096];
  int nlabels;
} monitor_args;

static struct argp_option monitor_options[] = {
    {0, 0, 0, 0, "Checkpoints (in order; each FILE[:DATASET], a quoted glob or @LIST):", 1},
    {"labels", O_LABELS, "A,B,...", 0, "names of the checkpoints (default: their indices)", 1},
    {"checkpoints", O_CKPTS, "FILE", 0, "checkpoints from FILE, one 'LABEL SPEC' per line "
                                        "(instead of arguments)", 1},
    {"baseline", O_BASELINE, "I", 0, "drifts against checkpoint I of the series (default 0)", 1},
    {0, 0, 0, 0, "Observed block O (chosen once, the same rows at every checkpoint):", 2},
    {"n1", O_N1, "K", 0, "observed rows n1 (random rows of checkpoint 0 by --seed)", 2},
    {"observed", O_OBS, "MODE", 0, "random (default) or first (rows 0..n1-1)", 2},
    {"observed-indices", O_OBSIDX, "FILE", 0, "observed rows from FILE, one index per line", 2},
    {0, 0, 0, 0, "Statistics:", 3},
    {"delta", O_DELTA, "D", 0, "regulariser delta > 0 of Track II (default 1e-3)", 3},
    {"energy-cap", O_ECAP, "C", 0, "c_E: B = c_E n2, requires ||x||^2 <= c_E (default 1)", 3},
    {"full", O_FULL, 0, 0, "also stream every row of each checkpoint for the full-Gram U of G "
                           "and its drift (the monitor's own audit)", 3},
    {0, 0, 0, 0, "Output:", 4},
    {"out", O_OUT, "DIR", 0, "output directory (required; created, or empty)", 4},
    {"append", O_APPEND, 0, 0, "add these checkpoints to the run in DIR (same parameters; "
                               "earlier checkpoints are not recomputed)", 4},
    {"merge", O_MERGE, 0, 0, "the arguments are monitor runs (e.g. one per job-array task) to "
                             "concatenate in order into DIR: nothing recomputed", 4},
    {"no-plots", O_NOPLOTS, 0, 0, "do not run gnuplot", 4},
    {"proxies", O_PROXIES, "LIST", 0, "surface proxies: LIST names one `sigma proxies --json` "
                                      "output per checkpoint given, in order; their values "
                                      "and Spearman correlations with the drifts are added", 4},
    {0}};

/* A label is a CSV field and a Markdown table cell as is, and JSON text: UTF-8 without a
 * comma, quote, '|' or control character. */
static int bad_label(const char *s) {
  if (!sigma_utf8_valid(s)) return 1;
  for (; *s; s++)
    if (*s == ',' || *s == '"' || *s == '|' || (unsigned char)*s < 32) return 1;
  return 0;
}

/* --labels a,b,c: non-empty names. */
static void split_labels(struct argp_state *st, monitor_args *a, const char *arg) {
  char *copy = strdup(arg); /* strtok writes into it: argv stays whole for provenance */
  if (!copy) argp_error(st, "out of memory");
  for (char *p = strtok(copy, ","); p; p = strtok(NULL, ",")) {
    if (a->nlabels == 4096) argp_error(st, "--labels: too many");
    if (bad_label(p))
      argp_error(st, "--labels: '%s' is not UTF-8 or has a quote, '|' or control character", p);
    a->labels[a->nlabels++] = p;
  }
}

static void observed_flag(struct argp_state *st, monitor_args *a, char *arg) {
  sigma_monitor_opts *o = &a->o;
  a->observed_mode = arg;
  o->set |= SIGMA_MON_SET_OBS;
  if (!strcmp(arg, "random")) o->observed = SIGMA_OBS_RANDOM;
  else if (!strcmp(arg, "first")) o->observed = SIGMA_OBS_FIRST;
  else argp_error(st, "--observed: '%s' is not random or first", arg);
}

/* --merge takes every parameter from its parts. */
static void check_merge(struct argp_state *st, monitor_args *a) {
  const sigma_monitor_opts *o = &a->o;
  if ((o->set & ~SIGMA_MON_SET_BASELINE) || o->c.seed != UINT64_MAX || o->full || o->append ||
      o->c.normalize || o->proxies ||
      a->labels_arg || a->ckpt_file)
    argp_error(st, "--merge takes n1, seed, delta, energy cap, --normalize, --full, the observed "
                   "rows and the labels from its parts: give only the part directories, --out, "
                   "--baseline, --level and --no-plots");
  spec_require(st, &a->specs);
  if (!o->out_dir) argp_error(st, "give --out DIR");
}

static void check_end(struct argp_state *st, monitor_args *a) {
  sigma_monitor_opts *o = &a->o;
  if (o->c.center)
    argp_error(st, "--center is not supported by monitor (it needs every row of every "
                   "checkpoint); use --normalize");
  if (o->merge) {
    check_merge(st, a);
    return;
  }
  if (a->ckpt_file && a->specs.n)
    argp_error(st, "give the checkpoints as arguments or with --checkpoints, not both");
  if (!a->ckpt_file) spec_require(st, &a->specs);
  if (!o->out_dir) argp_error(st, "give --out DIR");
  if (o->indices_path && a->observed_mode)
    argp_error(st, "--observed %s conflicts with --observed-indices %s: give one",
               a->observed_mode, o->indices_path);
  if (!o->append && o->observed != SIGMA_OBS_INDICES && o->n1 == 0)
    argp_error(st, "give --n1 or --observed-indices");
  if (a->labels_arg && a->ckpt_file) argp_error(st, "--labels and --checkpoints: give one");
  if (a->labels_arg && a->nlabels != a->specs.n)
    argp_error(st, "--labels names %d checkpoints, but %d are given", a->nlabels, a->specs.n);
}

static error_t monitor_parse(int key, char *arg, struct argp_state *st) {
  monitor_args *a = st->input;
  sigma_monitor_opts *o = &a->o;
  switch (key) {
  case ARGP_KEY_INIT: st->child_inputs[0] = st->child_inputs[1] = &a->o.c; break;
  case O_LABELS: a->labels_arg = arg; split_labels(st, a, arg); break;
  case O_CKPTS: a->ckpt_file = arg; break;
  case O_PROXIES: o->proxies = arg; break;
  case O_BASELINE:
    o->baseline = (int)flag_int(st, "--baseline", arg, 0, 1 << 30);
    o->set |= SIGMA_MON_SET_BASELINE;
    break;
  case O_N1: o->n1 = flag_int(st, "--n1", arg, 1, ROWS_MAX); o->set |= SIGMA_MON_SET_N1; break;
  case O_OBS: observed_flag(st, a, arg); break;
  case O_OBSIDX:
    if (o->indices_path) argp_error(st, "--observed-indices given twice");
    o->observed = SIGMA_OBS_INDICES;
    o->indices_path = arg;
    o->set |= SIGMA_MON_SET_OBS;
    break;
  case O_DELTA: o->delta = flag_positive(st, "--delta", arg); o->set |= SIGMA_MON_SET_DELTA; break;
  case O_ECAP:
    o->energy_cap = flag_positive(st, "--energy-cap", arg);
    o->set |= SIGMA_MON_SET_ECAP;
    break;
  case O_FULL: o->full = 1; break;
  case O_OUT: o->out_dir = flag_dir(st, "--out", arg); break;
  case O_APPEND: o->append = 1; break;
  case O_MERGE: o->merge = 1; break;
  case O_NOPLOTS: o->plots = 0; break;
  case ARGP_KEY_ARG:
    if (!sigma_utf8_valid(arg)) argp_error(st, "a checkpoint name is not UTF-8: %s", arg);
    spec_add(st, &a->specs, arg);
    break;
  case ARGP_KEY_END: check_end(st, a); break;
  default: return ARGP_ERR_UNKNOWN;
  }
  return 0;
}

static struct argp monitor_argp = {
    monitor_options, monitor_parse, "CKPT0 CKPT1 ...",
    "Monitor model collapse over training checkpoints with the Sigma-UB tracks (paper section "
    "3.4): U (Track II) and Gamma (Track I) of the same observed rows at every checkpoint, "
    "their drift against a baseline with a confidence interval, the slope of each drift and a "
    "verdict (contracting, stable, expanding).\v"
    "Writes DIR/monitor.csv, DIR/monitor.json, DIR/report.md, DIR/observed-indices.txt and "
    "DIR/plots/. Exit status: 0 on success, 1 on an error (one line on stderr), 2 on a usage "
    "error.", common_pass_children, NULL, NULL};

/* One line "LABEL SPEC" of a --checkpoints file. */
static int ckpt_line(const char *line, void *ctx) {
  monitor_args *a = ctx;
  size_t n = strcspn(line, " \t");
  const char *spec = line + n + strspn(line + n, " \t");
  size_t m = strlen(spec);
  while (m > 0 && (spec[m - 1] == ' ' || spec[m - 1] == '\t')) m--; /* trailing blanks */
  if (m == 0)
    return sigma_set_error(SIGMA_EINVAL, "%s: line '%s' is not 'LABEL SPEC'", a->ckpt_file, line);
  if (a->nlabels == 4096) return sigma_set_error(SIGMA_EINVAL, "%s: too many", a->ckpt_file);
  char *label = strndup(line, n), *sp = strndup(spec, m);
  int rc = !label || !sp ? sigma_set_error(SIGMA_ENOMEM, "out of memory")
           : bad_label(label) ? sigma_set_error(SIGMA_EINVAL, "%s: label '%s' is not UTF-8 or has "
                                                "a comma, quote, '|' or control character",
                                                a->ckpt_file, label)
           : !sigma_utf8_valid(sp) ? sigma_set_error(SIGMA_EINVAL, "%s: checkpoint '%s' is not "
                                                     "UTF-8", a->ckpt_file, sp)
           : SIGMA_OK;
  if (rc != SIGMA_OK) {
    free(label);
    free(sp);
    return rc;
  }
  a->labels[a->nlabels++] = label;
  a->specs.v[a->specs.n++] = sp;
  return SIGMA_OK;
}

static int read_ckpt_file(monitor_args *a) {
  SIGMA_CHECK(sigma_file_input(a->ckpt_file, "checkpoints file"));
  FILE *f = fopen(a->ckpt_file, "r");
  if (!f) return sigma_set_error(SIGMA_EIO, "%s: cannot open", a->ckpt_file);
  int n, rc = sigma_parse_list(f, a->ckpt_file, ckpt_line, a, &n);
  fclose(f);
  if (rc == SIGMA_OK && n == 0)
    rc = sigma_set_error(SIGMA_EINVAL, "%s: names no checkpoint", a->ckpt_file);
  return rc;
}

int run_monitor(int argc, char **argv) {
  static monitor_args a;
  memset(&a, 0, sizeof a);
  sigma_monitor_opts_default(&a.o);
  a.o.c.seed = UINT64_MAX; /* unset: --append takes DIR's (flags refuse this value) */
  a.o.c.level = NAN;
  argp_parse(&monitor_argp, argc, argv, 0, NULL, &a);
  quiet_end();
  if (a.o.c.seed == UINT64_MAX) a.o.c.seed = sigma_common_defaults().seed;
  else a.o.set |= SIGMA_MON_SET_SEED;
  if (isnan(a.o.c.level)) a.o.c.level = sigma_common_defaults().level;
  else a.o.set |= SIGMA_MON_SET_LEVEL;
  int rc = a.ckpt_file ? read_ckpt_file(&a) : SIGMA_OK;
  if (rc == SIGMA_OK && a.o.plots && g_rank == 0) rc = sigma_gnuplot_check();
  rc = sigma_sync_error(rc, MPI_COMM_WORLD);
  if (rc != SIGMA_OK) return rc;
  common_finish(&a.o.c, &a.specs, argc, argv);
  a.o.labels = a.nlabels ? a.labels : NULL;
  sigma_monitor_result r;
  rc = a.o.merge ? sigma_monitor_merge(&a.o, MPI_COMM_WORLD, &r)
                 : sigma_monitor_run(&a.o, MPI_COMM_WORLD, &r);
  if (rc == SIGMA_OK && g_rank == 0) {
    sigma_monitor_table(stdout, &r);
    fflush(stdout);
    rc = sigma_monitor_write(&a.o, &r);
  }
  rc = sigma_sync_error(rc, MPI_COMM_WORLD);
  sigma_monitor_result_free(&r);
  return rc;
}
