/* sigma monitor's internal pieces (cmd/monitor.c drives them). */
#ifndef SIGMA_MONITOR_PARTS_H
#define SIGMA_MONITOR_PARTS_H

#include "input.h"
#include "monitor.h"

/* One checkpoint's point from its observed rows ob (ascending, all < in->N): the rows read
 * by row-set hyperslabs and prepared (checked, --normalize), their norms checked against
 * the energy cap, G1 and its eigenvalues, the leave-one-out tau2 and the SPEC 4.1
 * statistics. Serial; call with one BLAS thread for rank-independent digits. U_full NaN.
 * *t_read: wall seconds of reading and preparing the rows (the benchmark's yardstick).
 * A singular G1 (a block collapsed below rank d) keeps U, Gamma and the health (delta > 0)
 * and leaves tau2_loo, tau2_dec and V not applicable (NaN).
 * Errors: the input's (SIGMA_EIO), SIGMA_EDATA (a bad row), SIGMA_EINVAL (a row above the
 * energy cap, naming file, dataset and row), SIGMA_ELAPACK, SIGMA_ENOMEM. */
int sigma_monitor_block(const sigma_monitor_opts *o, sigma_input *in, const sigma_observed *ob,
                        sigma_mon_point *p, double *t_read);

/* Drifts against o->baseline (z, level set in r) and the series summary.
 * Errors: SIGMA_EINVAL (the baseline is beyond the series). */
int sigma_monitor_series(const sigma_monitor_opts *o, sigma_monitor_result *r);

#endif
