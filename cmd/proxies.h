/* sigma proxies: surface proxies of generated text at scale (issue 13; the paper's
 * Appendix C.1): distinct-1, distinct-2 and the HHI of hashed n-grams from a count-min
 * sketch, over the lines of text files shared by the ranks (io/lines.h). */
#ifndef SIGMA_PROXIES_CMD_H
#define SIGMA_PROXIES_CMD_H

#include <mpi.h>
#include <stdint.h>

#include "options.h"

typedef struct {
  sigma_common_opts c;  /* inputs = the text files; argv for provenance; quiet */
  int hhi_n;            /* n of the HHI's n-grams (default 3) */
  int64_t width;        /* count-min width W (default 2^20): eps = e / W */
  int depth;            /* count-min depth D (default 5): delta = e^-D */
  uint64_t sketch_seed; /* the sketch's row hashes (--seed) */
  int exact;            /* also the exact HHI (a count per distinct n-gram) */
  const char *json, *csv;
} sigma_proxies_opts;

typedef struct {
  uint64_t lines, tokens;
  uint64_t ngrams_1, ngrams_2, ngrams_n;       /* all n-grams of order 1, 2, hhi_n */
  uint64_t distinct_1, distinct_2, distinct_n; /* distinct_n: with exact only (else 0) */
  double d1, d2;          /* distinct-1, distinct-2; NaN with no n-gram of that order */
  double hhi, hhi_exact;  /* the sketch's HHI and the exact one (NaN unless exact);
                             NaN with no hhi_n-gram */
  double eps, delta;      /* the sketch's bound: hhi <= HHI + eps with prob. >= 1 - delta */
  double t_read, t_reduce, t_total; /* seconds, the maximum over ranks */
} sigma_proxies_result;

/* Every rank: its share of the lines, then the maps partitioned and the sketch summed.
 * The same result on every rank, for any number of ranks. Outputs (o->json, o->csv) are
 * checked before any work but written by the report layer.
 * Errors: SIGMA_EIO (a file), SIGMA_EDATA (invalid UTF-8 or NUL naming file and line),
 * SIGMA_EINVAL (an output names an input; a sum of squares beyond 2^64), SIGMA_ENOMEM,
 * SIGMA_EMPI; agreed on every rank. */
int sigma_proxies_run(const sigma_proxies_opts *o, MPI_Comm comm, sigma_proxies_result *r);

#endif
