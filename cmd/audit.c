/* sigma audit driver: two streaming passes, reductions, then the serial math. */
#include "audit.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit_bj.h"
#include "files.h"
#include "reduce.h"
#include "scalapack.h"
#include "stream.h"
#include "sigma/dd.h"
#include "sigma/error.h"
#include "sigma/gram.h"
#include "sigma/linalg.h"

void sigma_audit_opts_default(sigma_audit_opts *o) {
  memset(o, 0, sizeof *o);
  o->c = sigma_common_defaults();
  o->epsilon = NAN;
  o->observed = SIGMA_OBS_RANDOM;
  o->delta = 1e-3;
  o->energy_cap = 1.0;
  o->tau2_pass = 1;
  o->scalapack = SIGMA_SL_AUTO;
}

/* Outputs checked before any pass (io/files.h): not an input, not twice the same. */
static int check_outputs(const sigma_audit_opts *o) {
  if (o->save_indices) SIGMA_CHECK(sigma_file_check_output(o->save_indices, "--save-indices"));
  if (o->json_path) SIGMA_CHECK(sigma_file_check_output(o->json_path, "--json"));
  if (o->csv_path) SIGMA_CHECK(sigma_file_check_output(o->csv_path, "--csv"));
  if (o->plots_dir) SIGMA_CHECK(sigma_file_check_dir(o->plots_dir, "--plots"));
  return SIGMA_OK;
}

/* The d x d factorizations (dpotrf, dsyevd) round differently with different
 * OpenBLAS thread counts; run them on one thread so the printed digits do not
 * depend on how many ranks share the cores. dsyrk's result does not depend on it. */
static int blas_serial_begin(void) {
  int n = openblas_get_num_threads();
  openblas_set_num_threads(1);
  return n;
}

static void blas_serial_end(int n) { openblas_set_num_threads(n); }

/* ---- state ---- */

typedef struct {
  MPI_Comm comm;
  int rank, size;
  sigma_gram *g, *g1, *ga, *gb; /* all rows, observed rows, halves a and b */
  double *G, *G1, *Ga, *Gb;
  double *Lg, *L1;              /* inverses of the Cholesky factors of G and G1 */
  double *pilot, *mu, *mrel;    /* --center: pilot mean, global mean, their difference */
  double *work, *Xo, *Xh[2], *q;/* a chunk's observed rows, by half; BLAS scratch */
  sigma_observed ob;
  int64_t p;                    /* next observed position in the pass */
  sigma_stream rd;
  double acc[8];                /* pass 2: four double-double sums */
  sigma_leverage_sums lev;      /* pass 2: the observed rows' leverages (SPEC 4.1) */
  sigma_leverage_stats levs;    /* their statistics after the reduction (n = 0: none) */
  sigma_audit_bj bj;            /* --block-jackknife (bj.G = 0: off) */
  double v_bj;                  /* its variance after pass 2 (NaN: off or not applicable) */
  double bpr;                   /* bytes per row on disk */
} audit_state;

static void state_free(audit_state *s) {
  sigma_gram_destroy(&s->g);
  sigma_gram_destroy(&s->g1);
  sigma_gram_destroy(&s->ga);
  sigma_gram_destroy(&s->gb);
  double *v[] = {s->G, s->G1, s->Ga, s->Gb, s->Lg, s->L1, s->pilot, s->mu, s->mrel, s->work,
                 s->Xo, s->Xh[0], s->Xh[1], s->q};
  for (size_t k = 0; k < sizeof v / sizeof *v; k++) free(v[k]);
  sigma_stream_free(&s->rd);
  sigma_observed_free(&s->ob);
  sigma_audit_bj_free(&s->bj);
}

/* Grams, d x d matrices and chunk buffers: O(chunk d + d^2) per rank. */
static int state_alloc(audit_state *s, const sigma_audit_opts *o, int d, int64_t C, int64_t n1) {
  const size_t dd = (size_t)d * d;
  const int64_t cobs = C < n1 ? C : n1; /* observed rows of one chunk */
  sigma_gram **g[] = {&s->g, &s->g1, &s->ga, &s->gb};
  for (int k = 0; k < 4; k++) SIGMA_CHECK(sigma_gram_create(d, g[k]));
  double **mats[] = {&s->G, &s->G1, &s->Ga, &s->Gb, &s->Lg, &s->L1};
  for (int k = 0; k < 6; k++) SIGMA_CHECK(sigma_calloc(mats[k], dd, sizeof(double)));
  double **vec[] = {&s->pilot, &s->mu, &s->mrel};
  for (int k = 0; k < 3; k++) SIGMA_CHECK(sigma_calloc(vec[k], (size_t)d, sizeof(double)));
  SIGMA_CHECK(sigma_calloc(&s->work, (size_t)C * d, sizeof(double)));
  double **obs[] = {&s->Xo, &s->Xh[0], &s->Xh[1]};
  for (int k = 0; k < 3; k++) SIGMA_CHECK(sigma_calloc(obs[k], (size_t)cobs * d, sizeof(double)));
  SIGMA_CHECK(sigma_calloc(&s->q, (size_t)C, sizeof(double)));
  for (int k = 0; k < 4; k++) (*g[k])->colsum = o->c.center; /* sums serve --center only */
  return sigma_audit_bj_init(&s->bj, o->block_jackknife, &s->ob, d, cobs, o->c.center);
}

/* Max over ranks of a wall-clock time, in *out. */
static int max_time(double t, MPI_Comm comm, double *out) {
  return sigma_mpi_check(MPI_Allreduce(&t, out, 1, MPI_DOUBLE, MPI_MAX, comm), "time reduction");
}

/* ---- the passes ---- */

/* Pilot mean for --center: mean of the first min(N, 1024) rows, read by every rank. */
static int pilot_mean(audit_state *s, int64_t N, int d) {
  int64_t n = N < SIGMA_BLAS_ROWS ? N : SIGMA_BLAS_ROWS, row0, k;
  sigma_stream pr;
  const double *X;
  int rc = sigma_stream_init(&pr, s->rd.in, 0, n, n, n, s->rd.normalize);
  sigma_stream_rewind(&pr, NULL, NULL, 1);
  if (rc == SIGMA_OK) rc = sigma_stream_next(&pr, &X, &row0, &k);
  if (rc == SIGMA_OK) {
    for (int64_t i = 0; i < k; i++)
      for (int j = 0; j < d; j++) s->pilot[j] += X[(size_t)i * d + j];
    for (int j = 0; j < d; j++) s->pilot[j] /= (double)k;
  }
  sigma_stream_free(&pr);
  return rc;
}

/* Copy the observed rows of chunk [row0, row0 + n) into Xo (row order, *no rows) and
 * into Xh[half] (nh[half] rows each); advance s->p. */
static void gather_observed(audit_state *s, const double *X, int64_t row0, int64_t n,
                            int64_t *no, int64_t nh[2]) {
  const int d = s->rd.in->d;
  const size_t bytes = (size_t)d * sizeof(double);
  *no = nh[0] = nh[1] = 0;
  while (s->p < s->ob.n && (int64_t)s->ob.rows[s->p] < row0 + n) {
    const double *x = X + (size_t)(s->ob.rows[s->p] - row0) * d;
    int h = s->ob.half[s->p];
    if (s->bj.G) s->bj.xg[*no] = s->bj.gid[s->p];
    memcpy(s->Xo + (size_t)(*no)++ * d, x, bytes);
    memcpy(s->Xh[h] + (size_t)nh[h]++ * d, x, bytes);
    s->p++;
  }
}

/* Pass 1: G (all rows), G1 (observed), Ga and Gb (its halves). */
static int pass1_visit(void *ctx, double *X, int64_t row0, int64_t n) {
  audit_state *s = ctx;
  int64_t no, nh[2];
  gather_observed(s, X, row0, n, &no, nh);
  sigma_gram_add_rows(s->g, X, n);
  sigma_gram_add_rows(s->g1, s->Xo, no);
  sigma_gram_add_rows(s->ga, s->Xh[0], nh[0]);
  sigma_gram_add_rows(s->gb, s->Xh[1], nh[1]);
  sigma_audit_bj_pass1(&s->bj, s->Xo, no);
  return SIGMA_OK;
}

/* Pass 2: sums of (D^2 - d) and (D^2 - d)^2 per chunk, added to dd pairs acc[0..3]:
 * [0..1] oracle over all rows, D^2 = x^T (G/N)^{-1} x (mean d); [2..3] leave-one-out
 * over the observed rows (SPEC section 3). The chunk is the stream's to overwrite: once
 * its observed rows are copied out, dtrmm runs on it in place. */
static int pass2_visit(void *ctx, double *X, int64_t row0, int64_t n) {
  audit_state *s = ctx;
  const int d = s->rd.in->d;
  const double N = (double)s->rd.in->N, n1 = (double)s->ob.n;
  int64_t no, nh[2];
  double part[4] = {0, 0, 0, 0};
  gather_observed(s, X, row0, n, &no, nh);
  sigma_inv_quadform(s->Lg, d, X, n, X, s->q);
  for (int64_t i = 0; i < n; i++) {
    double dev = N * s->q[i] - d;
    part[0] += dev;
    part[1] += dev * dev;
  }
  sigma_inv_quadform(s->L1, d, s->Xo, no, s->work, s->q);
  if (n1 > d) sigma_leverage_add(&s->lev, s->q, no); /* q = h, the leverages */
  for (int64_t i = 0; i < no; i++) {
    double dev = sigma_loo_d2(s->q[i], n1) - d;
    part[2] += dev;
    part[3] += dev * dev;
  }
  sigma_dd_add(s->acc, part, 4);
  sigma_audit_bj_pass2(&s->bj, s->Xo, no, s->work);
  return SIGMA_OK;
}

/* One pass: rewind with the shifts, stream, agree on errors; its read and wait times and
 * the fraction of blocks read ahead (max over ranks) into t[0..2]. */
static int run_pass(audit_state *s, const sigma_audit_opts *o, const char *label,
                    const double *shift2, int checks, sigma_stream_visit visit, double t[3]) {
  sigma_stream_rewind(&s->rd, o->c.center ? s->pilot : NULL, shift2, checks);
  s->p = sigma_observed_lower_bound(&s->ob, (uint64_t)s->rd.lo);
  int rc = sigma_stream_pass(&s->rd, label, s->rank == 0 && !o->c.quiet, s->rd.in->N, s->bpr,
                             visit, s);
  SIGMA_CHECK(sigma_sync_error(rc, s->comm));
  SIGMA_CHECK(max_time(s->rd.t_read, s->comm, &t[0]));
  SIGMA_CHECK(max_time(s->rd.t_wait, s->comm, &t[1]));
  const double ahead = s->rd.nblocks ? (double)s->rd.nahead / (double)s->rd.nblocks : 0;
  return max_time(ahead, s->comm, &t[2]);
}

/* ---- reductions and factorizations ---- */

/* One reduced accumulator -> full matrix, centred on the global mean if asked. */
static void gram_out(const sigma_gram *g, const sigma_audit_opts *o, const double *m, double *sv,
                     double *A) {
  sigma_gram_matrix(g, A);
  if (!o->c.center) return;
  sigma_gram_colsum(g, sv);
  sigma_center_gram(A, g->d, sv, (double)g->rows, m);
}

/* Reduced accumulators -> G, G1, Ga, Gb. G1 has its own accumulator so that the
 * same observed rows give the same digits whatever their split into halves.
 * With --center every Gram was accumulated around the pilot p; m = mu - p. */
static void assemble(audit_state *s, const sigma_audit_opts *o, int64_t N, int d) {
  double *m = s->mu, *sv = s->work;
  memset(m, 0, (size_t)d * sizeof(double));
  if (o->c.center) {
    sigma_gram_colsum(s->g, m);
    for (int j = 0; j < d; j++) m[j] /= (double)N;
  }
  gram_out(s->g, o, m, sv, s->G);
  gram_out(s->ga, o, m, sv, s->Ga);
  gram_out(s->gb, o, m, sv, s->Gb);
  gram_out(s->g1, o, m, sv, s->G1);
  memcpy(s->mrel, m, (size_t)d * sizeof(double)); /* the mean around the pilot */
  for (int j = 0; j < d; j++) s->mu[j] = m[j] + s->pilot[j]; /* the global mean */
}

/* Every row's x x^T is finite (the row preparation), but their sum over N rows can
 * still overflow: say so, instead of LAPACK's "argument 4 invalid". The diagonal bounds
 * every entry (|G_ij| <= sqrt(G_ii G_jj)), so checking it suffices. */
static int check_gram_finite(const double *G, int d, int64_t N) {
  for (int j = 0; j < d; j++)
    if (!isfinite(G[(size_t)j * d + j]))
      return sigma_set_error(SIGMA_EDATA, "G = sum of x x^T over %lld rows overflows double "
                             "precision in column %d (rescale the data, or --normalize)",
                             (long long)N, j);
  return SIGMA_OK;
}

/* The pass-1 reductions: the four Grams in double-double, the max row norm. */
static int reduce_pass1(audit_state *s, sigma_audit_result *r) {
  sigma_gram *g[] = {s->g, s->g1, s->ga, s->gb};
  const int64_t rows[] = {r->N, r->n1, r->na, r->nb};
  for (int k = 0; k < 4; k++) {
    SIGMA_CHECK(sigma_allreduce_dd(g[k]->acc, g[k]->ndd, s->comm));
    g[k]->rows = rows[k];
  }
  return sigma_mpi_check(MPI_Allreduce(&s->rd.max_norm2, &r->max_norm2, 1, MPI_DOUBLE, MPI_MAX,
                                       s->comm), "max norm reduction");
}

/* The inputs of the math, from the options and what the passes measured. */
static sigma_est_input est_input(const audit_state *s, const sigma_audit_opts *o,
                                 const sigma_audit_result *r) {
  return (sigma_est_input){.lev = s->levs, .d = r->d, .N = (double)r->N, .n1 = (double)r->n1,
                           .na = (double)r->na, .nb = (double)r->nb, .G = s->G, .G1 = s->G1,
                           .Ga = s->Ga, .Gb = s->Gb, .tau2_oracle = r->tau2_oracle,
                           .tau2_observed = r->tau2_observed, .level = o->c.level,
                           .delta = o->delta, .energy_cap = o->energy_cap,
                           .max_norm2 = r->max_norm2, .rule_constant = o->c.rule_constant,
                           .epsilon = o->epsilon, .v_bj = s->v_bj};
}

/* Cholesky of G and G1 and the inverse factors pass 2 multiplies by (dtrmm is faster than
 * dtrsm), on every rank. A singular Gram is named by the estimator, with its rank. */
static int factor(audit_state *s, const sigma_audit_opts *o, sigma_audit_result *r) {
  const int d = r->d;
  assemble(s, o, r->N, d);
  SIGMA_CHECK(check_gram_finite(s->G, d, r->N)); /* the same on every rank: G is reduced */
  int nthreads = blas_serial_begin();
  int rc = sigma_cholesky(s->G, d, s->Lg);
  if (rc == SIGMA_OK) rc = sigma_cholesky(s->G1, d, s->L1);
  if (rc == SIGMA_OK) rc = sigma_tri_inverse(s->Lg, d, s->Lg);
  if (rc == SIGMA_OK) rc = sigma_tri_inverse(s->L1, d, s->L1);
  if (rc == SIGMA_OK)
    rc = sigma_audit_bj_factor(&s->bj, s->g1->acc, o->c.center ? s->mrel : NULL, s->work, s->comm);
  if (rc == SIGMA_ESINGULAR) {
    sigma_clear_error();
    const sigma_est_input ei = est_input(s, o, r);
    rc = sigma_estimate(&ei, &r->est);
    if (rc == SIGMA_OK) rc = sigma_set_error(SIGMA_ESINGULAR, "Cholesky failed on G or G1");
  }
  blas_serial_end(nthreads);
  return rc;
}

/* Pass 2 and its reduction: the tau^2 oracle and the leave-one-out tau^2. Centred in pass
 * 1's two steps (pilot, then the small remainder): subtracting the rounded mean at once
 * loses ~1 ulp of a 1e9 mean per entry. */
static int tau2_pass(audit_state *s, const sigma_audit_opts *o, sigma_audit_result *r) {
  double t = MPI_Wtime(), v[4];
  memset(s->acc, 0, sizeof s->acc);
  sigma_leverage_init(&s->lev, r->d, (double)r->n1);
  double tw[3];
  SIGMA_CHECK(run_pass(s, o, "pass 2/2 (tau2)", o->c.center ? s->mrel : NULL, 0, pass2_visit, tw));
  r->t_read2 = tw[0];
  r->t_wait2 = tw[1];
  r->ahead2 = tw[2];
  SIGMA_CHECK(max_time(MPI_Wtime() - t, s->comm, &r->t_pass2));
  t = MPI_Wtime();
  SIGMA_CHECK(sigma_allreduce_dd(s->acc, 4, s->comm));
  SIGMA_CHECK(sigma_allreduce_dd(s->lev.s_log, 2, s->comm));
  SIGMA_CHECK(sigma_allreduce_dd(s->lev.s_a, 2, s->comm));
  if (r->n1 > r->d) { /* every observed row passed once, on some rank */
    s->lev.n = (double)r->n1;
    sigma_leverage_stats_of(&s->lev, &s->levs);
  }
  sigma_dd_value(s->acc, v, 4);
  r->tau2_oracle = sigma_variance_from_sums((double)r->N, v[0], v[1]);
  r->tau2_observed = sigma_loo_tau2((double)r->n1, r->d, v[2], v[3]);
  SIGMA_CHECK(sigma_audit_bj_finish(&s->bj, (double)r->N, s->comm, &s->v_bj));
  return max_time(MPI_Wtime() - t, s->comm, &r->t_reduce2);
}

/* The math, identical inputs on every rank: spectra serially or on a ScaLAPACK grid. */
static int estimate(audit_state *s, const sigma_audit_opts *o, sigma_audit_result *r) {
  const int d = r->d;
  const sigma_est_input ei = est_input(s, o, r);
  const int use_sl = o->scalapack == SIGMA_SL_ON ||
                     (o->scalapack == SIGMA_SL_AUTO && d >= SIGMA_SCALAPACK_MIN_D &&
                      s->size >= SIGMA_SCALAPACK_MIN_RANKS);
  int nthreads = blas_serial_begin(), rc;
  if (use_sl) {
    sigma_spectra sp = {0};
    int grid[3] = {0, 0, 0};
    rc = sigma_pd_spectra(s->comm, s->G, s->G1, d, &sp, grid);
    r->sl_nprow = grid[0];
    r->sl_npcol = grid[1];
    r->sl_nb = grid[2];
    r->scalapack = rc == SIGMA_OK;
    if (rc == SIGMA_OK) rc = sigma_estimate_from_spectra(&ei, &sp, &r->est);
    sigma_spectra_free(&sp);
  } else {
    rc = sigma_estimate(&ei, &r->est);
  }
  blas_serial_end(nthreads);
  return sigma_sync_error(rc, s->comm);
}

/* ---- the driver ---- */

/* A caller's block (a monitor's): copied, its rows checked against N. */
static int given_observed(const sigma_observed *g, int64_t N, sigma_observed *ob) {
  if (g->n > 0 && g->rows[g->n - 1] >= (uint64_t)N)
    return sigma_set_error(SIGMA_EINVAL, "observed row %llu is beyond the %lld rows of the input",
                           (unsigned long long)g->rows[g->n - 1], (long long)N);
  return sigma_observed_copy(g, ob);
}

/* Open and validate the input, choose O, check the outputs: every rank the same
 * deterministic work, so every rank reaches the same verdict. */
static int audit_open(audit_state *s, const sigma_audit_opts *o, sigma_audit_result *r) {
  double t0 = MPI_Wtime();
  SIGMA_CHECK(sigma_sync_error(sigma_input_open(o->c.inputs, o->c.ninputs, &r->input), s->comm));
  r->N = r->input->N;
  r->d = r->input->d;
  s->bpr = sigma_input_bytes_per_row(r->input);
  SIGMA_CHECK(max_time(MPI_Wtime() - t0, s->comm, &r->t_open));
  t0 = MPI_Wtime();
  const sigma_observed_spec sp = {o->observed, o->n1, o->epsilon, o->c.rule_constant, o->c.seed,
                                  o->indices_path};
  int rc = o->given ? given_observed(o->given, r->N, &s->ob)
                    : sigma_observed_make(&sp, r->N, r->d, &s->ob);
  if (rc == SIGMA_OK) rc = check_outputs(o);
  SIGMA_CHECK(sigma_sync_error(rc, s->comm));
  int64_t nh[2];
  sigma_observed_halves(&s->ob, nh);
  r->n1 = s->ob.n;
  r->na = nh[0];
  r->nb = nh[1];
  return max_time(MPI_Wtime() - t0, s->comm, &r->t_sample);
}

/* Buffers, this rank's share of the rows, the pilot mean for --center. */
static int audit_setup(audit_state *s, const sigma_audit_opts *o, sigma_audit_result *r) {
  const int64_t C = r->chunk_rows = sigma_chunk_rows(r->d);
  int64_t lo, hi;
  sigma_stream_share(r->N, C, s->rank, s->size, &lo, &hi);
  r->block_rows = sigma_stream_block_rows(o->c.block_rows, r->d, C);
  int rc = state_alloc(s, o, r->d, C, r->n1);
  if (rc == SIGMA_OK)
    rc = sigma_stream_init(&s->rd, r->input, lo, hi, C, r->block_rows, o->c.normalize);
  if (rc == SIGMA_OK && o->c.center) rc = pilot_mean(s, r->N, r->d);
  return sigma_sync_error(rc, s->comm);
}

/* Pass 1 and its reductions. SIGMA_DEBUG_DELAY_MS (tests only) pauses first, after
 * validation, so a test can delete or damage a shard before the pass reaches it; rank 0
 * says when the pause starts, so the test does not have to guess how long start-up took. */
static int audit_pass1(audit_state *s, const sigma_audit_opts *o, sigma_audit_result *r) {
  const char *delay = getenv("SIGMA_DEBUG_DELAY_MS");
  if (delay) {
    if (s->rank == 0) fprintf(stderr, "sigma: debug: paused before pass 1\n");
    usleep(1000 * (useconds_t)atoi(delay));
  }
  double t = MPI_Wtime(), tw[3];
  SIGMA_CHECK(run_pass(s, o, o->tau2_pass ? "pass 1/2 (G, G1)" : "pass 1/1 (G, G1)", NULL, 1,
                       pass1_visit, tw));
  SIGMA_CHECK(max_time(MPI_Wtime() - t, s->comm, &r->t_pass1));
  r->t_read1 = tw[0];
  r->t_wait1 = tw[1];
  r->ahead1 = tw[2];
  t = MPI_Wtime();
  SIGMA_CHECK(reduce_pass1(s, r));
  return max_time(MPI_Wtime() - t, s->comm, &r->t_reduce1);
}

/* What the result keeps: bytes read, the mean as its two centring steps, the block. */
static int audit_finish(audit_state *s, const sigma_audit_opts *o, sigma_audit_result *r) {
  int64_t rows_all, rows_mine = s->rd.rows_read;
  SIGMA_CHECK(sigma_mpi_check(MPI_Allreduce(&rows_mine, &rows_all, 1, MPI_INT64_T, MPI_SUM,
                                            s->comm), "rows-read reduction"));
  r->bytes_read = (double)rows_all * s->bpr;
  SIGMA_CHECK(sigma_calloc(&r->mean, 2 * (size_t)r->d, sizeof(double)));
  if (o->c.center) { /* the pilot, then the remainder */
    memcpy(r->mean, s->pilot, (size_t)r->d * sizeof(double));
    memcpy(r->mean + r->d, s->mrel, (size_t)r->d * sizeof(double));
  }
  r->obs = s->ob; /* moved: the caller may save the rows */
  memset(&s->ob, 0, sizeof s->ob);
  return SIGMA_OK;
}

int sigma_audit_run(const sigma_audit_opts *o, MPI_Comm comm, sigma_audit_result *r) {
  audit_state s;
  memset(&s, 0, sizeof s);
  memset(r, 0, sizeof *r);
  s.v_bj = NAN;
  s.comm = comm;
  int rc = sigma_mpi_check(MPI_Comm_rank(comm, &s.rank), "MPI_Comm_rank");
  if (rc == SIGMA_OK) rc = sigma_mpi_check(MPI_Comm_size(comm, &s.size), "MPI_Comm_size");
  if (rc != SIGMA_OK) return rc;
  r->nranks = s.size;
  r->tau2_oracle = r->tau2_observed = NAN;
  double t0 = MPI_Wtime(), t;
  SIGMA_TRY(audit_open(&s, o, r));
  SIGMA_TRY(audit_setup(&s, o, r));
  SIGMA_TRY(audit_pass1(&s, o, r));
  t = MPI_Wtime();
  SIGMA_TRY(factor(&s, o, r));
  SIGMA_TRY(max_time(MPI_Wtime() - t, comm, &r->t_factor));
  if (o->tau2_pass) SIGMA_TRY(tau2_pass(&s, o, r));
  t = MPI_Wtime();
  SIGMA_TRY(estimate(&s, o, r));
  SIGMA_TRY(max_time(MPI_Wtime() - t, comm, &r->t_estimate));
  SIGMA_TRY(audit_finish(&s, o, r));
  SIGMA_TRY(max_time(MPI_Wtime() - t0, comm, &r->t_total));
done:
  state_free(&s);
  return rc;
}

void sigma_audit_result_free(sigma_audit_result *r) {
  sigma_est_free(&r->est);
  free(r->mean);
  r->mean = NULL;
  sigma_observed_free(&r->obs);
  sigma_input_close(&r->input);
}
