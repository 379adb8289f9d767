/* Command-line plumbing shared by the commands' argp parsers (apps/): one-line usage
 * errors (exit 2) for every flag value, the input list, the options every command that
 * reads an input shares (cmd/options.h), and silencing ranks other than 0 while parsing. */
#ifndef SIGMA_CLI_H
#define SIGMA_CLI_H

#include <argp.h>
#include <stdint.h>

#include "options.h"

#define ROWS_MAX INT64_MAX
#define BLOCK_ROWS_MAX (1ll << 30) /* a read buffer of block_rows x d doubles must fit */

/* Option keys of every command (argp keys above the ASCII range). */
enum {
  O_N1 = 1000, O_EPS, O_RULEC, O_SEED, O_OBS, O_OBSIDX, O_SAVEIDX, O_BLOCK, O_NORM, O_CENTER,
  O_LEVEL, O_DELTA, O_ECAP, O_NOTAU, O_JSON, O_CSV, O_QUIET, O_ROWS, O_DIM, O_SPEC, O_BETA, O_SPIKES,
  O_SPIKESIZE, O_NU, O_DTYPE, O_DATASET, O_REPS, O_OUT, O_RESUME, O_RANGE, O_MEMLIM, O_NOPLOTS, O_PILOT, O_SCALAPACK,
  O_RADIAL, O_RADIALVAR, O_LABELS, O_CKPTS, O_BASELINE, O_FULL, O_APPEND, O_MERGE,
  O_ROWSEED, O_REFIT, O_GENERATIONS, O_BJ, O_PLOTS, O_HHIN, O_SKW, O_SKD, O_EXACT, O_PROXIES
};

extern int g_rank; /* this process's rank in MPI_COMM_WORLD */

typedef struct {
  char *v[4096];
  int n;
} spec_list;

/* The shared options (--seed, --level, --rule-constant, --normalize, --center) as an argp
 * child; its input is the command's sigma_common_opts. */
extern struct argp_child common_child[];
/* The same plus the streaming options (--block-rows, --quiet); inputs: child_inputs[0] and
 * [1] both the command's sigma_common_opts. */
extern struct argp_child common_pass_children[];

double flag_real(struct argp_state *st, const char *opt, const char *s);
double flag_positive(struct argp_state *st, const char *opt, const char *s);
int64_t flag_int(struct argp_state *st, const char *opt, const char *s, int64_t lo,
                        int64_t hi);
uint64_t flag_seed(struct argp_state *st, const char *s);
double flag_level(struct argp_state *st, const char *s);
double flag_mib(struct argp_state *st, const char *opt, const char *s);
char *flag_dir(struct argp_state *st, const char *opt, char *s);
void spec_add(struct argp_state *st, spec_list *l, char *arg);
void spec_require(struct argp_state *st, const spec_list *l);
void common_finish(sigma_common_opts *c, spec_list *specs, int argc, char **argv);
void quiet_begin(void);
void quiet_end(void);
int flag_eps_list(struct argp_state *st, const char *s, double *v);
int64_t flag_block_jackknife(struct argp_state *st, const char *s);

#endif
