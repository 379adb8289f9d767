/* sigma monitor --proxies LIST read (io/proxies_list.h). */
#include "proxies_list.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "files.h"
#include "parse.h"
#include "sigma/error.h"

typedef struct {
  const char *list;
  int K, k;
  double *v;
} list_ctx;

/* One proxies JSON: its three numbers into v[0..3). */
static int read_one(const char *path, double *v) {
  static const char *keys[3] = {"distinct_1", "distinct_2", "hhi"};
  SIGMA_CHECK(sigma_file_input(path, "proxies file"));
  json_error_t e;
  json_t *j = json_load_file(path, 0, &e);
  if (!j)
    return sigma_set_error(SIGMA_EFORMAT, "%s: not a sigma proxies output: %s (line %d)", path,
                           e.text, e.line);
  int rc = SIGMA_OK;
  for (int i = 0; i < 3 && rc == SIGMA_OK; i++) {
    json_t *x = json_is_object(j) ? json_object_get(j, keys[i]) : NULL;
    if (json_is_null(x)) v[i] = NAN;
    else if (json_is_number(x)) v[i] = json_number_value(x);
    else rc = sigma_set_error(SIGMA_EFORMAT, "%s: not a sigma proxies output (\"%s\" missing)",
                              path, keys[i]);
  }
  json_decref(j);
  return rc;
}

static int each(const char *path, void *ctx) {
  list_ctx *c = ctx;
  if (c->k == c->K)
    return sigma_set_error(SIGMA_EINVAL, "%s: more than the %d proxies files of the %d "
                           "checkpoints", c->list, c->K, c->K);
  return read_one(path, c->v + 3 * (size_t)c->k++);
}

int sigma_proxies_list_read(const char *list, int K, double *v) {
  SIGMA_CHECK(sigma_file_input(list, "--proxies list"));
  FILE *f = fopen(list, "r");
  if (!f) return sigma_set_error(SIGMA_EIO, "%s: cannot open the --proxies list", list);
  list_ctx c = {list, K, 0, v};
  int count = 0, rc = sigma_parse_list(f, list, each, &c, &count);
  fclose(f);
  if (rc == SIGMA_OK && c.k != K)
    rc = sigma_set_error(SIGMA_EINVAL, "%s: %d proxies files for %d checkpoints", list, c.k, K);
  return rc;
}
