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
#include "worker.h"

/* Bytes of a replicate: fixed (work, the fetch's span, the draw) and per row of the block
 * held (X and the fetch's). */
static void rep_bytes(const sigma_study_desc *d, double *fixed, double *per_row) {
  const int64_t n = d->study.n1[d->study.K - 1];
  const int dim = d->study.d;
  *fixed = sigma_replicate_work_bytes(dim, d->study.K, d->study.block_jackknife) +
           (double)SIGMA_SPAN_ROWS * dim * 8 + 8.0 * (double)n; /* + the draw */
  *per_row = 8.0 * dim + SIGMA_FETCH_BYTES_PER_ROW(dim);        /* X and the fetch's */
}

/* Whether a second block (the next replicate's, read ahead) fits --memory-limit. */
static int ahead_fits(const sigma_study_opts *o, const sigma_study_desc *d) {
  const double n = (double)d->study.n1[d->study.K - 1];
  double fixed, per_row;
  rep_bytes(d, &fixed, &per_row);
  return fixed + 8.0 * n + 2 * per_row * n <= o->memory_limit; /* + its draw, X, fetch */
}

int sigma_study_rep_chunk(const sigma_study_opts *o, const sigma_study_desc *d, int64_t *chunk) {
  const int64_t n = d->study.n1[d->study.K - 1];
  const int dim = d->study.d;
  double fixed, per_row;
  rep_bytes(d, &fixed, &per_row);
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

/* One draw's rows: the draw of replicate i and, when the whole block fits (chunk = n1_max),
 * its rows fetched and prepared; a sigma_job_fn the reader thread may run ahead. */
typedef struct {
  const sigma_study_desc *d;
  const sigma_audit_result *a;
  const sigma_prep *prep;
  sigma_fetch_buf fb;       /* the shared sampled-row fetch (io/fetch.h), chunk rows */
  double *X;                /* chunk x d rows in draw order */
  uint64_t *perm;           /* n1_max: the replicate's draw */
  int64_t i;                /* the replicate loaded */
  int full;                 /* X holds all n1_max rows (chunk = n1_max) */
  double t_read, blocked;   /* the last load: wall seconds, of which blocked on I/O */
} rep_rows;

/* One rank's replicate state: two row buffers when it reads the next draw ahead. */
typedef struct {
  const sigma_study_desc *d;
  sigma_prep prep;          /* as the truth audit prepared its rows */
  rep_rows rows[2];
  int cur;                  /* the buffer of the replicate being computed */
  int64_t chunk;            /* rows fetched at a time (n1_max when the block fits) */
  sigma_rep_point *pts;     /* K */
  double *v;                /* K x sigma_rep_ncol(): a finished replicate (--resume) */
} rep_state;

static void rep_rows_free(rep_rows *r) {
  sigma_fetch_free(&r->fb);
  free(r->X);
  free(r->perm);
}

static void rep_state_free(rep_state *s) {
  for (int b = 0; b < 2; b++) rep_rows_free(&s->rows[b]);
  free(s->pts);
  free(s->v);
}

static int rep_rows_init(rep_state *s, rep_rows *r, const sigma_audit_result *a) {
  const int64_t n = s->d->study.n1[s->d->study.K - 1];
  const int dim = s->d->study.d;
  *r = (rep_rows){.d = s->d, .a = a, .prep = &s->prep, .i = -1, .full = s->chunk == n};
  SIGMA_CHECK(sigma_fetch_init(&r->fb, s->chunk, dim));
  SIGMA_CHECK(sigma_calloc(&r->X, (size_t)s->chunk * dim, sizeof(double)));
  return sigma_calloc(&r->perm, (size_t)n, sizeof(uint64_t));
}

static int rep_state_init(rep_state *s, const sigma_study_desc *d, const sigma_audit_result *a,
                          int64_t chunk, int nbuf) {
  const int64_t n = d->study.n1[d->study.K - 1];
  const int dim = d->study.d, K = d->study.K;
  memset(s, 0, sizeof *s);
  s->d = d;
  s->chunk = chunk < n ? chunk : n;
  /* unit norm with normalize, then minus the global mean in its two parts with center */
  s->prep = (sigma_prep){.normalize = d->study.normalize,
                         .shift = d->study.center ? a->mean : NULL,
                         .shift2 = d->study.center ? a->mean + dim : NULL};
  for (int b = 0; b < nbuf; b++) SIGMA_CHECK(rep_rows_init(s, &s->rows[b], a));
  SIGMA_CHECK(sigma_calloc(&s->pts, (size_t)K, sizeof *s->pts));
  return sigma_calloc(&s->v, (size_t)K * sigma_rep_ncol(), sizeof(double));
}

/* The error of replicate i's draw or rows, prefixed with "replicate i: ". */
static int rep_error(int rc, int64_t i) {
  char *msg = sigma_strf("%s", sigma_error_message());
  if (!msg) return rc; /* the root cause's message stays */
  sigma_clear_error();
  rc = sigma_set_error(rc, "replicate %lld: %s", (long long)i, msg);
  free(msg);
  return rc;
}

/* A sigma_job_fn (mpi/worker.h): the draw of replicate r->i and, if r->full, its rows.
 * Input layer and memory only: it may run on the reader thread. */
static int rep_load(void *ctx) {
  rep_rows *r = ctx;
  const sigma_study_header *h = &r->d->study;
  const int64_t n = h->n1[h->K - 1];
  sigma_thread_clock clk;
  sigma_thread_clock_start(&clk);
  int rc = sigma_sample_prefix((uint64_t)h->N, (uint64_t)n, (uint64_t)h->seed, (uint64_t)r->i,
                               r->perm);
  if (rc == SIGMA_OK && r->full)
    rc = sigma_rows_fetch(r->a->input, r->prep, r->perm, n, &r->fb, r->X);
  r->blocked = sigma_thread_clock_blocked(&clk, &r->t_read);
  return rc != SIGMA_OK ? rep_error(rc, r->i) : SIGMA_OK;
}

/* Rows [p0, p1) of the replicate in draw order, prepared: the rows loaded, or (a block
 * larger than --memory-limit allows) fetched now. A sigma_rows_fn. */
static int rep_fetch(void *ctx, int64_t p0, int64_t p1, const double **out) {
  rep_rows *r = ctx;
  if (!r->full)
    SIGMA_CHECK(sigma_rows_fetch(r->a->input, r->prep, r->perm + p0, p1 - p0, &r->fb, r->X));
  *out = r->full ? r->X + (size_t)p0 * r->d->study.d : r->X;
  return SIGMA_OK;
}

/* ---- one replicate ---- */

/* The estimators of replicate r->i over the sweep from its loaded draw: BLAS and LAPACK
 * (and, for a block larger than memory, the input layer). Errors prefixed "replicate i: ". */
static int replicate_compute(rep_state *s, rep_rows *r) {
  const sigma_study_header *h = &s->d->study;
  const sigma_rep_truth t = {h->d, (double)h->N, s->d->L, s->d->tau2_oracle, h->level,
                             h->block_jackknife};
  int rc = sigma_replicate_stream(&t, rep_fetch, r, s->chunk, h->n1, h->K, s->pts);
  return rc != SIGMA_OK ? rep_error(rc, r->i) : SIGMA_OK;
}

/* Replicate i's file from its points. */
static int replicate_write(rep_state *s, int64_t i, const char *out_dir) {
  char *path = sigma_study_rep_path(out_dir, i), *text = NULL;
  int rc = path ? sigma_rep_csv_format(i, s->pts, s->d->study.K, &text) : SIGMA_ENOMEM;
  if (rc == SIGMA_OK) rc = sigma_file_write(path, "study output", text, strlen(text));
  free(text);
  free(path);
  return rc;
}

/* SIGMA_DEBUG_REPLICATE_DELAY_MS (tests only) slows each replicate so a test can kill the
 * job mid-study deterministically. */
static void debug_delay(void) {
  const char *delay = getenv("SIGMA_DEBUG_REPLICATE_DELAY_MS");
  if (delay) usleep(1000 * (useconds_t)atoi(delay));
}

/* The next replicate from i on (stepping by size) that still needs computing: with
 * --resume, a complete file counts as done (progress) and is skipped. Call with no load
 * outstanding: it reads files. */
static int64_t next_pending(rep_state *s, const sigma_study_opts *o, int64_t i, int size,
                            sigma_progress *pg, int64_t *done, int *rc) {
  const sigma_study_header *h = &s->d->study;
  for (; o->resume && i < o->rep_hi; i += size) {
    char *path = sigma_study_rep_path(o->out_dir, i);
    if (!path) {
      *rc = sigma_set_error(SIGMA_ENOMEM, "out of memory");
      return o->rep_hi;
    }
    const int complete = sigma_rep_csv_complete(path, i, h->n1, h->K, s->v);
    free(path);
    if (!complete) return i;
    sigma_progress_update(pg, ++*done);
  }
  return i;
}

/* This rank's replicates. The draw and rows of the next one are loaded on the reader
 * thread while this one is computed, when that pays (mpi/worker.h: the last load blocked
 * on I/O, or SIGMA_OVERLAP=on) and two blocks fit --memory-limit; the next load's error
 * is raised after this replicate's file is written, as in the order without it. */
static int run_mine(rep_state *s, const sigma_study_opts *o, sigma_worker *w, int nbuf,
                    int rank, int size, sigma_progress *pg, int64_t *computed,
                    int64_t *n_ahead) {
  const sigma_overlap_mode mode = sigma_overlap_mode_get();
  int rc = SIGMA_OK, ahead = 0, rc_ahead = SIGMA_OK;
  char *msg_ahead = NULL;
  int64_t done = 0, i = next_pending(s, o, o->rep_lo + rank, size, pg, &done, &rc);
  while (rc == SIGMA_OK && i < o->rep_hi) {
    rep_rows *r = &s->rows[s->cur];
    if (!ahead) r->i = i;
    rc = ahead ? rc_ahead : rep_load(r); /* loaded ahead: its code, its message */
    const int was_ahead = ahead;
    if (rc != SIGMA_OK && ahead) sigma_set_error(rc, "%s", msg_ahead ? msg_ahead : "out of memory");
    const int64_t j = rc == SIGMA_OK ? next_pending(s, o, i + size, size, pg, &done, &rc) : i;
    const int nx = (s->cur + 1) % nbuf;
    ahead = rc == SIGMA_OK && j < o->rep_hi && nbuf == 2 &&
            sigma_read_ahead_pays(mode, 1, r->blocked, r->t_read);
    if (ahead) {
      s->rows[nx].i = j;
      sigma_worker_submit(w, rep_load, &s->rows[nx]);
    }
    debug_delay();
    if (rc == SIGMA_OK) rc = replicate_compute(s, r);
    if (ahead && rc != SIGMA_OK) sigma_worker_cancel(w);
    if (ahead && rc == SIGMA_OK) { /* no file is written while the reader runs */
      free(msg_ahead);
      msg_ahead = NULL;
      if ((rc_ahead = sigma_worker_wait(w)) != SIGMA_OK) msg_ahead = sigma_error_take();
    }
    if (rc == SIGMA_OK && (rc = replicate_write(s, i, o->out_dir)) == SIGMA_OK) {
      (*computed)++;
      *n_ahead += was_ahead;
      sigma_progress_update(pg, ++done);
    }
    if (ahead) s->cur = nx;
    i = j;
  }
  free(msg_ahead);
  return rc;
}

int sigma_study_replicates(const sigma_study_desc *d, const sigma_study_opts *o,
                           const sigma_audit_result *a, int64_t chunk, int rank, int size,
                           int64_t *computed, int64_t *ahead) {
  const int64_t n = d->study.n1[d->study.K - 1];
  rep_state s;
  sigma_worker *w = NULL;
  int64_t mine = 0;
  for (int64_t i = o->rep_lo + rank; i < o->rep_hi; i += size) mine++;
  memset(&s, 0, sizeof s);
  int rc = sigma_worker_start(&w, chunk >= n && mine > 1 && ahead_fits(o, d));
  const int nbuf = rc == SIGMA_OK && sigma_worker_threaded(w) ? 2 : 1;
  if (rc == SIGMA_OK) rc = rep_state_init(&s, d, a, chunk, nbuf);
  sigma_progress pg;
  sigma_progress_start(&pg, "replicates", rank == 0 && !o->c.quiet, o->rep_hi - o->rep_lo, mine,
                       0.0);
  if (rc == SIGMA_OK) rc = run_mine(&s, o, w, nbuf, rank, size, &pg, computed, ahead);
  if (rc == SIGMA_OK) sigma_progress_end(&pg);
  sigma_worker_stop(&w);
  rep_state_free(&s);
  return rc;
}
