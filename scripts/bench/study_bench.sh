#!/usr/bin/env bash
# Two benchmarks of `sigma study` on the same input: a 1e6 x 256 float32 power-law file
# (`sigma generate --rows 1000000 --dim 256 --seed 1`), R = 200 replicates, six n1 (2d .. 64d),
# 2 ranks, warm page cache.
#
#   study_bench.sh                  sigma study against the naive h5py + numpy loop
#                                   (scripts/bench/naive_study.py). The naive loop runs
#                                   NAIVE_R replicates and is extrapolated linearly to R
#                                   (its work per replicate is constant). Also prints the
#                                   bound 2 x (one audit + replicate flops at the dsyrk peak).
#   study_bench.sh --against OLD    this build's study against another build's (OLD: its
#                                   sigma binary, e.g. one built at the commit before a
#                                   change): REPS interleaved rounds (old, new), each run
#                                   waiting until other processes use < IDLE_MAX cores (at
#                                   most WAIT_S s) and recording what they used meanwhile;
#                                   prints the replicate time (summary.json timing_s) and
#                                   wall of both, and the ratio new / old of the medians.
#
# Env: BENCH_DIR (default /tmp/sigma-bench), R (200), NAIVE_R (5), PEAK_GFLOPS (89.1,
# scripts/bench/run.sh measures it), REPS (5), IDLE_MAX (0.3), WAIT_S (120), SIGMA (this
# build's binary); OUT=an earlier --against run's directory resumes it.
set -euo pipefail
source "$(dirname "$0")/../env.sh"
B=${BENCH_DIR:-/tmp/sigma-bench}; R=${R:-200}; NAIVE_R=${NAIVE_R:-5}; PEAK=${PEAK_GFLOPS:-89.1}
SIGMA=${SIGMA:-$BUILD_DIR/sigma}
F=$B/data/powerlaw_N1000000_d256_s1.h5
SWEEP=512,1024,2048,4096,8192,16384
mkdir -p "$B/data"
[[ -s $F ]] || mpirun -n 2 "$SIGMA" generate "$F" --rows 1000000 --dim 256 --seed 1 --quiet

# ---- --against OLD: replicate time of this build against OLD, interleaved ----
if [[ ${1:-} == --against ]]; then
  OLD=${2:?"study_bench.sh --against OLD_SIGMA"}
  [[ -x $OLD ]] || { echo "study_bench: $OLD is not an executable" >&2; exit 2; }
  REPS=${REPS:-5}
  OUT=${OUT:-$B/study_against/$(date -u +%Y%m%dT%H%M%SZ)}; mkdir -p "$OUT"
  source "$(dirname "$0")/idle.sh" # busy, wait_idle
  one() { # one TAG BINARY: a timed study; TAG.time = wall user sys, TAG.cpu = machine cpu-s
    local tag=$1 bin=$2 j0 j1
    [[ -s $OUT/$tag.cpu ]] && return  # resumed: done before
    wait_idle; cat "$F" > /dev/null
    rm -rf "$OUT/$tag"
    j0=$(busy)
    /usr/bin/time -f '%e %U %S' -o "$OUT/$tag.time" mpirun -n 2 "$bin" study "$F" \
      --replicates "$R" --n1 "$SWEEP" --seed 1 --out "$OUT/$tag" --no-plots --quiet > /dev/null
    j1=$(busy)
    awk -v a="$j0" -v b="$j1" -v hz="$HZ" 'BEGIN{printf "%.2f\n", (b-a)/hz}' > "$OUT/$tag.cpu"
    rm -rf "$OUT/$tag/replicates"
  }
  for rep in $(seq 1 "$REPS"); do one "old_r$rep" "$OLD"; one "new_r$rep" "$SIGMA"; done
  lscpu > "$OUT/lscpu.txt"
  /usr/bin/python3 - "$OUT" "$REPS" <<'PY'
import json, statistics as st, sys
out, reps = sys.argv[1], int(sys.argv[2])
med = {}
print("| build | commit | BLAS core (threads) | estimators | replicates s: median (best) | wall s: median (best) | other procs, cores (max) |")
print("|---|---|---|---|---:|---:|---:|")
for who in ("old", "new"):
    rep, wall, other = [], [], []
    for r in range(1, reps + 1):
        tag = f"{out}/{who}_r{r}"
        e, u, s = map(float, open(f"{tag}.time").read().split())
        j = json.load(open(f"{tag}/summary.json"))
        rep.append(j["timing_s"]["replicates"]); wall.append(e)
        other.append(max(0.0, (float(open(f"{tag}.cpu").read()) - u - s) / e))
    p = j["provenance"]; b = p["blas"]
    ests = sorted({row["estimator"] for row in j["summary"]}) if isinstance(j.get("summary"), list) else "?"
    med[who] = (st.median(rep), st.median(wall))
    print(f"| {who} | {p['commit']} | {b['core']} ({b['threads']}) | {', '.join(ests) if ests != '?' else ests} | "
          f"{st.median(rep):.2f} ({min(rep):.2f}) | {st.median(wall):.2f} ({min(wall):.2f}) | {max(other):.2f} |")
    print(f"  {who} runs, replicates s: {', '.join(f'{x:.2f}' for x in rep)}", file=sys.stderr)
ratio = med["new"][0] / med["old"][0]
print(f"\nratio new / old of the median replicate time: {ratio:.2f} (target <= 1.3: "
      f"{'met' if ratio <= 1.3 else 'NOT met'}); of the median wall: {med['new'][1] / med['old'][1]:.2f}")
PY
  exit 0
fi

# ---- default: sigma study against the naive loop ----
cat "$F" > /dev/null   # warm page cache for both tools
rm -rf "$B/study"
t0=$(date +%s.%N)
mpirun -n 2 "$SIGMA" study "$F" --replicates "$R" --n1 "$SWEEP" --seed 1 --out "$B/study" \
  --no-plots --quiet > /dev/null
t1=$(date +%s.%N)
mpirun -n 2 "$SIGMA" audit "$F" --n1 16384 --quiet --json "$B/study_audit.json" > /dev/null
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
