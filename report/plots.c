/* Running gnuplot for the plots of a study or a monitor run. */
#include "plots.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sigma/error.h"
#include "str.h"

/* gnuplot SCRIPT in DIR/plots (the script's file names are relative), its messages in
 * gnuplot.log. fork + exec, not system(): a directory name is never parsed by a shell. */
static int run_in(const char *plots, const char *script);

int sigma_run_gnuplot(const char *dir, const char *script) {
  char *plots = sigma_strf("%s/plots", dir);
  if (!plots) return SIGMA_ENOMEM;
  int rc = run_in(plots, script);
  free(plots);
  return rc;
}

int sigma_run_gnuplot_in(const char *plots, const char *script) { return run_in(plots, script); }

/* fork + exec gnuplot SCRIPT in directory plots. */
static int run_in(const char *plots, const char *script) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) return sigma_set_error(SIGMA_EIO, "%s: cannot run gnuplot (%s)", plots, strerror(errno));
  if (pid == 0) {
    int log = -1;
    if (chdir(plots) == 0) log = open("gnuplot.log", O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (log < 0) _exit(126);
    dup2(log, 1);
    dup2(log, 2);
    close(log);
    execlp("gnuplot", "gnuplot", script, (char *)NULL);
    _exit(127);
  }
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return sigma_set_error(SIGMA_EIO, "%s: cannot run gnuplot", plots);
  if (!WIFEXITED(st) || WEXITSTATUS(st) == 126)
    return sigma_set_error(SIGMA_EIO, "%s: cannot run gnuplot", plots);
  if (WEXITSTATUS(st) == 127)
    return sigma_set_error(SIGMA_EIO, "gnuplot not found: install gnuplot-nox "
                           "(scripts/install-deps.sh), or pass --no-plots");
  if (WEXITSTATUS(st) != 0)
    return sigma_set_error(SIGMA_EIO, "gnuplot failed on %s/%s (see gnuplot.log)", plots,
                           script);
  return SIGMA_OK;
}

int sigma_gnuplot_check(void) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) return sigma_set_error(SIGMA_EIO, "cannot run gnuplot (%s)", strerror(errno));
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
      dup2(null, 1);
      dup2(null, 2);
    }
    execlp("gnuplot", "gnuplot", "--version", (char *)NULL);
    _exit(127);
  }
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return sigma_set_error(SIGMA_EIO, "cannot run gnuplot");
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return SIGMA_OK;
  return sigma_set_error(SIGMA_EIO, "gnuplot not found: install gnuplot-nox "
                         "(scripts/install-deps.sh), or pass --no-plots");
}
