/* sigma proxies: the table on stdout, the JSON (with provenance) and its CSV (rank 0). */
#ifndef SIGMA_PROXIES_REPORT_H
#define SIGMA_PROXIES_REPORT_H

#include <stdio.h>

#include "proxies.h"

void sigma_proxies_table(FILE *f, const sigma_proxies_opts *o, const sigma_proxies_result *r);

/* o->json and o->csv (each optional), both written before either is committed.
 * Errors: SIGMA_EIO naming the file, SIGMA_ENOMEM. */
int sigma_proxies_write(const sigma_proxies_opts *o, const sigma_proxies_result *r, int ranks);

#endif
