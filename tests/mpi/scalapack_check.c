/* ScaLAPACK log det and eigenvalues (mpi/scalapack.c) against the serial LAPACK path
 * (sigma_logdet_chol, sigma_eigvalsh) on deterministic test matrices, for whatever
 * number of ranks it runs on (1, 2, 3, 4: grids 1x1, 1x2, 1x3, 2x2). Agreement: log det
 * to 1e-10 relative, eigenvalues to 1e-10 lambda_max. A singular case must give
 * SIGMA_ESINGULAR naming the same leading minor. Prints PASSED on rank 0. */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scalapack.h"
#include "sigma/error.h"
#include "sigma/linalg.h"

static int g_rank, g_fail;

#define CHECK(cond, ...)                       \
  do {                                         \
    if (!(cond)) {                             \
      if (g_rank == 0) {                       \
        fprintf(stderr, "FAILED: " __VA_ARGS__); \
        fprintf(stderr, "\n");                 \
      }                                        \
      g_fail = 1;                              \
    }                                          \
  } while (0)

enum { WELL, ILL, SINGULAR };

/* A = Q diag(lam) Q^T with Q = I - 2 v v^T / v^T v (a deterministic Householder
 * reflector), lam geometric from 1 down to 1/cond; B B^T / d + I added for WELL.
 * SINGULAR: WELL with row and column z zeroed, so Cholesky stops at minor z + 1. */
static void make_matrix(int d, int kind, int z, double *A) {
  double *v = malloc((size_t)d * sizeof *v), vv = 0;
  for (int i = 0; i < d; i++) {
    v[i] = sin(1.0 + 0.37 * i) + 0.1 * cos(3.1 * i * i);
    vv += v[i] * v[i];
  }
  const double cond = kind == ILL ? 1e8 : 1e2;
  for (int j = 0; j < d; j++)
    for (int i = 0; i < d; i++) {
      double s = 0;
      for (int k = 0; k < d; k++) {
        double qik = (i == k) - 2 * v[i] * v[k] / vv, qjk = (j == k) - 2 * v[j] * v[k] / vv;
        double lam = d > 1 ? pow(cond, -(double)k / (d - 1)) : 1.0;
        s += qik * lam * qjk;
      }
      A[i + (size_t)j * d] = s;
    }
  if (kind != ILL)
    for (int j = 0; j < d; j++)
      for (int i = 0; i < d; i++) {
        double s = 0;
        for (int k = 0; k < 5; k++) s += sin(0.3 * (i + 1) * (k + 1)) * sin(0.3 * (j + 1) * (k + 1));
        A[i + (size_t)j * d] += s / d;
      }
  /* exact symmetry */
  for (int j = 0; j < d; j++)
    for (int i = j + 1; i < d; i++) A[j + (size_t)i * d] = A[i + (size_t)j * d];
  if (kind == SINGULAR)
    for (int k = 0; k < d; k++) A[z + (size_t)k * d] = A[k + (size_t)z * d] = 0.0;
  free(v);
}

static void run_case(sigma_pgrid *g, int d, int kind, int z) {
  double *A = malloc((size_t)d * d * sizeof *A), *w = malloc((size_t)d * sizeof *w),
         *wp = malloc((size_t)d * sizeof *wp);
  make_matrix(d, kind, z, A);
  const char *kname[] = {"well", "ill", "singular"};
  double ld = 0, ldp = 0;
  int rc = sigma_logdet_chol(A, d, &ld);
  sigma_clear_error();
  int rcp = sigma_pd_logdet_chol(g, A, d, &ldp);
  if (kind == SINGULAR) {
    char want[128];
    snprintf(want, sizeof want, "leading minor %d of %d", z + 1, d);
    CHECK(rc == SIGMA_ESINGULAR && rcp == SIGMA_ESINGULAR, "d=%d nb=%d singular: rc %d/%d", d,
          g->nb, rc, rcp);
    CHECK(strstr(sigma_error_message(), want) != NULL, "d=%d nb=%d singular: message '%s' lacks '%s'",
          d, g->nb, sigma_error_message(), want);
    sigma_clear_error();
  } else {
    double rel = fabs(ld - ldp) / fmax(1.0, fabs(ld));
    CHECK(rc == SIGMA_OK && rcp == SIGMA_OK && rel <= 1e-10,
          "d=%d nb=%d %s: log det %.17g vs %.17g (rel %.3g, rc %d/%d)", d, g->nb, kname[kind], ld,
          ldp, rel, rc, rcp);
  }
  rc = sigma_eigvalsh(A, d, w);
  rcp = sigma_pd_eigvalsh(g, A, d, wp);
  double emax = 0;
  for (int i = 0; i < d; i++) emax = fmax(emax, fabs(w[i] - wp[i]));
  double scale = fmax(fabs(w[0]), fabs(w[d - 1]));
  int sorted = 1;
  for (int i = 1; i < d; i++) sorted &= wp[i - 1] >= wp[i];
  CHECK(rc == SIGMA_OK && rcp == SIGMA_OK && emax <= 1e-10 * scale && sorted,
        "d=%d nb=%d %s: eigenvalues differ by %.3g (lambda_max %.6g, sorted %d, rc %d/%d)", d,
        g->nb, kname[kind], emax, scale, sorted, rc, rcp);
  if (g_rank == 0)
    printf("d=%4d nb=%2d grid %dx%d %-8s logdet %s rel %.2e  eig max|diff|/lmax %.2e\n", d, g->nb,
           g->nprow, g->npcol, kname[kind], kind == SINGULAR ? "ESINGULAR" : "ok",
           kind == SINGULAR ? 0.0 : fabs(ld - ldp) / fmax(1.0, fabs(ld)), scale > 0 ? emax / scale : emax);
  free(A);
  free(w);
  free(wp);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  int P;
  MPI_Comm_size(MPI_COMM_WORLD, &P);
  /* grid shapes */
  int shapes[][3] = {{1, 1, 1}, {2, 1, 2}, {3, 1, 3}, {4, 2, 2}, {6, 2, 3}, {7, 1, 7}, {12, 3, 4}};
  for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
    int r, c;
    sigma_pgrid_shape(shapes[k][0], &r, &c);
    CHECK(r == shapes[k][1] && c == shapes[k][2], "grid of %d ranks: %dx%d", shapes[k][0], r, c);
  }
  const int dims[] = {1, 7, 64, 300}, nbs[] = {64, 13};
  for (int b = 0; b < 2; b++) {
    sigma_pgrid g;
    if (sigma_pgrid_init(MPI_COMM_WORLD, nbs[b], &g) != SIGMA_OK) {
      CHECK(0, "grid: %s", sigma_error_message());
      break;
    }
    int r, c;
    sigma_pgrid_shape(P, &r, &c);
    CHECK(g.nprow == r && g.npcol == c, "grid %dx%d for %d ranks", g.nprow, g.npcol, P);
    for (int k = 0; k < 4; k++) run_case(&g, dims[k], WELL, 0);
    run_case(&g, 300, ILL, 0);
    run_case(&g, 64, ILL, 0);
    run_case(&g, 1, SINGULAR, 0);
    run_case(&g, 64, SINGULAR, 40);
    run_case(&g, 300, SINGULAR, 200);
    sigma_pgrid_free(&g);
  }
  if (g_rank == 0) puts(g_fail ? "FAILED" : "PASSED");
  MPI_Finalize();
  return g_fail;
}
