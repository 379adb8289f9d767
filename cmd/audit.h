/* sigma audit: full-Gram ground truth beside the sub-sampled estimators (SPEC 2-7).
 *
 * Pass 1 streams every row once: G (all rows), G1 (observed rows), Ga and Gb (the
 * two Richardson halves of the observed block), column sums and the max row norm,
 * reduced with double-double MPI_Allreduce. Pass 2 (optional, on by default) streams again
 * for the tau^2 oracle (Mahalanobis distances under G/N) and the observed-block
 * leave-one-out tau^2. Memory per rank: O((2 cap + 4 chunk) * d + 8 d^2) doubles,
 * chunk = sigma_chunk_rows(d) (8192 rows at d = 256, at most 16 MiB), cap =
 * max(block_rows, chunk) rounded up to a multiple of chunk: a pass may read one block
 * ahead into a second buffer (mpi/stream.h; one buffer with SIGMA_OVERLAP=off or when a
 * rank's rows fit in one block), so 2 x 16 MiB + 4 x 16 MiB + 8 d^2 at d = 256 with the
 * defaults, whatever N. With ScaLAPACK (--scalapack) add about d^2 / P + d^2 doubles (the
 * local block-cyclic part and G2).
 */
#ifndef SIGMA_AUDIT_H
#define SIGMA_AUDIT_H

#include <mpi.h>
#include <stdint.h>
#include <stdio.h>

#include "input.h"
#include "observed.h"
#include "options.h"
#include "sigma/audit_math.h"


/* --scalapack: log det G, log det G1 and the spectra of G, G1, G2 on a BLACS grid
 * (mpi/scalapack.h). AUTO: on when d >= SIGMA_SCALAPACK_MIN_D and more than one rank.
 * Off (the default below the threshold) keeps every digit independent of the number of
 * ranks; on, those numbers depend on the grid to rounding (~1e-13 relative). */
typedef enum { SIGMA_SL_AUTO, SIGMA_SL_ON, SIGMA_SL_OFF } sigma_scalapack_mode;

typedef struct {
  sigma_common_opts c;    /* inputs, seed, level, rule constant, row preparation, ... */
  int64_t n1;             /* observed rows; 0: from epsilon by the rule */
  double epsilon;         /* NaN if not given */
  sigma_obs_mode observed;
  const char *indices_path;  /* SIGMA_OBS_INDICES: one row index per line */
  const sigma_observed *given; /* if set, O is these rows and halves (copied; n1, epsilon,
                                  observed and indices_path are ignored): a monitor's block */
  const char *save_indices;  /* the caller writes the observed rows here (or NULL) */
  const char *json_path, *csv_path; /* the caller's report outputs (or NULL) */
  const char *plots_dir;  /* the caller's --plots directory (or NULL): checked here */
  double delta, energy_cap;
  int tau2_pass;          /* run pass 2 */
  sigma_scalapack_mode scalapack;
  int64_t block_jackknife; /* --block-jackknife G: v_bj and LEV's own CI with max(V_cal, v_bj)
                              (SPEC 4.1; cmd/audit_bj.h); 0: off. Needs pass 2 */
} sigma_audit_opts;

void sigma_audit_opts_default(sigma_audit_opts *o);

typedef struct {
  sigma_input *input;     /* shards, N, d (owned) */
  int64_t N, n1, na, nb;
  int64_t block_rows;     /* rows per read actually used */
  int64_t chunk_rows;     /* reduction unit, sigma_chunk_rows(d) */
  int d, nranks;
  double tau2_oracle, tau2_observed, max_norm2;
  double *mean;           /* 2 d: --center subtracts mean[0..d) (the pilot mean), then
                             mean[d..2d) (the rest of the global mean): two steps, so a
                             large mean costs no precision (else zeros; owned) */
  sigma_est_result est;
  int scalapack;          /* ScaLAPACK computed L, log det G1 and the spectra */
  int sl_nprow, sl_npcol, sl_nb;  /* its grid and block size (0 if not used) */
  /* wall-clock seconds, max over ranks */
  double t_open, t_sample, t_pass1, t_reduce1, t_factor, t_pass2, t_reduce2, t_estimate, t_total;
  /* inside each pass (max over ranks): reading and preparing its rows (on the reader
   * thread), and the visiting thread waiting for them (what the overlap did not hide) */
  double t_read1, t_wait1, t_read2, t_wait2;
  double ahead1, ahead2;  /* fraction of each pass's blocks read ahead (mpi/stream.h) */
  double bytes_read;      /* bytes read from disk over all ranks, both passes */
  sigma_observed obs;     /* the observed rows and their halves (owned) */
} sigma_audit_result;

/* Run the audit collectively on comm. On error every rank returns the same code
 * and rank 0 holds the message. The outputs named in o (save_indices, json_path,
 * csv_path) are checked before any pass (io/files.h: none may name an input, a
 * directory, or another output), so a doomed write fails before the work; writing them
 * is the caller's, after success, so a failed run leaves none of them. */
int sigma_audit_run(const sigma_audit_opts *o, MPI_Comm comm, sigma_audit_result *r);

void sigma_audit_result_free(sigma_audit_result *r);

#endif
