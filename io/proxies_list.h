/* The surface proxies of a monitor's checkpoints (sigma monitor --proxies LIST): LIST
 * names one `sigma proxies --json` output per line (io/parse.h list syntax: blank lines
 * and '#' lines skipped; paths relative to the working directory), one per checkpoint of
 * this run, in checkpoint order. */
#ifndef SIGMA_IO_PROXIES_LIST_H
#define SIGMA_IO_PROXIES_LIST_H

/* v: K x 3 (distinct_1, distinct_2, hhi of checkpoint k at v[3 k..]; null -> NaN).
 * Errors: SIGMA_EIO (LIST or a JSON missing or unreadable), SIGMA_EINVAL (LIST names
 * another number of files than K), SIGMA_EFORMAT (a file that is not a sigma proxies
 * output: not JSON, or a key missing or not a number, naming file and key). */
int sigma_proxies_list_read(const char *list, int K, double *v);

#endif
