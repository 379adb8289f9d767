/* The distributed half of sigma proxies (issue 13): count maps partitioned over the ranks
 * by key, sketches summed. Integer arithmetic only, so every result is the same for any
 * number of ranks. */
#ifndef SIGMA_PROXIES_MPI_H
#define SIGMA_PROXIES_MPI_H

#include <mpi.h>

#include "sigma/proxies.h"

/* Collective: afterwards this rank's m holds the keys k with k mod P = rank, each with
 * the sum of its counts over all ranks (MPI_Alltoallv of (key, count) pairs). Memory: the
 * pairs sent and received, 16 bytes each, plus the new map.
 * Errors: SIGMA_ENOMEM, SIGMA_EMPI (both agreed across ranks by the caller). */
int sigma_u64map_partition(sigma_u64map *m, MPI_Comm comm);

/* Collective: every rank's counters become their sum (MPI_Allreduce, MPI_UINT64_T).
 * Errors: SIGMA_EMPI. */
int sigma_cms_allreduce(sigma_cms *c, MPI_Comm comm);

#endif
