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
  int64_t refit_M;       /* recursive refit (sigma_generate_series_run): rows per refit, >= d */
  int64_t generations;   /* and the generations T >= 1 after Sigma_0 */
} sigma_generate_opts;

/* Errors: SIGMA_EINVAL (a value overflows the dtype, naming the row), SIGMA_EIO (not a
 * regular file, not enough free space, a write failed: naming the row and cause),
 * SIGMA_ENOMEM, SIGMA_ELAPACK; the same on every rank. */
int sigma_generate_run(const sigma_generate_opts *o, MPI_Comm comm);

/* The recursive-refit collapse series (SPEC section 8, issue 10; include/sigma/refit.h):
 * o->path is a prefix; T + 1 files PREFIX-000.h5 .. PREFIX-T.h5 (zero-padded to at least 3
 * digits), file t holding the N rows x_i = A_t z_i with the SAME z_i (the row seed's) in
 * every generation and Sigma_t = A_t A_t^T. A_t is computed on rank 0 on one BLAS thread and
 * broadcast, so the files do not depend on the number of ranks. Attributes: those of one
 * file, with logdet_Sigma = log det Sigma_t and spectrum = its eigenvalues, plus generation,
 * generations, refit_M, logdet_Sigma_0 and expected_drift_per_generation. All files are
 * written as temporaries and renamed only once every generation succeeded: on any error
 * (naming the generation) no file of the series is left, and a file PREFIX-K.h5 with
 * K > T (a longer earlier series, which a monitor would read as part of this one) is
 * refused before any work. Rank 0 reports each generation on stderr unless o->quiet.
 * Errors: as sigma_generate_run, SIGMA_EINVAL (M < d, T < 1, M or T above
 * SIGMA_REFIT_MAX), SIGMA_EIO (a stale later generation), SIGMA_ESINGULAR (a refit). */
int sigma_generate_series_run(const sigma_generate_opts *o, MPI_Comm comm);

#endif
