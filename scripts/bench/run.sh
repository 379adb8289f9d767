#!/usr/bin/env bash
# sigma benchmark suite: sigma audit vs the h5py + numpy reference, against the dsyrk peak.
#
# Usage: scripts/bench/run.sh            (from anywhere; idempotent, safe to re-run)
#
# One run does, in order:
#   1. records the machine (CPU, cores, memory, kernel, package versions, load);
#      the machine may be shared: every timed run first waits for it to be idle and
#      records how much CPU other processes took while it ran;
#   2. builds sigma (unless SIGMA is given) and dsyrk_peak with the system cc -lopenblas;
#   3. measures the in-memory dsyrk peak (n = d, k = 1024..65536; 1 process x 1 and x 2
#      OpenBLAS threads, 2 processes x 1 thread) and the dtrsm rate (pass-2 kernel);
#   4. for each N in BENCH_SIZES: generates (if absent) an N x d float32 HDF5 file with
#      `sigma generate`, then runs `mpirun -n 2 sigma audit`, `mpirun -n 1 sigma audit`
#      and scripts/bench/reference_audit.py on the same observed rows, each BENCH_REPS
#      times on a warm page cache, under /usr/bin/time (peak RSS of every rank), and
#      once more the reference with --repeat 2 (its second round shows the cost of
#      first-touch page faults);
#   5. checks that sigma and the reference agree (L and log det G1 to 1e-8 relative)
#      and prints the results table (also written to $BENCH_DIR/runs/<stamp>/results.md).
# Exit status: 0 if the tools agree, 1 otherwise (the performance targets are reported,
# not enforced).
#
# Environment (defaults):
#   BENCH_DIR=/tmp/sigma-bench    data, binaries and results (never inside the repo)
#   BENCH_BUILD=/tmp/build-bench  cmake build dir for sigma when SIGMA is not set
#   SIGMA=                        an existing sigma binary to benchmark instead
#   BENCH_SIZES="100000 1000000"  row counts N;  BENCH_D=256 columns d
#   BENCH_N1=16384                observed rows n1;  BENCH_SEED=1
#   BENCH_REPS=3                  timed repetitions per tool (best wall time is reported)
#   BENCH_KMAX=65536              largest k of the dsyrk peak sweep
#   BENCH_IDLE_MAX=0.3            before every timed run, wait until other processes use fewer
#   BENCH_WAIT_S=900              cores than this (2 s sample), at most this long, then run anyway
#   BENCH_SIGMA_ARGS=             extra `sigma audit` options (experiments, e.g. --block-rows 8192)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/sigma-bench}
BENCH_BUILD=${BENCH_BUILD:-/tmp/build-bench}
SIZES=${BENCH_SIZES:-"100000 1000000"}
D=${BENCH_D:-256}
N1=${BENCH_N1:-16384}
SEED=${BENCH_SEED:-1}
REPS=${BENCH_REPS:-3}
KMAX=${BENCH_KMAX:-65536}
IDLE_MAX=${BENCH_IDLE_MAX:-0.3}
WAIT_S=${BENCH_WAIT_S:-900}
read -r -a SIGMA_ARGS <<< "${BENCH_SIGMA_ARGS:-}"
PY=/usr/bin/python3 # Debian's python3-numpy / python3-h5py, not a pyenv python
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

die() { echo "bench: $*" >&2; exit 2; }
exec 3>&2 # the console, even where a command's stderr is redirected
log() { echo "bench: $*" >&3; }

mkdir -p "$BENCH_DIR"
BENCH_DIR=$(cd "$BENCH_DIR" && pwd -P)
case "$BENCH_DIR/" in "$(cd "$ROOT" && pwd -P)/"*) die "BENCH_DIR=$BENCH_DIR is inside the repository";; esac
[[ -x $PY ]] || die "$PY not found (Debian python3)"
$PY -c 'import numpy, h5py' 2>/dev/null || die "$PY cannot import numpy and h5py (python3-numpy python3-h5py)"
command -v mpirun >/dev/null || die "mpirun not found (openmpi-bin)"

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$BENCH_DIR/runs/$STAMP
mkdir -p "$OUT" "$BENCH_DIR/data"
log "results in $OUT"

# ---- timing: `$TIMED FILE CMD...` writes "<max_rss_kb> <wall_s> ..." (see timed.sh) ----
TIMED=$HERE/timed.sh
if [[ -x /usr/bin/time && -z ${BENCH_NO_GNU_TIME:-} ]]; then
  TIME_TOOL="/usr/bin/time (GNU time)"
else
  TIME_TOOL="python os.wait4 wrapper (Debian package 'time' not installed or BENCH_NO_GNU_TIME set)"
fi

# ---- 1. machine ----
{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host: $(hostname)"
  echo "cpu_model: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)"
  echo "cpu_family_model: $(lscpu | sed -n 's/^CPU family:[[:space:]]*//p') / $(lscpu | sed -n 's/^Model:[[:space:]]*//p')"
  echo "cpus: $(nproc) (sockets $(lscpu | sed -n 's/^Socket(s):[[:space:]]*//p'), cores/socket $(lscpu | sed -n 's/^Core(s) per socket:[[:space:]]*//p'), threads/core $(lscpu | sed -n 's/^Thread(s) per core:[[:space:]]*//p'))"
  echo "hypervisor: $(lscpu | sed -n 's/^Hypervisor vendor:[[:space:]]*//p')"
  echo "caches: L2 $(lscpu | sed -n 's/^L2 cache:[[:space:]]*//p'), L3 $(lscpu | sed -n 's/^L3 cache:[[:space:]]*//p')"
  echo "memory: $(free -g | awk '/^Mem:/{print $2" GiB total, "$7" GiB available"}')"
  echo "kernel: $(uname -sr)"
  echo "os: $(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "timer: $TIME_TOOL"
  for p in libopenblas0-pthread libopenblas-dev openmpi-bin libopenmpi-dev libhdf5-openmpi-dev \
           libhdf5-103-1 python3-numpy python3-h5py gcc time; do
    v=$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || true)
    echo "pkg $p: ${v:-not installed}"
  done
  echo "blas_alternative: $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || echo '?')"
  echo "load_before: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$OUT/machine.txt"

# ---- 2. binaries ----
if [[ -n ${SIGMA:-} ]]; then
  [[ -x $SIGMA ]] || die "SIGMA=$SIGMA is not executable"
else
  log "building sigma in $BENCH_BUILD"
  cmake -S "$ROOT" -B "$BENCH_BUILD" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
    > "$OUT/cmake.log" 2>&1 || die "cmake configure failed, see $OUT/cmake.log"
  cmake --build "$BENCH_BUILD" -j2 --target sigma >> "$OUT/cmake.log" 2>&1 \
    || die "build failed, see $OUT/cmake.log"
  SIGMA=$BENCH_BUILD/sigma
fi
echo "sigma: $SIGMA ($("$SIGMA" --version 2>/dev/null | head -1))${SIGMA_ARGS[*]:+ extra args: ${SIGMA_ARGS[*]}}" >> "$OUT/machine.txt"
CBLAS_H=$(find /usr/include -name cblas.h -path '*openblas-pthread*' 2>/dev/null | head -1)
CBLAS_INC=$(dirname "${CBLAS_H:-/usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h}")
PEAK_BIN=$BENCH_DIR/dsyrk_peak
if [[ ! -x $PEAK_BIN || $HERE/dsyrk_peak.c -nt $PEAK_BIN ]]; then
  cc -O2 -std=c11 -Wall -Wextra -I"$CBLAS_INC" "$HERE/dsyrk_peak.c" -o "$PEAK_BIN" -lopenblas \
    || die "cannot build dsyrk_peak (needs cc and libopenblas-dev)"
fi

# ---- shared machine: wait for quiet, and measure the CPU others use during every run ----
HZ=$(getconf CLK_TCK)
busy_jiffies() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9; exit}' /proc/stat; }
busy_cores() { # average busy cores (all processes) over $1 seconds
  local a b; a=$(busy_jiffies); sleep "$1"; b=$(busy_jiffies)
  awk -v a="$a" -v b="$b" -v hz="$HZ" -v s="$1" 'BEGIN{printf "%.2f", (b-a)/hz/s}'
}
wait_idle() { # prints the busy cores measured just before returning
  local t0=$SECONDS busy
  while :; do
    busy=$(busy_cores 2)
    awk -v x="$busy" -v m="$IDLE_MAX" 'BEGIN{exit !(x < m)}' && break
    if (( SECONDS - t0 >= WAIT_S )); then
      log "still $busy busy cores after ${WAIT_S}s: measuring anyway (the table flags it)"
      break
    fi
    (( SECONDS - t0 < 3 )) && log "other processes use $busy cores: waiting (up to ${WAIT_S}s) for < $IDLE_MAX"
  done
  echo "$busy"
}
# measure TAG CMD...: CMD under $TIMED (TAG.time); TAG.cpu = "<busy cores just before>
# <busy cpu-seconds of the whole machine during the run> <load1 at start>"; the summary
# subtracts the run's own user+sys to get what other processes took meanwhile.
measure() {
  local tag=$1; shift
  local busy j0 j1 l1
  busy=$(wait_idle)
  l1=$(cut -d' ' -f1 /proc/loadavg)
  j0=$(busy_jiffies)
  "$TIMED" "$OUT/$tag.time" "$@" || return 1
  j1=$(busy_jiffies)
  echo "$busy $(awk -v a="$j0" -v b="$j1" -v hz="$HZ" 'BEGIN{printf "%.2f", (b-a)/hz}') $l1" \
    > "$OUT/$tag.cpu"
}

# ---- 3. dsyrk peak ----
log "dsyrk peak, n = $D, k = 1024..$KMAX: 1 process x 1 and 2 threads, 2 processes x 1 thread"
measure peak "$PEAK_BIN" "$D" "$KMAX" 2 > "$OUT/peak.json" 2> "$OUT/peak.txt" \
  || die "dsyrk_peak failed, see $OUT/peak.txt"
cat "$OUT/peak.txt" >&2

# ---- 4. audits ----
warm() { cat "$1" > /dev/null; } # every timed run reads from the page cache
for N in $SIZES; do
  f=$BENCH_DIR/data/powerlaw_N${N}_d${D}_s${SEED}.h5
  if [[ ! -s $f ]]; then
    log "generating $f"
    rm -f "$f.part"
    mpirun -n 2 "$SIGMA" generate --rows "$N" --dim "$D" --seed "$SEED" --dtype float32 --quiet \
      "$f.part" > "$OUT/generate_N$N.log" 2>&1 || die "sigma generate failed, see $OUT/generate_N$N.log"
    mv "$f.part" "$f"
  fi
  idx=$OUT/indices_N$N.txt
  for rep in $(seq 1 "$REPS"); do
    for R in 2 1; do
      tag=sigma_n${R}_N${N}_r$rep
      log "$tag"
      warm "$f"
      extra=()
      [[ $rep == 1 && $R == 2 ]] && extra=(--save-indices "$idx")
      measure "$tag" mpirun -n "$R" "$TIMED" "@$OUT/$tag.rss" \
        "$SIGMA" audit "$f" --n1 "$N1" --seed "$SEED" --quiet --json "$OUT/$tag.json" \
        "${extra[@]}" "${SIGMA_ARGS[@]}" > "$OUT/$tag.out" 2> "$OUT/$tag.err" \
        || die "$tag failed, see $OUT/$tag.err"
    done
    tag=ref_N${N}_r$rep
    log "$tag"
    warm "$f"
    measure "$tag" "$PY" "$HERE/reference_audit.py" "$f" "$idx" --json "$OUT/$tag.json" \
      > /dev/null 2> "$OUT/$tag.err" || die "$tag failed, see $OUT/$tag.err"
  done
  # Context, not part of the comparison: the reference twice in one process; its second
  # round reuses memory already faulted in (first-touch page faults are slow in some VMs).
  tag=refwarm_N$N
  log "$tag (reference --repeat 2)"
  warm "$f"
  measure "$tag" "$PY" "$HERE/reference_audit.py" "$f" "$idx" --repeat 2 --json "$OUT/$tag.json" \
    > /dev/null 2> "$OUT/$tag.err" || die "$tag failed, see $OUT/$tag.err"
done
echo "load_after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"

# ---- 5. agreement and table ----
rc=0
$PY "$HERE/summarize.py" "$OUT" --sizes "$SIZES" --reps "$REPS" --n1 "$N1" || rc=$?
ln -sfn "$OUT" "$BENCH_DIR/runs/latest"
exit $rc
