/* sigma monitor --merge: parts of one series (job-array tasks) into one run (cmd/monitor.h). */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "monitor.h"
#include "monitor_parts.h"
#include "reduce.h"
#include "str.h"
#include "sigma/error.h"
#include "sigma/estimators.h"

/* The first parameter in which part b differs from part a (NULL: none). */
static const char *differs(const sigma_monitor_desc *a, const sigma_monitor_desc *b) {
  if (a->d != b->d) return "d";
  if (a->n1 != b->n1) return "n1";
  if (a->seed != b->seed) return "seed";
  if (a->delta != b->delta) return "delta";
  if (a->energy_cap != b->energy_cap) return "energy cap";
  if (a->normalize != b->normalize) return "--normalize";
  if (a->full != b->full) return "--full";
  return NULL;
}

/* A part's observed rows (its observed-indices.txt). */
static int part_rows(const char *dir, const sigma_monitor_desc *d, sigma_observed *ob) {
  char *idx = sigma_strf("%s/observed-indices.txt", dir);
  if (!idx) return SIGMA_ENOMEM;
  const sigma_observed_spec sp = {SIGMA_OBS_INDICES, d->n1, NAN, 4.0, d->seed, idx};
  int rc = sigma_observed_make(&sp, d->N0, d->d, ob);
  free(idx);
  return rc;
}

/* Part k read, checked against part 0 (d0, ob0), its checkpoints moved to the series. */
static int take_part(const sigma_monitor_opts *o, int k, sigma_monitor_desc *d0,
                     sigma_monitor_result *r, sigma_mon_ckpt **ck, int *K) {
  const char *dir = o->c.inputs[k];
  sigma_monitor_desc d = {0};
  sigma_observed ob = {0};
  int rc = sigma_monitor_desc_read(dir, &d);
  if (rc == SIGMA_OK) rc = part_rows(dir, &d, k == 0 ? &r->obs : &ob);
  const char *what = k > 0 && rc == SIGMA_OK ? differs(d0, &d) : NULL;
  if (!what && k > 0 && rc == SIGMA_OK &&
      (ob.n != r->obs.n || memcmp(ob.rows, r->obs.rows, (size_t)ob.n * sizeof *ob.rows)))
    what = "observed rows";
  if (what)
    rc = sigma_set_error(SIGMA_EINVAL, "%s: its %s differ from those of %s: not parts of one "
                         "series", dir, what, o->c.inputs[0]);
  sigma_mon_ckpt *grown = rc == SIGMA_OK ? realloc(*ck, (size_t)(*K + d.K + 1) * sizeof **ck) : NULL;
  if (rc == SIGMA_OK && !grown) rc = sigma_set_error(SIGMA_ENOMEM, "out of memory");
  if (rc == SIGMA_OK) {
    *ck = grown;
    memcpy(*ck + *K, d.ckpts, (size_t)d.K * sizeof *d.ckpts);
    *K += d.K;
    d.K = 0; /* moved */
  }
  if (rc == SIGMA_OK && k == 0) *d0 = d; else sigma_monitor_desc_free(&d);
  sigma_observed_free(&ob);
  return rc;
}

/* A part given twice (by any name) would count its checkpoints twice. */
static int distinct_parts(const sigma_monitor_opts *o) {
  int rc = SIGMA_OK;
  for (int a = 0; rc == SIGMA_OK && a < o->c.ninputs; a++) {
    char *pa = realpath(o->c.inputs[a], NULL);
    for (int b = a + 1; rc == SIGMA_OK && pa && b < o->c.ninputs; b++) {
      char *pb = realpath(o->c.inputs[b], NULL);
      if (pb && !strcmp(pa, pb))
        rc = sigma_set_error(SIGMA_EINVAL, "%s and %s are the same part: its checkpoints would "
                             "count twice", o->c.inputs[a], o->c.inputs[b]);
      free(pb);
    }
    free(pa);
  }
  return rc;
}

int sigma_monitor_merge(const sigma_monitor_opts *o, MPI_Comm comm, sigma_monitor_result *r) {
  memset(r, 0, sizeof *r);
  double t0 = MPI_Wtime();
  sigma_monitor_desc d0 = {0};
  int rc = sigma_monitor_check_dir(o->out_dir, 0);
  if (rc == SIGMA_OK) rc = distinct_parts(o);
  for (int k = 0; rc == SIGMA_OK && k < o->c.ninputs; k++)
    rc = take_part(o, k, &d0, r, &r->ck, &r->K);
  if (rc == SIGMA_OK) rc = sigma_calloc(&r->drift, (size_t)r->K + 1, sizeof *r->drift);
  if (rc == SIGMA_OK) {
    r->nprev = r->K; /* nothing computed here */
    r->d = d0.d;
    r->n1 = d0.n1;
    r->N0 = d0.N0;
    r->seed = d0.seed;
    r->delta = d0.delta;
    r->energy_cap = d0.energy_cap;
    r->normalize = d0.normalize;
    r->full = d0.full;
    r->baseline = o->baseline;
    r->level = o->c.level;
    r->z = sigma_z_for_level(o->c.level);
    MPI_Comm_size(comm, &r->nranks);
    rc = sigma_monitor_series(o, r);
  }
  sigma_monitor_desc_free(&d0);
  r->t_total = MPI_Wtime() - t0;
  return sigma_sync_error(rc, comm);
}
