#!/usr/bin/env bash
# OpenBLAS core (issue 7): `sigma audit N x 256 --n1 4096` on 1 and 2 ranks with the
# generic fallback kernels (OPENBLAS_CORETYPE=Prescott) against sigma's own choice
# (OPENBLAS_CORETYPE unset). Rounds interleave the four configurations; each run waits
# for the machine to be idle (other processes < IDLE_MAX cores, at most WAIT_S s), reads
# from a warm page cache, and records what other processes used meanwhile.
# Knobs: BENCH_DIR (default /tmp/sigma-bench), ROWS (400000), REPS (5), SIGMA; OUT=an
# earlier run's directory resumes it (finished runs are kept).
set -euo pipefail
source "$(dirname "$0")/../env.sh"
B=${BENCH_DIR:-/tmp/sigma-bench}; ROWS=${ROWS:-400000}; REPS=${REPS:-5}
SIGMA=${SIGMA:-$BUILD_DIR/sigma}
F=$B/data/powerlaw_N${ROWS}_d256_s1.h5
OUT=${OUT:-$B/blas_core/$(date -u +%Y%m%dT%H%M%SZ)}; mkdir -p "$OUT" "$B/data"
[[ -s $F ]] || mpirun -n 2 "$SIGMA" generate "$F" --rows "$ROWS" --dim 256 --seed 1 \
  --dtype float32 --quiet
source "$(dirname "$0")/idle.sh" # busy, wait_idle
run() { # run TAG NP CORE: one timed audit; TAG.txt = wall, machine cpu-s, own cpu-s
  local tag=$1 np=$2 core=$3 env=(env -u OPENBLAS_CORETYPE -u SIGMA_BLAS_REPLACED_CORE)
  [[ $core != auto ]] && env+=(OPENBLAS_CORETYPE="$core")
  [[ -s $OUT/$tag.cpu ]] && return  # resumed: done before
  wait_idle; cat "$F" > /dev/null
  local j0 j1; j0=$(busy)
  "${env[@]}" /usr/bin/time -f '%e %U %S' -o "$OUT/$tag.time" mpirun -n "$np" "$SIGMA" audit \
    "$F" --n1 4096 --seed 1 --quiet --json "$OUT/$tag.json" > /dev/null
  j1=$(busy)
  echo "$(awk -v a="$j0" -v b="$j1" -v hz="$HZ" 'BEGIN{printf "%.2f", (b-a)/hz}')" \
    > "$OUT/$tag.cpu"
}
for rep in $(seq 1 "$REPS"); do
  for np in 1 2; do
    for core in Prescott auto; do run "n${np}_${core}_r$rep" "$np" "$core"; done
  done
done
lscpu > "$OUT/lscpu.txt"
/usr/bin/python3 - "$OUT" "$REPS" <<'PY'
import json, statistics as st, sys
out, reps = sys.argv[1], int(sys.argv[2])
print("| ranks | kernels | core (replaced) | BLAS threads | wall s: best / median | internal total | pass 1 | pass 2 | other procs, cores (max) |")
print("|---:|---|---|---:|---:|---:|---:|---:|---:|")
L = {}
for np_ in (1, 2):
    for core in ("Prescott", "auto"):
        walls, tot, p1, p2, other = [], [], [], [], []
        for r in range(1, reps + 1):
            tag = f"{out}/n{np_}_{core}_r{r}"
            e, u, s = map(float, open(f"{tag}.time").read().split())
            j = json.load(open(f"{tag}.json"))
            t = j["timing_s"]
            walls.append(e); tot.append(t["total"]); p1.append(t["pass1"]); p2.append(t["pass2"])
            other.append(max(0.0, (float(open(f"{tag}.cpu").read()) - u - s) / e))
            b = j["provenance"]["blas"]
            L.setdefault(np_, set()).add(repr(j["truth"]["L"]))
        name = "generic (OPENBLAS_CORETYPE=Prescott)" if core == "Prescott" else "auto (unset)"
        print(f"| {np_} | {name} | {b['core']} ({b['replaced_core'] or '-'}) | {b['threads']} | "
              f"{min(walls):.2f} / {st.median(walls):.2f} | {st.median(tot):.2f} | "
              f"{st.median(p1):.2f} | {st.median(p2):.2f} | {max(other):.2f} |")
print("\nL per rank count (both kernels):", {k: sorted(v) for k, v in L.items()})
PY
