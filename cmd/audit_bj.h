/* sigma audit --block-jackknife G: the delete-G-block jackknife variance v_bj of LEV (SPEC
 * 4.1; the formula and the groups in include/sigma/calibrated.h) over the audit's two
 * streaming passes.
 *
 * The groups are contiguous in the observed block's drawn order (io/observed.h: pos). Pass 1
 * adds each chunk's observed rows of group g to that group's Gram (double-double, reduced
 * like G1); after the reduction G1_{-g} = G1 - G_g is formed in double-double, centred like
 * G1, factored (log det, inverse Cholesky factor) on every rank. Pass 2 adds the leverages
 * of each observed row under every G1_{-g} of a group it is not in (G - 1 triangular
 * products per observed row), summed per group in double-double and reduced. The chunks
 * and their observed rows are fixed by d, so v_bj does not depend on ranks or block rows.
 *
 * Memory per rank: G (d(d+1) + 2d + d^2) doubles (the group Grams and factors; at most
 * SIGMA_AUDIT_BJ_MAX_BYTES) plus chunk-sized scratch. Time: pass 2's observed-row work
 * times G; G Cholesky factorizations. Not MPI-free: the reductions are here; no I/O.
 */
#ifndef SIGMA_AUDIT_BJ_H
#define SIGMA_AUDIT_BJ_H

#include <mpi.h>
#include <stdint.h>

#include "observed.h"
#include "sigma/calibrated.h"
#include "sigma/gram.h"

#define SIGMA_AUDIT_BJ_MAX_BYTES (4096.0 * 1048576.0)

typedef struct {
  int64_t G;               /* groups; 0: off (every call is a no-op) */
  int64_t n;               /* observed rows */
  int d;
  int active;              /* every block without its group has > d + 4 rows (else v_bj n/a) */
  int64_t *gid;            /* n: group of each observed row, by its index in ob->rows */
  int64_t *xg;             /* chunk: group of each row of the chunk's observed rows */
  double *acc;             /* G x 2 ndd: the group Grams as dd pairs (gram.h layout) */
  sigma_gram *sc;          /* scratch accumulator (one group's rows of one chunk) */
  double *Linv;            /* G x d x d: inverse Cholesky factors of G1_{-g} */
  double *logdet;          /* G: log det G1_{-g} (NaN: not positive definite) */
  sigma_leverage_sums *lev;/* G: the leverages of the rows outside group g */
  double *Xr, *q;          /* chunk x d rows outside a group, chunk leverages */
} sigma_audit_bj;

/* Set up for G groups (0: off) of the n = ob->n observed rows in dimension d, at most cobs
 * observed rows per chunk; center: accumulate column sums (--center). Errors: SIGMA_EINVAL
 * (G > n, naming n1), SIGMA_ENOMEM (also when the group Grams and factors would exceed
 * SIGMA_AUDIT_BJ_MAX_BYTES, naming G and the MiB). */
int sigma_audit_bj_init(sigma_audit_bj *b, int64_t G, const sigma_observed *ob, int d,
                        int64_t cobs, int center);

void sigma_audit_bj_free(sigma_audit_bj *b);

/* Pass 1: the no observed rows Xo (row-major) of one chunk, whose groups are b->xg[0..no). */
void sigma_audit_bj_pass1(sigma_audit_bj *b, const double *Xo, int64_t no);

/* After pass 1, collectively: reduce the group Grams; form G1_{-g} from g1acc (G1's reduced
 * dd accumulator, 2 ndd doubles) minus group g's, centre it with m (the global mean minus
 * the pilot, d; NULL: no --center), factor it (one BLAS thread is the caller's). sv: d
 * doubles of scratch. A G1_{-g} that is not positive definite makes v_bj n/a.
 * Errors: SIGMA_EMPI, SIGMA_ENOMEM. */
int sigma_audit_bj_factor(sigma_audit_bj *b, const double *g1acc, const double *m, double *sv,
                          MPI_Comm comm);

/* Pass 2: the leverages of the chunk's observed rows Xo (prepared as pass 2 prepares them)
 * under every G1_{-g} of a group they are not in. work: chunk x d doubles. */
void sigma_audit_bj_pass2(sigma_audit_bj *b, const double *Xo, int64_t no, double *work);

/* After pass 2, collectively: reduce the leverage sums and return v_bj in *v_bj (NaN when
 * off or not applicable). Errors: SIGMA_EMPI. */
int sigma_audit_bj_finish(sigma_audit_bj *b, double N, MPI_Comm comm, double *v_bj);

#endif
