#!/usr/bin/env bash
# OpenBLAS core (issue 7, mpi/blas_core.h): with OPENBLAS_CORETYPE unset, sigma never runs
# a generic core (Prescott, Nehalem, Sandybridge, ...) on a CPU with AVX2 and FMA; it
# re-executes itself with a better one, on 1, 2 and 3 ranks. A user-set OPENBLAS_CORETYPE
# is kept. Every provenance block (audit JSON, study summary.json, plan JSON) names the
# core and thread count. Both cores give the same numbers to rounding.
SIGMA=$1 MPIEXEC=$2
source "$(dirname "$0")/lib.sh"
unset SIGMA_BLAS_REPLACED_CORE
env -u OPENBLAS_CORETYPE "$MPIEXEC" -n 1 "$SIGMA" generate "$WORK/x.h5" --rows 4000 --dim 24 \
  --seed 5 --quiet > /dev/null
# AVX2 + FMA as the kernel reports them (the x86 Linux flags line); empty elsewhere.
avx2=$(grep -m1 '^flags' /proc/cpuinfo | grep -w avx2 | grep -cw fma || true)
for np in 1 2 3; do
  env -u OPENBLAS_CORETYPE "$MPIEXEC" --oversubscribe -n $np "$SIGMA" audit "$WORK/x.h5" \
    --n1 500 --seed 2 --quiet --json "$WORK/auto$np.json" > /dev/null || fail "audit, $np ranks"
done
OPENBLAS_CORETYPE=Prescott run 2 audit "$WORK/x.h5" --n1 500 --seed 2 --quiet \
  --json "$WORK/user.json" > /dev/null || fail "audit, Prescott"
# The loop guard: with the marker already set, sigma does not re-execute.
env -u OPENBLAS_CORETYPE SIGMA_BLAS_REPLACED_CORE=Test "$MPIEXEC" -n 1 "$SIGMA" audit \
  "$WORK/x.h5" --n1 500 --seed 2 --quiet --json "$WORK/guard.json" > /dev/null || fail "guard"
$PY - "$WORK" "$avx2" <<'PY' || fail "cores"
import json, sys
w, avx2 = sys.argv[1], sys.argv[2] == "1"
GENERIC = {"katmai", "coppermine", "northwood", "prescott", "banias", "atom", "core2",
           "penryn", "dunnington", "nehalem", "athlon", "opteron", "opteron_sse3",
           "barcelona", "nano", "bobcat", "sandybridge"}
user = json.load(open(f"{w}/user.json"))
ub = user["provenance"]["blas"]
assert ub["core"] == "Prescott" and ub["openblas_coretype"] == "Prescott", ub
assert ub["replaced_core"] is None and ub["threads"] == 1 and "Prescott" in ub["config"], ub
for np_ in (1, 2, 3):
    a = json.load(open(f"{w}/auto{np_}.json"))
    b = a["provenance"]["blas"]
    print(f"{np_} ranks: core {b['core']}, replaced {b['replaced_core']}, threads {b['threads']}")
    assert a["provenance"]["ranks"] == np_, a["provenance"]["ranks"]
    assert isinstance(b["threads"], int) and b["threads"] >= 1 and b["core"] in b["config"], b
    if avx2:
        assert b["core"].lower() not in GENERIC, b
    if b["replaced_core"] is not None:  # sigma replaced a generic core: it says which
        assert b["replaced_core"].lower() in GENERIC and b["openblas_coretype"] == b["core"], b
    else:  # OpenBLAS chose well by itself; sigma did not touch it
        assert b["openblas_coretype"] is None, b
    for k in ("L", "logdet_G1"):
        x, y = a["truth"][k], user["truth"][k]
        assert abs(x - y) <= 1e-12 * abs(y), (k, x, y)
g = json.load(open(f"{w}/guard.json"))["provenance"]["blas"]
assert g["openblas_coretype"] is None and g["replaced_core"] == "Test", g
PY
# study summary.json and plan JSON carry the same block.
OPENBLAS_CORETYPE=Prescott run 2 study "$WORK/x.h5" --replicates 2 --n1 100,200 --out "$WORK/s" \
  --no-plots --quiet > /dev/null || fail "study"
OPENBLAS_CORETYPE=Prescott run 1 plan "$WORK/x.h5" --epsilon 1 --json "$WORK/plan.json" \
  > /dev/null || fail "plan"
$PY - "$WORK" <<'PY' || fail "study and plan provenance"
import json, sys
w = sys.argv[1]
for b in (json.load(open(f"{w}/s/summary.json"))["provenance"]["blas"],
          json.load(open(f"{w}/plan.json"))["blas"]):
    assert b["core"] == "Prescott" and b["threads"] >= 1 and "OpenBLAS" in b["config"], b
PY
echo PASSED
