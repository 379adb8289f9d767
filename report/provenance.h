/* Provenance: who computed an output, from what, with which build, where and when. One
 * builder for every output of every command (audit JSON/CSV, study.json and summary.json,
 * plan JSON, merged studies, generated HDF5 files), so they all carry the same fields. */
#ifndef SIGMA_PROVENANCE_H
#define SIGMA_PROVENANCE_H

#include <jansson.h>

#include "input.h"
#include "options.h"

/* A new JSON object:
 *   tool ("sigma audit"), version ("0.1.0 (commit)"), commit, command (argv of c, [] if c
 *   is NULL or has none), files (in's shards: absolute path, dataset, rows, row0, dtype;
 *   omitted if in is NULL), host, date_utc (ISO 8601), ranks, slurm (SLURM_JOB_ID,
 *   SLURM_ARRAY_JOB_ID, SLURM_ARRAY_TASK_ID, SLURM_JOB_NODELIST when set), libraries
 *   (mpi, hdf5, openblas, gsl, jansson versions), blas (OpenBLAS core and threads).
 * Returns NULL only when out of memory. Local (no communication): call on rank 0. */
json_t *sigma_provenance(const char *tool, const sigma_common_opts *c, const sigma_input *in,
                         int ranks);

#endif
