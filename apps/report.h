/* Audit report: readable table on stdout, JSON with every number and provenance. */
#ifndef SIGMA_REPORT_H
#define SIGMA_REPORT_H

#include <stdio.h>

#include "audit.h"

/* The table (rank 0). */
void sigma_report_table(FILE *out, const sigma_audit_opts *o, const sigma_audit_result *r);

/* Write JSON to path atomically (path.tmp then rename). argv: the command line.
 * Errors: SIGMA_EIO, SIGMA_ENOMEM. */
int sigma_report_json(const char *path, const sigma_audit_opts *o, const sigma_audit_result *r,
                      int argc, char **argv);

#endif
