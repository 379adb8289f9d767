/* kernel_peak: the BLAS ceilings of sigma's two passes, called exactly as sigma calls them
 * (issue 12), in P concurrent single-threaded processes (the layout of mpirun -n P sigma):
 *   - pass 1, dsyrk: a chunk of 8192 rows (d = n columns, row-major = column-major n x k)
 *     as sigma_gram_syrk does it: 8 calls C += A_i A_i^T on 1024-row sub-blocks, flops
 *     k n (n + 1) per chunk;
 *   - pass 2, dtrmm: the same chunk multiplied in place by a lower-triangular n x n L
 *     (sigma_inv_quadform with work == X), flops n^2 k.
 * Each kernel runs on "hot" data (one chunk over and over: in cache, the best case) and on
 * "streamed" data (a 512 MiB matrix chunk after chunk: what a pass over a large file sees,
 * less the reading). Each cell is the best of 3 repetitions of >= 0.5 s per process; the
 * rate of P processes is the sum of theirs, run in lockstep.
 * Prints a table on stderr and one JSON object on stdout.
 *
 * Build: cc -O2 -std=c11 -I/usr/include/x86_64-linux-gnu/openblas-pthread \
 *           scripts/bench/kernel_peak.c -o kernel_peak -lopenblas
 * Usage: kernel_peak [n] [max_procs]   (defaults 256, 2)
 */
#define _POSIX_C_SOURCE 200809L
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 8192
#define SUB 1024
#define STREAM_BYTES (512.0 * 1048576.0)
#define MIN_S 0.5
#define REPS 3
enum { SYRK_HOT, SYRK_STREAM, TRMM_HOT, TRMM_STREAM, NK };
static const char *names[NK] = {"dsyrk hot", "dsyrk streamed", "dtrmm hot", "dtrmm streamed"};

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void chunk_op(int kind, int n, double *X, const double *L, double *C) {
  if (kind == SYRK_HOT || kind == SYRK_STREAM) {
    for (int i = 0; i < CHUNK; i += SUB)
      cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, n, SUB, 1.0, X + (size_t)i * n, n,
                  i ? 1.0 : 0.0, C, n);
  } else {
    cblas_dtrmm(CblasColMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, n, CHUNK, 1.0,
                L, n, X, n);
  }
}

/* Best GFLOP/s of one kernel over the chunks of X (nchunks of them; 1 for hot). */
static double rate(int kind, int n, double *X, int nchunks, const double *L, double *C) {
  const int stream = kind == SYRK_STREAM || kind == TRMM_STREAM;
  const double flops = (kind <= SYRK_STREAM ? (double)n * (n + 1) : (double)n * n) * CHUNK;
  double best = 0;
  for (int r = 0; r < REPS; r++) {
    long calls = 0;
    double t0 = now(), t;
    do {
      chunk_op(kind, n, X + (stream ? (size_t)(calls % nchunks) * CHUNK * n : 0), L, C);
      calls++;
      t = now() - t0;
    } while (t < MIN_S || (stream && calls < nchunks));
    double g = flops * calls / t / 1e9;
    if (g > best) best = g;
  }
  return best;
}

/* One process's rates of every kernel, each started when the parent says go. */
static void child(int n, int go, int res) {
  openblas_set_num_threads(1);
  const int nchunks = (int)(STREAM_BYTES / (8.0 * n * CHUNK));
  double *X = malloc((size_t)nchunks * CHUNK * n * sizeof *X);
  double *L = calloc((size_t)n * n, sizeof *L), *C = malloc((size_t)n * n * sizeof *C);
  if (!X || !L || !C) _exit(1);
  srand(1);
  for (size_t i = 0; i < (size_t)nchunks * CHUNK * n; i++) X[i] = (double)rand() / RAND_MAX - 0.5;
  for (int j = 0; j < n; j++) /* I + a small strictly lower part: repeated products stay finite */
    for (int i = j; i < n; i++) L[(size_t)j * n + i] = i == j ? 1.0 : 1e-3 / n;
  for (int kind = 0; kind < NK; kind++) {
    char c;
    if (read(go, &c, 1) != 1) _exit(1);
    double g = rate(kind, n, X, nchunks, L, C);
    if (write(res, &g, sizeof g) != (ssize_t)sizeof g) _exit(1);
  }
  _exit(0);
}

/* agg[kind] = the sum of P processes' rates. Returns 0 on success. */
static int procs(int P, int n, double *agg) {
  int go[64][2], res[64][2], rc = 0;
  pid_t pid[64];
  for (int p = 0; p < P; p++) {
    if (pipe(go[p]) || pipe(res[p])) return -1;
    if ((pid[p] = fork()) < 0) return -1;
    if (pid[p] == 0) child(n, go[p][0], res[p][1]);
  }
  for (int kind = 0; kind < NK; kind++) {
    agg[kind] = 0;
    for (int p = 0; p < P; p++)
      if (write(go[p][1], "g", 1) != 1) rc = -1;
    for (int p = 0; p < P; p++) {
      double g = 0;
      if (read(res[p][0], &g, sizeof g) != (ssize_t)sizeof g) rc = -1;
      agg[kind] += g;
    }
  }
  for (int p = 0; p < P; p++) {
    int st;
    waitpid(pid[p], &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) rc = -1;
  }
  return rc;
}

int main(int argc, char **argv) {
  const int n = argc > 1 ? atoi(argv[1]) : 256, pmax = argc > 2 ? atoi(argv[2]) : 2;
  if (n < 1 || pmax < 1 || pmax > 64) {
    fprintf(stderr, "usage: kernel_peak [n] [max_procs 1..64]\n");
    return 2;
  }
  printf("{\"n\": %d, \"chunk\": %d, \"sub_block\": %d, \"openblas_core\": \"%s\", \"procs\": {",
         n, CHUNK, SUB, openblas_get_corename());
  for (int P = 1; P <= pmax; P++) {
    double agg[NK];
    if (procs(P, n, agg) != 0) {
      fprintf(stderr, "kernel_peak: the %d-process run failed\n", P);
      return 1;
    }
    printf("%s\"%d\": {", P > 1 ? ", " : "", P);
    for (int k = 0; k < NK; k++) {
      fprintf(stderr, "%d process%s x 1 thread  %-15s %8.2f GFLOP/s\n", P, P > 1 ? "es" : "  ",
              names[k], agg[k]);
      printf("%s\"%s\": %.3f", k ? ", " : "", names[k], agg[k]);
    }
    printf("}");
  }
  printf("}}\n");
  return 0;
}
