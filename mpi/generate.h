/* sigma generate: synthetic HDF5 input with known truth, written in parallel
 * (SPEC section 8). Each rank computes and writes a contiguous row range; the file
 * appears under its final name only once complete (written as NAME.tmp, renamed). */
#ifndef SIGMA_GENERATE_H
#define SIGMA_GENERATE_H

#include <mpi.h>
#include <stdint.h>

#include "sigma/synth.h"

typedef struct {
  const char *path;      /* output file */
  const char *dataset;   /* default "embeddings" */
  int64_t rows;          /* N */
  int dtype_bytes;       /* 2, 4 or 8 */
  int64_t block_rows;
  int quiet;
  sigma_synth_params p;
} sigma_generate_opts;

/* Errors: SIGMA_EINVAL, SIGMA_EIO, SIGMA_ENOMEM, SIGMA_ELAPACK; same on every rank. */
int sigma_generate_run(const sigma_generate_opts *o, MPI_Comm comm);

#endif
