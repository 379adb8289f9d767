#!/usr/bin/env bash
# sigma plan (issue 3): from a pilot only, tau2 near 2d on Gaussian rows; the plan's
# Wishart n1 reaches P(|L - Lhat_W| <= eps) near the level in a study against the
# truth, where the paper's rule n1 = 4 d / eps^2 falls short; bad input.
SIGMA=$1 MPIEXEC=$2
source "$(dirname "$0")/lib.sh"
run 2 generate "$WORK/g.h5" --rows 60000 --dim 8 --spectrum exponential --beta 2 --seed 31 --quiet
run 2 plan "$WORK/g.h5" --epsilon 0.5 --json "$WORK/plan.json" > "$WORK/plan.txt"
grep -q "rule n1 .* wishart" "$WORK/plan.txt" || fail "no plan table"
n1w=$($PY -c "import json; p=json.load(open('$WORK/plan.json')); print(int(p['plan'][0]['wishart_n1']))")
rule=$($PY -c "import json; p=json.load(open('$WORK/plan.json')); print(p['plan'][0]['rule_n1'])")
$PY - "$WORK/plan.json" <<'PY' || fail "pilot tau2"
import json, sys
p = json.load(open(sys.argv[1]))
assert p["pilot_rows"] == 4096 and p["d"] == 8
assert abs(p["tau2_pilot"] / 16 - 1) < 0.2, p["tau2_pilot"]
r = p["plan"][0]
assert r["rule_n1"] == 128 and r["plugin_n1"] > r["wishart_n1"] > r["rule_n1"], r
PY
# every pilot number and the LEV/jackknife n1 against numpy on the same pilot rows (the
# Philox draw in plain Python, tests/philox.py; trigamma at halves in closed form)
$PY - "$WORK/plan.json" "$WORK/g.h5" "$TESTS_DIR" <<'PY' || fail "plan against numpy"
import json, math, sys
import h5py, numpy as np
sys.path.insert(0, sys.argv[3])
from philox import sample_prefix
from check_audit import trigamma_half
p = json.load(open(sys.argv[1]))
N, d, K, eps, z = p["N"], p["d"], p["pilot_rows"], p["plan"][0]["epsilon"], p["z"]
rows = sample_prefix(N, K, p["seed"], 0)
X = h5py.File(sys.argv[2])["embeddings"][...].astype(np.float64)[rows]
ld = lambda A: np.linalg.slogdet(A)[1]
G1, na = X.T @ X, K // 2
h = np.einsum("ij,ij->i", np.linalg.solve(G1, X.T).T, X)
a = h / (1 - h)
tdec = (1 + a.var() / a.mean() ** 2) / (1 + 2 * (K - 2) / (d * (K - d - 4))) * (d * d + 2 * d) - d * d
la, lb = ld(X[:na].T @ X[:na]), ld(X[na:].T @ X[na:])
lhat = ld(G1) + d * math.log(N / K)
c = K * (lhat - 0.5 * (la + d * math.log(N / na) + lb + d * math.log(N / (K - na))))
want = {"logdet_G1_pilot": ld(G1), "tau2_pilot": float(((K - 1) * a).var(ddof=1)),
        "tau2_dec_pilot": tdec, "c_pilot": c}
for k, v in want.items():
    assert abs(p[k] - v) <= 1e-9 * max(1, abs(v)), (k, p[k], v)
VG = lambda n: math.fsum(trigamma_half(n - i + 1) - trigamma_half(N - i + 1) for i in range(1, d + 1))
ok = lambda n: VG(n) + max(tdec - 2 * d, 0) * (1 / n - 1 / N) <= (eps / z) ** 2
n = d + 5
while not ok(n):
    n += 1
got = p["plan"][0]["n1"]
assert got["lev"] == n and got["jackknife"] == n, (got, n)
print(f"plan against numpy: tau2_dec_pilot {tdec:.4f}, LEV n1 {n}")
PY
run 2 study "$WORK/g.h5" --replicates 200 --n1 "$rule,$n1w" --seed 3 --out "$WORK/s" --no-plots --quiet > /dev/null
$PY - "$WORK/s/replicates.csv" "$rule" "$n1w" <<'PY' || fail "plan against the truth"
import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for n1, lo, hi in ((sys.argv[2], 0.70, 0.92), (sys.argv[3], 0.90, 1.0)):
    e = [abs(float(r["wishart_err"])) for r in rows if r["n1"] == n1]
    p = sum(x <= 0.5 for x in e) / len(e)
    print(f"n1 = {n1}: P(|err_W| <= 0.5) = {p:.3f}")
    assert lo <= p <= hi, (n1, p)
PY
set +e
run 1 plan "$WORK/g.h5" --epsilon 0.5 --pilot 10 2> "$WORK/err" > /dev/null
grep -q "pilot of 10 rows < 2 d = 16" "$WORK/err" || fail "small pilot: $(cat "$WORK/err")"
run 1 plan "$WORK/g.h5" 2> "$WORK/err" > /dev/null; [[ $? == 2 ]] || fail "plan without --epsilon"
echo PASSED
