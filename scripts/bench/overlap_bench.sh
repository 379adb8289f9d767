#!/usr/bin/env bash
# overlap_bench.sh: sigma audit against its floors (issue 12), in one run.
#
#   1. the BLAS ceilings of both passes at sigma's call shapes (kernel_peak.c: dsyrk and
#      dtrmm on 8192-row chunks, 1 and 2 single-threaded processes, hot and streamed);
#   2. for each N in BENCH_SIZES (default 1e6 1e7; d = 256 float32 power-law files made by
#      `sigma generate` in $BENCH_DIR/data when absent, after a free-space check):
#      - the time to read the file alone (`cat FILE > /dev/null`), warm and cold;
#      - `mpirun -n R sigma audit FILE --n1 16384` for R in BENCH_RANKS (default 2 1), with
#        SIGMA_OVERLAP=auto (the default), on (always read ahead) and off, with SIGMA_OLD (a
#        build from before, optional), and on 1 rank not bound to a core with one BLAS
#        thread, reading ahead (the reader then has the other core), warm (the file in the page cache) and
#        cold (caches dropped before the run: needs root), each BENCH_REPS times (cold:
#        BENCH_COLD_REPS);
#      - the numpy reference (reference_audit.py, warm) where N d float64 fits in half the
#        memory; otherwise it is skipped and said so;
#   3. summary tables (overlap_summary.py) into results.md: each pass against its flops
#      floor (2 N d^2 over the streamed peak of the same layout) and against the read time,
#      peak RSS per rank, and whether every printed number agrees between all runs.
#
# Every timed run first waits until other processes use < BENCH_IDLE_MAX cores (default
# 0.3, scripts/bench/idle.sh) for at most BENCH_WAIT_S (default 300) and records how many
# cores others used while it ran. Raw results: $BENCH_DIR/overlap/<UTC stamp>/.
# Environment: BENCH_DIR (/tmp/sigma-bench), SIGMA (build/sigma), SIGMA_OLD, BENCH_SIZES,
# BENCH_RANKS, BENCH_REPS (3), BENCH_COLD_REPS (1), BENCH_CACHES ("warm cold").
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../env.sh"
BENCH_DIR=${BENCH_DIR:-/tmp/sigma-bench}
SIGMA=${SIGMA:-$BUILD_DIR/sigma}
SIZES=${BENCH_SIZES:-"1000000 10000000"} RANKS=${BENCH_RANKS:-"2 1"}
REPS=${BENCH_REPS:-3} COLD_REPS=${BENCH_COLD_REPS:-1} CACHES=${BENCH_CACHES:-"warm cold"}
IDLE_MAX=${BENCH_IDLE_MAX:-0.3} WAIT_S=${BENCH_WAIT_S:-300}
source "$HERE/idle.sh"
PY=/usr/bin/python3 D=256 N1=16384
OUT=$BENCH_DIR/overlap/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT" "$BENCH_DIR/data"
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-SkylakeX} # the kernels sigma picks here (issue 7)
die() { echo "overlap_bench: $*" >&2; exit 1; }

# The machine and the builds.
{
  echo "date: $(date -u +%FT%TZ)"; echo "sigma: $("$SIGMA" --version)"
  [[ -n ${SIGMA_OLD:-} ]] && echo "sigma_old: $("$SIGMA_OLD" --version)"
  lscpu | grep -E "Model name|^CPU\(s\)|Model:|L2|L3"; free -g | head -2; uname -r
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$OUT/machine.txt"

# 1. Kernel ceilings.
cc -O2 -std=c11 -I/usr/include/x86_64-linux-gnu/openblas-pthread "$HERE/kernel_peak.c" \
  -o "$OUT/kernel_peak" -lopenblas
wait_idle
"$OUT/kernel_peak" "$D" 2 > "$OUT/kernel_peak.json" 2> "$OUT/kernel_peak.txt"

# run TAG CMD...: one timed run after waiting for the machine; its wall time and the cores
# the whole machine was busy meanwhile (the summary subtracts the run's own CPU time).
run() {
  local tag=$1; shift
  wait_idle
  local a b t0 t1
  a=$(busy); t0=$(date +%s.%N)
  "$@"
  t1=$(date +%s.%N); b=$(busy)
  awk -v a="$a" -v b="$b" -v hz="$HZ" -v t0="$t0" -v t1="$t1" -v tag="$tag" \
    'BEGIN{printf "%s wall %.3f busy_cores %.3f\n", tag, t1 - t0, (b - a) / hz / (t1 - t0)}' \
    >> "$OUT/runs.txt"
}
drop() { sync; echo 3 > /proc/sys/vm/drop_caches; }

for N in $SIZES; do
  f=$BENCH_DIR/data/powerlaw_N${N}_d${D}_s1.h5
  if [[ ! -f $f ]]; then
    need=$((N * D * 4 / 1000000 + 100)) free=$(($(df -Pm "$BENCH_DIR/data" | awk 'NR==2{print $4}')))
    ((free > 2 * need)) || die "$f needs $need MB, $free MB free"
    mpirun -n 2 "$SIGMA" generate --rows "$N" --dim "$D" --seed 1 --dtype float32 --quiet "$f.part" \
      > "$OUT/generate_$N.log" 2>&1 && mv "$f.part" "$f"
  fi
  cat "$f" > /dev/null
  for cache in $CACHES; do
    [[ $cache == cold && $(id -u) != 0 ]] && { echo "cold runs need root: skipped" >> "$OUT/runs.txt"; continue; }
    reps=$REPS; [[ $cache == cold ]] && reps=$COLD_REPS
    for rep in $(seq "$reps"); do
      [[ $cache == cold ]] && drop
      run "cat N=$N $cache $rep" "$HERE/timed.sh" "$OUT/cat_N${N}_${cache}_$rep.rss" cat "$f" > /dev/null
      for R in $RANKS; do
        for v in auto on off old free; do
          bin=$SIGMA env=() mpi=()
          [[ $v == old ]] && { [[ -n ${SIGMA_OLD:-} ]] || continue; bin=$SIGMA_OLD; }
          [[ $v == on || $v == off ]] && env=(env SIGMA_OVERLAP=$v)
          # free: one rank not bound to a core, one BLAS thread, reading ahead: the reader
          # has a core of its own
          [[ $v == free ]] && { ((R == 1)) || continue; env=(env OPENBLAS_NUM_THREADS=1 SIGMA_OVERLAP=on); mpi=(--bind-to none); }
          tag=N${N}_R${R}_${v}_${cache}_$rep
          [[ $cache == cold ]] && drop
          run "$tag" "${env[@]}" mpirun "${mpi[@]}" -n "$R" "$HERE/timed.sh" "@$OUT/$tag.rss" "$bin" \
            audit "$f" --n1 $N1 --seed 1 --quiet --json "$OUT/$tag.json" > "$OUT/$tag.out"
        done
      done
    done
  done
  # The numpy reference, warm, where N d float64 fits in half the memory.
  mem_kb=$(awk '/MemTotal/{print $2}' /proc/meminfo)
  if ((N * D * 8 / 1024 < mem_kb / 2)); then
    "$SIGMA" audit "$f" --n1 $N1 --seed 1 --quiet --save-indices "$OUT/idx_$N.txt" > /dev/null
    run "ref N=$N" "$HERE/timed.sh" "$OUT/ref_$N.rss" "$PY" "$HERE/reference_audit.py" "$f" \
      "$OUT/idx_$N.txt" --json "$OUT/ref_$N.json" > /dev/null
  else
    echo "ref N=$N skipped: N d float64 = $((N * D * 8 / 1000000)) MB > half the memory" >> "$OUT/runs.txt"
  fi
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
"$PY" "$HERE/overlap_summary.py" "$OUT" | tee "$OUT/results.md"
echo "raw results: $OUT" >&2
