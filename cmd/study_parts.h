/* The pieces the study and merge drivers share (cmd/study.c, cmd/study_run.c,
 * cmd/merge.c); not for other commands. */
#ifndef SIGMA_STUDY_PARTS_H
#define SIGMA_STUDY_PARTS_H

#include <mpi.h>
#include <stdint.h>

#include "audit.h"
#include "study.h"

/* Rows fetched at a time for a replicate within o->memory_limit: the whole block of
 * n1_max rows when it fits, else a multiple of SIGMA_BLAS_ROWS (sigma_replicate_stream).
 * Known before the truth pass, so an impossible limit fails before any work.
 * Errors: SIGMA_ENOMEM naming the MiB a replicate needs at dimension d. */
int sigma_study_rep_chunk(const sigma_study_opts *o, const sigma_study_desc *d, int64_t *chunk);

/* This rank's share of replicates [o->rep_lo, o->rep_hi) (round-robin over size ranks):
 * each drawn (Philox key (seed, i)), read from a->input in chunks of `chunk` rows,
 * prepared as the truth audit prepared its rows, run over the sweep and written to
 * DIR/replicates/rep-NNNNNN.csv; with o->resume a replicate whose file is complete is
 * kept. The next replicate's draw and rows are read on a reader thread while one is
 * computed when that pays (mpi/worker.h) and a second block fits o->memory_limit.
 * *computed: replicates computed here; *ahead: of them, those read ahead. Errors: the
 * replicate's (the message names it), SIGMA_ENOMEM, SIGMA_EIO, in the order of the
 * replicates whether read ahead or not. Not collective (the caller agrees on the error). */
int sigma_study_replicates(const sigma_study_desc *d, const sigma_study_opts *o,
                           const sigma_audit_result *a, int64_t chunk, int rank, int size,
                           int64_t *computed, int64_t *ahead);

/* Rank 0, after the replicates: gather r->rep_lo..rep_hi from dirs (the first holding
 * each complete) into r->V and DIR/replicates.csv, compute r->cells, and write the
 * report (report/study_report.h). Frees r->V and r->cells. Errors: those of
 * sigma_study_gather, sigma_study_cells and sigma_study_report. */
int sigma_study_finish(sigma_study_result *r, char *const *dirs, int ndirs);

#endif
