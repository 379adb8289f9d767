/* sigma monitor driver (cmd/monitor.h): choose O once, a point per checkpoint, the series. */
#include "monitor.h"

#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "monitor_desc.h"
#include "monitor_parts.h"
#include "proxies_list.h"
#include "reduce.h"
#include "str.h"
#include "worker.h"
#include "sigma/error.h"
#include "sigma/estimators.h"

void sigma_monitor_opts_default(sigma_monitor_opts *o) {
  memset(o, 0, sizeof *o);
  o->c = sigma_common_defaults();
  o->observed = SIGMA_OBS_RANDOM;
  o->delta = 1e-3;
  o->energy_cap = 1.0;
  o->plots = 1;
}

/* Prefix the recorded message with the checkpoint it concerns. */
static int ckpt_error(int rc, int t, const char *label) {
  char *m = strdup(sigma_error_message());
  sigma_clear_error();
  sigma_set_error(rc, "checkpoint %d (%s): %s", t, label, m ? m : "failed");
  free(m);
  return rc;
}

/* Checkpoint k of this run: its global index, label and spec into r->ck. */
static int name_ckpt(const sigma_monitor_opts *o, sigma_monitor_result *r, int k) {
  sigma_mon_ckpt *c = &r->ck[r->nprev + k];
  c->label = o->labels ? strdup(o->labels[k]) : sigma_strf("%d", r->nprev + k);
  c->spec = strdup(o->c.inputs[k]);
  c->seconds = c->seconds_read = NAN;
  return c->label && c->spec ? SIGMA_OK : sigma_set_error(SIGMA_ENOMEM, "out of memory");
}

/* The shards of an opened checkpoint, with absolute paths, for provenance. */
static int record_files(const sigma_input *in, sigma_mon_ckpt *c) {
  SIGMA_CHECK(sigma_calloc(&c->files, (size_t)in->nshards, sizeof *c->files));
  c->nfiles = in->nshards;
  for (int k = 0; k < in->nshards; k++) {
    char *abs = realpath(in->shard[k].path, NULL);
    c->files[k].path = abs ? abs : strdup(in->shard[k].path);
    c->files[k].dataset = strdup(in->shard[k].dataset);
    c->files[k].rows = in->shard[k].rows;
    if (!c->files[k].path || !c->files[k].dataset)
      return sigma_set_error(SIGMA_ENOMEM, "out of memory");
  }
  return SIGMA_OK;
}

/* Open each new checkpoint's metadata (every rank, the same verdict): it exists and reads,
 * its d is the series', it has every observed row (checked once O is known: N kept). */
static int validate(const sigma_monitor_opts *o, sigma_monitor_result *r, int64_t *N) {
  for (int k = 0; k < o->c.ninputs; k++) {
    const int t = r->nprev + k;
    sigma_input *in = NULL;
    int rc = sigma_input_open(&o->c.inputs[k], 1, &in);
    if (rc != SIGMA_OK) return ckpt_error(rc, t, r->ck[t].label);
    N[k] = in->N;
    if (r->d == 0) r->d = in->d;
    const int d = in->d;
    rc = record_files(in, &r->ck[t]);
    sigma_input_close(&in);
    if (rc != SIGMA_OK) return rc;
    if (d != r->d)
      return sigma_set_error(SIGMA_EINVAL, "checkpoint %d (%s): d = %d, but the series has d = %d "
                             "(every checkpoint must embed into the same space)", t,
                             r->ck[t].label, d, r->d);
  }
  return SIGMA_OK;
}

/* Every new checkpoint holds the largest observed row. */
static int check_rows(const sigma_monitor_opts *o, const sigma_monitor_result *r,
                      const int64_t *N) {
  const uint64_t top = r->obs.rows[r->obs.n - 1];
  for (int k = 0; k < o->c.ninputs; k++)
    if ((uint64_t)N[k] <= top)
      return sigma_set_error(SIGMA_EINVAL, "checkpoint %d (%s): %lld rows, fewer than the "
                             "largest observed row %llu + 1 (the same rows are read at every "
                             "checkpoint)", r->nprev + k, r->ck[r->nprev + k].label,
                             (long long)N[k], (unsigned long long)top);
  return SIGMA_OK;
}

/* --full: the audit's pass 1 over checkpoint t on every rank: U of G and every row's norm. */
static int full_pass(const sigma_monitor_opts *o, sigma_monitor_result *r, int k,
                     MPI_Comm comm, sigma_mon_point *p) {
  sigma_audit_opts a;
  sigma_audit_opts_default(&a);
  a.c = o->c;
  a.c.inputs = &o->c.inputs[k];
  a.c.ninputs = 1;
  a.c.center = 0;
  a.given = &r->obs;
  a.delta = o->delta;
  a.energy_cap = o->energy_cap;
  a.tau2_pass = 0;
  a.scalapack = SIGMA_SL_OFF;
  sigma_audit_result ar;
  int rc = sigma_audit_run(&a, comm, &ar);
  if (rc == SIGMA_OK) {
    p->U_full = ar.est.track_u_full;
    if (!o->c.normalize && ar.max_norm2 > o->energy_cap * (1 + 1e-12))
      rc = sigma_set_error(SIGMA_EINVAL, "a row outside the observed block has ||x||^2 = %.6g "
                           "(the largest of all rows) > the energy cap c_E = %g: Track I needs "
                           "||x||^2 <= c_E for every row (SPEC 5); pass --normalize or a larger "
                           "--energy-cap", ar.max_norm2, o->energy_cap);
    if (ar.max_norm2 > p->max_norm2) p->max_norm2 = ar.max_norm2;
  }
  sigma_audit_result_free(&ar);
  return rc;
}

/* Wall seconds by the C clock: no MPI call while a reader may be inside MPI-IO. */
static double wall_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The point of new checkpoint k from its rows in m (read), on one BLAS thread; its time
 * from t0 (when the rank began reading or waiting for the rows) and the rows' read time. */
static int point_of(const sigma_monitor_opts *o, sigma_monitor_result *r, int k,
                    const sigma_mon_rows *m, double t0) {
  sigma_mon_ckpt *c = &r->ck[r->nprev + k];
  int nt = openblas_get_num_threads();
  openblas_set_num_threads(1);
  int rc = sigma_monitor_point(o, m, &c->p);
  openblas_set_num_threads(nt);
  c->seconds_read = m->t_read;
  c->seconds = wall_now() - t0;
  return rc;
}

/* This rank's new checkpoints k, those with (nprev + k) mod P = rank (no --full): the rows
 * of the next one
 * are read on a helper thread while the point of this one is computed, when that pays
 * (mpi/worker.h: the last read blocked on I/O, or SIGMA_OVERLAP=on; two row buffers);
 * otherwise just before its point. The first failing checkpoint's error either way. */
static int points_ahead(const sigma_monitor_opts *o, sigma_monitor_result *r, int rank,
                        int size, int *first) {
  const int n = o->c.ninputs, k0 = ((rank - r->nprev) % size + size) % size;
  const sigma_overlap_mode mode = sigma_overlap_mode_get();
  sigma_mon_rows m[2];
  sigma_worker *w = NULL;
  memset(m, 0, sizeof m);
  int rc = sigma_worker_start(&w, k0 + size < n), cur = 0, ahead = 0;
  const int nbuf = sigma_worker_threaded(w) ? 2 : 1;
  for (int b = 0; b < nbuf && rc == SIGMA_OK && k0 < n; b++)
    rc = sigma_mon_rows_init(&m[b], &r->obs, r->d, o->c.normalize);
  if (rc != SIGMA_OK) *first = 0; /* no memory: the run fails as a whole */
  for (int k = k0; rc == SIGMA_OK && k < n; k += size) {
    const double t0 = wall_now();
    if (ahead) {
      rc = sigma_worker_wait(w); /* the rows of checkpoint k, read ahead into m[cur] */
    } else {
      m[cur].spec = o->c.inputs[k];
      rc = sigma_mon_rows_read(&m[cur]);
    }
    const int nx = (cur + 1) % nbuf;
    ahead = rc == SIGMA_OK && k + size < n &&
            sigma_read_ahead_pays(mode, nbuf == 2, m[cur].blocked, m[cur].t_read);
    if (ahead) {
      m[nx].spec = o->c.inputs[k + size];
      sigma_worker_submit(w, sigma_mon_rows_read, &m[nx]);
    }
    if (rc == SIGMA_OK) rc = point_of(o, r, k, &m[cur], t0);
    if (rc != SIGMA_OK) {
      sigma_worker_cancel(w);
      ckpt_error(rc, r->nprev + k, r->ck[r->nprev + k].label);
      *first = k;
    }
    if (ahead) cur = nx;
  }
  sigma_worker_stop(&w);
  for (int b = 0; b < 2; b++) sigma_mon_rows_free(&m[b]);
  return rc;
}

/* --full: checkpoint t = nprev + k's point on rank t mod P (rows read just before it), then the
 * collective full pass; the first failing checkpoint stops every rank. A failed full pass
 * is already agreed on every rank: *agreed = 1. */
static int points_full(const sigma_monitor_opts *o, sigma_monitor_result *r, MPI_Comm comm,
                       int rank, int size, int *first, int *agreed) {
  sigma_mon_rows m;
  int rc = sigma_mon_rows_init(&m, &r->obs, r->d, o->c.normalize);
  if (rc != SIGMA_OK) *first = 0; /* no memory: the run fails as a whole */
  for (int k = 0; k < o->c.ninputs; k++) {
    const int t = r->nprev + k;
    if (rc == SIGMA_OK && t % size == rank) {
      const double t0 = wall_now();
      m.spec = o->c.inputs[k];
      rc = sigma_mon_rows_read(&m);
      if (rc == SIGMA_OK) rc = point_of(o, r, k, &m, t0);
      if (rc != SIGMA_OK) {
        ckpt_error(rc, t, r->ck[t].label);
        *first = k;
      }
    }
    int bad = rc != SIGMA_OK ? k : o->c.ninputs, all; /* agree first: every rank enters */
    int mrc = sigma_mpi_check(MPI_Allreduce(&bad, &all, 1, MPI_INT, MPI_MIN, comm), "MPI");
    if (mrc != SIGMA_OK) { /* returned as it is, as every MPI failure */
      *agreed = 1;
      rc = mrc;
      break;
    }
    if (all < o->c.ninputs) break;
    double t0 = MPI_Wtime();
    if ((rc = full_pass(o, r, k, comm, &r->ck[t].p)) != SIGMA_OK) {
      *agreed = 1;
      ckpt_error(rc, t, r->ck[t].label);
      break;
    }
    r->ck[t].seconds += MPI_Wtime() - t0;
  }
  sigma_mon_rows_free(&m);
  return rc;
}

/* Points of the new checkpoints: checkpoint t by rank t mod P (--full passes by all ranks); the
 * first failing checkpoint's error on every rank; every point on every rank. */
static int compute(const sigma_monitor_opts *o, sigma_monitor_result *r, MPI_Comm comm) {
  int rank, size, rc, first = o->c.ninputs, agreed = 0;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  rc = o->full ? points_full(o, r, comm, rank, size, &first, &agreed)
               : points_ahead(o, r, rank, size, &first);
  if (agreed) return rc;
  int all;
  SIGMA_CHECK(sigma_mpi_check(MPI_Allreduce(&first, &all, 1, MPI_INT, MPI_MIN, comm), "MPI"));
  SIGMA_CHECK(sigma_sync_error(all < o->c.ninputs && first == all ? rc : SIGMA_OK, comm));
  for (int k = 0; k < o->c.ninputs; k++) {
    sigma_mon_ckpt *c = &r->ck[r->nprev + k];
    const int owner = (r->nprev + k) % size; /* checkpoint t on rank t mod P */
    SIGMA_CHECK(sigma_mpi_check(MPI_Bcast(&c->p, sizeof c->p, MPI_BYTE, owner, comm),
                                "MPI_Bcast"));
    double sec[2] = {c->seconds, c->seconds_read};
    SIGMA_CHECK(sigma_mpi_check(MPI_Bcast(sec, 2, MPI_DOUBLE, owner, comm), "MPI_Bcast"));
    c->seconds = sec[0];
    c->seconds_read = sec[1];
  }
  return SIGMA_OK;
}

/* --append: a flag given now must agree with DIR's run, naming the first that differs. */
static int same_params(const sigma_monitor_opts *o, const sigma_monitor_desc *d,
                       const char *path) {
  const char *what = NULL;
  char now[64] = "", then[64] = "";
  if ((o->set & SIGMA_MON_SET_N1) && o->n1 != d->n1) {
    what = "--n1";
    snprintf(now, sizeof now, "%lld", (long long)o->n1);
    snprintf(then, sizeof then, "%lld", (long long)d->n1);
  } else if ((o->set & SIGMA_MON_SET_SEED) && o->c.seed != d->seed) {
    what = "--seed";
    snprintf(now, sizeof now, "%llu", (unsigned long long)o->c.seed);
    snprintf(then, sizeof then, "%llu", (unsigned long long)d->seed);
  } else if ((o->set & SIGMA_MON_SET_DELTA) && o->delta != d->delta) {
    what = "--delta";
    snprintf(now, sizeof now, "%.17g", o->delta);
    snprintf(then, sizeof then, "%.17g", d->delta);
  } else if ((o->set & SIGMA_MON_SET_ECAP) && o->energy_cap != d->energy_cap) {
    what = "--energy-cap";
    snprintf(now, sizeof now, "%.17g", o->energy_cap);
    snprintf(then, sizeof then, "%.17g", d->energy_cap);
  } else if (o->c.normalize != d->normalize) {
    what = "--normalize";
    snprintf(now, sizeof now, "%s", o->c.normalize ? "given" : "not given");
    snprintf(then, sizeof then, "%s", d->normalize ? "given" : "not given");
  } else if (o->full != d->full) {
    what = "--full";
    snprintf(now, sizeof now, "%s", o->full ? "given" : "not given");
    snprintf(then, sizeof then, "%s", d->full ? "given" : "not given");
  }
  if (!what) return SIGMA_OK;
  return sigma_set_error(SIGMA_EINVAL, "%s: %s differs from the run being appended to (%s now, "
                         "%s then): start a new --out for a new series", path, what, now, then);
}

/* DIR's run, read before the series is allocated: it must be a monitor run whose
 * parameters agree with the flags given now. */
static int read_previous(const sigma_monitor_opts *o, sigma_monitor_desc *d) {
  SIGMA_CHECK(sigma_monitor_desc_read(o->out_dir, d));
  return same_params(o, d, o->out_dir);
}

/* DIR's parameters, O and checkpoints become the head of the series (d's strings moved). */
static int adopt_previous(const sigma_monitor_opts *o, sigma_monitor_result *r,
                          sigma_monitor_desc *d) {
  r->d = d->d;
  r->n1 = d->n1;
  r->N0 = d->N0;
  r->seed = d->seed;
  for (int k = 0; k < d->K; k++) {
    r->ck[k] = d->ckpts[k];
    memset(&d->ckpts[k], 0, sizeof d->ckpts[k]); /* moved */
  }
  char *idx = sigma_strf("%s/observed-indices.txt", o->out_dir);
  if (!idx) return SIGMA_ENOMEM;
  const sigma_observed_spec sp = {SIGMA_OBS_INDICES, r->n1, NAN, 4.0, r->seed, idx};
  int rc = sigma_observed_make(&sp, r->N0, r->d, &r->obs);
  free(idx);
  if (rc != SIGMA_OK || !(o->set & SIGMA_MON_SET_OBS)) return rc;
  /* rows asked for now (--n1, --observed, --observed-indices) must be DIR's rows */
  sigma_observed now = {0};
  const sigma_observed_spec sn = {o->observed, o->n1 ? o->n1 : r->n1, NAN, 4.0, o->c.seed,
                                  o->indices_path};
  rc = sigma_observed_make(&sn, r->N0, r->d, &now);
  if (rc == SIGMA_OK && (now.n != r->obs.n || memcmp(now.rows, r->obs.rows,
                                                      (size_t)now.n * sizeof *now.rows)))
    rc = sigma_set_error(SIGMA_EINVAL, "%s: the observed rows asked for differ from the run "
                         "being appended to (%lld rows then): start a new --out", o->out_dir,
                         (long long)r->obs.n);
  sigma_observed_free(&now);
  return rc;
}

/* A new series: O among the first checkpoint's N rows. */
static int choose_block(const sigma_monitor_opts *o, sigma_monitor_result *r, int64_t N0) {
  const sigma_observed_spec sp = {o->observed, o->n1, NAN, 4.0, o->c.seed, o->indices_path};
  r->N0 = N0;
  r->seed = o->c.seed;
  SIGMA_CHECK(sigma_observed_make(&sp, N0, r->d, &r->obs));
  r->n1 = r->obs.n;
  return SIGMA_OK;
}

/* The Spearman correlations of each proxy with the drifts over the series (NaN where a
 * checkpoint has no proxies: sigma_spearman). */
static int proxies_corr(sigma_monitor_result *r) {
  double *x = NULL;
  SIGMA_CHECK(sigma_calloc(&x, 3 * (size_t)r->K + 1, sizeof *x));
  double *y = x + r->K, *g = y + r->K;
  for (int j = 0; j < 3; j++) {
    for (int t = 0; t < r->K; t++) {
      const sigma_mon_point *p = &r->ck[t].p;
      x[t] = j == 0 ? p->distinct_1 : j == 1 ? p->distinct_2 : p->hhi;
      y[t] = r->drift[t].dU;
      g[t] = r->drift[t].dGamma;
    }
    r->sum.rho_U[j] = sigma_spearman(y, x, r->K);
    r->sum.rho_Gamma[j] = sigma_spearman(g, x, r->K);
  }
  free(x);
  return SIGMA_OK;
}

int sigma_monitor_series(const sigma_monitor_opts *o, sigma_monitor_result *r) {
  if (o->baseline >= r->K)
    return sigma_set_error(SIGMA_EINVAL, "--baseline %d: the series has %d checkpoints (0..%d)",
                           o->baseline, r->K, r->K - 1);
  const sigma_mon_point *b = &r->ck[o->baseline].p;
  for (int t = 0; t < r->K; t++)
    sigma_mon_drift_of(&r->ck[t].p, b, t == o->baseline, r->z, &r->drift[t]);
  sigma_mon_summarize(r->drift, r->K, r->level, &r->sum);
  return proxies_corr(r);
}

static void set_params(const sigma_monitor_opts *o, sigma_monitor_result *r, MPI_Comm comm) {
  r->K = r->nprev + o->c.ninputs;
  r->baseline = o->baseline;
  r->full = o->full;
  r->normalize = o->c.normalize;
  r->delta = o->delta;
  r->energy_cap = o->energy_cap;
  r->level = o->c.level;
  r->z = sigma_z_for_level(o->c.level);
  MPI_Comm_size(comm, &r->nranks);
}

/* Under --append the flags not given take DIR's values (same_params checked the others). */
static sigma_monitor_opts effective(const sigma_monitor_opts *o, const sigma_monitor_desc *d) {
  sigma_monitor_opts e = *o;
  if (!o->append) return e;
  if (!(o->set & SIGMA_MON_SET_DELTA)) e.delta = d->delta;
  if (!(o->set & SIGMA_MON_SET_ECAP)) e.energy_cap = d->energy_cap;
  if (!(o->set & SIGMA_MON_SET_SEED)) e.c.seed = d->seed;
  if (!(o->set & SIGMA_MON_SET_BASELINE)) e.baseline = d->baseline;
  if (!(o->set & SIGMA_MON_SET_LEVEL)) e.c.level = d->level;
  return e;
}

int sigma_monitor_run(const sigma_monitor_opts *o, MPI_Comm comm, sigma_monitor_result *r) {
  memset(r, 0, sizeof *r);
  double t0 = MPI_Wtime();
  sigma_monitor_desc prev = {0};
  int64_t *N = NULL;
  double *pv = NULL; /* --proxies: 3 per new checkpoint */
  int rc = SIGMA_OK;
  sigma_monitor_opts e = *o;
  SIGMA_TRY(sigma_monitor_check_dir(o->out_dir, o->append));
  if (o->append) SIGMA_TRY(read_previous(o, &prev));
  e = effective(o, &prev);
  const size_t cap = (size_t)prev.K + (size_t)o->c.ninputs;
  SIGMA_TRY(sigma_calloc(&r->ck, cap, sizeof *r->ck));
  SIGMA_TRY(sigma_calloc(&r->drift, cap, sizeof *r->drift));
  SIGMA_TRY(sigma_calloc(&N, (size_t)o->c.ninputs + 1, sizeof *N));
  r->nprev = prev.K;
  set_params(&e, r, comm);
  if (o->append) SIGMA_TRY(adopt_previous(&e, r, &prev));
  for (int k = 0; k < o->c.ninputs; k++) SIGMA_TRY(name_ckpt(&e, r, k));
  SIGMA_TRY(validate(&e, r, N));
  if (o->proxies) { /* before any work: a bad list fails the run at once */
    SIGMA_TRY(sigma_calloc(&pv, 3 * (size_t)o->c.ninputs + 1, sizeof *pv));
    SIGMA_TRY(sigma_proxies_list_read(o->proxies, o->c.ninputs, pv));
  }
  if (!o->append) SIGMA_TRY(choose_block(&e, r, N[0]));
  SIGMA_TRY(check_rows(&e, r, N));
  if (e.baseline >= r->K) /* before any work */
    SIGMA_TRY(sigma_set_error(SIGMA_EINVAL, "--baseline %d: the series has %d checkpoints "
                              "(0..%d)", e.baseline, r->K, r->K - 1));
done:
  rc = sigma_sync_error(rc, comm); /* every rank did the same work: the same verdict */
  if (rc == SIGMA_OK) rc = compute(&e, r, comm);
  for (int k = 0; rc == SIGMA_OK && pv && k < o->c.ninputs; k++) {
    sigma_mon_point *p = &r->ck[r->nprev + k].p;
    p->distinct_1 = pv[3 * k];
    p->distinct_2 = pv[3 * k + 1];
    p->hhi = pv[3 * k + 2];
  }
  if (rc == SIGMA_OK) rc = sigma_sync_error(sigma_monitor_series(&e, r), comm);
  r->t_total = MPI_Wtime() - t0;
  sigma_monitor_desc_free(&prev);
  free(N);
  free(pv);
  return rc;
}

void sigma_monitor_result_free(sigma_monitor_result *r) {
  for (int k = 0; r->ck && k < r->K; k++) sigma_mon_ckpt_free(&r->ck[k]);
  free(r->ck);
  free(r->drift);
  sigma_observed_free(&r->obs);
  memset(r, 0, sizeof *r);
}
