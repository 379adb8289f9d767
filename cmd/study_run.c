/* The replicates of a study over the ranks: draw, sampled-row fetch, resume
 * (cmd/study_parts.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fetch.h"
#include "files.h"
#include "progress.h"
#include "sigma/error.h"
#include "sigma/gram.h"
#include "sigma/replicate.h"
#include "sigma/sample.h"
#include "str.h"
#include "study_files.h"
#include "study_parts.h"

int sigma_study_rep_chunk(const sigma_study_opts *o, const sigma_study_desc *d, int64_t *chunk) {
  const int64_t n = d->study.n1[d->study.K - 1];
  const int dim = d->study.d;
  const double fixed = sigma_replicate_work_bytes(dim, d->study.K, d->study.block_jackknife) +
                       (double)SIGMA_SPAN_ROWS * dim * 8 + 8.0 * (double)n; /* + the draw */
  const double per_row = 8.0 * dim + SIGMA_FETCH_BYTES_PER_ROW(dim); /* X and the fetch's */
  if (fixed + per_row * (double)n <= o->memory_limit) {
    *chunk = n;
    return SIGMA_OK;
  }
  double rows = (o->memory_limit - fixed) / per_row;
  *chunk = rows > 0 ? (int64_t)(rows / SIGMA_BLAS_ROWS) * SIGMA_BLAS_ROWS : 0;
  if (*chunk < SIGMA_BLAS_ROWS)
    return sigma_set_error(SIGMA_ENOMEM,
                           "a replicate at d = %d needs at least %.0f MiB per rank, over "
                           "--memory-limit %g MiB", dim,
                           ceil((fixed + per_row * SIGMA_BLAS_ROWS) / 1048576),
                           o->memory_limit / 1048576);
  return SIGMA_OK;
}

/* ---- the sampled-row fetch ---- */

/* One rank's replicate state: the draw, its rows, the sweep's points, a file read back. */
typedef struct {
  const sigma_study_desc *d;
  const sigma_audit_result *a;
  sigma_prep prep;          /* as the truth audit prepared its rows */
  sigma_fetch_buf fb;       /* the shared sampled-row fetch (io/fetch.h), chunk rows */
  double *X;                /* chunk x d rows in draw order */
  uint64_t *perm;           /* n1_max: the replicate's draw */
  int64_t chunk;            /* rows fetched at a time (n1_max when the block fits) */
  sigma_rep_point *pts;     /* K */
  double *v;                /* K x sigma_rep_ncol(): a finished replicate (--resume) */
} rep_state;

static void rep_state_free(rep_state *s) {
  sigma_fetch_free(&s->fb);
  free(s->X);
  free(s->perm);
  free(s->pts);
  free(s->v);
}

static int rep_state_init(rep_state *s, const sigma_study_desc *d, const sigma_audit_result *a,
                          int64_t chunk) {
  const int64_t n = d->study.n1[d->study.K - 1];
  const int dim = d->study.d, K = d->study.K;
  memset(s, 0, sizeof *s);
  s->d = d;
  s->a = a;
  s->chunk = chunk < n ? chunk : n;
  /* unit norm with normalize, then minus the global mean in its two parts with center */
  s->prep = (sigma_prep){.normalize = d->study.normalize,
                         .shift = d->study.center ? a->mean : NULL,
                         .shift2 = d->study.center ? a->mean + dim : NULL};
  SIGMA_CHECK(sigma_fetch_init(&s->fb, s->chunk, dim));
  SIGMA_CHECK(sigma_calloc(&s->X, (size_t)s->chunk * dim, sizeof(double)));
  SIGMA_CHECK(sigma_calloc(&s->perm, (size_t)n, sizeof(uint64_t)));
  SIGMA_CHECK(sigma_calloc(&s->pts, (size_t)K, sizeof *s->pts));
  return sigma_calloc(&s->v, (size_t)K * sigma_rep_ncol(), sizeof(double));
}

/* Rows [p0, p1) of the replicate in draw order (s->perm holds its draw), prepared. A
 * sigma_rows_fn. */
static int rep_fetch(void *ctx, int64_t p0, int64_t p1, const double **out) {
  rep_state *s = ctx;
  SIGMA_CHECK(sigma_rows_fetch(s->a->input, &s->prep, s->perm + p0, p1 - p0, &s->fb, s->X));
  *out = s->X;
  return SIGMA_OK;
}

/* ---- one replicate ---- */

/* Replicate i: its draw, the estimators over the sweep from its rows, its file. An error
 * is prefixed with "replicate i: ". */
static int replicate_one(rep_state *s, int64_t i, const char *path) {
  const sigma_study_header *h = &s->d->study;
  const int64_t n = h->n1[h->K - 1];
  const sigma_rep_truth t = {h->d, (double)h->N, s->d->L, s->d->tau2_oracle, h->level,
                             h->block_jackknife};
  int rc = sigma_sample_prefix((uint64_t)h->N, (uint64_t)n, (uint64_t)h->seed, (uint64_t)i,
                               s->perm);
  if (rc == SIGMA_OK)
    rc = sigma_replicate_stream(&t, rep_fetch, s, s->chunk, h->n1, h->K, s->pts);
  if (rc != SIGMA_OK) {
    char *msg = sigma_strf("%s", sigma_error_message());
    if (!msg) return rc; /* the root cause's message stays */
    sigma_clear_error();
    rc = sigma_set_error(rc, "replicate %lld: %s", (long long)i, msg);
    free(msg);
    return rc;
  }
  char *text = NULL;
  SIGMA_CHECK(sigma_rep_csv_format(i, s->pts, h->K, &text));
  rc = sigma_file_write(path, "study output", text, strlen(text));
  free(text);
  return rc;
}

/* SIGMA_DEBUG_REPLICATE_DELAY_MS (tests only) slows each replicate so a test can kill the
 * job mid-study deterministically. */
static void debug_delay(void) {
  const char *delay = getenv("SIGMA_DEBUG_REPLICATE_DELAY_MS");
  if (delay) usleep(1000 * (useconds_t)atoi(delay));
}

int sigma_study_replicates(const sigma_study_desc *d, const sigma_study_opts *o,
                           const sigma_audit_result *a, int64_t chunk, int rank, int size,
                           int64_t *computed) {
  const sigma_study_header *h = &d->study;
  rep_state s;
  char *path = NULL;
  int rc = rep_state_init(&s, d, a, chunk);
  int64_t mine = 0, done = 0;
  for (int64_t i = o->rep_lo + rank; i < o->rep_hi; i += size) mine++;
  sigma_progress pg;
  sigma_progress_start(&pg, "replicates", rank == 0 && !o->c.quiet, o->rep_hi - o->rep_lo, mine,
                       0.0);
  for (int64_t i = o->rep_lo + rank; rc == SIGMA_OK && i < o->rep_hi; i += size) {
    free(path);
    if (!(path = sigma_study_rep_path(o->out_dir, i))) rc = SIGMA_ENOMEM;
    else if (o->resume && sigma_rep_csv_complete(path, i, h->n1, h->K, s.v)) { /* done before */
    } else {
      debug_delay();
      rc = replicate_one(&s, i, path);
      if (rc == SIGMA_OK) (*computed)++;
    }
    sigma_progress_update(&pg, ++done);
  }
  if (rc == SIGMA_OK) sigma_progress_end(&pg);
  free(path);
  rep_state_free(&s);
  return rc;
}
