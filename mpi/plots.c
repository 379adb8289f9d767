/* Running gnuplot for the study plots. */
#include "plots.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "sigma/error.h"

int sigma_run_gnuplot(const char *dir) {
  char cmd[4400];
  /* cd so the script's file names stay relative; gnuplot's messages go to a log. */
  snprintf(cmd, sizeof cmd, "cd '%s/plots' && gnuplot study.gp > gnuplot.log 2>&1", dir);
  int st = system(cmd);
  if (st == -1 || !WIFEXITED(st))
    return sigma_set_error(SIGMA_EIO, "%s/plots: cannot run gnuplot", dir);
  if (WEXITSTATUS(st) == 127)
    return sigma_set_error(SIGMA_EIO, "gnuplot not found: install gnuplot-nox "
                           "(scripts/install-deps.sh), or pass --no-plots");
  if (WEXITSTATUS(st) != 0)
    return sigma_set_error(SIGMA_EIO, "gnuplot failed on %s/plots/study.gp (see gnuplot.log)",
                           dir);
  return SIGMA_OK;
}
