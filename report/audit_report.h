/* Audit report: readable table on stdout, JSON and CSV with every number and provenance. */
#ifndef SIGMA_REPORT_H
#define SIGMA_REPORT_H

#include <stdio.h>

#include "audit.h"

/* The table (rank 0). */
void sigma_report_table(FILE *out, const sigma_audit_opts *o, const sigma_audit_result *r);

/* Write the report (every number, provenance; argv: the command line) as JSON to
 * json_path, as CSV to csv_path, and the observed rows (sigma_observed_write) to
 * indices_path; any may be NULL. CSV: a "key,value" header, then one row per JSON leaf in
 * the same order, keys joined by '.' with [i] for array elements (e.g.
 * estimators.wishart.oracle.ci_low, eigenvalues.G[0]); reals as %.17g (they round-trip),
 * NaN / not applicable as an empty value. Every file goes through io/files.h (never onto
 * an input; devices and FIFOs written in place, regular files by an atomic rename), all
 * are written before any is committed: on an error none is left behind.
 * Errors: SIGMA_EIO, SIGMA_EINVAL (an output names an input), SIGMA_ENOMEM. */
int sigma_report_write(const char *json_path, const char *csv_path, const char *indices_path,
                       const sigma_audit_opts *o, const sigma_audit_result *r);

/* --plots DIR (created if new): spectra.png (eigenvalues of G, (N/n1) G1 and G2 on log-log
 * axes with the power-law fit to G), estimates.png (every registered estimator with the
 * paper's CI and its own CI against L), theorem1.png (Theorem 1's gaps and the
 * overestimation law on a log scale), their data files and audit.gp. Errors: SIGMA_EIO
 * (naming the file; gnuplot's failure), SIGMA_ENOMEM. */
int sigma_audit_plots(const char *dir, const sigma_audit_opts *o, const sigma_audit_result *r);

#endif
