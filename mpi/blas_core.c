/* Replace OpenBLAS's generic fallback kernels by the CPU's own (see blas_core.h). */
#include "blas_core.h"

#include <cblas.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ISA level of the kernels behind an OpenBLAS 0.3.21 core name: 0 = SSE only (the
 * generic cores it falls back to), 1 = Sandybridge (AVX without FMA), -1 = any other
 * core, which OpenBLAS picked on purpose and sigma leaves alone. */
static int generic_level(const char *core) {
  static const char *const sse[] = {"Katmai",  "Coppermine", "Northwood",    "Prescott",
                                    "Banias",  "Atom",       "Core2",        "Penryn",
                                    "Dunnington", "Nehalem", "Athlon",       "Opteron",
                                    "Opteron_SSE3", "Barcelona", "Nano",     "Bobcat"};
  for (size_t k = 0; k < sizeof sse / sizeof sse[0]; k++)
    if (!strcasecmp(core, sse[k])) return 0;
  return strcasecmp(core, "Sandybridge") ? -1 : 1;
}

/* The best core of this CPU by its features (libgcc checks that the OS saves the AVX and
 * AVX-512 registers too), NULL below AVX2 + FMA. AMD gets "Zen", the core OpenBLAS
 * itself gives Zen 1-3; Zen 4 has AVX-512 and gets SkylakeX's kernels (OpenBLAS picks
 * Cooperlake there, whose double-precision kernels are SkylakeX's; 0.3.21 cannot select
 * Cooperlake by name). */
static const char *cpu_best_core(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq"))
    return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return __builtin_cpu_is("amd") ? "Zen" : "Haswell";
#endif
  return NULL;
}

const char *sigma_blas_better_core(const char *core) {
  if (!core || generic_level(core) < 0) return NULL;
  return cpu_best_core(); /* any AVX2 + FMA core beats SSE and Sandybridge kernels */
}

/* Only a DYNAMIC_ARCH OpenBLAS reads OPENBLAS_CORETYPE; a fixed build would re-exec for
 * nothing. */
static int core_selectable(void) {
  const char *cfg = openblas_get_config();
  return cfg && strstr(cfg, "DYNAMIC_ARCH") != NULL;
}

void sigma_blas_core_fix(char **argv) {
  if (getenv("OPENBLAS_CORETYPE") || getenv(SIGMA_BLAS_REEXEC_ENV) || !core_selectable())
    return; /* the user's choice, or already re-executed */
  const char *core = openblas_get_corename(), *want = sigma_blas_better_core(core);
  if (!want) return;
  if (setenv("OPENBLAS_CORETYPE", want, 1) || setenv(SIGMA_BLAS_REEXEC_ENV, core, 1)) return;
  execv("/proc/self/exe", argv);
  int err = errno; /* only reached if the exec failed: carry on with the generic core */
  unsetenv("OPENBLAS_CORETYPE");
  unsetenv(SIGMA_BLAS_REEXEC_ENV);
  fprintf(stderr, "sigma: warning: OpenBLAS runs its generic %s kernels; re-running with "
          "OPENBLAS_CORETYPE=%s failed: %s\n", core, want, strerror(err));
}

/* A JSON string, or null for a missing value. */
static json_t *str_or_null(const char *s) { return s ? json_string(s) : json_null(); }

json_t *sigma_blas_json(void) {
  return json_pack("{s:o,s:i,s:o,s:o,s:o}", "core", str_or_null(openblas_get_corename()),
                   "threads", openblas_get_num_threads(), "config",
                   str_or_null(openblas_get_config()), "openblas_coretype",
                   str_or_null(getenv("OPENBLAS_CORETYPE")), "replaced_core",
                   str_or_null(getenv(SIGMA_BLAS_REEXEC_ENV)));
}
