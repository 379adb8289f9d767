/* sigma_input_read_rows against selecting the same rows from one sequential read,
 * for row sets of several densities (sparse, gap-coalesced, contiguous) and spans
 * that cross shard boundaries. Usage: read_rows_check SPEC... ; prints PASSED. */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "sigma/error.h"
#include "sigma/sample.h"

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  sigma_input *in = NULL;
  int bad = 0;
  if (sigma_input_open(argv + 1, argc - 1, &in) != SIGMA_OK) {
    printf("FAILED: %s\n", sigma_error_message());
    MPI_Finalize();
    return 1;
  }
  const int64_t N = in->N;
  const int d = in->d;
  double *all = malloc((size_t)N * d * sizeof(double));
  double *X = malloc((size_t)N * d * sizeof(double));
  double *scratch = malloc((size_t)SIGMA_SPAN_ROWS * d * sizeof(double));
  uint64_t *rows = malloc((size_t)N * sizeof(uint64_t));
  if (sigma_input_read(in, 0, N, all) != SIGMA_OK) bad = 1;
  const int64_t sizes[] = {1, 7, N / 50, N / 5, N / 2, N};
  for (int t = 0; t < 6 && !bad; t++)
    for (uint64_t rep = 0; rep < 3 && !bad; rep++) {
      int64_t n = sizes[t];
      sigma_sample_prefix((uint64_t)N, (uint64_t)n, 99, rep, rows);
      qsort(rows, (size_t)n, sizeof *rows, cmp_u64);
      if (sigma_input_read_rows(in, rows, n, X, scratch) != SIGMA_OK) {
        printf("FAILED: %s\n", sigma_error_message());
        bad = 1;
        break;
      }
      for (int64_t r = 0; r < n && !bad; r++)
        if (memcmp(X + (size_t)r * d, all + (size_t)rows[r] * d, (size_t)d * sizeof(double))) {
          printf("FAILED: n = %lld, row %llu differs\n", (long long)n, (unsigned long long)rows[r]);
          bad = 1;
        }
    }
  if (!bad) printf("read_rows: %lld rows in %d shards, 18 row sets: PASSED\n", (long long)N,
                   in->nshards);
  sigma_input_close(&in);
  free(all);
  free(X);
  free(scratch);
  free(rows);
  MPI_Finalize();
  return bad;
}
