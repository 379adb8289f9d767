/* sigma study: confidence-interval studies of the SIGMA estimators (issue 3).
 *
 * One audit gives the truth (L, tau2 oracle; its observed block is replicate 0 at
 * n1_max). Replicate i draws its block with Philox key (seed, i): the first n1_max
 * entries of the random permutation, nested over the n1 sweep (SPEC section 7). Its
 * rows are read with gap-coalesced hyperslabs (O(n1_max) rows, not a pass over the
 * file) and reduced by sigma_replicate_run. Replicates are dealt round-robin to the
 * ranks; each writes DIR/replicates/rep-NNNNNN.csv atomically, which is what
 * --resume skips and what --replicate-range jobs share. Rank 0 then writes
 * DIR/replicates.csv, DIR/summary.csv and DIR/summary.json and prints the summary.
 * Memory per rank: about 2 n1_max d doubles plus the replicate's prefix Grams.
 */
#ifndef SIGMA_STUDY_H
#define SIGMA_STUDY_H

#include <jansson.h>
#include <mpi.h>
#include <stdint.h>

#include "options.h"
#include "sigma/study_stats.h"
#include "study_desc.h"

typedef struct {
  sigma_common_opts c;   /* inputs, seed, level, rule constant, row preparation, ... */
  int64_t *n1s;          /* ascending sweep, K values */
  double *eps;           /* K: the precision eps each n1 stands for under the rule */
  int K;
  int from_epsilon;      /* the sweep came from --epsilon */
  int64_t replicates;    /* R */
  int64_t rep_lo, rep_hi;/* replicates [lo, hi) of R run here */
  const char *out_dir;
  int resume;
  double memory_limit;   /* bytes per rank */
  int no_plots;          /* skip gnuplot (report.md still written) */
  int64_t block_jackknife; /* --block-jackknife G: LEV's own CI with max(V_cal, v_bj) (SPEC
                              4.1); 0: off. G <= the smallest n1 of the sweep */
} sigma_study_opts;

/* A study's summary as the drivers produce it (study and merge, rank 0) and the report
 * layer formats it (report/study_report.h): summary.csv, summary.json, report.md, the
 * table on stdout, the plot data and script. */
typedef struct {
  const sigma_study_desc *desc; /* the study (borrowed) */
  const char *out_dir;          /* where the report goes */
  int64_t rep_lo, rep_hi;       /* the replicates summarized: [lo, hi) of desc's R */
  int64_t computed;             /* replicates computed by this run (0: merge) */
  double t_truth, t_reps;       /* seconds: the truth audit, the replicates (0: merge) */
  double *V;                    /* (hi - lo) x K replicate rows (sigma/study_stats.h) */
  sigma_study_cell *cells;      /* K x sigma_nest: cells[k sigma_nest + e] */
  json_t *provenance;           /* report/provenance.h, with the command's extras (borrowed) */
  int no_plots;                 /* write no plot data, run no gnuplot */
  double reps_ahead;            /* the fraction of computed replicates whose rows were read
                                   ahead (cmd/study_run.c); NaN when none was computed */
} sigma_study_result;

/* The cell of sweep point k and estimator e (registry index). */
static inline const sigma_study_cell *sigma_study_cell_at(const sigma_study_result *r, int k,
                                                          int e) {
  return &r->cells[k * sigma_nest + e];
}

/* Run collectively. Errors (same code on every rank, message on rank 0):
 * SIGMA_EINVAL (R = 0, n1 < d or > N in the sweep, bad range, study exists without
 * --resume, or --resume against a different study), SIGMA_EIO (DIR not writable),
 * SIGMA_ENOMEM (over --memory-limit), and the audit's errors. */
int sigma_study_run(const sigma_study_opts *o, MPI_Comm comm);

/* sigma merge: combine studies run as disjoint --replicate-range jobs (DIR...) into
 * out_dir, which then holds the same files a single run with all replicates writes
 * (replicates.csv and summary.csv byte-identical). The directories must hold the
 * same study (study.json), together every replicate exactly once (overlaps allowed
 * only when identical); c gives the command line for provenance. Errors: SIGMA_EINVAL naming the directory and what differs,
 * or the missing replicate; SIGMA_EIO. Rank 0 works; collective. */
int sigma_study_merge(char *const *dirs, int ndirs, const char *out_dir,
                      const sigma_common_opts *c, MPI_Comm comm);

#endif
