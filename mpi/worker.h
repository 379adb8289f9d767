/* Reading ahead: a helper thread that runs one job at a time beside the calling thread
 * (the streaming pass reads and prepares the next block of rows while the caller runs
 * BLAS on the current one, mpi/stream.c; sigma monitor reads the next checkpoint's rows),
 * and when doing so pays.
 *
 * Rules while a job runs (between sigma_worker_submit and sigma_worker_wait or _cancel):
 * the job alone may touch what it was given and call the input layer (HDF5 is not built
 * thread-safe on Debian: one thread at a time; its MPI-IO driver makes MPI calls, which
 * the process allows from any one thread at a time: MPI_THREAD_SERIALIZED, apps/sigma.c);
 * the caller makes no HDF5 and no MPI call (not even MPI_Wtime: mpi/progress.c uses the
 * C clock) and does not use io/files.h (its registry of input files is not locked), i.e.
 * no input or output layer call at all: BLAS, LAPACK and its own memory only. The job's
 * error (code and message, recorded on the helper thread) is raised again on the caller's
 * thread by sigma_worker_wait, word for word.
 *
 * When it pays (SIGMA_OVERLAP, sigma_overlap_mode): reading overlaps BLAS only where the
 * reader waits (for a disk, a parallel file system) or has a core of its own. Where it
 * shares the rank's core and its data comes from the page cache, reading ahead costs:
 * the block written ahead evicts the one BLAS is about to use from the caches (measured
 * 15-20% slower, docs/performance.md). So by default (auto) the caller reads the next
 * block itself unless the last read spent a tenth of its time blocked
 * (sigma_thread_clock_blocked), and reads ahead once reads block.
 */
#ifndef SIGMA_WORKER_H
#define SIGMA_WORKER_H

typedef int (*sigma_job_fn)(void *ctx);

typedef struct sigma_worker sigma_worker;

/* SIGMA_OVERLAP=auto (default) | on | off (also 1/0, yes/no); SIGMA_NO_OVERLAP=1 is off.
 * off: never a thread; on: read ahead always (with a thread); auto: as above. */
typedef enum { SIGMA_OVERLAP_AUTO, SIGMA_OVERLAP_ON, SIGMA_OVERLAP_OFF } sigma_overlap_mode;
sigma_overlap_mode sigma_overlap_mode_get(void);

/* A worker; with a thread if want, the mode is not off, MPI allows it (initialised with
 * at least MPI_THREAD_SERIALIZED, or not at all) and pthread_create succeeds. Without one,
 * a submitted job runs inside sigma_worker_wait, on the caller's thread. Errors:
 * SIGMA_ENOMEM. Stop it with sigma_worker_stop in any case. */
int sigma_worker_start(sigma_worker **w, int want);

/* 1 if jobs run on a helper thread, 0 if they run in sigma_worker_wait. */
int sigma_worker_threaded(const sigma_worker *w);

/* Hand fn(ctx) to the worker (at most one job outstanding). */
void sigma_worker_submit(sigma_worker *w, sigma_job_fn fn, void *ctx);

/* Wait for the outstanding job (or run it, without a thread) and return its code, its
 * message raised on this thread; SIGMA_OK if none is outstanding. */
int sigma_worker_wait(sigma_worker *w);

/* Forget the outstanding job: one that has not started is dropped (without a thread it
 * never runs), one that runs is waited for; its error is discarded. */
void sigma_worker_cancel(sigma_worker *w);

/* Cancel any job, end the thread, free; *w = NULL (NULL is fine). */
void sigma_worker_stop(sigma_worker **w);

/* The calling thread's clock: wall time, its CPU time and its time waiting for a CPU
 * (Linux /proc/thread-self/schedstat; queued < 0 where missing). */
typedef struct {
  double wall, run, queued;
} sigma_thread_clock;
void sigma_thread_clock_start(sigma_thread_clock *c);

/* Seconds since start, into *wall; returns the part the thread was blocked (neither
 * running nor runnable: waiting for I/O), 0 if unknown. Call on the starting thread. */
double sigma_thread_clock_blocked(const sigma_thread_clock *c, double *wall);

/* Whether to read the next item ahead, given the last read's blocked and wall seconds,
 * under mode (threaded: a worker thread exists). */
int sigma_read_ahead_pays(sigma_overlap_mode mode, int threaded, double blocked, double wall);

#endif
