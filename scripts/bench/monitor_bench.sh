#!/usr/bin/env bash
# sigma monitor at scale (issue 10): K = 50 checkpoints of 1e6 x 256 float32, n1 = 4096,
# 2 ranks. NF = 5 distinct files (1 GB each, `sigma generate`) are cycled as the 50
# checkpoints (50 distinct files would need 50 GB of disk); the warm run reads them from the
# page cache, the cold run (page cache dropped first; needs root) times the first NF
# checkpoints read from disk. For each: seconds per checkpoint (monitor.json
# checkpoint_seconds), of which reading the n1 rows (read_seconds), the target
# "per checkpoint <= 2 x reading those rows alone", the reference h5py + numpy loop
# (scripts/bench/reference_monitor.py) and the peak resident memory per rank.
#
# Env: BENCH_DIR (/tmp/sigma-bench), K (50), NF (5), N (1000000), D (256), N1 (4096),
# SIGMA (this build's binary). Results: $BENCH_DIR/monitor/results-*.txt; record them in
# docs/performance.md.
set -euo pipefail
source "$(dirname "$0")/../env.sh"
B=${BENCH_DIR:-/tmp/sigma-bench}/monitor; K=${K:-50}; NF=${NF:-5}; N=${N:-1000000}
D=${D:-256}; N1=${N1:-4096}; SIGMA=${SIGMA:-$BUILD_DIR/sigma}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$B"
for ((f = 0; f < NF; f++)); do
  F=$B/ckpt$f.h5
  [[ -s $F ]] || mpirun -n 2 "$SIGMA" generate "$F" --rows "$N" --dim "$D" --seed $((f + 1)) --quiet
done
for ((t = 0; t < K; t++)); do echo "t$t $B/ckpt$((t % NF)).h5"; done > "$B/list.txt"
head -n "$NF" "$B/list.txt" > "$B/list-cold.txt"
source "$HERE/idle.sh"
RES=$B/results-$(date -u +%Y%m%dT%H%M%SZ).txt
summary() { # summary DIR: seconds per checkpoint and of reading, from monitor.json
  /usr/bin/python3 - "$1" <<'PY'
import json, statistics, sys
R = json.load(open(sys.argv[1] + "/monitor.json"))
T, blas = R["timing"], R["provenance"].get("blas", {})
print(f"  BLAS: {blas}")
c, r = T["checkpoint_seconds"], T["read_seconds"]
print(f"  sigma: {len(c)} checkpoints in {T['total_seconds']:.2f} s wall; per checkpoint median "
      f"{statistics.median(c):.4f} s, of which reading the rows {statistics.median(r):.4f} s "
      f"(ratio {statistics.median(c) / statistics.median(r):.2f}, target <= 2)")
PY
}
one() { # one TAG LIST: drop the cache if cold, run monitor on 2 ranks, then the reference
  local tag=$1 list=$2 out=$B/run-$1
  rm -rf "$out"
  wait_idle
  if [[ $tag == cold ]]; then sync; echo 3 > /proc/sys/vm/drop_caches || echo "  (cannot drop caches)"; fi
  mpirun -n 2 /usr/bin/time -f "  rank peak RSS %M KB" "$SIGMA" monitor --checkpoints "$list" \
    --n1 "$N1" --seed 1 --normalize --out "$out" --quiet --no-plots > "$out.stdout" 2> "$out.time"
  echo "$tag ($(wc -l < "$list") checkpoints, n1 = $N1, d = $D, N = $N, 2 ranks):"
  summary "$out"
  cat "$out.time"
  if [[ $tag == cold ]]; then sync; echo 3 > /proc/sys/vm/drop_caches || true; fi
  echo "  reference h5py + numpy (1 process): $(/usr/bin/python3 "$HERE/reference_monitor.py" \
    "$list" "$out/observed-indices.txt" "$NF")"
}
{
  echo "sigma monitor benchmark, $(date -u +%FT%TZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
  one warm "$B/list.txt"
  one cold "$B/list-cold.txt"
} | tee "$RES"
