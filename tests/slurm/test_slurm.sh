#!/usr/bin/env bash
# Slurm end to end (issue "Clusters: Slurm"): a private one-node Slurm cluster (munged,
# slurmctld, slurmd started here, configuration and state in a temp dir) runs
#   - scripts/slurm/audit.sbatch on 2 ranks: provenance.slurm of the JSON names the job;
#   - scripts/slurm/submit-study.sh: a 3-task job array (24 replicates, n1 16,64,256, 2 ranks
#     each) and the dependent merge job: the merged summary.csv and replicates.csv equal, byte
#     for byte, those of one direct `sigma study` run with the same seed, R and sweep.
# Needs slurm-wlm and munge (scripts/install-deps.sh) and root (slurmd). Every wait is
# bounded; the daemons started here are stopped and the temp dir removed on exit.
# Usage: test_slurm.sh SIGMA MPIEXEC
set -uo pipefail
SIGMA=$(readlink -f "$1") MPIEXEC=${2:-mpirun}
# The jobs must run this binary, not <repo>/build/sigma (absent, or another build, when ctest
# runs from an out-of-tree build directory): scripts/slurm/common.sh takes SIGMA from the
# job environment, which sbatch copies from ours.
export SIGMA
REPO=$(cd "$(dirname "$0")/../.." && pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
PY=/usr/bin/python3
T0=$(date +%s)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sigma-slurm.XXXXXX")
chmod 700 "$WORK"
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2> /dev/null || break; sleep 0.1; done
    kill -9 "$p" 2> /dev/null
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() {
  echo "FAILED: $*"
  local f
  for f in "$WORK"/log/*.log "$WORK"/out/*.out "$WORK"/study/slurm-*.out; do
    [[ -s $f ]] && { echo "--- $f"; tail -n 25 "$f"; }
  done
  exit 1
}
say() { printf '[%3ds] %s\n' $(($(date +%s) - T0)) "$*"; }

[[ $(id -u) -eq 0 ]] || fail "must run as root (slurmd, munged)"
for c in munged munge slurmctld slurmd sbatch squeue scontrol sinfo; do
  command -v "$c" > /dev/null || fail "$c not found: run scripts/install-deps.sh (slurm-wlm munge)"
done
[[ -x $SIGMA ]] || fail "no sigma binary $SIGMA"

# --- munge: the system key (created if missing), our own munged on a private socket.
mkdir -p "$WORK"/{munge,log,spool,state,out,run}
KEY=/etc/munge/munge.key
if [[ ! -s $KEY ]]; then
  mkdir -p /etc/munge
  if command -v mungekey > /dev/null; then mungekey --create --keyfile="$KEY" --force
  else dd if=/dev/urandom of="$KEY" bs=1 count=1024 status=none; fi
  chmod 0400 "$KEY"
  id munge > /dev/null 2>&1 && chown munge:munge /etc/munge "$KEY"
  say "created $KEY"
fi
# Our munged runs as root and wants a root-owned key: use a private copy (the system key
# keeps its munge:munge owner).
install -m 0400 -o root -g root "$KEY" "$WORK/munge/munge.key"
KEY=$WORK/munge/munge.key
MSOCK=$WORK/munge/munge.socket
munged --force --key-file="$KEY" --socket="$MSOCK" --pid-file="$WORK/munge/munged.pid" \
       --log-file="$WORK/log/munged.log" --seed-file="$WORK/munge/munged.seed" -F \
       > "$WORK/log/munged.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do [[ -S $MSOCK ]] && break; sleep 0.1; done
munge -n -S "$MSOCK" | unmunge -S "$MSOCK" > /dev/null 2>&1 || fail "munged does not answer on $MSOCK"
say "munged up"

# --- slurm.conf for this machine.
HOST=$(hostname -s)
CPUS=$(nproc)
MEM=$(free -m | awk '/^Mem:/ {print $2}')
MEM=$((MEM > 2048 ? MEM - 1024 : MEM / 2))
PORT=$((20000 + ($$ % 5000) * 2))  # away from 6817/6818, in case a system Slurm runs
export SLURM_CONF=$WORK/slurm.conf
cat > "$SLURM_CONF" << CONF
ClusterName=sigmatest
SlurmctldHost=$HOST
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MSOCK
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/run/slurmctld.pid
SlurmdPidFile=$WORK/run/slurmd.pid
SlurmctldLogFile=$WORK/log/slurmctld.log
SlurmdLogFile=$WORK/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
MailProg=/bin/true
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=600
KillWait=5
NodeName=$HOST CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=test Nodes=$HOST Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF

slurmctld -D -i -f "$SLURM_CONF" > "$WORK/log/slurmctld.out" 2>&1 &
PIDS+=($!)
slurmd -D -f "$SLURM_CONF" -N "$HOST" > "$WORK/log/slurmd.out" 2>&1 &
PIDS+=($!)
state=""
for _ in $(seq 60); do
  state=$(timeout 5 sinfo -h -n "$HOST" -o %T 2> /dev/null | head -n 1)
  [[ $state == idle ]] && break
  sleep 1
done
[[ $state == idle ]] || fail "node $HOST not idle after 60 s (state '$state')"
say "slurm up: node $HOST idle, $CPUS CPUs, ${MEM} MiB"
echo "srun --mpi=list: $(timeout 10 srun --mpi=list 2>&1 | tr '\n' ' ')"

# wait_jobs TIMEOUT ID...: until none of the jobs is pending or running; fails on timeout.
wait_jobs() {
  local limit=$1 t0 left; shift
  t0=$(date +%s)
  while :; do
    left=$(timeout 10 squeue -h -j "$(IFS=,; echo "$*")" -o %i 2> /dev/null | wc -l)
    ((left == 0)) && return 0
    (($(date +%s) - t0 > limit)) && { scancel "$@" 2> /dev/null; fail "jobs $* not done after $limit s"; }
    sleep 1
  done
}
# ran_sigma OUT: the job's first output line ends in ", <binary>" (what the sbatch scripts
# print before they start it) and that binary is ours.
ran_sigma() { local l; l=$(head -n 1 "$1"); [[ ${l##*, } == "$SIGMA" ]]; }
# job_state ID: the final state of a job (MinJobAge keeps it in slurmctld for 600 s).
job_state() { timeout 10 scontrol show job -o "$1" 2> /dev/null | grep -o 'JobState=[A-Z_]*' | head -n 1 | cut -d= -f2; }

# --- data.
"$MPIEXEC" --oversubscribe -n 2 "$SIGMA" generate "$WORK/g.h5" --rows 20000 --dim 8 --seed 5 \
  --quiet || fail "sigma generate"

# --- audit job on 2 ranks.
cd "$WORK"
aid=$(sbatch --parsable -n 2 --export=ALL,SIGMA --output="$WORK/out/audit-%j.out" \
      "$REPO/scripts/slurm/audit.sbatch" "$WORK/g.h5" --n1 256 --seed 3 --json "$WORK/audit.json" --quiet) \
  || fail "sbatch audit.sbatch"
aid=${aid%%;*}
say "audit job $aid submitted"
wait_jobs 300 "$aid"
[[ $(job_state "$aid") == COMPLETED ]] || fail "audit job $aid: $(job_state "$aid")"
ran_sigma "$WORK/out/audit-$aid.out" || fail "audit job $aid did not run $SIGMA"
$PY - "$WORK/audit.json" "$aid" "$HOST" << 'PY' || fail "audit provenance.slurm"
import json, sys
p = json.load(open(sys.argv[1]))["provenance"]
s = p["slurm"]
assert s.get("SLURM_JOB_ID") == sys.argv[2], s
assert s.get("SLURM_JOB_NODELIST") == sys.argv[3], s
assert p["ranks"] == 2, p["ranks"]
print("audit provenance.slurm:", s)
PY
echo "PASSED: audit job $aid (2 ranks), provenance.slurm names the job"

# --- study: 3 array tasks x 2 ranks (1 Slurm task each, mpirun --oversubscribe -n 2), merge.
ARGS=("$WORK/g.h5" --n1 16,64,256 --seed 7 --no-plots --quiet)
sub=$(MPIRUN_ARGS="--oversubscribe -n 2" \
      "$REPO/scripts/slurm/submit-study.sh" -t 3 -n 1 "$WORK/study" 24 "${ARGS[@]}") \
  || fail "submit-study.sh"
echo "$sub"
arr=$(awk '/^array job:/ {print $3}' <<< "$sub") mid=$(awk '/^merge job:/ {print $3}' <<< "$sub")
[[ $arr =~ ^[0-9]+$ && $mid =~ ^[0-9]+$ ]] || fail "submit-study.sh printed no job ids"
timeout 10 scontrol show job -o "$mid" | grep -q "Dependency=afterok:${arr}" \
  || fail "merge job $mid does not depend on afterok:$arr"
# Meanwhile, the same study directly (outside Slurm) for the reference.
"$MPIEXEC" --oversubscribe -n 2 "$SIGMA" study "${ARGS[@]}" --replicates 24 --out "$WORK/direct" \
  > /dev/null || fail "direct sigma study"
wait_jobs 300 "$arr" "$mid"
for t in 0 1 2; do
  s=$(job_state "${arr}_$t")
  [[ $s == COMPLETED ]] || fail "array task ${arr}_$t: $s"
done
[[ $(job_state "$mid") == COMPLETED ]] || fail "merge job $mid: $(job_state "$mid")"
say "array $arr and merge $mid completed"
for t in 0 1 2; do
  ran_sigma "$WORK/study/slurm-study-${arr}_$t.out" || fail "array task $t did not run $SIGMA"
done
ran_sigma "$WORK/study/slurm-merge-$mid.out" || fail "merge job $mid did not run $SIGMA"
echo "PASSED: every job ran $SIGMA"
for f in summary.csv replicates.csv; do
  [[ -s $WORK/study/merged/$f ]] || fail "no merged/$f"
  cmp -s "$WORK/study/merged/$f" "$WORK/direct/$f" || fail "merged $f differs from the direct run"
done
echo "PASSED: array study (3 tasks x 2 ranks) + merge = direct run, summary.csv and replicates.csv"
# Provenance of the parts: the slices, and Slurm ids where sigma study records them.
$PY - "$WORK/study" "$arr" << 'PY' || fail "study part provenance"
import json, os, sys
d, arr = sys.argv[1], sys.argv[2]
for t, (a, b) in enumerate(((0, 8), (8, 16), (16, 24))):
    part = f"{d}/part-{t}"
    reps = sorted(os.listdir(f"{part}/replicates"))
    want = [f"rep-{i:06d}.csv" for i in range(a, b)]
    assert reps == want, (part, reps)
    s = json.load(open(f"{part}/summary.json"))["provenance"]["slurm"]
    assert s.get("SLURM_ARRAY_TASK_ID") == str(t), (part, s)
    assert s.get("SLURM_ARRAY_JOB_ID") == arr, (part, s)
    assert s.get("SLURM_JOB_ID"), (part, s)
    print(f"part-{t}/summary.json provenance.slurm: {s}")
PY
echo "PASSED: array task slices 0:8 8:16 16:24 and part provenance"

# --- monitor: one job on 2 ranks (monitor.sbatch), then a 3-task array with --full and the
# dependent merge (submit-monitor.sh): the merged series equals one direct run.
for t in 0 1 2 3 4 5; do
  "$MPIEXEC" --oversubscribe -n 2 "$SIGMA" generate "$WORK/m$t.h5" --rows 4000 --dim 6 --seed 5 \
    --row-seed $((t + 10)) --quiet || fail "sigma generate m$t"
  echo "gen$t $WORK/m$t.h5"
done > "$WORK/mlist.txt"
MARGS=(--n1 200 --seed 3 --normalize --full --baseline 1 --level 0.9 --quiet --no-plots)
mid1=$(sbatch --parsable -n 2 --export=ALL,SIGMA --output="$WORK/out/monitor-%j.out" \
       "$REPO/scripts/slurm/monitor.sbatch" "$WORK/m0.h5" "$WORK/m1.h5" --n1 200 --normalize \
       --out "$WORK/mon1" --quiet) || fail "sbatch monitor.sbatch"
mid1=${mid1%%;*}
sub=$(MPIRUN_ARGS="--oversubscribe -n 2" \
      "$REPO/scripts/slurm/submit-monitor.sh" -t 3 -n 1 "$WORK/mon" "$WORK/mlist.txt" "${MARGS[@]}") \
  || fail "submit-monitor.sh"
echo "$sub"
marr=$(awk '/^array job:/ {print $3}' <<< "$sub") mmid=$(awk '/^merge job:/ {print $3}' <<< "$sub")
[[ $marr =~ ^[0-9]+$ && $mmid =~ ^[0-9]+$ ]] || fail "submit-monitor.sh printed no job ids"
"$MPIEXEC" --oversubscribe -n 2 "$SIGMA" monitor --checkpoints "$WORK/mlist.txt" "${MARGS[@]}" \
  --out "$WORK/mdirect" > /dev/null || fail "direct sigma monitor"
wait_jobs 300 "$mid1" "$marr" "$mmid"
[[ $(job_state "$mid1") == COMPLETED ]] || fail "monitor job $mid1: $(job_state "$mid1")"
ran_sigma "$WORK/out/monitor-$mid1.out" || fail "monitor job $mid1 did not run $SIGMA"
for t in 0 1 2; do
  [[ $(job_state "${marr}_$t") == COMPLETED ]] || fail "monitor array task ${marr}_$t: $(job_state "${marr}_$t")"
  ran_sigma "$WORK/mon/slurm-monitor-${marr}_$t.out" || fail "monitor task $t did not run $SIGMA"
done
[[ $(job_state "$mmid") == COMPLETED ]] || fail "monitor merge job $mmid: $(job_state "$mmid")"
$PY "$REPO/tests/check_monitor.py" --same "$WORK/mon/merged" "$WORK/mdirect" \
  || fail "merged monitor differs from the direct run"
$PY - "$WORK/mon1/monitor.json" "$mid1" "$WORK/mon/part-0001/monitor.json" "$marr" << 'PY' || fail "monitor provenance.slurm"
import json, sys
s = json.load(open(sys.argv[1]))["provenance"]["slurm"]
assert s.get("SLURM_JOB_ID") == sys.argv[2], s
s = json.load(open(sys.argv[3]))["provenance"]["slurm"]
assert s.get("SLURM_ARRAY_JOB_ID") == sys.argv[4] and s.get("SLURM_ARRAY_TASK_ID") == "1", s
print("monitor provenance.slurm:", s)
PY
echo "PASSED: monitor job, monitor array (3 tasks, --full) + merge = direct run"

# --- srun as the launcher (informational, never fails the test): Slurm's pmix plugin with
# Debian's Open MPI 4.1 (PMIx 3 client) -- docs/slurm.md says what this prints.
sid=$(sbatch --parsable -n 2 --output="$WORK/out/srun-%j.out" --wrap \
      "srun --mpi=pmix -n 2 $SIGMA audit $WORK/g.h5 --n1 256 --seed 3 --json $WORK/srun.json --quiet")
sid=${sid%%;*}
wait_jobs 120 "$sid"
if [[ $(job_state "$sid") == COMPLETED && -s $WORK/srun.json ]] &&
   $PY -c 'import json,sys; assert json.load(open(sys.argv[1]))["provenance"]["ranks"] == 2' "$WORK/srun.json"; then
  echo "NOTE: srun --mpi=pmix -n 2 sigma audit works in this allocation"
else
  echo "NOTE: srun --mpi=pmix -n 2 sigma audit does not work here (job state: $(job_state "$sid" | tr A-Z a-z)):"
  tail -n 5 "$WORK/out/srun-$sid.out" | grep -v FAILED | sed "s/^/  /"
fi
say "done"
echo "PASSED: slurm_study"
