/* sigma: the command. One table of subcommands; each parses its own options
 * (apps/cmd_*.c) and calls its driver (cmd/). Exit 0, 1 on an error (one line), 2 on a
 * usage error. */
#include <cblas.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas_core.h"
#include "cli.h"
#include "commands.h"
#include "input.h"
#include "reduce.h"
#include "str.h"
#include "sigma/error.h"
#include "sigma/version.h"

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

/* ---- main ---- */

static void usage(FILE *f) {
  fprintf(f,
          "Usage: sigma COMMAND [OPTION...]\n"
          "Audit the SIGMA spectral estimators of log det G on embedding matrices (HDF5, .npy,\n"
          "safetensors).\n\n"
          "Commands:\n"
          "  audit      full-Gram ground truth vs the sub-sampled estimators\n"
          "  study      confidence-interval study: replicates over an n1 sweep\n"
          "  merge      combine studies run as --replicate-range jobs\n"
          "  plan       recommend n1 for a precision from a pilot block only\n"
          "  monitor    Sigma-UB collapse monitoring over training checkpoints\n"
          "  proxies    surface proxies of generated text: distinct-n, hashed n-gram HHI\n"
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
                                    {"monitor", run_monitor}, {"generate", run_generate},
                                    {"proxies", run_proxies}};

static const command *find_command(const char *name) {
  for (size_t k = 0; k < sizeof kCommands / sizeof *kCommands; k++)
    if (!strcmp(kCommands[k].name, name)) return &kCommands[k];
  return NULL;
}

int main(int argc, char **argv) {
  sigma_blas_core_fix(argv); /* before MPI_Init: may re-exec with better BLAS kernels */
  /* MPI_THREAD_SERIALIZED: the streaming pass's reader thread reads through HDF5's
   * MPI-IO driver while the main thread, which then makes no MPI call, runs BLAS
   * (mpi/worker.h). Granted less, passes read without a helper thread. */
  int provided = MPI_THREAD_SINGLE;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
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

