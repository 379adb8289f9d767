/* sigma proxies: table, JSON, CSV (report/proxies_report.h). */
#include "proxies_report.h"

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "files.h"
#include "fmt.h"
#include "json_csv.h"
#include "provenance.h"
#include "sigma/error.h"

void sigma_proxies_table(FILE *f, const sigma_proxies_opts *o, const sigma_proxies_result *r) {
  fprintf(f, "sigma proxies: %d file(s), %llu lines, %llu tokens\n", o->c.ninputs,
          (unsigned long long)r->lines, (unsigned long long)r->tokens);
  fprintf(f, "  %-28s %14s %14s %12s\n", "proxy", "distinct", "total", "value");
  fprintf(f, "  %-28s %14llu %14llu %12s\n", "distinct-1 (unigrams)",
          (unsigned long long)r->distinct_1, (unsigned long long)r->ngrams_1,
          sigma_num("%.6f", r->d1));
  fprintf(f, "  %-28s %14llu %14llu %12s\n", "distinct-2 (bigrams)",
          (unsigned long long)r->distinct_2, (unsigned long long)r->ngrams_2,
          sigma_num("%.6f", r->d2));
  fprintf(f, "  HHI of hashed %d-grams (count-min %lld x %d): %s", o->hhi_n,
          (long long)o->width, o->depth, sigma_num("%.6g", r->hhi));
  fprintf(f, "  (<= HHI + %.3g with probability >= %.4f)\n", r->eps, 1 - r->delta);
  if (o->exact)
    fprintf(f, "  HHI exact (%llu distinct %d-grams):  %s\n", (unsigned long long)r->distinct_n,
            o->hhi_n, sigma_num("%.6g", r->hhi_exact));
}

/* The text files read: absolute path (as given if it cannot be resolved) and bytes. */
static json_t *files_json(const sigma_proxies_opts *o) {
  json_t *files = json_array();
  for (int k = 0; files && k < o->c.ninputs; k++) {
    char *abs = realpath(o->c.inputs[k], NULL);
    struct stat st;
    const json_int_t bytes = stat(o->c.inputs[k], &st) == 0 ? (json_int_t)st.st_size : -1;
    json_array_append_new(files, json_pack("{s:s,s:I}", "path", abs ? abs : o->c.inputs[k],
                                           "bytes", bytes));
    free(abs);
  }
  return files ? files : json_null();
}

static json_t *proxies_json(const sigma_proxies_opts *o, const sigma_proxies_result *r,
                            int ranks) {
  json_t *root = json_pack(
      "{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:i,s:{s:I,s:i,s:I,s:f,s:f},s:o,"
      "s:{s:f,s:f,s:f}}",
      "lines", (json_int_t)r->lines, "tokens", (json_int_t)r->tokens, "ngrams_1",
      (json_int_t)r->ngrams_1, "ngrams_2", (json_int_t)r->ngrams_2, "ngrams_hhi",
      (json_int_t)r->ngrams_n, "distinct_unigrams", (json_int_t)r->distinct_1,
      "distinct_bigrams", (json_int_t)r->distinct_2, "distinct_1", sigma_json_num(r->d1),
      "distinct_2", sigma_json_num(r->d2), "hhi", sigma_json_num(r->hhi), "hhi_exact",
      sigma_json_num(r->hhi_exact), "hhi_n", o->hhi_n, "sketch", "width",
      (json_int_t)o->width, "depth", o->depth, "seed", (json_int_t)o->sketch_seed, "eps",
      r->eps, "delta", r->delta, "distinct_hhi_ngrams",
      o->exact ? json_integer((json_int_t)r->distinct_n) : json_null(), "timing_s", "read",
      r->t_read, "reduce", r->t_reduce, "total", r->t_total);
  json_t *prov = sigma_provenance("sigma proxies", &o->c, NULL, ranks);
  if (!root || !prov) {
    json_decref(root);
    json_decref(prov);
    return NULL;
  }
  json_object_set_new(root, "files", files_json(o));
  json_object_set_new(root, "provenance", prov);
  return root;
}

int sigma_proxies_write(const sigma_proxies_opts *o, const sigma_proxies_result *r, int ranks) {
  if (!o->json && !o->csv) return SIGMA_OK;
  json_t *root = proxies_json(o, r, ranks);
  if (!root) return sigma_set_error(SIGMA_ENOMEM, "cannot build the proxies report");
  sigma_outfile *fj = NULL, *fc = NULL;
  int rc = SIGMA_OK;
  if (o->json) SIGMA_TRY(sigma_outfile_open(o->json, "--json", &fj));
  if (o->csv) SIGMA_TRY(sigma_outfile_open(o->csv, "--csv", &fc));
  if (fj && (json_dumpf(root, sigma_outfile_stream(fj), JSON_INDENT(2) | JSON_REAL_PRECISION(17)) != 0 ||
             fputc('\n', sigma_outfile_stream(fj)) == EOF))
    SIGMA_TRY(sigma_set_error(SIGMA_EIO, "%s: cannot write JSON", o->json));
  if (fc && sigma_json_csv(root, sigma_outfile_stream(fc)) != SIGMA_OK)
    SIGMA_TRY(sigma_set_error(SIGMA_EIO, "%s: cannot write CSV", o->csv));
  if (fj) SIGMA_TRY(sigma_outfile_commit(&fj));
  if (fc) SIGMA_TRY(sigma_outfile_commit(&fc));
done:
  sigma_outfile_abort(&fj);
  sigma_outfile_abort(&fc);
  json_decref(root);
  return rc;
}
