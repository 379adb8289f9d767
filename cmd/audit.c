/* sigma audit driver: two streaming passes, reductions, then the serial math. */
#include "audit.h"

#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "parse.h"
#include "progress.h"
#include "reduce.h"
#include "scalapack.h"
#include "sigma/dd.h"
#include "sigma/error.h"
#include "sigma/gram.h"
#include "sigma/linalg.h"
#include "sigma/sample.h"


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

/* L, log det G1 and the eigenvalues of G, G1, G2 = G - G1 on a BLACS grid over comm
 * (SPEC section 2; mpi/scalapack.h), into sp (fresh). */
static int scalapack_spectra(MPI_Comm comm, const double *G, const double *G1, int d,
                             sigma_spectra *sp, sigma_audit_result *r) {
  sigma_pgrid g;
  double *G2 = NULL;
  int rc = sigma_pgrid_init(comm, SIGMA_SCALAPACK_NB, &g);
  if (rc != SIGMA_OK) return rc;
  r->sl_nprow = g.nprow;
  r->sl_npcol = g.npcol;
  r->sl_nb = g.nb;
  rc = sigma_spectra_init(sp, d);
  if (rc == SIGMA_OK) rc = sigma_calloc(&G2, (size_t)d * d, sizeof(double));
  rc = sigma_sync_error(rc, comm);
  if (rc != SIGMA_OK) goto done;
  for (size_t k = 0; k < (size_t)d * d; k++) G2[k] = G[k] - G1[k];
  SIGMA_TRY(sigma_pd_eigvalsh(&g, G, d, sp->w_G));
  SIGMA_TRY(sigma_pd_eigvalsh(&g, G1, d, sp->w_G1));
  SIGMA_TRY(sigma_pd_eigvalsh(&g, G2, d, sp->w_G2));
  SIGMA_TRY(sigma_pd_logdet_chol(&g, G, d, &sp->L));
  SIGMA_TRY(sigma_pd_logdet_chol(&g, G1, d, &sp->logdet_G1));
  sigma_spectra_ranks(sp);
  r->scalapack = 1;
done:
  free(G2);
  sigma_pgrid_free(&g);
  return rc;
}

/* ---- the observed block ---- */

typedef struct {
  int64_t n;             /* n1 */
  uint64_t *rows;        /* sorted */
  unsigned char *half;   /* Richardson half of each row */
} observed;

static void observed_free(observed *ob) {
  free(ob->rows);
  free(ob->half);
}

/* The observed-indices file: a regular file (io/files.h), parsed by io/parse.h. */
static int read_indices(const char *path, int64_t N, uint64_t **out, int64_t *n) {
  SIGMA_CHECK(sigma_file_input(path, "observed-indices file"));
  FILE *f = fopen(path, "r");
  if (!f) return sigma_set_error(SIGMA_EIO, "%s: cannot open observed-indices file", path);
  int rc = sigma_parse_indices(f, path, N, out, n);
  fclose(f);
  return rc;
}

/* Build the ordered observed list, then sort it keeping each row's half. For
 * 'first' and 'indices' the list is shuffled (Philox, same seed) so the
 * Richardson halves are a random split. */
static int make_observed(const sigma_audit_opts *o, int64_t N, int d, observed *ob) {
  uint64_t *ordered = NULL, *perm = NULL, *given = NULL;
  int rc = SIGMA_OK;
  int64_t n = o->n1;
  if (o->observed == SIGMA_OBS_INDICES) {
    SIGMA_TRY(read_indices(o->indices_path, N, &given, &n));
    if (o->n1 && o->n1 != n)
      SIGMA_TRY(sigma_set_error(SIGMA_EINVAL, "%s lists %lld rows but --n1 is %lld",
                                o->indices_path, (long long)n, (long long)o->n1));
  } else if (n == 0) {
    n = sigma_rule_n1(o->c.rule_constant, d, o->epsilon);
    if (n < 0)
      SIGMA_TRY(sigma_set_error(SIGMA_EINVAL, "--epsilon %g: the rule n1 = ceil(%g d / eps^2) "
                                "asks for %.3g rows, more than any input holds (N = %lld)",
                                o->epsilon, o->c.rule_constant,
                                o->c.rule_constant * d / (o->epsilon * o->epsilon), (long long)N));
  }
  if (n == 0 && o->observed == SIGMA_OBS_INDICES)
    SIGMA_TRY(sigma_set_error(SIGMA_EINVAL, "%s lists no rows", o->indices_path));
  if (n < d)
    SIGMA_TRY(sigma_set_error(SIGMA_EINVAL, "n1 = %lld < d = %d: the observed Gram G1 would be "
                              "singular (need n1 >= d)", (long long)n, d));
  if (n > N)
    SIGMA_TRY(sigma_set_error(SIGMA_EINVAL, "n1 = %lld > N = %lld rows in the input",
                              (long long)n, (long long)N));
  SIGMA_TRY(sigma_calloc(&ordered, (size_t)n, sizeof *ordered));
  if (o->observed == SIGMA_OBS_RANDOM) {
    SIGMA_TRY(sigma_sample_prefix((uint64_t)N, (uint64_t)n, o->c.seed, 0, ordered));
  } else {
    SIGMA_TRY(sigma_calloc(&perm, (size_t)n, sizeof *perm));
    SIGMA_TRY(sigma_sample_prefix((uint64_t)n, (uint64_t)n, o->c.seed, 0, perm));
    for (int64_t k = 0; k < n; k++) ordered[k] = given ? given[perm[k]] : perm[k];
  }
  ob->n = n;
  SIGMA_TRY(sigma_calloc(&ob->rows, (size_t)n, sizeof *ob->rows));
  SIGMA_TRY(sigma_calloc(&ob->half, (size_t)n, 1));
  rc = sigma_observed_sorted(ordered, n, ob->rows, ob->half);
  if (rc == SIGMA_EINVAL && o->indices_path) {
    char msg[512];
    snprintf(msg, sizeof msg, "%s", sigma_error_message());
    sigma_clear_error();
    rc = sigma_set_error(SIGMA_EINVAL, "%s: %s", o->indices_path, msg);
  }
done:
  free(ordered);
  free(perm);
  free(given);
  return rc;
}

int sigma_audit_write_indices(FILE *f, const sigma_audit_result *r) {
  for (int h = 0; h < 2; h++)
    for (int64_t k = 0; k < r->n1; k++)
      if (r->obs_half[k] == h && fprintf(f, "%llu\n", (unsigned long long)r->obs_rows[k]) < 0)
        return sigma_set_error(SIGMA_EIO, "cannot write the observed indices");
  return SIGMA_OK;
}

/* Outputs checked before any pass (io/files.h): not an input, not twice the same. */
static int check_outputs(const sigma_audit_opts *o) {
  if (o->save_indices) SIGMA_CHECK(sigma_file_check_output(o->save_indices, "--save-indices"));
  if (o->json_path) SIGMA_CHECK(sigma_file_check_output(o->json_path, "--json"));
  if (o->csv_path) SIGMA_CHECK(sigma_file_check_output(o->csv_path, "--csv"));
  return SIGMA_OK;
}

/* ---- chunked streaming of this rank's rows ---- */

typedef struct {
  sigma_input *in;
  int64_t lo, hi;         /* this rank's rows, lo a multiple of chunk */
  int64_t chunk;          /* sigma_chunk_rows(d): the reduction unit */
  int64_t block_rows, cap;
  double *buf;
  int64_t buf_row0, buf_n, buf_off, pos;
  /* preprocessing */
  int normalize;
  const double *shift, *shift2; /* subtract after normalising (shift2 then), or NULL */
  int checks;             /* pass 1: NaN/Inf check and max norm (pass 2 reads the same rows) */
  double max_norm2;       /* of the rows as used (after normalising, before shifting) */
  int64_t rows_read;
} chunk_reader;

static int reader_init(chunk_reader *r, sigma_input *in, int64_t lo, int64_t hi, int64_t chunk,
                       int64_t block_rows, int normalize) {
  memset(r, 0, sizeof *r);
  r->in = in;
  r->lo = r->pos = lo;
  r->hi = hi;
  r->chunk = chunk;
  r->block_rows = block_rows;
  r->cap = ((block_rows > chunk ? block_rows : chunk) + chunk - 1) / chunk * chunk;
  r->normalize = normalize;
  return sigma_calloc(&r->buf, (size_t)r->cap * in->d, sizeof(double));
}

static void reader_rewind(chunk_reader *r, const double *shift, const double *shift2,
                          int checks) {
  r->pos = r->lo;
  r->buf_n = r->buf_off = 0;
  r->shift = shift;
  r->shift2 = shift2;
  r->checks = checks;
}

/* Pass 1 (checks) and --normalize: the shared row preparation (values checked,
 * norms that overflow or underflow refused or scaled safely); then the centring shift. */
static int preprocess(chunk_reader *r, double *X, int64_t row0, int64_t n) {
  const int d = r->in->d;
  if (!r->checks && !r->normalize && !r->shift) return SIGMA_OK;
  for (int64_t i = 0; i < n; i++) {
    double *x = X + (size_t)i * d, s = 0;
    if (r->checks || r->normalize)
      SIGMA_CHECK(sigma_input_prepare_row(r->in, row0 + i, x, r->normalize, &s));
    if (s > r->max_norm2) r->max_norm2 = s;
    if (r->shift)
      for (int j = 0; j < d; j++) x[j] -= r->shift[j];
    if (r->shift2)
      for (int j = 0; j < d; j++) x[j] -= r->shift2[j];
  }
  return SIGMA_OK;
}

/* Next chunk of at most r->chunk rows, aligned on global multiples of it. n = 0 at the end. */
static int reader_next(chunk_reader *r, const double **X, int64_t *row0, int64_t *n) {
  const int d = r->in->d;
  if (r->buf_off == r->buf_n) {
    int64_t want = r->hi - r->pos < r->cap ? r->hi - r->pos : r->cap;
    r->buf_row0 = r->pos;
    r->buf_n = r->buf_off = 0;
    while (r->buf_n < want) { /* reads of block_rows rows each */
      int64_t k = want - r->buf_n < r->block_rows ? want - r->buf_n : r->block_rows;
      SIGMA_CHECK(sigma_input_read(r->in, r->pos, k, r->buf + (size_t)r->buf_n * d));
      r->buf_n += k;
      r->pos += k;
    }
    r->rows_read += r->buf_n;
    SIGMA_CHECK(preprocess(r, r->buf, r->buf_row0, r->buf_n));
  }
  int64_t k = r->buf_n - r->buf_off < r->chunk ? r->buf_n - r->buf_off : r->chunk;
  *X = r->buf + (size_t)r->buf_off * d;
  *row0 = r->buf_row0 + r->buf_off;
  *n = k;
  r->buf_off += k;
  return SIGMA_OK;
}

/* First observed position with row >= r. */
static int64_t lower_bound(const observed *ob, uint64_t r) {
  int64_t lo = 0, hi = ob->n;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if (ob->rows[mid] < r) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* Copy the observed rows of chunk [row0, row0 + n) into Xo (row order, *no rows) and
 * into Xh[half] (nh[half] rows each); advance *p. */
static void gather_observed(const observed *ob, int64_t *p, const double *X, int64_t row0,
                            int64_t n, int d, double *Xo, int64_t *no, double *Xh[2],
                            int64_t nh[2]) {
  const size_t bytes = (size_t)d * sizeof(double);
  *no = nh[0] = nh[1] = 0;
  while (*p < ob->n && (int64_t)ob->rows[*p] < row0 + n) {
    const double *x = X + (size_t)(ob->rows[*p] - row0) * d;
    int h = ob->half[*p];
    memcpy(Xo + (size_t)(*no)++ * d, x, bytes);
    memcpy(Xh[h] + (size_t)nh[h]++ * d, x, bytes);
    (*p)++;
  }
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

/* ---- the audit ---- */

typedef struct {
  sigma_gram *g, *g1, *ga, *gb; /* all rows, observed rows, halves a and b */
  double *G, *G1, *Ga, *Gb, *Lg, *L1 /* inverses of the Cholesky factors */, *pilot, *mu, *mrel, *work, *Xo, *Xh[2], *q;
  observed ob;
  chunk_reader rd;
} audit_state;

static void state_free(audit_state *s) {
  sigma_gram_destroy(&s->g);
  sigma_gram_destroy(&s->g1);
  sigma_gram_destroy(&s->ga);
  sigma_gram_destroy(&s->gb);
  free(s->G); free(s->G1); free(s->Ga); free(s->Gb); free(s->Lg); free(s->L1);
  free(s->pilot); free(s->mu); free(s->mrel); free(s->work); free(s->Xo); free(s->Xh[0]); free(s->Xh[1]); free(s->q);
  free(s->rd.buf);
  observed_free(&s->ob);
}

static double max_time(double t, MPI_Comm comm) {
  double m;
  MPI_Allreduce(&t, &m, 1, MPI_DOUBLE, MPI_MAX, comm);
  return m;
}

/* Pilot mean for --center: mean of the first min(N, 1024) rows, read by every rank. */
static int pilot_mean(audit_state *s, int64_t N, int d) {
  int64_t n = N < SIGMA_BLAS_ROWS ? N : SIGMA_BLAS_ROWS;
  chunk_reader pr;
  int rc = reader_init(&pr, s->rd.in, 0, n, n, n, s->rd.normalize);
  pr.checks = 1;
  const double *X;
  int64_t row0, k;
  if (rc == SIGMA_OK) rc = reader_next(&pr, &X, &row0, &k);
  if (rc == SIGMA_OK) {
    for (int64_t i = 0; i < k; i++)
      for (int j = 0; j < d; j++) s->pilot[j] += X[(size_t)i * d + j];
    for (int j = 0; j < d; j++) s->pilot[j] /= (double)k;
  }
  free(pr.buf);
  return rc;
}

/* One streaming pass over this rank's rows: each chunk, with its observed rows
 * gathered (Xo in row order, Xh by Richardson half), goes to visit(). */
typedef int (*chunk_visit)(audit_state *s, const double *X, int64_t n, int64_t no,
                           const int64_t nh[2], void *ctx);

static int stream_pass(audit_state *s, const char *label, int show, int64_t N, double bpr,
                       chunk_visit visit, void *ctx) {
  const int d = s->rd.in->d;
  sigma_progress pg;
  sigma_progress_start(&pg, label, show, N, s->rd.hi - s->rd.lo, bpr);
  int64_t p = lower_bound(&s->ob, (uint64_t)s->rd.lo);
  for (;;) {
    const double *X;
    int64_t row0, n, no, nh[2];
    SIGMA_CHECK(reader_next(&s->rd, &X, &row0, &n));
    if (n == 0) break;
    gather_observed(&s->ob, &p, X, row0, n, d, s->Xo, &no, s->Xh, nh);
    SIGMA_CHECK(visit(s, X, n, no, nh, ctx));
    sigma_progress_update(&pg, row0 + n - s->rd.lo);
  }
  sigma_progress_end(&pg);
  return SIGMA_OK;
}

/* Pass 1: G (all rows), G1 (observed), Ga and Gb (its halves). */
static int pass1_chunk(audit_state *s, const double *X, int64_t n, int64_t no,
                       const int64_t nh[2], void *ctx) {
  (void)ctx;
  sigma_gram_add_rows(s->g, X, n);
  sigma_gram_add_rows(s->g1, s->Xo, no);
  sigma_gram_add_rows(s->ga, s->Xh[0], nh[0]);
  sigma_gram_add_rows(s->gb, s->Xh[1], nh[1]);
  return SIGMA_OK;
}

/* Pass 2: sums of (D^2 - d) and (D^2 - d)^2 per chunk, added to dd pairs acc[0..3]:
 * [0..1] oracle over all rows, D^2 = x^T (G/N)^{-1} x (mean d); [2..3] leave-one-out
 * over the observed rows (SPEC section 3). */
typedef struct {
  double *acc;
  double N, n1;
} pass2_ctx;

static int pass2_chunk(audit_state *s, const double *X, int64_t n, int64_t no,
                       const int64_t nh[2], void *ctx) {
  (void)nh;
  pass2_ctx *c = ctx;
  const int d = s->rd.in->d;
  double part[4] = {0, 0, 0, 0};
  sigma_inv_quadform(s->Lg, d, X, n, s->work, s->q);
  for (int64_t i = 0; i < n; i++) {
    double dev = c->N * s->q[i] - d;
    part[0] += dev;
    part[1] += dev * dev;
  }
  sigma_inv_quadform(s->L1, d, s->Xo, no, s->work, s->q);
  for (int64_t i = 0; i < no; i++) {
    double dev = sigma_loo_d2(s->q[i], c->n1) - d;
    part[2] += dev;
    part[3] += dev * dev;
  }
  sigma_dd_add(c->acc, part, 4);
  return SIGMA_OK;
}

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

/* Every row's x x^T is finite (sigma_input_prepare_row), but their sum over N rows can
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

int sigma_audit_run(const sigma_audit_opts *o, MPI_Comm comm, sigma_audit_result *r) {
  audit_state s;
  memset(&s, 0, sizeof s);
  memset(r, 0, sizeof *r);
  int rank, size, rc = SIGMA_OK;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  r->nranks = size;
  r->tau2_oracle = r->tau2_observed = NAN;
  double t0 = MPI_Wtime(), t;

  /* Open and validate: every rank the same deterministic work. */
  rc = sigma_input_open(o->c.inputs, o->c.ninputs, &r->input);
  SIGMA_TRY(sigma_sync_error(rc, comm));
  const int64_t N = r->N = r->input->N;
  const int d = r->d = r->input->d;
  const double bpr = sigma_input_bytes_per_row(r->input);
  r->t_open = max_time(MPI_Wtime() - t0, comm);

  /* The observed block: same rows on every rank (SPEC section 7). */
  t = MPI_Wtime();
  rc = make_observed(o, N, d, &s.ob);
  if (rc == SIGMA_OK) rc = check_outputs(o);
  SIGMA_TRY(sigma_sync_error(rc, comm));
  r->n1 = s.ob.n;
  for (int64_t k = 0; k < s.ob.n; k++) r->nb += s.ob.half[k];
  r->na = r->n1 - r->nb;
  r->t_sample = max_time(MPI_Wtime() - t, comm);

  /* Buffers: O(cap * d + d^2) per rank. */
  const size_t dd = (size_t)d * d;
  rc = SIGMA_OK;
  if (rc == SIGMA_OK) rc = sigma_gram_create(d, &s.g);
  if (rc == SIGMA_OK) rc = sigma_gram_create(d, &s.g1);
  if (rc == SIGMA_OK) rc = sigma_gram_create(d, &s.ga);
  if (rc == SIGMA_OK) rc = sigma_gram_create(d, &s.gb);
  double **mats[] = {&s.G, &s.G1, &s.Ga, &s.Gb, &s.Lg, &s.L1};
  for (int k = 0; k < 6 && rc == SIGMA_OK; k++) rc = sigma_calloc(mats[k], dd, sizeof(double));
  if (rc == SIGMA_OK) rc = sigma_calloc(&s.pilot, (size_t)d, sizeof(double));
  if (rc == SIGMA_OK) rc = sigma_calloc(&s.mu, (size_t)d, sizeof(double));
  if (rc == SIGMA_OK) rc = sigma_calloc(&s.mrel, (size_t)d, sizeof(double));
  /* Observed rows of one chunk: at most min(chunk, n1). */
  const int64_t C = r->chunk_rows = sigma_chunk_rows(d), cobs = C < r->n1 ? C : r->n1;
  if (rc == SIGMA_OK) rc = sigma_calloc(&s.work, (size_t)C * d, sizeof(double));
  if (rc == SIGMA_OK) rc = sigma_calloc(&s.Xo, (size_t)cobs * d, sizeof(double));
  if (rc == SIGMA_OK) rc = sigma_calloc(&s.Xh[0], (size_t)cobs * d, sizeof(double));
  if (rc == SIGMA_OK) rc = sigma_calloc(&s.Xh[1], (size_t)cobs * d, sizeof(double));
  if (rc == SIGMA_OK) rc = sigma_calloc(&s.q, (size_t)C, sizeof(double));
  if (rc == SIGMA_OK) /* column sums only serve --center */
    s.g->colsum = s.g1->colsum = s.ga->colsum = s.gb->colsum = o->c.center;
  /* This rank's rows: a contiguous range of whole chunks. */
  const int64_t nchunks = (N + C - 1) / C;
  int64_t lo = (int64_t)(nchunks * rank / size) * C, hi = (int64_t)(nchunks * (rank + 1) / size) * C;
  if (hi > N) hi = N;
  if (lo > N) lo = N;
  r->block_rows = o->c.block_rows;
  if (r->block_rows == 0) { /* a byte budget, so memory stays bounded for large d */
    r->block_rows = SIGMA_BLOCK_BYTES / (8 * (int64_t)d) / C * C;
    if (r->block_rows < C) r->block_rows = C;
  }
  if (rc == SIGMA_OK) rc = reader_init(&s.rd, r->input, lo, hi, C, r->block_rows, o->c.normalize);
  if (rc == SIGMA_OK && o->c.center) rc = pilot_mean(&s, N, d);
  SIGMA_TRY(sigma_sync_error(rc, comm));

  /* Pass 1: G, Ga, Gb. SIGMA_DEBUG_DELAY_MS (tests only) pauses here, after validation,
   * so a test can delete or damage a shard before the pass reaches it. Rank 0 says
   * when the pause starts, so the test does not have to guess how long start-up took. */
  const char *delay = getenv("SIGMA_DEBUG_DELAY_MS");
  if (delay) {
    if (rank == 0) fprintf(stderr, "sigma: debug: paused before pass 1\n");
    usleep(1000 * (useconds_t)atoi(delay));
  }
  t = MPI_Wtime();
  reader_rewind(&s.rd, o->c.center ? s.pilot : NULL, NULL, 1);
  rc = stream_pass(&s, o->tau2_pass ? "pass 1/2 (G, G1)" : "pass 1/1 (G, G1)",
                   rank == 0 && !o->c.quiet, N, bpr, pass1_chunk, NULL);
  SIGMA_TRY(sigma_sync_error(rc, comm));
  r->t_pass1 = max_time(MPI_Wtime() - t, comm);
  t = MPI_Wtime();
  SIGMA_TRY(sigma_allreduce_dd(s.g->acc, s.g->ndd, comm));
  SIGMA_TRY(sigma_allreduce_dd(s.g1->acc, s.g1->ndd, comm));
  SIGMA_TRY(sigma_allreduce_dd(s.ga->acc, s.ga->ndd, comm));
  SIGMA_TRY(sigma_allreduce_dd(s.gb->acc, s.gb->ndd, comm));
  s.g->rows = N;
  s.g1->rows = r->n1;
  s.ga->rows = r->na;
  s.gb->rows = r->nb;
  MPI_Allreduce(&s.rd.max_norm2, &r->max_norm2, 1, MPI_DOUBLE, MPI_MAX, comm);
  r->t_reduce1 = max_time(MPI_Wtime() - t, comm);

  /* Factor G and G1 (every rank: each needs them for pass 2). */
  t = MPI_Wtime();
  assemble(&s, o, N, d);
  SIGMA_TRY(check_gram_finite(s.G, d, N)); /* the same on every rank: G is reduced */
  int nthreads = blas_serial_begin();
  sigma_est_input ei = {.d = d, .N = (double)N, .n1 = (double)r->n1, .na = (double)r->na,
                        .nb = (double)r->nb, .G = s.G, .G1 = s.G1, .Ga = s.Ga, .Gb = s.Gb,
                        .tau2_oracle = NAN, .tau2_observed = NAN, .level = o->c.level,
                        .delta = o->delta, .energy_cap = o->energy_cap,
                        .max_norm2 = r->max_norm2, .rule_constant = o->c.rule_constant,
                        .epsilon = o->epsilon};
  rc = sigma_cholesky(s.G, d, s.Lg);
  if (rc == SIGMA_OK) rc = sigma_cholesky(s.G1, d, s.L1);
  /* Pass 2 multiplies by the inverse factors (dtrmm is faster than dtrsm). */
  if (rc == SIGMA_OK) rc = sigma_tri_inverse(s.Lg, d, s.Lg);
  if (rc == SIGMA_OK) rc = sigma_tri_inverse(s.L1, d, s.L1);
  if (rc == SIGMA_ESINGULAR) { /* let the estimator name the matrix and its rank */
    sigma_clear_error();
    rc = sigma_estimate(&ei, &r->est);
    if (rc == SIGMA_OK) rc = sigma_set_error(SIGMA_ESINGULAR, "Cholesky failed on G or G1");
  }
  blas_serial_end(nthreads);
  SIGMA_TRY(rc);
  r->t_factor = max_time(MPI_Wtime() - t, comm);

  /* Pass 2: tau^2, oracle and leave-one-out. */
  if (o->tau2_pass) {
    double acc[8] = {0};
    t = MPI_Wtime();
    /* Centred in pass 1's two steps (pilot, then the small remainder m): subtracting the
     * rounded mean mu = m + pilot at once loses ~1 ulp of a 1e9 mean per entry. */
    reader_rewind(&s.rd, o->c.center ? s.pilot : NULL, o->c.center ? s.mrel : NULL, 0);
    pass2_ctx p2 = {acc, (double)N, (double)r->n1};
    rc = stream_pass(&s, "pass 2/2 (tau2)", rank == 0 && !o->c.quiet, N, bpr, pass2_chunk, &p2);
    SIGMA_TRY(sigma_sync_error(rc, comm));
    r->t_pass2 = max_time(MPI_Wtime() - t, comm);
    t = MPI_Wtime();
    SIGMA_TRY(sigma_allreduce_dd(acc, 4, comm));
    double v[4];
    sigma_dd_value(acc, v, 4);
    r->tau2_oracle = sigma_variance_from_sums((double)N, v[0], v[1]);
    r->tau2_observed = sigma_loo_tau2((double)r->n1, d, v[2], v[3]);
    r->t_reduce2 = max_time(MPI_Wtime() - t, comm);
  }
  int64_t rows_all, rows_mine = s.rd.rows_read;
  MPI_Allreduce(&rows_mine, &rows_all, 1, MPI_INT64_T, MPI_SUM, comm);
  r->bytes_read = (double)rows_all * bpr;

  /* The math: identical inputs on every rank, so every rank gets the same result. */
  t = MPI_Wtime();
  ei.tau2_oracle = r->tau2_oracle;
  ei.tau2_observed = r->tau2_observed;
  nthreads = blas_serial_begin();
  const int use_sl = o->scalapack == SIGMA_SL_ON ||
                     (o->scalapack == SIGMA_SL_AUTO && d >= SIGMA_SCALAPACK_MIN_D &&
                      size >= SIGMA_SCALAPACK_MIN_RANKS);
  if (use_sl) {
    sigma_spectra sp = {0};
    rc = scalapack_spectra(comm, s.G, s.G1, d, &sp, r);
    if (rc == SIGMA_OK) rc = sigma_estimate_from_spectra(&ei, &sp, &r->est);
    sigma_spectra_free(&sp);
  } else {
    rc = sigma_estimate(&ei, &r->est);
  }
  blas_serial_end(nthreads);
  SIGMA_TRY(sigma_sync_error(rc, comm));
  r->t_estimate = max_time(MPI_Wtime() - t, comm);
  SIGMA_TRY(sigma_calloc(&r->mean, 2 * (size_t)d, sizeof(double)));
  if (o->c.center) { /* the mean as its two centring steps: pilot, then the remainder */
    memcpy(r->mean, s.pilot, (size_t)d * sizeof(double));
    memcpy(r->mean + d, s.mrel, (size_t)d * sizeof(double));
  }
  r->t_total = max_time(MPI_Wtime() - t0, comm);
  r->obs_rows = s.ob.rows; /* the caller may save them */
  r->obs_half = s.ob.half;
  s.ob.rows = NULL;
  s.ob.half = NULL;
done:
  state_free(&s);
  return rc;
}

void sigma_audit_result_free(sigma_audit_result *r) {
  sigma_est_free(&r->est);
  free(r->mean);
  free(r->obs_rows);
  free(r->obs_half);
  r->mean = NULL;
  r->obs_rows = NULL;
  r->obs_half = NULL;
  sigma_input_close(&r->input);
}
