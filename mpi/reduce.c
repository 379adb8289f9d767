/* Double-double MPI_Allreduce: a user MPI_Op over a 2-double datatype. */
#include "reduce.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigma/dd.h"
#include "sigma/error.h"

static MPI_Datatype g_dd_type = MPI_DATATYPE_NULL;
static MPI_Op g_dd_op = MPI_OP_NULL;

static void dd_sum_op(void *in, void *inout, int *len, MPI_Datatype *type) {
  (void)type;
  sigma_dd_merge((double *)inout, (const double *)in, (size_t)*len);
}

int sigma_mpi_check(int mpi_rc, const char *what) {
  if (mpi_rc == MPI_SUCCESS) return SIGMA_OK;
  char msg[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(mpi_rc, msg, &len);
  return sigma_set_error(SIGMA_EMPI, "%s failed: %s", what, msg);
}

int sigma_allreduce_dd(double *acc, size_t npairs, MPI_Comm comm) {
  if (g_dd_type == MPI_DATATYPE_NULL) {
    SIGMA_CHECK(sigma_mpi_check(MPI_Type_contiguous(2, MPI_DOUBLE, &g_dd_type), "MPI_Type_contiguous"));
    SIGMA_CHECK(sigma_mpi_check(MPI_Type_commit(&g_dd_type), "MPI_Type_commit"));
    /* commute = 1: dd addition is order-independent up to ~2^-106 relative. */
    SIGMA_CHECK(sigma_mpi_check(MPI_Op_create(dd_sum_op, 1, &g_dd_op), "MPI_Op_create"));
  }
  /* Chunk to stay within int counts for very large d. */
  const size_t max = (size_t)INT_MAX / 2;
  for (size_t off = 0; off < npairs; off += max) {
    size_t n = npairs - off < max ? npairs - off : max;
    SIGMA_CHECK(sigma_mpi_check(
        MPI_Allreduce(MPI_IN_PLACE, acc + 2 * off, (int)n, g_dd_type, g_dd_op, comm),
        "MPI_Allreduce (Gram)"));
  }
  return SIGMA_OK;
}

void sigma_reduce_finalize(void) {
  if (g_dd_op != MPI_OP_NULL) MPI_Op_free(&g_dd_op);
  if (g_dd_type != MPI_DATATYPE_NULL) MPI_Type_free(&g_dd_type);
}

/* The failing rank's code and message (any length) on every rank. */
static int share_error(int rc, int rank, int first, MPI_Comm comm) {
  const char *mine = sigma_error_message();
  int head[2] = {rc, (int)strlen(mine)}, ok, all_ok = 0;
  if (MPI_Bcast(head, 2, MPI_INT, first, comm) != MPI_SUCCESS) return SIGMA_EMPI;
  char *msg = malloc((size_t)head[1] + 1);
  if (rank == first && msg) memcpy(msg, mine, (size_t)head[1] + 1);
  ok = msg != NULL;
  int mrc = MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, comm);
  if (mrc == MPI_SUCCESS && all_ok) mrc = MPI_Bcast(msg, head[1] + 1, MPI_CHAR, first, comm);
  sigma_clear_error();
  if (mrc != MPI_SUCCESS) rc = sigma_mpi_check(mrc, "sharing an error message");
  else if (!all_ok)
    rc = sigma_set_error(head[0], "an error on rank %d (out of memory sharing its message)", first);
  else rc = sigma_set_error(head[0], "%s", msg);
  free(msg);
  return rc;
}

int sigma_sync_error(int rc, MPI_Comm comm) {
  int rank = 0, size = 1, first;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  int mine = rc != SIGMA_OK ? rank : size;
  int mrc = MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
  if (mrc != MPI_SUCCESS) return sigma_mpi_check(mrc, "agreeing on errors");
  if (first == size) return SIGMA_OK;
  return share_error(rc, rank, first, comm);
}
