/* Study plots: gnuplot PNGs from the data files the summary writes (issue 3). */
#ifndef SIGMA_PLOTS_H
#define SIGMA_PLOTS_H

/* Run gnuplot on DIR/plots/study.gp (written by the caller with its data files).
 * Errors: SIGMA_EIO naming gnuplot's failure (or its absence: install gnuplot-nox). */
int sigma_run_gnuplot(const char *dir);

#endif
