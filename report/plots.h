/* Plots: gnuplot PNGs from the data files a study's summary or a monitor run writes. */
#ifndef SIGMA_PLOTS_H
#define SIGMA_PLOTS_H

/* Run gnuplot on DIR/plots/SCRIPT (written by the caller with its data files).
 * Errors: SIGMA_EIO naming gnuplot's failure (or its absence: install gnuplot-nox). */
int sigma_run_gnuplot(const char *dir, const char *script);

/* The same in directory plots itself (its gnuplot.log there). */
int sigma_run_gnuplot_in(const char *plots, const char *script);

/* Before any work: gnuplot runs (`gnuplot --version`). Errors: SIGMA_EIO ("gnuplot not
 * found: install gnuplot-nox ..., or pass --no-plots"). */
int sigma_gnuplot_check(void);

#endif
