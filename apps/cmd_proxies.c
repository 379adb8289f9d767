/* sigma proxies: its options, then the driver. */
#include <argp.h>
#include <mpi.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "proxies.h"
#include "proxies_report.h"
#include "reduce.h"
#include "sigma/error.h"
#include "sigma/proxies.h"

typedef struct {
  sigma_proxies_opts o;
  spec_list files;
} proxies_args;

static struct argp_option proxies_options[] = {
    {"hhi-n", O_HHIN, "N", 0, "n of the hashed n-grams of the HHI (default 3, at most 8)", 0},
    {"sketch-width", O_SKW, "W", 0, "count-min counters per row (default 1048576): the HHI "
                                    "is at most e/W too high with probability 1 - e^-D", 0},
    {"sketch-depth", O_SKD, "D", 0, "count-min rows (default 5, at most 64)", 0},
    {"seed", O_SEED, "S", 0, "seed of the sketch's row hashes (default 1)", 0},
    {"exact", O_EXACT, 0, 0, "also the exact HHI (one count per distinct n-gram, partitioned "
                             "over the ranks)", 0},
    {"json", O_JSON, "FILE", 0, "write every number, the sketch and provenance as JSON", 0},
    {"csv", O_CSV, "FILE", 0, "the same as key,value CSV", 0},
    {0}};

static error_t proxies_parse(int key, char *arg, struct argp_state *st) {
  proxies_args *a = st->input;
  sigma_proxies_opts *o = &a->o;
  switch (key) {
  case O_HHIN: o->hhi_n = (int)flag_int(st, "--hhi-n", arg, 1, SIGMA_NGRAM_MAX); break;
  case O_SKW: o->width = flag_int(st, "--sketch-width", arg, 1, (int64_t)1 << 32); break;
  case O_SKD: o->depth = (int)flag_int(st, "--sketch-depth", arg, 1, 64); break;
  case O_SEED: o->sketch_seed = flag_seed(st, arg); break;
  case O_EXACT: o->exact = 1; break;
  case O_JSON: o->json = arg; break;
  case O_CSV: o->csv = arg; break;
  case ARGP_KEY_ARG: spec_add(st, &a->files, arg); break;
  case ARGP_KEY_END:
    if (a->files.n == 0) argp_error(st, "no input: give TEXT files, one response per line");
    break;
  default: return ARGP_ERR_UNKNOWN;
  }
  return 0;
}

static struct argp proxies_argp = {
    proxies_options, proxies_parse, "TEXT...",
    "Surface proxies of generated text (paper Appendix C.1): distinct-1 and distinct-2 "
    "(distinct n-grams over all n-grams) and the Herfindahl-Hirschman index of hashed "
    "n-grams from a count-min sketch summed over the ranks. One response per line; tokens "
    "are runs of non-blank bytes (ASCII white space separates them, no case folding); "
    "n-grams do not cross lines; ranks share the lines.",
    NULL, NULL, NULL};

int run_proxies(int argc, char **argv) {
  static proxies_args a;
  memset(&a, 0, sizeof a);
  a.o.c = sigma_common_defaults();
  a.o.hhi_n = 3;
  a.o.width = 1 << 20;
  a.o.depth = 5;
  a.o.sketch_seed = 1;
  argp_parse(&proxies_argp, argc, argv, 0, NULL, &a);
  quiet_end();
  common_finish(&a.o.c, &a.files, argc, argv);
  int size;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  sigma_proxies_result r;
  int rc = sigma_proxies_run(&a.o, MPI_COMM_WORLD, &r);
  if (rc == SIGMA_OK && g_rank == 0) {
    sigma_proxies_table(stdout, &a.o, &r);
    fflush(stdout);
    rc = sigma_proxies_write(&a.o, &r, size);
  }
  return sigma_sync_error(rc, MPI_COMM_WORLD);
}
