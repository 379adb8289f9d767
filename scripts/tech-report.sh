#!/usr/bin/env bash
# Numbers behind docs/tech-audit.md: sigma audit on the TECH matrix for several
# seeds and n1, summarised per n1 and estimator (mean error, sd, CI coverage).
# Usage: scripts/tech-report.sh [SEEDS] [N1 list]   (defaults: 20 seeds, 1024 4096 16384)
set -euo pipefail
source "$(dirname "$0")/env.sh"
SEEDS=${1:-20}
N1S=${2:-"1024 4096 16384"}
IN="$SIGMA_ROOT/data/tech/tech.h5:/embeddings"
OUT=${OUT:-$SIGMA_ROOT/out/tech-report}
mkdir -p "$OUT"
for n1 in $N1S; do
  for s in $(seq 1 "$SEEDS"); do
    f="$OUT/audit-n$n1-s$s.json"
    [[ -s $f ]] || mpirun -n 2 "$BUILD_DIR/sigma" audit "$IN" --n1 "$n1" --seed "$s" --normalize \
                     --json "$f" --quiet > /dev/null
  done
done
/usr/bin/python3 - "$OUT" <<'PY'
import glob, json, math, sys
from collections import defaultdict
runs = defaultdict(list)
for p in glob.glob(sys.argv[1] + "/audit-*.json"):
    r = json.load(open(p))
    runs[r["parameters"]["n1"]].append(r)
r0 = next(iter(runs.values()))[0]
P, T = r0["parameters"], r0["truth"]
print(f"N = {P['N']}, d = {P['d']}, L = {T['L']:.4f} nats, tau2 oracle = {T['tau2_oracle']:.1f}"
      f" (= {T['tau2_oracle'] / P['d']:.1f} d)\n")
print("| n1 | estimator | mean error (nats) | sd | mean z (oracle) | CI coverage (oracle) | CI coverage (observed) | bias formula |")
print("|---:|---|---:|---:|---:|---:|---:|---:|")
for n1 in sorted(runs):
    R = runs[n1]
    for key in ("plugin", "wishart", "richardson"):
        e = [r["estimators"][key]["error"] for r in R]
        m = sum(e) / len(e)
        sd = math.sqrt(sum((x - m) ** 2 for x in e) / (len(e) - 1))
        z = sum(r["estimators"][key]["oracle"]["z"] for r in R) / len(R)
        co = sum(r["estimators"][key]["oracle"]["covers"] for r in R) / len(R)
        cb = sum(r["estimators"][key]["observed"]["covers"] for r in R) / len(R)
        bf = R[0]["corrections"]["bias_formula"]
        print(f"| {n1} | {key} | {m:.3f} | {sd:.3f} | {z:.2f} | {co:.2f} | {cb:.2f} | {bf:.3f} |")
    s = R[0]["estimators"]["plugin"]["oracle"]["s"]
    print(f"|  | (predicted sd s, oracle tau) | | {s:.3f} | | | | |")
PY
