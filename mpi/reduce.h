/* Reductions across ranks. Grams travel as double-double pairs (sigma/dd.h) so the
 * reduced result does not depend on the number of ranks. Bytes per Gram:
 * 16 * (d(d+1)/2 + d) (packed lower triangle plus column sums). */
#ifndef SIGMA_REDUCE_H
#define SIGMA_REDUCE_H

#include <mpi.h>
#include <stddef.h>

/* In-place MPI_Allreduce of npairs double-double pairs (acc[2k], acc[2k+1]).
 * Errors: SIGMA_EMPI. */
int sigma_allreduce_dd(double *acc, size_t npairs, MPI_Comm comm);

/* Free the datatype and op (call before MPI_Finalize; safe if never created). */
void sigma_reduce_finalize(void);

/* SIGMA_EMPI with a message if the MPI return code is not MPI_SUCCESS. */
int sigma_mpi_check(int mpi_rc, const char *what);


/* Agree on an error across ranks: every rank passes its own code; all return the
 * code of the lowest failing rank, whose message is copied to every rank (so rank 0
 * can print it). Returns SIGMA_OK everywhere if no rank failed. Collective. */
int sigma_sync_error(int rc, MPI_Comm comm);
#endif
