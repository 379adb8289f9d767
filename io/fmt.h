/* Numbers as text: not applicable is never printed as nan or inf.
 *
 * Every number sigma prints for a person (tables, report.md) goes through sigma_num, and
 * every number of a CSV through sigma_csv_num: a NaN or infinite value means "not
 * applicable" (n1 = d for leave-one-out, d = 1 for a power-law fit, ...) and is printed
 * as "n/a" in tables and as an empty field in CSV (JSON uses null: report.c, study.c).
 *
 * The returned strings live in a ring of SIGMA_FMT_RING buffers, so up to that many can
 * appear in one printf call; they are overwritten by later calls. Not thread-safe.
 */
#ifndef SIGMA_IO_FMT_H
#define SIGMA_IO_FMT_H

#define SIGMA_FMT_RING 64

#include <jansson.h>

/* v formatted with fmt (one double conversion, e.g. "%.6f"), or "n/a" if not finite. */
const char *sigma_num(const char *fmt, double v);

/* v as "%.17g" (round-trips), or "" if not finite: a CSV field. */
const char *sigma_csv_num(double v);

/* v as a JSON real, or JSON null if not finite (JSON has no NaN). New reference. */
json_t *sigma_json_num(double v);

#endif
