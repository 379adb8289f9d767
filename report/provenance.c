/* The one provenance builder (report/provenance.h). */
#include "provenance.h"

#include <gsl/gsl_version.h>
#include <mpi.h>
#include <openblas_config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "blas_core.h"
#include "sigma/version.h"

static json_t *files_json(const sigma_input *in) {
  json_t *files = json_array();
  for (int k = 0; k < in->nshards; k++) {
    const sigma_shard *s = &in->shard[k];
    char *abs = realpath(s->path, NULL);
    json_array_append_new(files, json_pack("{s:s,s:s,s:I,s:I,s:s}", "path", abs ? abs : s->path,
                                           "dataset", s->dataset, "rows", (json_int_t)s->rows,
                                           "row0", (json_int_t)s->row0, "dtype",
                                           s->dtype));
    free(abs);
  }
  return files;
}

static json_t *libraries_json(void) {
  char mpiver[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(mpiver, &len);
  mpiver[strcspn(mpiver, "\n,")] = '\0';
  char h5ver[48];
  sigma_input_library_version("hdf5", h5ver, sizeof h5ver);
  return json_pack("{s:s,s:s,s:s,s:s,s:s}", "mpi", mpiver, "hdf5", h5ver, "openblas",
                   OPENBLAS_VERSION, "gsl", GSL_VERSION, "jansson", JANSSON_VERSION);
}

static json_t *slurm_json(void) {
  json_t *slurm = json_object();
  const char *envs[] = {"SLURM_JOB_ID", "SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID",
                        "SLURM_JOB_NODELIST", NULL};
  for (int k = 0; envs[k]; k++)
    if (getenv(envs[k])) json_object_set_new(slurm, envs[k], json_string(getenv(envs[k])));
  return slurm;
}

json_t *sigma_provenance(const char *tool, const sigma_common_opts *c, const sigma_input *in,
                         int ranks) {
  json_t *cmd = json_array();
  for (int k = 0; c && k < c->argc; k++) json_array_append_new(cmd, json_string(c->argv[k]));
  char host[256] = "", when[64];
  gethostname(host, sizeof host - 1);
  time_t now = time(NULL);
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  json_t *version = json_sprintf("%s (%s)", SIGMA_VERSION, sigma_git());
  json_t *p = json_pack("{s:s,s:o,s:s,s:o,s:s,s:s,s:i,s:o,s:o,s:o}", "tool", tool, "version",
                        version, "commit", sigma_git(), "command", cmd, "host", host,
                        "date_utc", when, "ranks", ranks, "slurm", slurm_json(), "libraries",
                        libraries_json(), "blas", sigma_blas_json());
  if (p && in) json_object_set_new(p, "files", files_json(in));
  return p;
}
