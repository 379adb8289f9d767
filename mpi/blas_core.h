/* Which OpenBLAS kernels sigma runs on, and making sure they are not a generic fallback.
 *
 * Why: Debian's OpenBLAS 0.3.21 (DYNAMIC_ARCH) picks its kernels ("core") from the CPU
 * model when the library loads, before main. On a CPU model it does not know it can end
 * up on generic SSE kernels: on Intel family 6 models with extended model 11 and up
 * (Raptor Lake, Arrow Lake, Emerald Rapids such as model 0xCF here, ...) its
 * get_coretype() falls through into the family 15 branch and returns Prescott
 * (fixed upstream in 0.3.25, commit e12aaed1 "Fix unwanted fallthrough from Intel
 * Family 6 to 15 in case of identification failure"). sigma's Gram pass then runs 2-3
 * times slower (issue 7; docs/performance.md). The only way to
 * change the core is OPENBLAS_CORETYPE before the library loads, so sigma sets it and
 * re-executes itself (execve keeps the pid, so mpirun and Slurm still see the same rank).
 *
 * A user-set OPENBLAS_CORETYPE is always respected (the tests force Prescott with it).
 * Cores that OpenBLAS chose on purpose (Haswell, Zen, SkylakeX, Cooperlake, the
 * Bulldozer family, anything unknown) are left alone: only cores without AVX2 kernels on
 * a CPU with AVX2 and FMA are replaced. */
#ifndef SIGMA_BLAS_CORE_H
#define SIGMA_BLAS_CORE_H

#include <jansson.h>

/* Environment variable set on the re-executed process: the core OpenBLAS had picked
 * (also the guard against a second re-exec). */
#define SIGMA_BLAS_REEXEC_ENV "SIGMA_BLAS_REPLACED_CORE"

/* The OpenBLAS core to use instead of `core` on this CPU, or NULL to keep it: "SkylakeX"
 * with AVX-512 F/VL/BW/DQ, else "Zen" (AMD) or "Haswell" with AVX2 and FMA, when `core`
 * is a generic fallback (SSE kernels, or Sandybridge's AVX ones). */
const char *sigma_blas_better_core(const char *core);

/* Call first in main, before MPI_Init, with main's argv. If OPENBLAS_CORETYPE is unset
 * and OpenBLAS runs a generic core the CPU can beat, set OPENBLAS_CORETYPE and re-execute
 * /proc/self/exe with the same argv (does not return). If that exec fails, warn on
 * stderr and go on with the generic core. */
void sigma_blas_core_fix(char **argv);

/* Provenance: {"core", "threads" (OpenBLAS threads now: those of the Gram pass; the
 * d x d factorizations run on one), "config", "openblas_coretype" (the variable, or
 * null), "replaced_core" (the generic core sigma replaced, or null)}. */
json_t *sigma_blas_json(void);

#endif
