/* Count maps partitioned by key and sketches summed over ranks (mpi/proxies_mpi.h). */
#include "proxies_mpi.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reduce.h"
#include "sigma/error.h"

/* The (key, count) pairs of m grouped by owner (key mod P) into buf (2 m->n uint64), with
 * cnt[r] uint64 (2 per pair) for rank r at displacement dsp[r]; at: P ints of scratch. */
static void pack(const sigma_u64map *m, int P, uint64_t *buf, int *cnt, int *dsp, int *at) {
  memset(cnt, 0, (size_t)P * sizeof *cnt);
  for (size_t i = 0; i < m->cap; i++)
    if (m->key[i]) cnt[m->key[i] % (uint64_t)P] += 2;
  dsp[0] = 0;
  for (int r = 1; r < P; r++) dsp[r] = dsp[r - 1] + cnt[r - 1];
  memset(at, 0, (size_t)P * sizeof *at);
  for (size_t i = 0; i < m->cap; i++) {
    if (!m->key[i]) continue;
    const int r = (int)(m->key[i] % (uint64_t)P);
    buf[dsp[r] + at[r]] = m->key[i];
    buf[dsp[r] + at[r] + 1] = m->val[i];
    at[r] += 2;
  }
}

int sigma_u64map_partition(sigma_u64map *m, MPI_Comm comm) {
  int P, rc = SIGMA_OK;
  SIGMA_CHECK(sigma_mpi_check(MPI_Comm_size(comm, &P), "MPI_Comm_size"));
  if ((uint64_t)m->n * 2 > INT32_MAX)
    return sigma_set_error(SIGMA_ENOMEM, "more than 2^30 distinct n-grams on one rank: run "
                           "on more ranks");
  uint64_t *send = NULL, *recv = NULL;
  int *sc = NULL, *sd = NULL, *rcnt = NULL, *rd = NULL;
  SIGMA_TRY(sigma_calloc(&send, 2 * m->n + 1, sizeof *send));
  SIGMA_TRY(sigma_calloc(&sc, (size_t)P, sizeof *sc));
  SIGMA_TRY(sigma_calloc(&sd, (size_t)P, sizeof *sd));
  SIGMA_TRY(sigma_calloc(&rcnt, (size_t)P, sizeof *rcnt));
  SIGMA_TRY(sigma_calloc(&rd, (size_t)P, sizeof *rd));
  pack(m, P, send, sc, sd, rd); /* rd: scratch here */
  SIGMA_TRY(sigma_mpi_check(MPI_Alltoall(sc, 1, MPI_INT, rcnt, 1, MPI_INT, comm), "MPI_Alltoall"));
  int64_t total = 0;
  for (int r = 0; r < P; r++) {
    rd[r] = (int)total;
    total += rcnt[r];
  }
  if (total > INT32_MAX) {
    rc = sigma_set_error(SIGMA_ENOMEM, "more than 2^30 distinct n-grams for one rank: run "
                         "on more ranks");
    goto done;
  }
  SIGMA_TRY(sigma_calloc(&recv, (size_t)total + 1, sizeof *recv));
  SIGMA_TRY(sigma_mpi_check(MPI_Alltoallv(send, sc, sd, MPI_UINT64_T, recv, rcnt, rd,
                                          MPI_UINT64_T, comm), "MPI_Alltoallv"));
  sigma_u64map_free(m);
  SIGMA_TRY(sigma_u64map_init(m, (size_t)total / 2));
  for (int64_t i = 0; i < total; i += 2) SIGMA_TRY(sigma_u64map_add(m, recv[i], recv[i + 1]));
done:
  free(send);
  free(recv);
  free(sc);
  free(sd);
  free(rcnt);
  free(rd);
  return rc;
}

int sigma_cms_allreduce(sigma_cms *c, MPI_Comm comm) {
  const size_t n = (size_t)c->width * (size_t)c->depth;
  for (size_t off = 0; off < n; off += (size_t)1 << 28) { /* counts are ints */
    const size_t k = n - off < ((size_t)1 << 28) ? n - off : (size_t)1 << 28;
    SIGMA_CHECK(sigma_mpi_check(MPI_Allreduce(MPI_IN_PLACE, c->count + off, (int)k,
                                              MPI_UINT64_T, MPI_SUM, comm), "MPI_Allreduce"));
  }
  return SIGMA_OK;
}
