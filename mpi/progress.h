/* Progress of a long pass on stderr (rank 0 only): rows done, GB/s, ETA (with
 * bytes_per_row = 0, items done and ETA: used for replicates).
 * On a terminal the line is rewritten in place; otherwise a line every 10 s.
 * Rows done are rank 0's fraction scaled to the whole pass (ranks own equal
 * shares, so this is the pass's progress without any communication). */
#ifndef SIGMA_PROGRESS_H
#define SIGMA_PROGRESS_H

#include <stdint.h>

typedef struct {
  const char *label;     /* e.g. "pass 1/2 (Gram)" */
  int enabled;           /* rank 0 and not --quiet */
  int tty;
  int64_t total_rows;    /* rows of the whole pass (all ranks) */
  double scale;          /* total_rows / rows of this rank */
  double bytes_per_row;
  double t0, t_last;
} sigma_progress;

void sigma_progress_start(sigma_progress *p, const char *label, int enabled, int64_t total_rows,
                          int64_t my_rows, double bytes_per_row);
void sigma_progress_update(sigma_progress *p, int64_t my_rows_done);
void sigma_progress_end(sigma_progress *p);

#endif
