#!/usr/bin/env bash
# The monitor runs recorded in docs/monitor/ and the drift-CI coverage table of
# docs/monitor.md (issue 10), on 2 ranks:
#   refit        a collapsing series: sigma generate --recursive-refit (SPEC 8), d = 256,
#                M = 512, 20 generations of 50000 rows, n1 = 2048, --full
#   tech-stationary  a real stationary series: data/tech/tech.h5 split into 10 disjoint
#                random row sets of 13650 rows, n1 = 2048, --normalize --full
#   coverage     stationary synthetic series (same Sigma, independent rows via --row-seed):
#                SERIES series x 10 checkpoints per cell, Gaussian and lognormal-radius
#                rows (tau2 = 46 d), d = 64, n1 = 2d and 8d: how often the drift CI covers 0
#                and how often Track II comes out stable
# Usage: scripts/monitor-docs.sh [refit|tech|coverage ...]  (default: all three)
# Env: WORK (scratch, default /tmp/sigma-monitor-docs), SERIES (default 40).
# Needs data/tech/tech.h5 (data/tech/build_tech.sh) for tech-stationary.
set -euo pipefail
source "$(dirname "$0")/env.sh"
S=$BUILD_DIR/sigma DOCS=$SIGMA_ROOT/docs/monitor WORK=${WORK:-/tmp/sigma-monitor-docs}
SERIES=${SERIES:-40}
mkdir -p "$WORK" "$DOCS"
keep() { # keep RUN NAME: the run's report, CSV, JSON and plots into docs/monitor/NAME
  rm -rf "${DOCS:?}/$2"
  mkdir -p "$DOCS/$2/plots"
  cp "$1"/report.md "$1"/monitor.csv "$1"/monitor.json "$DOCS/$2/"
  cp "$1"/plots/*.png "$DOCS/$2/plots/"
}
refit() {
  rm -rf "$WORK/refit" "$WORK"/rr-*.h5
  mpirun -n 2 "$S" generate --recursive-refit 512 --generations 20 --rows 50000 --dim 256 \
    --seed 1 --quiet "$WORK/rr"
  mpirun -n 2 "$S" monitor "$WORK"/rr-0*.h5 --n1 2048 --seed 1 --full --energy-cap 100 \
    --out "$WORK/refit" --quiet
  keep "$WORK/refit" refit
}
tech() {
  rm -rf "$WORK/tech" "$WORK"/tech-*.h5
  /usr/bin/python3 - "$SIGMA_ROOT/data/tech/tech.h5" "$WORK" <<'PY'
import sys, h5py, numpy as np
X = h5py.File(sys.argv[1])["embeddings"]
K, perm = 10, np.random.default_rng(2026).permutation(X.shape[0])
m = X.shape[0] // K
for k in range(K):
    with h5py.File(f"{sys.argv[2]}/tech-{k:02d}.h5", "w") as f:
        f.create_dataset("embeddings", data=X[np.sort(perm[k * m:(k + 1) * m])])
PY
  mpirun -n 2 "$S" monitor "$WORK"/tech-*.h5 --n1 2048 --seed 1 --normalize --full \
    --out "$WORK/tech" --quiet
  keep "$WORK/tech" tech-stationary
}
coverage() {
  local kind n1 s t dir
  for kind in gaussian lognormal; do
    local flags=()
    [[ $kind == lognormal ]] && flags=(--radial lognormal --radial-var "$(echo "44/66" | bc -l)")
    for ((t = 0; t < 10; t++)); do
      for ((s = 0; s < SERIES; s++)); do
        f=$WORK/cov-$kind-$s-$t.h5
        [[ -s $f ]] || mpirun -n 2 "$S" generate --rows 20000 --dim 64 --seed 7 \
          --row-seed $((1000 * s + t + 1)) "${flags[@]}" --quiet "$f"
      done
    done
    for n1 in 128 512; do
      for ((s = 0; s < SERIES; s++)); do
        dir=$WORK/cov-$kind-$n1-$s
        rm -rf "$dir"
        mpirun -n 2 "$S" monitor $(printf "$WORK/cov-$kind-$s-%d.h5 " $(seq 0 9)) --n1 "$n1" \
          --seed "$s" --energy-cap 1e6 --out "$dir" --quiet --no-plots > /dev/null
      done
    done
  done
  /usr/bin/python3 - "$WORK" "$SERIES" <<'PY'
import json, math, sys
w, R = sys.argv[1], int(sys.argv[2])
print("| rows | n1 | drift CIs | covers 0 | binomial SE | Track II stable | Track I stable |")
print("|---|---:|---:|---:|---:|---:|---:|")
for kind in ("gaussian", "lognormal"):
    for n1 in (128, 512):
        cov = n = st = sg = 0
        for s in range(R):
            J = json.load(open(f"{w}/cov-{kind}-{n1}-{s}/monitor.json"))
            for c in J["checkpoints"][1:]:
                n += 1
                cov += c["delta_U_lo"] <= 0 <= c["delta_U_hi"]
            st += J["summary"]["track_II_U"]["verdict"] == "stable"
            sg += J["summary"]["track_I_Gamma"]["verdict"] == "stable"
        p = cov / n
        print(f"| {kind} | {n1} ({n1 // 64}d) | {n} | {p:.3f} | {math.sqrt(p * (1 - p) / n):.3f} "
              f"| {st}/{R} | {sg}/{R} |")
PY
}
(($#)) || set -- refit tech coverage
for what; do "$what"; done
