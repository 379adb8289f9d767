#!/usr/bin/env bash
# A study killed with SIGKILL mid-run, then --resume: the same replicates.csv and
# summary.csv as an uninterrupted run (issue 3 "Long runs").
SIGMA=$1 MPIEXEC=$2
source "$(dirname "$0")/lib.sh"
run 2 generate "$WORK/g.h5" --rows 40000 --dim 48 --seed 5 --quiet
A=(--replicates 120 --n1 96,384,1536,6144 --seed 9 --no-plots --quiet)
run 2 study "$WORK/g.h5" "${A[@]}" --out "$WORK/full" > /dev/null
# Start, wait for some replicate files, kill -9 the whole job.
# Each replicate waits 40 ms (a debug aid), so 120 replicates take >= 2.4 s: the kill
# lands mid-run whatever the machine's load.
SIGMA_DEBUG_REPLICATE_DELAY_MS=40 setsid "$MPIEXEC" --oversubscribe -x SIGMA_DEBUG_REPLICATE_DELAY_MS -n 2 "$SIGMA" study "$WORK/g.h5" "${A[@]}" --out "$WORK/k" \
  > /dev/null 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  n=$(ls "$WORK/k/replicates" 2>/dev/null | grep -c '\.csv$' || true)
  [[ $n -ge 10 ]] && break
  sleep 0.05
done
# Open MPI puts each rank in its own process group, so killing mpirun's group would
# leave the ranks running (and writing). Kill the whole session, as a node failure or
# scancel would, and wait until none of it is left.
sid=$(ps -o sid= -p "$pid" | tr -d ' ')
[[ $sid == "$pid" ]] || fail "mpirun is not the leader of its own session (sid=$sid)"
# Zombies do not count: whether anything reaps orphans depends on the container's init.
alive() { ps -e -o sid=,stat= | awk -v s="$sid" '$1 == s && $2 !~ /^Z/' | grep -q .; }
for _ in $(seq 1 100); do
  alive || break
  pkill -9 -s "$sid" 2>/dev/null || true
  sleep 0.05
done
alive && fail "processes of the killed study survive"
wait "$pid" 2>/dev/null || true
left=$(ls "$WORK/k/replicates" | grep -c '\.csv$' || true)
echo "killed with $left of 120 replicate files written"
[[ $left -ge 10 && $left -lt 120 ]] || fail "kill did not land mid-run ($left files)"
[[ ! -e $WORK/k/summary.csv ]] || fail "summary written by a killed run"
run 2 study "$WORK/g.h5" "${A[@]}" --out "$WORK/k" --resume > /dev/null
cmp -s "$WORK/k/replicates.csv" "$WORK/full/replicates.csv" || fail "resumed replicates differ"
cmp -s "$WORK/k/summary.csv" "$WORK/full/summary.csv" || fail "resumed summary differs"
echo PASSED
