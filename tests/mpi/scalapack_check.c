/* ScaLAPACK log det and eigenvalues (mpi/scalapack.c) against the serial LAPACK path
 * (sigma_logdet_chol, sigma_eigvalsh) on deterministic test matrices, for whatever
 * number of ranks it runs on (1, 2, 3, 4: grids 1x1, 1x2, 1x3, 2x2). Agreement: log det
 * to 1e-10 relative; eigenvalues to 8 d eps lambda_max (eig_tol below). A singular case
 * must give SIGMA_ESINGULAR naming the same leading minor. Prints PASSED on rank 0.
 *
 * The eigenvalue tolerance is what backward stability promises, not a fudge: each solver
 * returns the exact eigenvalues of A + E with ||E||_2 <= c d eps ||A||_2, so by Weyl's
 * inequality every eigenvalue is within that of the truth, and the two solvers within
 * twice that of each other, whatever the conditioning. Eigenvalues of a singular A that
 * are pure rounding noise (~eps ||A||) are inside it too; nothing smaller is meaningful.
 * Issue 7's failure (d = 300 singular, 4.8e-3 lambda_max under OpenBLAS's Prescott
 * kernels) was 1e10 times that: a wrong eigenvalue (0.0467 instead of 0.0447), from
 * pdsyevr's MRRR path (see sigma_pd_eigvalsh). The TRIDIAGONAL cases reproduce it on
 * every BLAS core: a tridiagonal A is its own tridiagonal form, so no kernel rounding
 * decides whether the bug is hit; pdsyevr got 9 of these 40 wrong on 1 rank and 9 on 2
 * ranks (odd d), by up to 1.2 lambda_max, under SkylakeX and Prescott kernels alike. */
#include <float.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas_core.h"
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

enum { WELL, ILL, SINGULAR, TRIDIAGONAL };

/* TRIDIAGONAL: T with diagonal 1 + sin(0.7 i + s) / 2 and off-diagonal
 * 0.3 + cos(1.3 i + 2 s) / 5, minus its smallest eigenvalue (serial LAPACK), so singular
 * to rounding: the ill-conditioned input that pdsyevr's unchecked dqds shift gets wrong. */
static void make_tridiagonal(int d, int s, double *A) {
  double *w = malloc((size_t)d * sizeof *w);
  memset(A, 0, (size_t)d * d * sizeof *A);
  for (int i = 0; i < d; i++) {
    A[i + (size_t)i * d] = 1.0 + 0.5 * sin(0.7 * i + s);
    if (i + 1 < d)
      A[i + 1 + (size_t)i * d] = A[i + (size_t)(i + 1) * d] = 0.3 + 0.2 * cos(1.3 * i + 2.0 * s);
  }
  sigma_eigvalsh(A, d, w);
  for (int i = 0; i < d; i++) A[i + (size_t)i * d] -= w[d - 1];
  free(w);
}

/* A = Q diag(lam) Q^T with Q = I - 2 v v^T / v^T v (a deterministic Householder
 * reflector), lam geometric from 1 down to 1/cond; B B^T / d + I added for WELL.
 * SINGULAR: WELL with row and column z zeroed, so Cholesky stops at minor z + 1.
 * TRIDIAGONAL: make_tridiagonal with s = z. */
static void make_matrix(int d, int kind, int z, double *A) {
  if (kind == TRIDIAGONAL) {
    make_tridiagonal(d, z, A);
    return;
  }
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

static const char *kname[] = {"well", "ill", "singular", "tridiag"};

/* Eigenvalue tolerance: twice the backward-error bound c d eps ||A||_2 with c = 4
 * (see the header). Measured: at most 1/18 of it (1-4 ranks, six OpenBLAS cores). */
static double eig_tol(int d, double lambda_max) { return 8.0 * d * DBL_EPSILON * lambda_max; }

/* log det: both paths agree to 1e-10 relative, or (SINGULAR) both stop at minor z + 1.
 * Returns the relative difference (0 for SINGULAR). */
static double check_logdet(sigma_pgrid *g, const double *A, int d, int kind, int z) {
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
    return 0.0;
  }
  double rel = fabs(ld - ldp) / fmax(1.0, fabs(ld));
  CHECK(rc == SIGMA_OK && rcp == SIGMA_OK && rel <= 1e-10,
        "d=%d nb=%d %s: log det %.17g vs %.17g (rel %.3g, rc %d/%d)", d, g->nb, kname[kind], ld,
        ldp, rel, rc, rcp);
  return rel;
}

/* Eigenvalues: ScaLAPACK within eig_tol of LAPACK, and sorted descending.
 * Returns max |difference| / lambda_max. */
static double check_eig(sigma_pgrid *g, const double *A, int d, int kind, int z) {
  double *w = malloc((size_t)d * sizeof *w), *wp = malloc((size_t)d * sizeof *wp);
  int rc = sigma_eigvalsh(A, d, w);
  int rcp = sigma_pd_eigvalsh(g, A, d, wp);
  double emax = 0, scale = fmax(fabs(w[0]), fabs(w[d - 1]));
  int sorted = 1;
  for (int i = 0; i < d; i++) emax = fmax(emax, fabs(w[i] - wp[i]));
  for (int i = 1; i < d; i++) sorted &= wp[i - 1] >= wp[i];
  CHECK(rc == SIGMA_OK && rcp == SIGMA_OK && emax <= eig_tol(d, scale) && sorted,
        "d=%d nb=%d %s %d: eigenvalues differ by %.3g (lambda_max %.6g, tolerance %.3g, "
        "sorted %d, rc %d/%d)", d, g->nb, kname[kind], z, emax, scale, eig_tol(d, scale),
        sorted, rc, rcp);
  free(w);
  free(wp);
  return scale > 0 ? emax / scale : emax;
}

static void run_case(sigma_pgrid *g, int d, int kind, int z) {
  double *A = malloc((size_t)d * d * sizeof *A);
  make_matrix(d, kind, z, A);
  double rel = check_logdet(g, A, d, kind, z), eig = check_eig(g, A, d, kind, z);
  if (g_rank == 0)
    printf("d=%4d nb=%2d grid %dx%d %-8s logdet %s rel %.2e  eig max|diff|/lmax %.2e\n", d, g->nb,
           g->nprow, g->npcol, kname[kind], kind == SINGULAR ? "ESINGULAR" : "ok", rel, eig);
  free(A);
}

/* The TRIDIAGONAL family, s = 0..9 (eigenvalues only: Cholesky of a matrix singular to
 * rounding may or may not stop, on either path). One line with the worst case. */
static void run_tridiagonal(sigma_pgrid *g, int d) {
  double *A = malloc((size_t)d * d * sizeof *A), worst = 0;
  for (int s = 0; s < 10; s++) {
    make_matrix(d, TRIDIAGONAL, s, A);
    worst = fmax(worst, check_eig(g, A, d, TRIDIAGONAL, s));
  }
  if (g_rank == 0)
    printf("d=%4d nb=%2d grid %dx%d tridiag  s=0..9, worst eig max|diff|/lmax %.2e (tol %.2e)\n",
           d, g->nb, g->nprow, g->npcol, worst, eig_tol(d, 1.0));
  free(A);
}

int main(int argc, char **argv) {
  sigma_blas_core_fix(argv); /* the kernels sigma runs on (OPENBLAS_CORETYPE wins) */
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
  const int dims[] = {1, 7, 64, 300}, nbs[] = {64, 13}, tdims[] = {60, 61, 200, 201};
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
    for (int k = 0; k < 4; k++) run_tridiagonal(&g, tdims[k]);
    sigma_pgrid_free(&g);
  }
  if (g_rank == 0) puts(g_fail ? "FAILED" : "PASSED");
  MPI_Finalize();
  return g_fail;
}
