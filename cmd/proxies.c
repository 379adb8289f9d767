/* sigma proxies: the driver (cmd/proxies.h). */
#include "proxies.h"

#include <math.h>
#include <string.h>

#include "files.h"
#include "lines.h"
#include "proxies_mpi.h"
#include "reduce.h"
#include "sigma/error.h"
#include "sigma/proxies.h"

static int add_line(void *ctx, const char *line, size_t len) {
  return sigma_proxies_add_line(ctx, line, len);
}

static int check_outputs(const sigma_proxies_opts *o) {
  if (o->json) SIGMA_CHECK(sigma_file_check_output(o->json, "--json"));
  if (o->csv) SIGMA_CHECK(sigma_file_check_output(o->csv, "--csv"));
  return SIGMA_OK;
}

/* F2 / C^2 of counts, or NaN with no n-gram; an overflowed F2 is an error. */
static int hhi_of(uint64_t f2, int overflow, uint64_t C, double *hhi) {
  if (overflow)
    return sigma_set_error(SIGMA_EINVAL, "the sum of squared n-gram counts passes 2^64: "
                           "too many n-grams for this HHI");
  *hhi = C ? (double)f2 / ((double)C * (double)C) : NAN;
  return SIGMA_OK;
}

/* Partition, sum and ratio: the totals of a, every rank the same. */
static int merge(sigma_proxies_acc *a, const sigma_proxies_opts *o, MPI_Comm comm,
                 sigma_proxies_result *r) {
  SIGMA_CHECK(sigma_u64map_partition(&a->uni, comm));
  SIGMA_CHECK(sigma_u64map_partition(&a->bi, comm));
  if (o->exact) SIGMA_CHECK(sigma_u64map_partition(&a->hn, comm));
  SIGMA_CHECK(sigma_cms_allreduce(&a->cms, comm));
  int ov = 0, ovx = 0;
  uint64_t f2x = o->exact ? sigma_u64map_f2(&a->hn, &ovx) : 0;
  uint64_t v[10] = {a->lines, a->tokens, a->ngrams[1], a->ngrams[2], a->ngrams[o->hhi_n],
                    a->uni.n, a->bi.n, o->exact ? a->hn.n : 0, f2x, (uint64_t)ovx};
  SIGMA_CHECK(sigma_mpi_check(MPI_Allreduce(MPI_IN_PLACE, v, 10, MPI_UINT64_T, MPI_SUM, comm),
                              "MPI_Allreduce"));
  r->lines = v[0], r->tokens = v[1], r->ngrams_1 = v[2], r->ngrams_2 = v[3];
  r->ngrams_n = v[4], r->distinct_1 = v[5], r->distinct_2 = v[6], r->distinct_n = v[7];
  r->d1 = v[2] ? (double)v[5] / (double)v[2] : NAN;
  r->d2 = v[3] ? (double)v[6] / (double)v[3] : NAN;
  const uint64_t f2 = sigma_cms_f2(&a->cms, &ov);
  SIGMA_CHECK(hhi_of(f2, ov, v[4], &r->hhi));
  r->hhi_exact = NAN;
  if (o->exact) SIGMA_CHECK(hhi_of(v[8], v[9] != 0, v[4], &r->hhi_exact));
  return SIGMA_OK;
}

int sigma_proxies_run(const sigma_proxies_opts *o, MPI_Comm comm, sigma_proxies_result *r) {
  int rank, size, rc = SIGMA_OK;
  SIGMA_CHECK(sigma_mpi_check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank"));
  SIGMA_CHECK(sigma_mpi_check(MPI_Comm_size(comm, &size), "MPI_Comm_size"));
  memset(r, 0, sizeof *r);
  r->eps = exp(1.0) / (double)o->width;
  r->delta = exp(-(double)o->depth);
  const double t0 = MPI_Wtime();
  uint64_t total;
  rc = sigma_lines_check(o->c.inputs, o->c.ninputs, &total);
  if (rc == SIGMA_OK && rank == 0) rc = check_outputs(o);
  SIGMA_CHECK(sigma_sync_error(rc, comm));
  sigma_proxies_acc a;
  rc = sigma_proxies_acc_init(&a, o->hhi_n, o->width, o->depth, o->sketch_seed, o->exact);
  if (rc == SIGMA_OK) rc = sigma_lines_share(o->c.inputs, o->c.ninputs, rank, size, add_line, &a);
  double t = MPI_Wtime() - t0;
  rc = sigma_sync_error(rc, comm); /* the lowest rank's: the first bad line in file order */
  if (rc == SIGMA_OK) rc = merge(&a, o, comm, r);
  sigma_proxies_acc_free(&a);
  SIGMA_CHECK(sigma_sync_error(rc, comm));
  SIGMA_CHECK(sigma_mpi_check(MPI_Allreduce(&t, &r->t_read, 1, MPI_DOUBLE, MPI_MAX, comm),
                              "MPI_Allreduce"));
  r->t_total = MPI_Wtime() - t0;
  r->t_reduce = r->t_total - r->t_read;
  return SIGMA_OK;
}
