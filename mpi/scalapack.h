/* Distributed log det and eigenvalues of a replicated d x d symmetric matrix with
 * ScaLAPACK (Debian libscalapack-openmpi; BLACS is inside it).
 *
 * Source: SPEC section 2 (L = log det G by Cholesky [B.19]: log det A = 2 sum_i
 * log C_ii; the eigenvalues give the spectra of sections 3-6). The audit uses this
 * for large d (`sigma audit --scalapack auto|on|off`, SIGMA_SCALAPACK_MIN_D).
 *
 * Shapes: A is d x d, full storage, column-major (symmetric, so row-major too), and
 * EVERY rank of the grid holds the same whole copy (the audit's reduced Gram). Each
 * rank fills its block-cyclic part (nb x nb blocks, source process (0, 0)) locally
 * from that copy: no communication for the distribution.
 *
 * Grid: the P ranks of comm form a near-square prow x pcol grid, prow the largest
 * divisor of P with prow <= sqrt(P), so prow <= pcol (2 -> 1x2, 3 -> 1x3, 4 -> 2x2,
 * 6 -> 2x3, 7 -> 1x7).
 *
 * Memory per rank, on top of the full copy of A (d^2 doubles): the local block-cyclic
 * part, numroc(d, nb, myrow, 0, prow) x numroc(d, nb, mycol, 0, pcol) ~ d^2 / P doubles
 * (a 1 x 1 grid: d^2), plus ScaLAPACK's workspace (pdpotrf none; pdsyev with
 * jobz = 'N' about 5 d + nb (d / prow + 1) doubles, from its size query).
 *
 * Results agree with the serial LAPACK path (sigma_logdet_chol, sigma_eigvalsh) to
 * rounding (log det tested to 1e-10 relative, eigenvalues to 8 d eps lambda_max), but
 * are not bit-identical to it, and they depend (to rounding) on the grid, i.e. on the
 * number of ranks.
 *
 * All functions are collective over the grid's communicator. */
#ifndef SIGMA_SCALAPACK_H
#define SIGMA_SCALAPACK_H

#include <mpi.h>

#include "sigma/spectra.h"

/* Block size of the block-cyclic distribution. */
#define SIGMA_SCALAPACK_NB 64
/* --scalapack auto turns ScaLAPACK on from this d up, with at least
 * SIGMA_SCALAPACK_MIN_RANKS ranks. Conservative on purpose: on 2 cores ScaLAPACK was slower
 * than the serial path at every d measured (d = 4096: 8.8 s vs 6.1 s), and it makes the
 * last digits depend on the grid; at d = 8192 the serial eigensolve (~50 s) and its d^2
 * workspace become the bottleneck. Re-measure on the target cluster. */
#define SIGMA_SCALAPACK_MIN_D 8192
#define SIGMA_SCALAPACK_MIN_RANKS 4

typedef struct {
  int ctxt;            /* BLACS context */
  int sys;             /* BLACS system handle of comm */
  int nprow, npcol;    /* grid shape, nprow <= npcol */
  int myrow, mycol;    /* this rank's place */
  int nb;              /* block size */
  MPI_Comm comm;
} sigma_pgrid;

/* prow x pcol for P ranks: prow the largest divisor of P with prow^2 <= P. */
void sigma_pgrid_shape(int P, int *prow, int *pcol);

/* Grid over all ranks of comm with block size nb (<= 0: SIGMA_SCALAPACK_NB).
 * Errors: SIGMA_EINVAL (nb), SIGMA_EMPI (BLACS gave no grid). Free with sigma_pgrid_free. */
int sigma_pgrid_init(MPI_Comm comm, int nb, sigma_pgrid *g);

/* Release the BLACS grid (MPI stays initialised). */
void sigma_pgrid_free(sigma_pgrid *g);

/* log det A = 2 sum log C_ii by pdpotrf (lower): each rank sums the logs of the
 * diagonal entries of the blocks it owns; MPI_Allreduce adds them. Every rank gets the
 * same value. Errors (the same on every rank): SIGMA_ESINGULAR if A is not numerically
 * positive definite (message names the failing leading minor, as sigma_logdet_chol),
 * SIGMA_ELAPACK (argument error), SIGMA_ENOMEM. */
int sigma_pd_logdet_chol(const sigma_pgrid *g, const double *A, int d, double *logdet);

/* Eigenvalues of symmetric A, descending w[0] >= ... >= w[d-1] (pdsyev, jobz = 'N';
 * not pdsyevr, whose MRRR path is wrong on ill-conditioned A: mpi/scalapack.c), on
 * every rank. Errors: SIGMA_ELAPACK (no convergence, argument error, ranks that
 * disagree), SIGMA_ENOMEM. */
int sigma_pd_eigvalsh(const sigma_pgrid *g, const double *A, int d, double *w);

/* The spectra step of an audit on a grid over comm (sigma/spectra.h): eigenvalues of G,
 * G1 and G2 = G - G1 and the log-dets of G and G1 (d x d, the same on every rank), into
 * sp (fresh; free it in any case). grid[0..2] receives nprow, npcol and nb. Collective.
 * The caller knows G and G1 are positive definite (the Cholesky of pass 2 succeeded).
 * Errors: SIGMA_ESINGULAR, SIGMA_ELAPACK, SIGMA_ENOMEM, SIGMA_EMPI (same on every rank). */
int sigma_pd_spectra(MPI_Comm comm, const double *G, const double *G1, int d, sigma_spectra *sp,
                     int grid[3]);

#endif
