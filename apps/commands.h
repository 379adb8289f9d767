/* The subcommands' entry points (apps/cmd_*.c): parse argv (argv[0] = "sigma CMD"), run
 * the driver, return a SIGMA_ code (usage errors exit 2 inside argp). */
#ifndef SIGMA_COMMANDS_H
#define SIGMA_COMMANDS_H

int run_audit(int argc, char **argv);
int run_study(int argc, char **argv);
int run_merge(int argc, char **argv);
int run_plan(int argc, char **argv);
int run_monitor(int argc, char **argv);
int run_generate(int argc, char **argv);
int run_proxies(int argc, char **argv);

#endif
