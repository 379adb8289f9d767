/* Options every command that reads an input shares, parsed once by apps/sigma.c and
 * passed through as is (a study hands its own to the audit that gives its truth). */
#ifndef SIGMA_OPTIONS_H
#define SIGMA_OPTIONS_H

#include <stdint.h>

typedef struct {
  char **inputs;          /* FILE[:DATASET] specs, globs, @LIST (io/input.h) */
  int ninputs;
  uint64_t seed;          /* Philox seed of every draw (SPEC 7), 0..2^63-1 */
  double level;           /* CI level in (0, 1) */
  double rule_constant;   /* c in n1 = ceil(c d / eps^2) [3.14] */
  int normalize, center;  /* row preparation (SPEC 1) */
  int64_t block_rows;     /* rows per read per rank; 0: a 16 MiB budget */
  int quiet;              /* no progress on stderr */
  int argc;               /* the command line, for provenance */
  char **argv;
} sigma_common_opts;

/* seed 1, level 0.95, rule constant 4, everything else off or empty. */
static inline sigma_common_opts sigma_common_defaults(void) {
  return (sigma_common_opts){.seed = 1, .level = 0.95, .rule_constant = 4.0};
}

#endif
