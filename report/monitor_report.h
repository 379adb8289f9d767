/* The monitor's report (rank 0): a table and the verdicts on stdout, and DIR/monitor.csv,
 * DIR/monitor.json (every number, the slopes, the verdicts, provenance),
 * DIR/observed-indices.txt, DIR/report.md and DIR/plots/ (gnuplot PNGs). Not applicable:
 * n/a in text, an empty CSV field, JSON null. */
#ifndef SIGMA_MONITOR_REPORT_H
#define SIGMA_MONITOR_REPORT_H

#include <stdio.h>

#include "monitor.h"
#include "str.h"

/* One row per checkpoint, then the summary and the verdicts. */
void sigma_monitor_table(FILE *f, const sigma_monitor_result *r);

/* The summary and verdicts in words (the table's last lines and report.md's verdict). */
void sigma_monitor_verdict_text(sigma_str *s, const sigma_monitor_result *r);

/* The CSV: header + one line per checkpoint (columns: checkpoint,label,N,d,n1,U,Gamma,
 * delta_U,delta_Gamma, the CI, tau2, health and --full columns). */
void sigma_monitor_csv(sigma_str *s, const sigma_monitor_result *r);

/* Write every file of DIR (created if new) through the one output writer; monitor.json
 * last, so a run that fails half way leaves the previous monitor.json (or none).
 * Errors: SIGMA_EIO (naming the file), SIGMA_ENOMEM; gnuplot's (report/plots.h). */
int sigma_monitor_write(const sigma_monitor_opts *o, const sigma_monitor_result *r);

/* report.md and the plots' data and script (report/monitor_markdown.c). */
int sigma_monitor_markdown(const sigma_monitor_result *r, const char *path, int plots);
int sigma_monitor_plot_files(const sigma_monitor_result *r, const char *dir);

#endif
