/* sigma study driver: the sweep and its validation, truth by one audit, the study's
 * description and study.json, replicates over the ranks (cmd/study_run.c), summary and
 * report (report/study_report.h). */
#include "study.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "provenance.h"
#include "reduce.h"
#include "sigma/error.h"
#include "sigma/plan.h"
#include "study_files.h"
#include "study_parts.h"
#include "study_report.h"

/* ---- the sweep ---- */

typedef struct {
  int64_t n1;
  double eps;
} sweep_point;

static int cmp_sweep(const void *a, const void *b) {
  int64_t x = ((const sweep_point *)a)->n1, y = ((const sweep_point *)b)->n1;
  return (x > y) - (x < y);
}

/* The sweep as run into h: n1 ascending and distinct; eps[k] is the precision the rule
 * n1 = ceil(c d / eps^2) [3.14] ties to n1[k] (given, or sqrt(c d / n1) for --n1). */
static int make_sweep(const sigma_study_opts *o, int d, sigma_study_header *h) {
  sweep_point s[64];
  for (int k = 0; k < o->K; k++) {
    s[k].eps = o->from_epsilon ? o->eps[k] : sqrt(o->c.rule_constant * d / (double)o->n1s[k]);
    s[k].n1 = o->from_epsilon ? sigma_rule_n1(o->c.rule_constant, d, o->eps[k]) : o->n1s[k];
    if (s[k].n1 < 0)
      return sigma_set_error(SIGMA_EINVAL, "--epsilon %g: the rule n1 = ceil(%g d / eps^2) asks "
                             "for %.3g rows, more than any input holds", o->eps[k],
                             o->c.rule_constant, o->c.rule_constant * d / (o->eps[k] * o->eps[k]));
  }
  qsort(s, (size_t)o->K, sizeof *s, cmp_sweep);
  h->K = 0;
  for (int k = 0; k < o->K; k++)
    if (h->K == 0 || s[k].n1 != h->n1[h->K - 1]) {
      h->n1[h->K] = s[k].n1;
      h->eps[h->K++] = s[k].eps;
    }
  h->from_epsilon = o->from_epsilon;
  return SIGMA_OK;
}

/* The sweep from the input's shape (every rank opens it), checked before anything is
 * written: d <= n1 <= N. Sets h's sweep, N and d. Collective. */
static int plan_sweep(const sigma_study_opts *o, MPI_Comm comm, sigma_study_header *h) {
  if (o->K < 1 || o->K > 64) return sigma_set_error(SIGMA_EINVAL, "give 1 to 64 sweep values");
  sigma_input *peek = NULL;
  int rc = sigma_input_open(o->c.inputs, o->c.ninputs, &peek);
  if (rc == SIGMA_OK) {
    h->d = peek->d;
    h->N = peek->N;
    rc = make_sweep(o, peek->d, h);
  }
  if (rc == SIGMA_OK && h->n1[0] < h->d)
    rc = sigma_set_error(SIGMA_EINVAL, "n1 = %lld < d = %d in the sweep: G1 would be singular",
                         (long long)h->n1[0], h->d);
  if (rc == SIGMA_OK && h->n1[h->K - 1] > h->N)
    rc = sigma_set_error(SIGMA_EINVAL, "n1 = %lld > N = %lld rows in the sweep",
                         (long long)h->n1[h->K - 1], (long long)h->N);
  sigma_input_close(&peek);
  return sigma_sync_error(rc, comm);
}

/* The study's identity from the options (the sweep is already in h). */
static int check_plan(const sigma_study_opts *o, sigma_study_header *h) {
  if (o->replicates < 1) return sigma_set_error(SIGMA_EINVAL, "--replicates must be >= 1");
  if (o->rep_lo < 0 || o->rep_hi > o->replicates || o->rep_lo >= o->rep_hi)
    return sigma_set_error(SIGMA_EINVAL, "--replicate-range %lld:%lld is not inside 0:%lld",
                           (long long)o->rep_lo, (long long)o->rep_hi, (long long)o->replicates);
  h->replicates = o->replicates;
  h->seed = (int64_t)o->c.seed;
  h->level = o->c.level;
  h->rule_constant = o->c.rule_constant;
  h->normalize = o->c.normalize;
  h->center = o->c.center;
  h->block_jackknife = o->block_jackknife;
  if (o->block_jackknife > h->n1[0])
    return sigma_set_error(SIGMA_EINVAL, "--block-jackknife %lld: more groups than the n1 = %lld "
                           "rows of the smallest block of the sweep", (long long)o->block_jackknife,
                           (long long)h->n1[0]);
  return SIGMA_OK;
}

/* ---- the truth and study.json ---- */

/* The inputs (absolute paths when they resolve) and the truth of the audit into d. */
static int desc_truth(sigma_study_desc *d, const sigma_audit_result *a) {
  const sigma_input *in = a->input;
  SIGMA_CHECK(sigma_calloc(&d->study.files, (size_t)in->nshards, sizeof *d->study.files));
  for (int k = 0; k < in->nshards; k++, d->study.nfiles++) {
    sigma_study_file *f = &d->study.files[k];
    f->path = realpath(in->shard[k].path, NULL);
    if (!f->path) f->path = strdup(in->shard[k].path);
    f->dataset = strdup(in->shard[k].dataset);
    f->rows = in->shard[k].rows;
    if (!f->path || !f->dataset) return sigma_set_error(SIGMA_ENOMEM, "out of memory");
  }
  d->L = a->est.L;
  d->tau2_oracle = a->tau2_oracle;
  d->logdet_G1_rep0 = a->est.logdet_G1;
  return SIGMA_OK;
}

static json_t *study_provenance(const sigma_study_opts *o, const sigma_audit_result *a,
                                int size, int64_t chunk) {
  json_t *prov = sigma_provenance("sigma study", &o->c, a->input, size);
  if (!prov) return NULL;
  json_object_set_new(prov, "memory_limit_mib", json_real(o->memory_limit / 1048576));
  json_object_set_new(prov, "replicate_chunk_rows", json_integer((json_int_t)chunk));
  return prov;
}

/* Write DIR/study.json, or under --resume check that it describes this very study: the
 * same header (inputs, N, d, seed, sweep, options) and the same truth, L and the tau2
 * oracle to the last bit (both are rank- and block-independent), so a changed input
 * behind the same path and shape is caught. Rank 0. */
static int header_sync(const char *dir, const sigma_study_desc *d, json_t *prov) {
  char *path = sigma_study_path(dir, "study.json");
  if (!path) return SIGMA_ENOMEM;
  sigma_study_desc old = {0};
  const char *diff;
  int rc = SIGMA_OK;
  if (access(path, F_OK) != 0) {
    rc = sigma_study_desc_write(path, d, prov);
  } else if ((rc = sigma_study_desc_read(path, &old)) != SIGMA_OK) {
  } else if ((diff = sigma_study_header_diff(&old.study, &d->study))) {
    rc = sigma_set_error(SIGMA_EINVAL, "%s holds a different study ('%s' differs: input, seed, "
                         "sweep, replicates or options): cannot --resume it", path, diff);
  } else if (old.L != d->L || old.tau2_oracle != d->tau2_oracle) {
    rc = sigma_set_error(SIGMA_EINVAL, "%s: the input changed since the study began (L = %.17g "
                         "then, %.17g now): cannot --resume it", path, old.L, d->L);
  }
  sigma_study_desc_free(&old);
  free(path);
  return rc;
}

/* ---- summary ---- */

int sigma_study_finish(sigma_study_result *r, char *const *dirs, int ndirs) {
  const sigma_study_header *h = &r->desc->study;
  const int64_t R = r->rep_hi - r->rep_lo;
  int rc = SIGMA_OK;
  SIGMA_TRY(sigma_calloc(&r->V, (size_t)R * h->K * sigma_rep_ncol(), sizeof(double)));
  SIGMA_TRY(sigma_calloc(&r->cells, (size_t)h->K * sigma_nest, sizeof *r->cells));
  SIGMA_TRY(sigma_study_gather(r->out_dir, dirs, ndirs, r->rep_lo, r->rep_hi, h->n1, h->K, r->V));
  SIGMA_TRY(sigma_study_cells(r->V, R, h->K, h->n1, h->eps, h->level, r->cells));
  rc = sigma_study_report(r);
done:
  free(r->V);
  free(r->cells);
  r->V = NULL;
  r->cells = NULL;
  return rc;
}

/* ---- the run ---- */

/* Everything before the truth pass, collective: the sweep, the identity, the replicate
 * chunk, and DIR (checked on rank 0, created only once the truth pass succeeded: a
 * failed run leaves no empty DIR/replicates behind). */
static int prepare(const sigma_study_opts *o, MPI_Comm comm, int rank, sigma_study_desc *d,
                   int64_t *chunk) {
  SIGMA_CHECK(plan_sweep(o, comm, &d->study));
  SIGMA_CHECK(check_plan(o, &d->study));
  SIGMA_CHECK(sigma_study_rep_chunk(o, d, chunk));
  if (*chunk < d->study.n1[d->study.K - 1] && rank == 0 && !o->c.quiet)
    fprintf(stderr, "sigma: note: a replicate is read %lld rows at a time to stay within "
                    "--memory-limit %g MiB (the first n1 rows are read again for each n1)\n",
            (long long)*chunk, o->memory_limit / 1048576);
  int rc = rank == 0 ? sigma_study_check_dir(o->out_dir, o->resume, 1) : SIGMA_OK;
  return sigma_sync_error(rc, comm);
}

/* Truth: one audit whose block is replicate 0 at n1_max; then DIR and study.json. */
static int truth(const sigma_study_opts *o, MPI_Comm comm, int rank, int size, int64_t chunk,
                 sigma_study_desc *d, sigma_audit_result *a) {
  sigma_audit_opts ao;
  sigma_audit_opts_default(&ao);
  ao.c = o->c;
  ao.n1 = d->study.n1[d->study.K - 1];
  int rc = sigma_audit_run(&ao, comm, a);
  if (rc == SIGMA_OK) rc = desc_truth(d, a);
  if (rc == SIGMA_OK && rank == 0) rc = sigma_study_make_dirs(o->out_dir);
  if (rc == SIGMA_OK && rank == 0) {
    json_t *prov = study_provenance(o, a, size, chunk);
    rc = prov ? header_sync(o->out_dir, d, prov) : sigma_set_error(SIGMA_ENOMEM, "out of memory");
    json_decref(prov);
  }
  return sigma_sync_error(rc, comm);
}

/* Rank 0: the summary of replicates [lo, hi) in DIR. */
static int summarize(const sigma_study_opts *o, const sigma_study_desc *d,
                     const sigma_audit_result *a, int size, int64_t chunk, int64_t computed,
                     double t_truth, double t_reps, int64_t ahead) {
  sigma_study_result r = {d, o->out_dir, o->rep_lo, o->rep_hi, computed, t_truth, t_reps,
                          NULL, NULL, study_provenance(o, a, size, chunk), o->no_plots,
                          computed > 0 ? (double)ahead / (double)computed : NAN};
  if (!r.provenance) return sigma_set_error(SIGMA_ENOMEM, "out of memory");
  char *dirs[1] = {(char *)o->out_dir};
  int rc = sigma_study_finish(&r, dirs, 1);
  json_decref(r.provenance);
  return rc;
}

int sigma_study_run(const sigma_study_opts *o, MPI_Comm comm) {
  int rank, size;
  SIGMA_CHECK(sigma_mpi_check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank"));
  SIGMA_CHECK(sigma_mpi_check(MPI_Comm_size(comm, &size), "MPI_Comm_size"));
  sigma_study_desc d = {0};
  sigma_audit_result a = {0};
  int64_t chunk = 0, counts[2] = {0, 0}, all[2] = {0, 0}; /* computed, read ahead */
  int rc = SIGMA_OK, have_audit = 0;
  SIGMA_TRY(prepare(o, comm, rank, &d, &chunk));
  double t0 = MPI_Wtime();
  have_audit = 1;
  SIGMA_TRY(truth(o, comm, rank, size, chunk, &d, &a));
  const double t_truth = MPI_Wtime() - t0;
  t0 = MPI_Wtime();
  rc = sigma_study_replicates(&d, o, &a, chunk, rank, size, &counts[0], &counts[1]);
  SIGMA_TRY(sigma_sync_error(rc, comm));
  SIGMA_TRY(sigma_mpi_check(MPI_Allreduce(counts, all, 2, MPI_INT64_T, MPI_SUM, comm),
                            "MPI_Allreduce"));
  const double t_reps = MPI_Wtime() - t0;
  if (rank == 0) rc = summarize(o, &d, &a, size, chunk, all[0], t_truth, t_reps, all[1]);
  rc = sigma_sync_error(rc, comm);
done:
  if (have_audit) sigma_audit_result_free(&a);
  sigma_study_desc_free(&d);
  return rc;
}
