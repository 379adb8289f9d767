/* The description of a study and DIR/study.json (io/study_desc.h). */
#include "study_desc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "study_files.h"
#include "sigma/error.h"

static json_t *files_json(const sigma_study_header *h) {
  json_t *files = json_array();
  for (int k = 0; files && k < h->nfiles; k++)
    if (json_array_append_new(files, json_pack("{s:s,s:s,s:I}", "path", h->files[k].path,
                                               "dataset", h->files[k].dataset, "rows",
                                               (json_int_t)h->files[k].rows)) != 0) {
      json_decref(files);
      return NULL;
    }
  return files;
}

json_t *sigma_study_header_json(const sigma_study_header *h) {
  json_t *sweep = json_array(), *eps = json_array();
  for (int k = 0; sweep && eps && k < h->K; k++) {
    json_array_append_new(sweep, json_integer(h->n1[k]));
    json_array_append_new(eps, json_real(h->eps[k]));
  }
  /* "o" steals the references, also when packing fails (jansson >= 2.11). */
  return json_pack("{s:o,s:I,s:i,s:I,s:I,s:o,s:o,s:b,s:f,s:f,s:b,s:b,s:I}", "files",
                   files_json(h), "N", (json_int_t)h->N, "d", h->d, "seed", (json_int_t)h->seed,
                   "replicates", (json_int_t)h->replicates, "n1", sweep, "epsilon", eps,
                   "from_epsilon", h->from_epsilon, "level", h->level, "rule_constant",
                   h->rule_constant, "normalize", h->normalize, "center", h->center,
                   "block_jackknife", (json_int_t)h->block_jackknife);
}

int sigma_study_desc_write(const char *path, const sigma_study_desc *d, json_t *provenance) {
  if (!isfinite(d->L) || !isfinite(d->tau2_oracle))
    return sigma_set_error(SIGMA_EINVAL, "%s: the truth (L, tau2 oracle) is not finite", path);
  char *columns = sigma_rep_csv_header();
  json_t *root = columns ? json_pack("{s:o,s:f,s:f,s:s}", "study",
                                     sigma_study_header_json(&d->study), "L", d->L,
                                     "tau2_oracle", d->tau2_oracle, "replicate_columns", columns)
                         : NULL;
  free(columns);
  if (root && provenance) json_object_set(root, "provenance", provenance);
  char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) : NULL;
  int rc = text ? sigma_file_write(path, "study output", text, strlen(text))
                : sigma_set_error(SIGMA_ENOMEM, "%s: out of memory", path);
  free(text);
  json_decref(root);
  return rc;
}

/* The replicate files' columns of the study at path are the ones this sigma writes: a study
 * begun by an older sigma (other estimators, no SPEC 4.1 columns) is refused, not silently
 * recomputed or mixed. */
static int same_columns(const char *path, json_t *j) {
  char *want = sigma_rep_csv_header();
  if (!want) return SIGMA_ENOMEM;
  const char *have = json_string_value(json_object_get(j, "replicate_columns"));
  int rc = have && !strcmp(have, want)
               ? SIGMA_OK
               : sigma_set_error(SIGMA_EINVAL, "%s: begun by %s sigma whose replicates have other "
                                 "columns (estimators): resume or merge it with that version, or "
                                 "run the study again in a new directory", path,
                                 have ? "another" : "an older");
  free(want);
  return rc;
}

int sigma_study_desc_read(const char *path, sigma_study_desc *d) {
  memset(d, 0, sizeof *d);
  json_error_t jerr;
  json_t *j = json_load_file(path, 0, &jerr);
  int rc = SIGMA_OK;
  if (!j)
    rc = sigma_set_error(SIGMA_EINVAL, "%s: corrupt (%s): cannot verify the study", path,
                         jerr.text);
  else if (!json_is_number(json_object_get(j, "L")) ||
           !json_is_number(json_object_get(j, "tau2_oracle")))
    rc = sigma_set_error(SIGMA_EINVAL, "%s: corrupt or not a study (no L): cannot verify it",
                         path);
  else if ((rc = same_columns(path, j)) == SIGMA_OK)
    rc = sigma_parse_study_header(json_object_get(j, "study"), path, &d->study);
  if (rc == SIGMA_OK) {
    d->L = json_number_value(json_object_get(j, "L"));
    d->tau2_oracle = json_number_value(json_object_get(j, "tau2_oracle"));
    d->logdet_G1_rep0 = NAN;
  }
  json_decref(j);
  return rc;
}

static int same_files(const sigma_study_header *a, const sigma_study_header *b) {
  if (a->nfiles != b->nfiles) return 0;
  for (int k = 0; k < a->nfiles; k++)
    if (strcmp(a->files[k].path, b->files[k].path) ||
        strcmp(a->files[k].dataset, b->files[k].dataset) || a->files[k].rows != b->files[k].rows)
      return 0;
  return 1;
}

const char *sigma_study_header_diff(const sigma_study_header *a, const sigma_study_header *b) {
  if (!same_files(a, b)) return "files";
  if (a->N != b->N) return "N";
  if (a->d != b->d) return "d";
  if (a->seed != b->seed) return "seed";
  if (a->replicates != b->replicates) return "replicates";
  if (a->K != b->K || memcmp(a->n1, b->n1, (size_t)a->K * sizeof a->n1[0])) return "n1";
  for (int k = 0; k < a->K; k++)
    if (a->eps[k] != b->eps[k]) return "epsilon";
  if (a->from_epsilon != b->from_epsilon) return "from_epsilon";
  if (a->level != b->level) return "level";
  if (a->rule_constant != b->rule_constant) return "rule_constant";
  if (a->normalize != b->normalize) return "normalize";
  if (a->center != b->center) return "center";
  if (a->block_jackknife != b->block_jackknife) return "block_jackknife";
  return NULL;
}

void sigma_study_desc_free(sigma_study_desc *d) {
  sigma_study_header_free(&d->study);
  memset(d, 0, sizeof *d);
}
