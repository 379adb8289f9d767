/* Progress meter. */
#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

/* The C clock, not MPI_Wtime: the streaming pass updates progress while its reader
 * thread may be inside MPI-IO (mpi/worker.h). */
static double wtime(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void show(sigma_progress *p, double done, int final) {
  double t = wtime() - p->t0;
  double rate = t > 0 ? done * p->bytes_per_row / t / 1e9 : 0;
  double eta = done > 0 ? t * (p->total_rows - done) / done : 0;
  char speed[48] = "";
  if (p->bytes_per_row > 0) snprintf(speed, sizeof speed, ", %.2f GB/s", rate);
  fprintf(stderr, "%s%s: %lld/%lld %s (%.1f%%)%s, %s %.1f s%s", p->tty ? "\r" : "", p->label,
          (long long)done, (long long)p->total_rows, p->bytes_per_row > 0 ? "rows" : "done",
          p->total_rows ? 100.0 * done / p->total_rows : 100.0, speed, final ? "took" : "ETA",
          final ? t : eta, (final || !p->tty) ? "\n" : "");
  fflush(stderr);
}

void sigma_progress_start(sigma_progress *p, const char *label, int enabled, int64_t total_rows,
                          int64_t my_rows, double bytes_per_row) {
  p->label = label;
  p->enabled = enabled;
  p->tty = isatty(2);
  p->total_rows = total_rows;
  p->scale = my_rows > 0 ? (double)total_rows / (double)my_rows : 1.0;
  p->bytes_per_row = bytes_per_row;
  p->t0 = p->t_last = wtime();
}

void sigma_progress_update(sigma_progress *p, int64_t my_rows_done) {
  if (!p->enabled) return;
  double now = wtime();
  if (now - p->t_last < (p->tty ? 0.5 : 10.0)) return;
  p->t_last = now;
  double done = my_rows_done * p->scale;
  if (done > p->total_rows) done = (double)p->total_rows;
  show(p, done, 0);
}

void sigma_progress_end(sigma_progress *p) {
  if (p->enabled) show(p, (double)p->total_rows, 1);
}
