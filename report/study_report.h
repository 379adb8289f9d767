/* Study report (rank 0): every output a study or merge writes from its summary
 * (cmd/study.h, sigma_study_result), iterating the estimator registry for every list of
 * estimators, so a new estimator appears in each with no edit here:
 *   stdout        the summary table (n/a for not applicable)
 *   summary.csv   one row per n1 and estimator (not applicable: empty)
 *   summary.json  the study, truth, replicates, rows (null), timing, provenance
 *   report.md     the verdict in words and the table (report/study_markdown.c)
 *   plots/        est_KEY.dat, err_KEY.dat, qq_KEY.dat, hist.dat, study.gp, and the PNGs
 *                 gnuplot draws from them (report/study_plots.c, report/plots.h)
 * Every file goes through the one output writer (io/files.h). */
#ifndef SIGMA_STUDY_REPORT_H
#define SIGMA_STUDY_REPORT_H

#include <stdio.h>

#include "study.h"

/* Print the table and write summary.csv, report.md, the plots (unless r->no_plots) and
 * summary.json, in that order, into r->out_dir. Errors: SIGMA_EIO, SIGMA_ENOMEM, and
 * gnuplot's (report/plots.h). */
int sigma_study_report(const sigma_study_result *r);

/* report.md (report/study_markdown.c). Errors: SIGMA_ENOMEM, those of the writer. */
int sigma_study_markdown(const sigma_study_result *r);

/* The plot data files and plots/study.gp (report/study_plots.c); does not run gnuplot.
 * Errors: SIGMA_EIO, SIGMA_ENOMEM. */
int sigma_study_plot_files(const sigma_study_result *r);

/* Estimator e's short label in prose: its display name up to the first blank ("plug-in",
 * "Wishart"), in *label (newly allocated; NULL: SIGMA_ENOMEM). */
char *sigma_study_label(int e);

#endif
