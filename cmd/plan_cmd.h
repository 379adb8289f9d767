/* sigma plan: recommend n1 from a pilot block only (no full pass). */
#ifndef SIGMA_PLAN_CMD_H
#define SIGMA_PLAN_CMD_H

#include <mpi.h>
#include <stdint.h>

#include "options.h"

typedef struct {
  sigma_common_opts c;  /* inputs, seed, level, rule constant; --center uses the pilot's own
                           mean (no full pass) */
  double eps[64];
  int K;                /* number of eps values */
  int64_t pilot;        /* pilot rows; 0: max(16 d, 4096), at most N (leave-one-out tau2
                           is inflated at small pilot / d) */
  const char *json;
} sigma_plan_opts;

/* Errors: the input's, SIGMA_EINVAL (pilot < 2 d: the halves need d rows each), SIGMA_EIO. */
int sigma_plan_run(const sigma_plan_opts *o, MPI_Comm comm);

#endif
