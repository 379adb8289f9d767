/* sigma generate: synthetic HDF5 input with known truth, written in parallel
 * (SPEC section 8). Rank 0 creates the file (metadata, attributes, the dataset allocated
 * contiguously), then each rank computes and writes a contiguous row range with pwrite
 * at the dataset's offset; the file appears under its final name only once complete
 * (written as NAME.PID.tmp beside the resolved target, renamed; removed on any error). */
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
  const char *provenance; /* JSON text (report/provenance.h) stored as the attribute
                             "provenance", or NULL */
} sigma_generate_opts;

/* Errors: SIGMA_EINVAL (a value overflows the dtype, naming the row), SIGMA_EIO (not a
 * regular file, not enough free space, a write failed: naming the row and cause),
 * SIGMA_ENOMEM, SIGMA_ELAPACK; the same on every rank. */
int sigma_generate_run(const sigma_generate_opts *o, MPI_Comm comm);

#endif
