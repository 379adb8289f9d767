/* Input identities and the one output writer (io/files.h). */
#include "files.h"

#include <errno.h>
#include <libgen.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sigma/error.h"
#include "str.h"

/* ---- the registry of files this process reads or has claimed as outputs ---- */

typedef struct {
  dev_t dev;
  ino_t ino;
  int exists;   /* outputs may be new names: then only the path identifies them */
  int output;
  char *path;   /* as given (inputs) or resolved (outputs), for messages */
} file_id;

static file_id *g_ids;
static size_t g_nids, g_cap;
/* Inputs are also indexed by identity in an open-addressing table (slot: index + 1, 0 =
 * empty, at most half full), so recording 1e5 shards costs O(1) each, not a scan. */
static size_t *g_slot, g_nslot;

static size_t id_hash(dev_t dev, ino_t ino) {
  uint64_t h = (uint64_t)dev * 0x9E3779B97F4A7C15ull ^ (uint64_t)ino * 0xC2B2AE3D27D4EB4Full;
  return (size_t)(h ^ (h >> 31));
}

static void slot_put(size_t k) {
  size_t i = id_hash(g_ids[k].dev, g_ids[k].ino) & (g_nslot - 1);
  while (g_slot[i]) i = (i + 1) & (g_nslot - 1);
  g_slot[i] = k + 1;
}

/* Keep the table at most half full: double it and re-insert every input. */
static int slots_reserve(size_t ninputs) {
  if (2 * (ninputs + 1) <= g_nslot) return SIGMA_OK;
  size_t n = g_nslot ? 2 * g_nslot : 64, *t = calloc(n, sizeof *t);
  if (!t) return sigma_set_error(SIGMA_ENOMEM, "out of memory (file list)");
  free(g_slot);
  g_slot = t;
  g_nslot = n;
  for (size_t k = 0; k < g_nids; k++)
    if (!g_ids[k].output) slot_put(k);
  return SIGMA_OK;
}

static size_t g_ninputs;

static int id_add(dev_t dev, ino_t ino, int exists, int output, const char *path) {
  if (g_nids == g_cap) {
    size_t cap = g_cap ? 2 * g_cap : 64;
    file_id *v = realloc(g_ids, cap * sizeof *v);
    if (!v) return sigma_set_error(SIGMA_ENOMEM, "out of memory (file list)");
    g_ids = v;
    g_cap = cap;
  }
  char *p = strdup(path);
  if (!p || (!output && slots_reserve(g_ninputs) != SIGMA_OK)) {
    free(p);
    return sigma_set_error(SIGMA_ENOMEM, "out of memory (file list)");
  }
  g_ids[g_nids] = (file_id){dev, ino, exists, output, p};
  if (!output) {
    slot_put(g_nids);
    g_ninputs++;
  }
  g_nids++;
  return SIGMA_OK;
}

/* The recorded input with this identity, or NULL. */
static const file_id *id_input(const struct stat *st) {
  if (!g_nslot) return NULL;
  for (size_t i = id_hash(st->st_dev, st->st_ino) & (g_nslot - 1); g_slot[i];
       i = (i + 1) & (g_nslot - 1)) {
    const file_id *f = &g_ids[g_slot[i] - 1];
    if (f->dev == st->st_dev && f->ino == st->st_ino) return f;
  }
  return NULL;
}

static const char *type_name(mode_t m) {
  if (S_ISDIR(m)) return "a directory";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISSOCK(m)) return "a socket";
  return "not a regular file";
}

int sigma_file_input(const char *path, const char *what) {
  struct stat st;
  if (stat(path, &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      return sigma_set_error(SIGMA_EIO, "%s: no such file (%s)", path, what);
    return sigma_set_error(SIGMA_EIO, "%s: cannot open %s (%s)", path, what, strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) /* a FIFO would block the open; a device would be consumed */
    return sigma_set_error(SIGMA_EIO, "%s: is %s, not a regular file (%s)", path,
                           type_name(st.st_mode), what);
  if (access(path, R_OK) != 0)
    return sigma_set_error(SIGMA_EIO, "%s: permission denied (%s)", path, what);
  if (id_input(&st)) return SIGMA_OK;
  return id_add(st.st_dev, st.st_ino, 1, 0, path);
}

/* ---- resolving an output path ---- */

/* dir + "/" + name, newly allocated. */
static char *join(const char *dir, const char *name) {
  size_t a = strlen(dir), b = strlen(name);
  char *s = malloc(a + b + 2);
  if (!s) return NULL;
  memcpy(s, dir, a);
  s[a] = '/';
  memcpy(s + a + 1, name, b + 1);
  return s;
}

/* The directory part of p ("." if none), newly allocated. */
static char *dir_of(const char *p) {
  const char *slash = strrchr(p, '/');
  if (!slash) return strdup(".");
  if (slash == p) return strdup("/");
  return strndup(p, (size_t)(slash - p));
}

/* A path whose last component does not exist yet: resolve its directory. */
static int resolve_new(const char *given, const char *p, const char *what, char **out) {
  const char *slash = strrchr(p, '/');
  const char *name = slash ? slash + 1 : p;
  if (!*name || !strcmp(name, ".") || !strcmp(name, ".."))
    return sigma_set_error(SIGMA_EIO, "%s: %s names a directory, not a file", given, what);
  char *dir = dir_of(p);
  char *rdir = dir ? realpath(dir, NULL) : NULL;
  int rc = SIGMA_OK;
  if (!dir) rc = sigma_set_error(SIGMA_ENOMEM, "out of memory");
  else if (!rdir)
    rc = sigma_set_error(SIGMA_EIO, "%s: cannot write %s: directory %s %s", given, what, dir,
                         errno == ENOENT ? "does not exist" : strerror(errno));
  else if (!(*out = join(rdir, name))) rc = sigma_set_error(SIGMA_ENOMEM, "out of memory");
  free(dir);
  free(rdir);
  return rc;
}

/* Follow links (also dangling ones, which name the file to create) to the target. */
static int resolve(const char *given, const char *what, char **out, struct stat *st,
                   int *exists) {
  char *cur = strdup(given);
  int rc = SIGMA_OK;
  *exists = 0;
  for (int hop = 0; cur && hop < 40; hop++) {
    struct stat lst;
    if (lstat(cur, &lst) != 0) {
      if (errno != ENOENT)
        rc = sigma_set_error(SIGMA_EIO, "%s: cannot write %s (%s)", given, what, strerror(errno));
      else rc = resolve_new(given, cur, what, out);
      free(cur);
      return rc;
    }
    if (!S_ISLNK(lst.st_mode) || stat(cur, st) == 0) { /* exists (through any links) */
      if (stat(cur, st) != 0) {
        rc = sigma_set_error(SIGMA_EIO, "%s: cannot stat (%s)", given, strerror(errno));
        free(cur);
        return rc;
      }
      *exists = 1;
      *out = realpath(cur, NULL);
      /* /dev/stdout on a pipe resolves to "pipe:[n]", no path: a non-regular file is
       * written in place anyway, through the name that reaches it. */
      if (!*out && !S_ISREG(st->st_mode)) {
        *out = cur;
        return SIGMA_OK;
      }
      free(cur);
      return *out ? SIGMA_OK
                  : sigma_set_error(SIGMA_EIO, "%s: cannot resolve (%s)", given, strerror(errno));
    }
    char target[PATH_MAX]; /* a dangling link: one hop towards the file it names */
    ssize_t n = readlink(cur, target, sizeof target - 1);
    if (n < 0) break;
    target[n] = '\0';
    char *next = NULL;
    if (target[0] == '/') next = strdup(target);
    else {
      char *dir = dir_of(cur);
      next = dir ? join(dir, target) : NULL;
      free(dir);
    }
    free(cur);
    cur = next;
  }
  free(cur);
  return sigma_set_error(SIGMA_EIO, "%s: cannot resolve the links of this %s path", given, what);
}

/* This process's stdout or stderr is the target: write through that stream. */
static int std_fd_of(const struct stat *st) {
  for (int fd = 1; fd <= 2; fd++) {
    struct stat s;
    if (fstat(fd, &s) == 0 && s.st_dev == st->st_dev && s.st_ino == st->st_ino) return fd;
  }
  return -1;
}

int sigma_file_output_target(const char *path, const char *what, char **resolved, int *direct) {
  struct stat st;
  int exists;
  *resolved = NULL;
  *direct = 0;
  SIGMA_CHECK(resolve(path, what, resolved, &st, &exists));
  int rc = SIGMA_OK;
  const file_id *in = exists ? id_input(&st) : NULL;
  if (in)
    rc = sigma_set_error(SIGMA_EINVAL, "%s: %s would overwrite the input %s: refusing", path, what,
                         in->path);
  else if (exists && (S_ISDIR(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISBLK(st.st_mode)))
    rc = sigma_set_error(SIGMA_EIO, "%s: %s is %s: cannot write it", path, what,
                         type_name(st.st_mode));
  else if (exists && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode) || std_fd_of(&st) > 0))
    *direct = 1;
  if (rc != SIGMA_OK) {
    free(*resolved);
    *resolved = NULL;
  }
  return rc;
}

int sigma_file_check_output(const char *path, const char *what) {
  char *res = NULL;
  int direct = 0;
  SIGMA_CHECK(sigma_file_output_target(path, what, &res, &direct));
  struct stat st;
  int exists = stat(res, &st) == 0, rc = SIGMA_OK;
  for (size_t k = 0; k < g_nids && rc == SIGMA_OK; k++) {
    const file_id *f = &g_ids[k];
    int same = exists && f->exists ? f->dev == st.st_dev && f->ino == st.st_ino
                                   : !strcmp(f->path, res);
    if (f->output && same && !direct)
      rc = sigma_set_error(SIGMA_EINVAL, "%s: %s names the same file as another output (%s)",
                           path, what, f->path);
  }
  char *dir = dir_of(res);
  if (rc == SIGMA_OK && !direct && dir && access(dir, W_OK) != 0)
    rc = sigma_set_error(SIGMA_EIO, "%s: cannot write %s: directory %s is not writable", path,
                         what, dir);
  if (rc == SIGMA_OK) rc = id_add(exists ? st.st_dev : 0, exists ? st.st_ino : 0, exists, 1, res);
  free(dir);
  free(res);
  return rc;
}

/* ---- writing ---- */

struct sigma_outfile {
  FILE *f;
  char *given;   /* for messages */
  char *target;  /* resolved */
  char *tmp;     /* temporary beside the target; NULL when written in place */
};

static void outfile_free(sigma_outfile *o) {
  free(o->given);
  free(o->target);
  free(o->tmp);
  free(o);
}

/* The temporary: unique per process, so two jobs writing the same file (overlapping
 * --replicate-range slices) never rename each other's half-written file. It takes the
 * mode of the file it replaces, so replacing does not change permissions. */
char *sigma_file_temp_name(const char *target, long id) {
  return sigma_strf("%s.%ld.tmp", target, id);
}

static int open_tmp(sigma_outfile *o, const char *what) {
  if (!(o->tmp = sigma_file_temp_name(o->target, (long)getpid()))) return SIGMA_ENOMEM;
  struct stat st;
  mode_t mode = stat(o->target, &st) == 0 ? (st.st_mode & 07777) : 0666;
  int fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0)
    return sigma_set_error(SIGMA_EIO, "%s: cannot write %s (%s)", o->given, what, strerror(errno));
  if (mode != 0666) (void)fchmod(fd, mode);
  if (!(o->f = fdopen(fd, "w"))) {
    close(fd);
    unlink(o->tmp);
    return sigma_set_error(SIGMA_EIO, "%s: cannot write %s", o->given, what);
  }
  return SIGMA_OK;
}

/* In place: a device or FIFO opened for writing, or a dup of our own stdout/stderr so
 * the bytes follow what was already written there. */
static int open_direct(sigma_outfile *o, const char *what) {
  struct stat st;
  int fd = -1;
  if (stat(o->target, &st) == 0 && std_fd_of(&st) > 0) {
    fflush(std_fd_of(&st) == 1 ? stdout : stderr);
    fd = dup(std_fd_of(&st));
  } else {
    fd = open(o->target, O_WRONLY | O_CLOEXEC);
  }
  if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
    if (fd >= 0) close(fd);
    return sigma_set_error(SIGMA_EIO, "%s: cannot write %s (%s)", o->given, what, strerror(errno));
  }
  return SIGMA_OK;
}

int sigma_outfile_open(const char *path, const char *what, sigma_outfile **out) {
  *out = NULL;
  sigma_outfile *o = calloc(1, sizeof *o);
  if (!o || !(o->given = strdup(path))) {
    free(o);
    return sigma_set_error(SIGMA_ENOMEM, "out of memory");
  }
  int direct = 0;
  int rc = sigma_file_output_target(path, what, &o->target, &direct);
  if (rc == SIGMA_OK) rc = direct ? open_direct(o, what) : open_tmp(o, what);
  if (rc != SIGMA_OK) {
    outfile_free(o);
    return rc;
  }
  *out = o;
  return SIGMA_OK;
}

FILE *sigma_outfile_stream(sigma_outfile *f) { return f->f; }

int sigma_outfile_commit(sigma_outfile **pf) {
  sigma_outfile *o = *pf;
  *pf = NULL;
  int bad = fflush(o->f) != 0 || ferror(o->f);
  int err = errno;
  bad = (fclose(o->f) != 0) || bad;
  if (!bad && o->tmp && rename(o->tmp, o->target) != 0) {
    err = errno;
    bad = 1;
  }
  int rc = SIGMA_OK;
  if (bad) {
    if (o->tmp) unlink(o->tmp);
    rc = sigma_set_error(SIGMA_EIO, "%s: cannot write (%s)", o->given, strerror(err ? err : EIO));
  }
  outfile_free(o);
  return rc;
}

void sigma_outfile_abort(sigma_outfile **pf) {
  sigma_outfile *o = *pf;
  if (!o) return;
  *pf = NULL;
  fclose(o->f);
  if (o->tmp) unlink(o->tmp);
  outfile_free(o);
}

int sigma_file_write(const char *path, const char *what, const char *text, size_t len) {
  sigma_outfile *o;
  SIGMA_CHECK(sigma_outfile_open(path, what, &o));
  if (len && fwrite(text, 1, len, o->f) != len) {
    int err = errno;
    sigma_outfile_abort(&o);
    return sigma_set_error(SIGMA_EIO, "%s: cannot write (%s)", path, strerror(err));
  }
  return sigma_outfile_commit(&o);
}

int sigma_file_check_dir(const char *path, const char *what) {
  struct stat st;
  if (stat(path, &st) == 0) {
    if (!S_ISDIR(st.st_mode))
      return sigma_set_error(SIGMA_EIO, "%s %s: exists and is not a directory", what, path);
    if (access(path, W_OK | X_OK) != 0)
      return sigma_set_error(SIGMA_EIO, "%s %s: directory not writable", what, path);
    return SIGMA_OK;
  }
  if (errno != ENOENT)
    return sigma_set_error(SIGMA_EIO, "%s %s: cannot create the output directory (%s)", what,
                           path, strerror(errno));
  char *copy = strdup(path); /* dirname: "a/b/" -> "a", "x/" -> "." */
  int ok = copy && access(dirname(copy), W_OK | X_OK) == 0;
  free(copy);
  return ok ? SIGMA_OK : sigma_set_error(SIGMA_EIO, "%s %s: cannot create the output directory "
                                         "(its parent is missing or not writable)", what, path);
}
