/* dsyrk_peak: the in-memory dsyrk rate of this machine, the ceiling for sigma's Gram pass.
 *
 * For n = d (default 256) and k = 1024, 2048, ..., kmax (default 65536) it times
 *   C = A A^T,  A column-major n x k (lda = n),  lower triangle, beta = 0
 * i.e. exactly the call sigma_gram_add_rows makes on a chunk of k rows, flops k n (n + 1):
 *   - in this process with OpenBLAS on 1 thread, then on 2 threads (openblas_set_num_threads):
 *     what one rank can reach (with the CPU time / wall time of the process, which shows
 *     whether OpenBLAS really kept 2 threads busy);
 *   - in P = max_threads concurrent processes of 1 thread each (the aggregate of their
 *     rates): what P single-threaded MPI ranks can reach, the layout of `mpirun -n P sigma`.
 * For context it also times the pass-2 kernel of sigma, dtrsm (L^{-1} X, L lower n x n,
 * X n x 1024, flops n^2 k) on 1 thread, and dtrmm (L X) of the same shape, the kernel pass 2
 * could use with a precomputed L^{-1}.
 * Each cell is the best of REPS timed repetitions of at least MIN_S seconds each.
 * Prints a table on stderr and one JSON object on stdout.
 *
 * Build: cc -O2 -std=c11 -I/usr/include/x86_64-linux-gnu/openblas-pthread \
 *           scripts/bench/dsyrk_peak.c -o dsyrk_peak -lopenblas
 * Usage: dsyrk_peak [n] [kmax] [max_threads]
 */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REPS 5
#define MIN_S 0.2
#define MAXK 32 /* entries of the k sweep (k <= 2^30) */

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double cpu_now(void) { /* CPU time of all threads of this process */
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double g_cores; /* CPU time / wall time of the best repetition of the last rate() */

static void syrk(int n, int k, const double *A, double *Cm) {
  cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, n, k, 1.0, A, n, 0.0, Cm, n);
}

/* Best GFLOP/s of dsyrk(n, k) over REPS repetitions of >= MIN_S seconds each. */
static double rate(int n, int k, const double *A, double *Cm) {
  const double flops = (double)k * n * (n + 1);
  syrk(n, k, A, Cm); /* warm up */
  double best = 0;
  for (int r = 0; r < REPS; r++) {
    int calls = 0;
    double t0 = now(), c0 = cpu_now(), t;
    do {
      syrk(n, k, A, Cm);
      calls++;
      t = now() - t0;
    } while (t < MIN_S);
    double g = flops * calls / t / 1e9;
    if (g > best) best = g, g_cores = (cpu_now() - c0) / t;
  }
  return best;
}

/* Best GFLOP/s of dtrsm (L^{-1} X) or, with mult, dtrmm (L X); X n x k restored from A
 * before every call (the copy is not timed). Both are n^2 k flops. */
static double tri_rate(int n, int k, const double *A, double *L, double *W, int mult) {
  for (int j = 0; j < n; j++) /* a well-conditioned lower triangular L */
    for (int i = 0; i < n; i++) L[(size_t)j * n + i] = i < j ? 0 : i == j ? n : A[(size_t)j * n + i];
  const double flops = (double)n * n * k;
  double best = 0;
  for (int r = 0; r < REPS; r++) {
    int calls = 0;
    double tc = 0, t0 = now();
    do {
      for (size_t i = 0; i < (size_t)n * k; i++) W[i] = A[i];
      double t1 = now();
      if (mult)
        cblas_dtrmm(CblasColMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, n, k, 1.0,
                    L, n, W, n);
      else
        cblas_dtrsm(CblasColMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, n, k, 1.0,
                    L, n, W, n);
      tc += now() - t1;
      calls++;
    } while (now() - t0 < MIN_S);
    double g = flops * calls / tc / 1e9;
    if (g > best) best = g;
  }
  return best;
}

static double *make_matrix(int n, int k) {
  double *A = malloc((size_t)n * k * sizeof *A);
  if (!A) {
    fprintf(stderr, "dsyrk_peak: out of memory\n");
    exit(1);
  }
  srand(1);
  for (size_t i = 0; i < (size_t)n * k; i++) A[i] = (double)rand() / RAND_MAX - 0.5;
  return A;
}

/* P single-threaded processes run the k sweep in lockstep (the parent starts every k in all
 * of them at once); agg[i] = sum of their rates at the i-th k. Returns 0 on success. */
static int procs_sweep(int P, int n, int kmax, double *agg) {
  int go[64][2], res[64][2];
  pid_t pid[64];
  for (int p = 0; p < P; p++) {
    if (pipe(go[p]) || pipe(res[p])) return -1;
    pid[p] = fork();
    if (pid[p] < 0) return -1;
    if (pid[p] == 0) {
      openblas_set_num_threads(1);
      double *A = make_matrix(n, kmax), *Cm = malloc((size_t)n * n * sizeof *Cm);
      char c;
      for (int k = 1024; k <= kmax; k *= 2) {
        if (read(go[p][0], &c, 1) != 1) _exit(1);
        double g = rate(n, k, A, Cm);
        if (write(res[p][1], &g, sizeof g) != (ssize_t)sizeof g) _exit(1);
      }
      _exit(0);
    }
  }
  int i = 0, rc = 0;
  for (int k = 1024; k <= kmax; k *= 2, i++) {
    agg[i] = 0;
    for (int p = 0; p < P; p++)
      if (write(go[p][1], "g", 1) != 1) rc = -1;
    for (int p = 0; p < P; p++) {
      double g = 0;
      if (read(res[p][0], &g, sizeof g) != (ssize_t)sizeof g) rc = -1;
      agg[i] += g;
    }
  }
  for (int p = 0; p < P; p++) {
    int st;
    waitpid(pid[p], &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) rc = -1;
    close(go[p][0]); close(go[p][1]); close(res[p][0]); close(res[p][1]);
  }
  return rc;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 256;
  int kmax = argc > 2 ? atoi(argv[2]) : 65536;
  int tmax = argc > 3 ? atoi(argv[3]) : 2;
  if (n < 1 || kmax < 1024 || kmax > (1 << 30) || tmax < 1 || tmax > 64) {
    fprintf(stderr, "usage: dsyrk_peak [n >= 1] [kmax >= 1024] [max_threads 1..64]\n");
    return 2;
  }
  /* The multi-process sweep first: fork before this process runs any BLAS call. */
  double agg[MAXK] = {0};
  int have_procs = tmax > 1 && procs_sweep(tmax, n, kmax, agg) == 0;
  if (tmax > 1 && !have_procs) fprintf(stderr, "dsyrk_peak: the %d-process sweep failed\n", tmax);

  double *A = make_matrix(n, kmax), *Cm = malloc((size_t)n * n * sizeof *Cm);
  double *W = malloc((size_t)n * 1024 * sizeof *W);
  if (!Cm || !W) return 1;
  char *core = openblas_get_corename(), *cfg = openblas_get_config();
  fprintf(stderr, "dsyrk_peak: n = %d, OpenBLAS core %s, config %s\n", n, core, cfg);
  fprintf(stderr, "%-12s %10s %10s\n", "layout", "k", "GFLOP/s");
  printf("{\"n\": %d, \"openblas_core\": \"%s\", \"openblas_config\": \"%s\", \"runs\": [", n,
         core, cfg);
  double peak[65] = {0}, ppeak = 0;
  int kbest[65] = {0}, pk = 0, first = 1;
  for (int th = 1; th <= tmax; th++) {
    openblas_set_num_threads(th);
    for (int k = 1024; k <= kmax; k *= 2) {
      double g = rate(n, k, A, Cm);
      fprintf(stderr, "%2d thread%-3s %10d %10.2f   (%.2f cores busy)\n", th, th > 1 ? "s" : "",
              k, g, g_cores);
      printf("%s{\"threads\": %d, \"procs\": 1, \"k\": %d, \"gflops\": %.3f, \"cores\": %.2f}",
             first ? "" : ", ", th, k, g, g_cores);
      first = 0;
      if (g > peak[th]) peak[th] = g, kbest[th] = k;
    }
  }
  if (have_procs) {
    int i = 0;
    for (int k = 1024; k <= kmax; k *= 2, i++) {
      fprintf(stderr, "%2d procs x1  %10d %10.2f\n", tmax, k, agg[i]);
      printf(", {\"threads\": 1, \"procs\": %d, \"k\": %d, \"gflops\": %.3f}", tmax, k, agg[i]);
      if (agg[i] > ppeak) ppeak = agg[i], pk = k;
    }
  }
  openblas_set_num_threads(1);
  double tr = tri_rate(n, 1024, A, Cm, W, 0), tm = tri_rate(n, 1024, A, Cm, W, 1);
  fprintf(stderr, "dtrsm (pass-2 kernel), 1 thread, k = 1024: %.2f GFLOP/s\n", tr);
  fprintf(stderr, "dtrmm (same shape, for comparison), 1 thread, k = 1024: %.2f GFLOP/s\n", tm);
  printf("], \"peak\": {");
  for (int th = 1; th <= tmax; th++) {
    printf("%s\"%d\": {\"gflops\": %.3f, \"k\": %d}", th > 1 ? ", " : "", th, peak[th], kbest[th]);
    fprintf(stderr, "peak, 1 process x %d thread(s): %.2f GFLOP/s at k = %d\n", th, peak[th],
            kbest[th]);
  }
  if (have_procs) {
    printf(", \"%dprocs\": {\"gflops\": %.3f, \"k\": %d}", tmax, ppeak, pk);
    fprintf(stderr, "peak, %d processes x 1 thread: %.2f GFLOP/s at k = %d\n", tmax, ppeak, pk);
  }
  printf("}, \"trsm_1thread_k1024_gflops\": %.3f, \"trmm_1thread_k1024_gflops\": %.3f}\n", tr,
         tm);
  free(A);
  free(Cm);
  free(W);
  return 0;
}
