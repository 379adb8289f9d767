/* JSON tree -> key,value CSV (report/json_csv.h). */
#include "json_csv.h"

#include <string.h>

#include "sigma/error.h"
#include "str.h"

static void csv_string(FILE *f, const char *v) {
  if (!strpbrk(v, ",\"\n\r")) {
    fputs(v, f);
    return;
  }
  fputc('"', f);
  for (; *v; v++) {
    if (*v == '"') fputc('"', f);
    fputc(*v, f);
  }
  fputc('"', f);
}

static void leaf(FILE *f, const char *key, json_t *v) {
  csv_string(f, key);
  fputc(',', f);
  switch (json_typeof(v)) {
  case JSON_REAL: fprintf(f, "%.17g", json_real_value(v)); break;
  case JSON_INTEGER: fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v)); break;
  case JSON_TRUE: fputs("true", f); break;
  case JSON_FALSE: fputs("false", f); break;
  case JSON_STRING: csv_string(f, json_string_value(v)); break;
  default: break; /* null: empty */
  }
  fputc('\n', f);
}

/* key holds the path so far; each child extends it and is cut back after. */
static void leaves(FILE *f, sigma_str *key, json_t *v) {
  const size_t len = key->len;
  const char *k;
  json_t *x;
  size_t i;
  if (json_is_object(v)) {
    json_object_foreach(v, k, x) {
      sigma_str_appendf(key, "%s%s", len ? "." : "", k);
      leaves(f, key, x);
      if (!key->failed) key->buf[key->len = len] = '\0';
    }
  } else if (json_is_array(v)) {
    json_array_foreach(v, i, x) {
      sigma_str_appendf(key, "[%zu]", i);
      leaves(f, key, x);
      if (!key->failed) key->buf[key->len = len] = '\0';
    }
  } else {
    leaf(f, sigma_str_cstr(key), v);
  }
}

int sigma_json_csv(json_t *root, FILE *f) {
  sigma_str key = SIGMA_STR_INIT;
  fputs("key,value\n", f);
  leaves(f, &key, root);
  int rc = sigma_str_error(&key);
  sigma_str_free(&key);
  if (rc == SIGMA_OK && ferror(f)) rc = sigma_set_error(SIGMA_EIO, "cannot write CSV");
  return rc;
}
