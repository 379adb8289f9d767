/* sigma: error codes and the one propagation macro (PETSc style).
 *
 * Every fallible function returns an int: SIGMA_OK (0) or a sigma_err code, and
 * stores a one-line, human readable message (naming file, dataset and row where
 * they are known) that the command prints as "sigma: error: <message>".
 */
#ifndef SIGMA_ERROR_H
#define SIGMA_ERROR_H

#include <stdarg.h>
#include <stddef.h>

typedef enum {
  SIGMA_OK = 0,
  SIGMA_EINVAL = 1,    /* bad argument or option value */
  SIGMA_ENOMEM = 2,    /* allocation failed */
  SIGMA_EIO = 3,       /* file missing, unreadable, truncated, unwritable */
  SIGMA_EFORMAT = 4,   /* dataset has the wrong rank, dtype or shape */
  SIGMA_EDATA = 5,     /* NaN or Inf in a row */
  SIGMA_ESINGULAR = 6, /* a Gram is not numerically positive definite */
  SIGMA_ELAPACK = 7,   /* LAPACK reported an argument or convergence error */
  SIGMA_EMPI = 8       /* an MPI call failed */
} sigma_err;

/* Record a formatted message for code and return code. The first message set
 * since the last sigma_clear_error() wins: it is the root cause; callers that
 * propagate do not overwrite it. The message is the calling thread's own (a helper
 * thread's errors reach the main thread through sigma_error_take, mpi/worker.h). */
int sigma_set_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The current message ("" if none). Valid until the next sigma_clear_error(). */
const char *sigma_error_message(void);

/* Forget the current message. */
void sigma_clear_error(void);

/* The current message moved out: a malloc'd copy the caller frees, the error cleared;
 * NULL if no message is set (or, after an out-of-memory, none could be copied). Re-raise
 * it later or on another thread with sigma_set_error(code, "%s", msg). */
char *sigma_error_take(void);

/* Short name of a code, e.g. "singular". */
const char *sigma_error_name(int code);

/* Propagate a non-zero code to the caller. */
#define SIGMA_CHECK(call)                                                      \
  do {                                                                         \
    int sigma_rc_ = (call);                                                    \
    if (sigma_rc_ != SIGMA_OK) return sigma_rc_;                               \
  } while (0)

/* Propagate inside a function with cleanup: needs `int rc` and a `done:` label. */
#define SIGMA_TRY(call)                                                        \
  do {                                                                         \
    rc = (call);                                                               \
    if (rc != SIGMA_OK) goto done;                                             \
  } while (0)

/* calloc that records SIGMA_ENOMEM; use as SIGMA_TRY(sigma_calloc(&p, n, size)). */
int sigma_calloc(void *pptr, size_t n, size_t size);

#endif
