/* sigma monitor's internal pieces (cmd/monitor.c drives them). */
#ifndef SIGMA_MONITOR_PARTS_H
#define SIGMA_MONITOR_PARTS_H

#include "fetch.h"
#include "input.h"
#include "monitor.h"

/* One checkpoint's observed rows ob (ascending, all < its N), read and prepared (checked,
 * --normalize) by row-set hyperslabs: the reading half of a checkpoint's point, which a
 * reader thread may run ahead of the point before it (cmd/monitor.c). Memory: ob->n (16 d +
 * 24) bytes plus SIGMA_SPAN_ROWS d doubles (io/fetch.h). */
typedef struct {
  const char *spec;          /* the checkpoint to read (set before each read) */
  const sigma_observed *ob;
  int d, normalize;
  sigma_input *in;           /* open after a read: its shard table names the rows */
  double *X;                 /* ob->n x d, the rows in ascending order */
  sigma_fetch_buf fb;
  double t_read, blocked;    /* the last read (open, read, prepare): wall seconds, of
                                which blocked on I/O (mpi/worker.h) */
} sigma_mon_rows;

/* Errors: SIGMA_ENOMEM. Free with sigma_mon_rows_free in any case. */
int sigma_mon_rows_init(sigma_mon_rows *m, const sigma_observed *ob, int d, int normalize);
void sigma_mon_rows_free(sigma_mon_rows *m);

/* A sigma_job_fn (mpi/worker.h): close the input m held, open m->spec, read and prepare
 * the rows. Errors: the input's (SIGMA_EIO), SIGMA_EDATA (a bad row), SIGMA_EINVAL (d
 * changed since validation), SIGMA_ENOMEM. */
int sigma_mon_rows_read(void *m);

/* The checkpoint's point from its read rows: their norms checked against the energy cap,
 * G1 and its eigenvalues, the leave-one-out tau2 and the SPEC 4.1 statistics. Serial;
 * call with one BLAS thread for rank-independent digits. U_full NaN. No HDF5, no MPI.
 * A singular G1 (a block collapsed below rank d) keeps U, Gamma and the health (delta > 0)
 * and leaves tau2_loo, tau2_dec and V not applicable (NaN).
 * Errors: SIGMA_EINVAL (a row above the energy cap, naming file, dataset and row),
 * SIGMA_ELAPACK, SIGMA_ENOMEM. */
int sigma_monitor_point(const sigma_monitor_opts *o, const sigma_mon_rows *m, sigma_mon_point *p);

/* Drifts against o->baseline (z, level set in r) and the series summary.
 * Errors: SIGMA_EINVAL (the baseline is beyond the series). */
int sigma_monitor_series(const sigma_monitor_opts *o, sigma_monitor_result *r);

#endif
