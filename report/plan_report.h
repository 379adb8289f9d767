/* The plan's report (rank 0): a table on stdout, and the plan as JSON with provenance. */
#ifndef SIGMA_PLAN_REPORT_H
#define SIGMA_PLAN_REPORT_H

#include <stdio.h>

#include "plan_cmd.h"

/* The table: pilot facts, then one line per eps with the rule's n1, its half-width and
 * plug-in bias, and the n1 every registered estimator needs. Not applicable: n/a. */
void sigma_plan_table(FILE *f, const sigma_plan_opts *o, const sigma_plan_result *r);

/* o->json (if set) through the one output writer: every number of r, null when not
 * applicable, "n1" per registry key, and the provenance. Errors: SIGMA_EIO, SIGMA_ENOMEM. */
int sigma_plan_write(const sigma_plan_opts *o, const sigma_plan_result *r);

#endif
