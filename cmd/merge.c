/* sigma merge: studies run as --replicate-range jobs combined into one (cmd/study.h). The
 * study is read back from the directories' study.json (io/study_desc.h), never made up
 * from options. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "provenance.h"
#include "reduce.h"
#include "sigma/error.h"
#include "str.h"
#include "study.h"
#include "study_files.h"
#include "study_parts.h"

/* The description of every directory (d[0..ndirs)), each validated, all the same study
 * with the same truth L. */
static int read_studies(char *const *dirs, int ndirs, sigma_study_desc *d) {
  for (int k = 0; k < ndirs; k++) {
    char *path = sigma_study_path(dirs[k], "study.json");
    if (!path) return SIGMA_ENOMEM;
    int rc = access(path, R_OK) == 0
                 ? sigma_study_desc_read(path, &d[k])
                 : sigma_set_error(SIGMA_EIO, "%s: no study (cannot read it)", path);
    free(path);
    SIGMA_CHECK(rc);
    const char *diff = sigma_study_header_diff(&d[0].study, &d[k].study);
    if (diff)
      return sigma_set_error(SIGMA_EINVAL, "%s is a different study from %s: '%s' differs",
                             dirs[k], dirs[0], diff);
    if (d[k].L != d[0].L)
      return sigma_set_error(SIGMA_EINVAL, "%s and %s disagree on L", dirs[k], dirs[0]);
  }
  return SIGMA_OK;
}

/* The text of replicate i's complete file in the first directory holding one (*from: its
 * index), checking that every other complete copy has the same bytes. */
static int find_replicate(char *const *dirs, int ndirs, const sigma_study_header *h,
                          int64_t i, double *v, char **text, int *from) {
  int rc = SIGMA_OK;
  *text = NULL;
  *from = -1;
  for (int k = 0; k < ndirs && rc == SIGMA_OK; k++) {
    char *path = sigma_study_rep_path(dirs[k], i), *other = NULL;
    size_t len;
    if (!path) rc = SIGMA_ENOMEM;
    else if (!sigma_rep_csv_complete(path, i, h->n1, h->K, v)) { /* not here, or torn */
    } else if ((rc = sigma_study_slurp(path, *from < 0 ? text : &other, &len)) != SIGMA_OK) {
    } else if (*from < 0) {
      *from = k;
    } else if (strcmp(*text, other) != 0) {
      rc = sigma_set_error(SIGMA_EINVAL, "replicate %lld differs between %s and %s",
                           (long long)i, dirs[*from], dirs[k]);
    }
    free(other);
    free(path);
  }
  if (rc == SIGMA_OK && *from < 0)
    rc = sigma_set_error(SIGMA_EINVAL, "replicate %lld of %lld is in none of the directories "
                         "(a --replicate-range job missing?)", (long long)i,
                         (long long)h->replicates);
  return rc;
}

/* Every replicate 0..R-1 copied from its directory into out_dir. */
static int copy_replicates(char *const *dirs, int ndirs, const sigma_study_header *h,
                           const char *out_dir) {
  double *v = NULL;
  char *text = NULL, *path = NULL;
  int rc = SIGMA_OK, from;
  SIGMA_TRY(sigma_calloc(&v, (size_t)h->K * sigma_rep_ncol(), sizeof(double)));
  for (int64_t i = 0; i < h->replicates && rc == SIGMA_OK; i++) {
    SIGMA_TRY(find_replicate(dirs, ndirs, h, i, v, &text, &from));
    if (!(path = sigma_study_rep_path(out_dir, i))) SIGMA_TRY(SIGMA_ENOMEM);
    rc = sigma_file_write(path, "study output", text, strlen(text));
    free(path);
    free(text);
    path = text = NULL;
  }
done:
  free(text);
  free(v);
  return rc;
}

static json_t *merge_provenance(char *const *dirs, int ndirs, const sigma_common_opts *c) {
  json_t *prov = sigma_provenance("sigma merge", c, NULL, 1), *from = json_array();
  for (int k = 0; from && k < ndirs; k++) json_array_append_new(from, json_string(dirs[k]));
  if (prov && from && json_object_set_new(prov, "merged_from", from) == 0) return prov;
  json_decref(prov);
  return NULL;
}

static int merge_rank0(char *const *dirs, int ndirs, const char *out_dir,
                       const sigma_common_opts *c) {
  if (ndirs < 1 || ndirs > 64) return sigma_set_error(SIGMA_EINVAL, "give 1 to 64 directories");
  sigma_study_desc d[64];
  memset(d, 0, sizeof d);
  json_t *prov = NULL;
  char *path = NULL;
  int rc = SIGMA_OK;
  SIGMA_TRY(read_studies(dirs, ndirs, d));
  SIGMA_TRY(sigma_study_check_dir(out_dir, 0, 0));
  SIGMA_TRY(sigma_study_make_dirs(out_dir));
  SIGMA_TRY(copy_replicates(dirs, ndirs, &d[0].study, out_dir));
  prov = merge_provenance(dirs, ndirs, c);
  path = sigma_study_path(out_dir, "study.json");
  if (!prov || !path)
    SIGMA_TRY(sigma_set_error(SIGMA_ENOMEM, "out of memory"));
  SIGMA_TRY(sigma_study_desc_write(path, &d[0], prov));
  sigma_study_result r = {&d[0], out_dir, 0, d[0].study.replicates, 0, 0.0, 0.0,
                          NULL, NULL, prov, 0, NAN};
  char *outs[1] = {(char *)out_dir};
  rc = sigma_study_finish(&r, outs, 1);
done:
  for (int k = 0; k < ndirs; k++) sigma_study_desc_free(&d[k]);
  json_decref(prov);
  free(path);
  return rc;
}

int sigma_study_merge(char *const *dirs, int ndirs, const char *out_dir,
                      const sigma_common_opts *c, MPI_Comm comm) {
  int rank, rc = SIGMA_OK;
  SIGMA_CHECK(sigma_mpi_check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank"));
  if (rank == 0) rc = merge_rank0(dirs, ndirs, out_dir, c);
  return sigma_sync_error(rc, comm);
}
