#!/usr/bin/env bash
# timed.sh FILE CMD...   run CMD; write one line about it to FILE:
#   <max_rss_kb> <wall_s> <user_s> <sys_s> <involuntary_csw> <voluntary_csw>
# FILE written as @PREFIX means PREFIX.<MPI rank>: run it under mpirun to get every rank's
# peak RSS. Uses GNU time (Debian package 'time'); without it, a python os.wait4()
# wrapper that reads the same rusage of the child.
f=$1; shift
[[ $f == @* ]] && f=${f#@}.${OMPI_COMM_WORLD_RANK:-0}
if [[ -x /usr/bin/time && -z ${BENCH_NO_GNU_TIME:-} ]]; then
  exec /usr/bin/time -f '%M %e %U %S %c %w' -o "$f" "$@"
fi
exec /usr/bin/python3 -c '
import os, sys, time
t = time.monotonic()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, st, ru = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write("%d %.2f %.2f %.2f %d %d\n" % (ru.ru_maxrss, time.monotonic() - t, ru.ru_utime,
                                          ru.ru_stime, ru.ru_nivcsw, ru.ru_nvcsw))
sys.exit(os.waitstatus_to_exitcode(st))' "$f" "$@"
