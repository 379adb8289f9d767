/* A helper thread that runs one job at a time beside the calling thread: the streaming
 * pass reads and prepares the next block of rows while the caller runs BLAS on the
 * current one (mpi/stream.c).
 *
 * Rules while a job runs (between sigma_worker_submit and sigma_worker_wait or _cancel):
 * the job alone may touch what it was given and call the input layer (HDF5 is not built
 * thread-safe on Debian: one thread at a time; its MPI-IO driver makes MPI calls, which
 * the process allows from any one thread at a time: MPI_THREAD_SERIALIZED, apps/sigma.c);
 * the caller makes no HDF5 and no MPI call (not even MPI_Wtime: mpi/progress.c uses the
 * C clock) and does not use io/files.h (its registry of input files is not locked), i.e.
 * no input or output layer call at all: BLAS, LAPACK and its own memory only. The job's error (code and message, recorded on the helper thread) is raised
 * again on the caller's thread by sigma_worker_wait, word for word.
 *
 * Without a thread (SIGMA_NO_OVERLAP set to anything but "" or "0"; MPI initialised below
 * MPI_THREAD_SERIALIZED; pthread_create failing) a submitted job runs inside
 * sigma_worker_wait, on the caller's thread: the order of a plain sequential loop (work
 * on the current block, then read the next), with the same results.
 */
#ifndef SIGMA_WORKER_H
#define SIGMA_WORKER_H

typedef int (*sigma_job_fn)(void *ctx);

typedef struct sigma_worker sigma_worker;

/* A worker; with a thread if want and overlap is allowed (above). Errors: SIGMA_ENOMEM.
 * Stop it with sigma_worker_stop in any case. */
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

/* 1 unless SIGMA_NO_OVERLAP disables reading ahead (documented in the README). */
int sigma_overlap_enabled(void);

#endif
