/* The helper thread and the read-ahead policy (mpi/worker.h). */
#include "worker.h"

#include <mpi.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sigma/error.h"

struct sigma_worker {
  int threaded;
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;   /* every change of state below, broadcast */
  sigma_job_fn fn;     /* submitted, not yet taken by the thread (or run by wait) */
  void *ctx;
  int outstanding;     /* submitted and not yet waited for or cancelled */
  int done;            /* the taken job finished: rc, msg */
  int rc;
  char *msg;           /* its message, moved from the helper thread */
  int quit;
};

static int is_one_of(const char *v, const char *a, const char *b, const char *c) {
  return !strcmp(v, a) || !strcmp(v, b) || !strcmp(v, c);
}

sigma_overlap_mode sigma_overlap_mode_get(void) {
  const char *no = getenv("SIGMA_NO_OVERLAP"), *v = getenv("SIGMA_OVERLAP");
  if (no && no[0] && strcmp(no, "0") != 0) return SIGMA_OVERLAP_OFF;
  if (!v) return SIGMA_OVERLAP_AUTO;
  if (is_one_of(v, "off", "0", "no")) return SIGMA_OVERLAP_OFF;
  if (is_one_of(v, "on", "1", "yes")) return SIGMA_OVERLAP_ON;
  return SIGMA_OVERLAP_AUTO;
}

/* The thread's CPU time is CLOCK_THREAD_CPUTIME_ID (exact: /proc's run time lags by up to a
 * scheduler tick, as long as a whole 16 MiB block takes to read); the time it waited for a
 * CPU is schedstat's run_delay, complete whenever the thread is running. */
void sigma_thread_clock_start(sigma_thread_clock *c) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  c->wall = (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  c->run = (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
  c->queued = -1; /* unknown */
  FILE *f = fopen("/proc/thread-self/schedstat", "r");
  unsigned long long run = 0, queued = 0;
  if (f && fscanf(f, "%llu %llu", &run, &queued) == 2) c->queued = 1e-9 * (double)queued;
  if (f) fclose(f);
}

double sigma_thread_clock_blocked(const sigma_thread_clock *c, double *wall) {
  sigma_thread_clock now;
  sigma_thread_clock_start(&now);
  *wall = now.wall - c->wall;
  if (c->queued < 0 || now.queued < 0) return 0; /* no schedstat: unknown */
  const double b = *wall - (now.run - c->run) - (now.queued - c->queued);
  return b > 0 ? b : 0;
}

int sigma_read_ahead_pays(sigma_overlap_mode mode, int threaded, double blocked, double wall) {
  if (!threaded || mode == SIGMA_OVERLAP_OFF) return 0;
  return mode == SIGMA_OVERLAP_ON || blocked > 0.1 * wall;
}

/* MPI calls from the helper (HDF5's MPI-IO driver) need MPI_THREAD_SERIALIZED. */
static int mpi_allows_thread(void) {
  int init = 0, fin = 0, level = MPI_THREAD_SINGLE;
  MPI_Initialized(&init);
  MPI_Finalized(&fin);
  if (!init || fin) return 1; /* no MPI in this process: nothing to serialise */
  MPI_Query_thread(&level);
  return level >= MPI_THREAD_SERIALIZED;
}

static void *worker_main(void *arg) {
  sigma_worker *w = arg;
  pthread_mutex_lock(&w->mu);
  for (;;) {
    while (!w->fn && !w->quit) pthread_cond_wait(&w->cv, &w->mu);
    if (w->quit) break;
    sigma_job_fn fn = w->fn;
    w->fn = NULL;
    pthread_mutex_unlock(&w->mu);
    int rc = fn(w->ctx);
    char *msg = rc != SIGMA_OK ? sigma_error_take() : NULL;
    pthread_mutex_lock(&w->mu);
    w->rc = rc;
    w->msg = msg;
    w->done = 1;
    pthread_cond_broadcast(&w->cv);
  }
  pthread_mutex_unlock(&w->mu);
  sigma_clear_error(); /* this thread's message storage */
  return NULL;
}

int sigma_worker_start(sigma_worker **out, int want) {
  sigma_worker *w = NULL;
  *out = NULL;
  SIGMA_CHECK(sigma_calloc(&w, 1, sizeof *w));
  if (want && sigma_overlap_mode_get() != SIGMA_OVERLAP_OFF && mpi_allows_thread()) {
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->threaded = pthread_create(&w->thread, NULL, worker_main, w) == 0;
    if (!w->threaded) {
      pthread_cond_destroy(&w->cv);
      pthread_mutex_destroy(&w->mu);
    }
  }
  *out = w;
  return SIGMA_OK;
}

int sigma_worker_threaded(const sigma_worker *w) { return w && w->threaded; }

void sigma_worker_submit(sigma_worker *w, sigma_job_fn fn, void *ctx) {
  if (!w->threaded) {
    w->fn = fn;
    w->ctx = ctx;
    w->outstanding = 1;
    return;
  }
  pthread_mutex_lock(&w->mu);
  w->ctx = ctx;
  w->fn = fn;
  w->done = 0;
  w->outstanding = 1;
  pthread_cond_broadcast(&w->cv);
  pthread_mutex_unlock(&w->mu);
}

/* The outstanding job's result, waited for: *msg moved to the caller. */
static int collect(sigma_worker *w, char **msg) {
  pthread_mutex_lock(&w->mu);
  while (!w->done) pthread_cond_wait(&w->cv, &w->mu);
  int rc = w->rc;
  *msg = w->msg;
  w->msg = NULL;
  w->done = 0;
  w->outstanding = 0;
  pthread_mutex_unlock(&w->mu);
  return rc;
}

int sigma_worker_wait(sigma_worker *w) {
  if (!w->outstanding) return SIGMA_OK;
  if (!w->threaded) {
    w->outstanding = 0;
    sigma_job_fn fn = w->fn;
    w->fn = NULL;
    return fn(w->ctx);
  }
  char *msg = NULL;
  int rc = collect(w, &msg);
  if (rc != SIGMA_OK)
    sigma_set_error(rc, "%s", msg ? msg : "out of memory (while recording an error message)");
  free(msg);
  return rc;
}

void sigma_worker_cancel(sigma_worker *w) {
  if (!w || !w->outstanding) return;
  if (!w->threaded) {
    w->fn = NULL;
    w->outstanding = 0;
    return;
  }
  pthread_mutex_lock(&w->mu);
  const int untaken = w->fn != NULL;
  w->fn = NULL;
  if (untaken) w->outstanding = 0;
  pthread_mutex_unlock(&w->mu);
  if (untaken) return;
  char *msg = NULL;
  collect(w, &msg);
  free(msg);
}

void sigma_worker_stop(sigma_worker **pw) {
  sigma_worker *w = *pw;
  if (!w) return;
  sigma_worker_cancel(w);
  if (w->threaded) {
    pthread_mutex_lock(&w->mu);
    w->quit = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
  }
  free(w);
  *pw = NULL;
}
