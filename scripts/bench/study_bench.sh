#!/usr/bin/env bash
# sigma study vs the naive h5py + numpy loop (scripts/bench/naive_study.py), same input,
# one run: R = 200 replicates, six n1 (2d .. 64d) on a 1e6 x 256 float32 file. The naive
# loop runs NAIVE_R replicates and is extrapolated linearly to R (its work per replicate
# is constant). Also prints the issue's bound: 2 x (one audit + replicate flops at the
# dsyrk peak). Env: BENCH_DIR (default /tmp/sigma-bench), R (200), NAIVE_R (5),
# PEAK_GFLOPS (89.1, scripts/bench/run.sh measures it).
set -euo pipefail
source "$(dirname "$0")/../env.sh"
B=${BENCH_DIR:-/tmp/sigma-bench}; R=${R:-200}; NAIVE_R=${NAIVE_R:-5}; PEAK=${PEAK_GFLOPS:-89.1}
F=$B/data/powerlaw_N1000000_d256_s1.h5
SWEEP=512,1024,2048,4096,8192,16384
mkdir -p "$B/data"
[[ -s $F ]] || mpirun -n 2 "$BUILD_DIR/sigma" generate "$F" --rows 1000000 --dim 256 --seed 1 --quiet
cat "$F" > /dev/null   # warm page cache for both tools
rm -rf "$B/study"
t0=$(date +%s.%N)
mpirun -n 2 "$BUILD_DIR/sigma" study "$F" --replicates "$R" --n1 "$SWEEP" --seed 1 --out "$B/study" \
  --no-plots --quiet > /dev/null
t1=$(date +%s.%N)
mpirun -n 2 "$BUILD_DIR/sigma" audit "$F" --n1 16384 --quiet --json "$B/study_audit.json" > /dev/null
/usr/bin/python3 "$SIGMA_ROOT/scripts/bench/naive_study.py" "$F" embeddings "$SWEEP" "$NAIVE_R" > "$B/naive.json"
/usr/bin/python3 - "$B" "$t0" "$t1" "$R" "$PEAK" <<'PY'
import json, sys
b, t0, t1, R, peak = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
S = json.load(open(f"{b}/study/summary.json"))["timing_s"]
A = json.load(open(f"{b}/study_audit.json"))["timing_s"]["total"]
nv = json.load(open(f"{b}/naive.json"))
sweep, d = nv["sweep"], nv["d"]
flops = R * (sweep[-1] * d * (d + 1) + sum(sweep) * d * d)
bound = 2 * (A + flops / peak / 1e9)
naive = nv["t_truth"] + R * nv["t_per_replicate"]
wall = t1 - t0
print(f"sigma study, 2 ranks, R = {R}: wall {wall:.1f} s (truth {S['truth']:.1f} s, replicates {S['replicates']:.1f} s)")
print(f"naive h5py+numpy: truth {nv['t_truth']:.1f} s + {nv['t_per_replicate']:.2f} s x {R} replicates "
      f"(measured on {nv['replicates_run']}) = {naive:.0f} s")
print(f"speed-up: {naive / wall:.0f}x (target >= 20x)")
print(f"bound 2 x (audit {A:.2f} s + {flops:.2e} flops at {peak} GFLOP/s) = {bound:.1f} s; "
      f"study wall {wall:.1f} s: {'within' if wall <= bound else 'OVER'}")
PY
