/* Internal to cmd/generate.c and cmd/generate_series.c: one file's truth and the
 * collective one-file writer both commands share. */
#ifndef SIGMA_GENERATE_PARTS_H
#define SIGMA_GENERATE_PARTS_H

#include <mpi.h>
#include <stdint.h>

#include "generate.h"
#include "sigma/synth.h"

/* What a file's attributes say about its Sigma. */
typedef struct {
  const double *spectrum; /* d eigenvalues of Sigma, descending */
  double logdet;          /* log det Sigma */
  int64_t generation;     /* a series' generation t; -1: one file, no series attributes */
  double logdet0;         /* series: log det Sigma_0 */
  double drift;           /* series: E[log det Sigma_t - log det Sigma_{t-1}] */
} sigma_gen_truth;

/* Row buffers: X (B x d doubles) and W (scratch of sigma_synth_rows and the bytes). */
typedef struct {
  double *X, *W;
  int64_t B;
} sigma_gen_bufs;

/* --rows >= 1, dtype 2/4/8 bytes. Errors: SIGMA_EINVAL. */
int sigma_gen_check_opts(const sigma_generate_opts *o);

/* The start of every generate run: this rank, rank 0's pid broadcast (it names the
 * temporaries every rank writes into), HDF5's error printing off, the options checked.
 * Errors: SIGMA_EMPI, those of sigma_gen_check_opts. */
int sigma_gen_begin(const sigma_generate_opts *o, MPI_Comm comm, int *rank, long *pid);
/* Errors: SIGMA_ENOMEM. */
int sigma_gen_bufs_alloc(sigma_gen_bufs *b, const sigma_generate_opts *o);
void sigma_gen_bufs_free(sigma_gen_bufs *b);

/* `files` files of rows x d x dtype bytes fit in target's file system (skipped when
 * SIGMA_DEBUG_NO_SPACE_CHECK is set: tests only). Errors: SIGMA_EIO naming o->path. */
int sigma_gen_check_space(const sigma_generate_opts *o, const char *target, int64_t files);

/* Collective: rank 0 creates tmp (metadata, attributes from o, s and tr, the dataset
 * allocated), then every rank writes its share of the rows x = s->A z into it (progress
 * labelled `label` unless o->quiet). Messages name o->path. Leaves tmp in place, also on
 * error (the caller removes or renames it). Errors as sigma_generate_run, on every rank. */
int sigma_gen_write(const sigma_generate_opts *o, const char *tmp, const sigma_synth *s,
                    const sigma_gen_truth *tr, sigma_gen_bufs *bf, const char *label,
                    MPI_Comm comm);

#endif
