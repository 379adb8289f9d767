/* sigma monitor: Sigma-UB collapse monitoring over training checkpoints (paper section 3.4,
 * Algorithm 1; SPEC 5, the variance of SPEC 4.1; the math in sigma/monitor.h).
 *
 * The observed block O is chosen once, among the rows of the first checkpoint of the run
 * (or read back from DIR under --append), and the same rows are read at every checkpoint:
 * O(n1) rows per checkpoint by row-set hyperslabs (io/fetch.h), never a pass, plus one
 * d x d factorization and eigendecomposition. Checkpoint t is computed by rank t mod P on
 * one BLAS thread, so every number is the same for any number of ranks. --full adds a
 * streaming pass per checkpoint over all ranks (the audit's pass 1, cmd/audit.h) for the
 * full-Gram U of G, the monitor's own audit, and checks every row's norm for Track I.
 * Under --append, --baseline and --level not given are DIR's (given ones apply to the whole
 * series: every drift and verdict is recomputed from the stored points).
 * Memory per rank: n1 (8 d + 24) bytes of rows plus a few d x d matrices (plus the audit's
 * under --full).
 */
#ifndef SIGMA_MONITOR_CMD_H
#define SIGMA_MONITOR_CMD_H

#include <mpi.h>
#include <stdint.h>

#include "monitor_desc.h"
#include "observed.h"
#include "options.h"
#include "sigma/monitor.h"

typedef struct {
  sigma_common_opts c;     /* c.inputs: the checkpoints' specs in order; seed, level,
                              normalize, block_rows (--full), quiet, argv */
  char **labels;           /* c.ninputs labels, or NULL: the checkpoint indices */
  int64_t n1;              /* observed rows (RANDOM, FIRST); 0 with an index file */
  sigma_obs_mode observed;
  const char *indices_path;
  double delta, energy_cap;
  int baseline;            /* index of the baseline in the whole series */
  int full, append, plots;
  int merge;               /* c.inputs are monitor run directories (parts), not checkpoints */
  const char *out_dir;
  const char *proxies;     /* --proxies LIST: one sigma proxies JSON per new checkpoint */
  unsigned set;            /* SIGMA_MON_SET_* bits: flags the user gave (--append compares
                              them with DIR's run; the others are taken from it) */
} sigma_monitor_opts;

enum {
  SIGMA_MON_SET_N1 = 1, SIGMA_MON_SET_SEED = 2, SIGMA_MON_SET_DELTA = 4,
  SIGMA_MON_SET_ECAP = 8, SIGMA_MON_SET_OBS = 16, SIGMA_MON_SET_BASELINE = 32,
  SIGMA_MON_SET_LEVEL = 64
};

/* delta 1e-3 and energy cap 1 (as sigma audit), baseline 0, plots on, RANDOM O. */
void sigma_monitor_opts_default(sigma_monitor_opts *o);

typedef struct {
  int K, nprev;            /* checkpoints in the series; of them read back from DIR */
  sigma_mon_ckpt *ck;      /* K (owned) */
  sigma_mon_drift *drift;  /* K (owned) */
  sigma_mon_summary sum;
  int d, baseline, full, normalize, nranks;
  int64_t n1, N0;          /* observed rows; rows of the checkpoint O was chosen from */
  uint64_t seed;
  double delta, energy_cap, level, z;
  sigma_observed obs;      /* O, ascending (owned) */
  double t_total;          /* seconds, this run */
} sigma_monitor_result;

/* Run collectively on comm; every rank returns the same code, rank 0 holds the message and
 * the complete result. Nothing is written here (the report layer writes DIR).
 * Errors: SIGMA_EINVAL (checkpoints of different d, a checkpoint with fewer rows than the
 * largest observed index, Track I on rows whose squared norm exceeds the energy cap
 * without --normalize, naming checkpoint and row; --append parameters that differ from
 * DIR's, naming the difference; a baseline beyond the series), the inputs' (SIGMA_EIO
 * naming the missing or unreadable checkpoint), SIGMA_ESINGULAR (G of a checkpoint under
 * --full; a singular G1 only makes its tau2 and V not applicable),
 * SIGMA_ENOMEM, SIGMA_EMPI. */
int sigma_monitor_run(const sigma_monitor_opts *o, MPI_Comm comm, sigma_monitor_result *r);

/* --merge: the runs in o->c.inputs (directories, each a monitor run, e.g. one per job-array
 * task) concatenated in that order into one series, nothing recomputed: the checkpoints'
 * points are read back, the drifts, CIs and slopes computed over the whole series (so the
 * result equals one run over all checkpoints, byte for byte). The parts must agree on d,
 * n1, seed, delta, energy cap, --normalize, --full and the observed rows.
 * Errors: SIGMA_EINVAL (a part that differs, naming it and the parameter; --out holding a
 * run), those of reading a part (io/monitor_desc.h), SIGMA_ENOMEM. Collective. */
int sigma_monitor_merge(const sigma_monitor_opts *o, MPI_Comm comm, sigma_monitor_result *r);

void sigma_monitor_result_free(sigma_monitor_result *r);

#endif
