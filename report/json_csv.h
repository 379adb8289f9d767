/* A JSON tree as CSV: a "key,value" header, then one row per leaf in document order, keys
 * joined by '.' with [i] for array elements (estimators.wishart.oracle.ci_low,
 * eigenvalues.G[0]); reals as %.17g (they round-trip), integers exactly, booleans as
 * true/false, null (not applicable) as an empty value; fields quoted as RFC 4180 asks. */
#ifndef SIGMA_JSON_CSV_H
#define SIGMA_JSON_CSV_H

#include <jansson.h>
#include <stdio.h>

/* Errors: SIGMA_EIO (the stream failed), SIGMA_ENOMEM. */
int sigma_json_csv(json_t *root, FILE *f);

#endif
