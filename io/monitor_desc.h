/* A monitor run's directory as --append reads it back: DIR/monitor.json (the parameters
 * that make two runs one series, and every checkpoint's point) and DIR/observed-indices.txt
 * (the observed rows, io/observed.h format). The point fields are listed once here, so the
 * report layer writes exactly what this layer reads (JSON numbers of 17 significant
 * digits read back to the same doubles: an appended series equals one run byte for byte).
 */
#ifndef SIGMA_MONITOR_DESC_H
#define SIGMA_MONITOR_DESC_H

#include <stddef.h>
#include <stdint.h>

#include "sigma/monitor.h"

/* A double field of sigma_mon_point, by its JSON/CSV name. */
typedef struct {
  const char *name;
  size_t offset;
} sigma_mon_field;

extern const sigma_mon_field sigma_mon_point_fields[];
extern const int sigma_mon_npoint_fields;

/* The value of field f of p. */
double sigma_mon_field_get(const sigma_mon_point *p, const sigma_mon_field *f);

typedef struct {
  char *path, *dataset;    /* absolute path of a shard of a checkpoint, its dataset (owned) */
  int64_t rows;
} sigma_mon_file;

typedef struct {
  char *label, *spec;      /* owned */
  sigma_mon_file *files;   /* nfiles shards as opened (owned): provenance */
  int nfiles;
  sigma_mon_point p;
  double seconds;          /* wall clock of this checkpoint (NaN when read back) */
  double seconds_read;     /* of which reading the observed rows (NaN when read back) */
} sigma_mon_ckpt;

/* Free a checkpoint's strings and files (c itself is the caller's). */
void sigma_mon_ckpt_free(sigma_mon_ckpt *c);

typedef struct {
  int d, full, normalize;
  int64_t n1, N0;          /* observed rows; rows of the checkpoint they were chosen from */
  uint64_t seed;
  double delta, energy_cap;
  int baseline;            /* the run's --baseline */
  double level;            /* the run's --level */
  int K;                   /* checkpoints */
  sigma_mon_ckpt *ckpts;   /* K (owned; seconds NaN) */
} sigma_monitor_desc;

/* 1 if DIR holds a monitor run (DIR/monitor.json exists), else 0. */
int sigma_monitor_dir_has_run(const char *dir);

/* Pre-flight check of --out DIR before any work: a new name whose parent is writable, an
 * empty directory (or one holding only a monitor's own files without monitor.json: a run
 * that failed while writing), or (append) a directory holding a run; a run is never
 * overwritten without --append. Errors: SIGMA_EINVAL, SIGMA_EIO, one line naming DIR. */
int sigma_monitor_check_dir(const char *dir, int append);

/* Read and validate DIR/monitor.json. Errors: SIGMA_EIO (missing, unreadable, not JSON),
 * SIGMA_EFORMAT (not a monitor run: a key missing or of the wrong type, naming it),
 * SIGMA_ENOMEM. Free with sigma_monitor_desc_free in any case. */
int sigma_monitor_desc_read(const char *dir, sigma_monitor_desc *d);

void sigma_monitor_desc_free(sigma_monitor_desc *d);

#endif
