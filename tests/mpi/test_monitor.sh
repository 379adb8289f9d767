#!/usr/bin/env bash
# sigma monitor (issue 10): every number against numpy (tests/check_monitor.py), 1, 2 and 3
# ranks identical, --full, --append equal to one run, labels from --labels and from a
# --checkpoints file, another baseline; a collapsing series comes out contracting; on
# stationary series (every checkpoint independent rows of one Sigma) the drift CI covers 0
# near the nominal rate and the verdict is stable for most series.
SIGMA=$1 MPIEXEC=$2
source "$(dirname "$0")/lib.sh"
cd "$WORK"
$PY - <<'PY'
import h5py, numpy as np
rng = np.random.default_rng(5)
d = 6
A = rng.standard_normal((d, d))
def write(name, X):
    with h5py.File(name, "w") as f:
        f.create_dataset("embeddings", data=X)
# collapsing: Sigma_t = A diag(s^t) A^T, one direction shrinking (rows same prompts z)
Z = rng.standard_normal((3000, d))
for t in range(5):
    s = np.ones(d); s[0] = 0.6 ** t; s[1] = 0.8 ** t
    write(f"c{t}.h5", (Z * np.sqrt(s)) @ A.T)
# float32, more rows than checkpoint 0 (O is chosen among checkpoint 0's)
Z5 = np.vstack([Z, rng.standard_normal((500, d))])
write("c5.h5", ((Z5 * 0.5) @ A.T).astype(np.float32))
# stationary: 10 series x 15 checkpoints of independent N(0, A A^T) rows, d = 8
A8 = rng.standard_normal((8, 8))
for s in range(10):
    for t in range(15):
        write(f"s{s}_{t}.h5", rng.standard_normal((20000, 8)) @ A8.T)
PY
C="c0.h5 c1.h5 c2.h5 c3.h5 c4.h5 c5.h5"
CHECK="$PY $TESTS_DIR/check_monitor.py"
run 1 monitor $C --n1 400 --seed 7 --energy-cap 1000 --out r1 --quiet > r1.txt
$CHECK r1 || fail "numbers of r1"
grep -q "Track II (U): .*contracting" r1.txt || fail "collapsing series not contracting: $(cat r1.txt)"
run 2 monitor $C --n1 400 --seed 7 --energy-cap 1000 --out r2 --quiet --no-plots > /dev/null
run 3 monitor $C --n1 400 --seed 7 --energy-cap 1000 --out r3 --quiet > /dev/null
$CHECK --same r1 r2 && $CHECK --same r1 r3 || fail "ranks differ"
[[ -s r1/plots/drift_U.png && -s r1/plots/drift_Gamma.png && -s r1/plots/overlay.png ]] || fail "plots"
[[ ! -e r2/plots/drift_U.png ]] || fail "--no-plots made plots"
grep -q "contracting" r1/report.md || fail "report.md lacks the verdict"
# --full: the full-Gram drift beside the block's, 1 and 3 ranks, --normalize
run 1 monitor $C --n1 400 --seed 7 --normalize --full --out f1 --quiet > /dev/null
run 3 monitor $C --n1 400 --seed 7 --normalize --full --out f3 --quiet --block-rows 700 > /dev/null
$CHECK f1 && $CHECK --same f1 f3 || fail "--full"
# --append (two steps, the second on 3 ranks) equals the single run
run 1 monitor c0.h5 c1.h5 --n1 400 --seed 7 --energy-cap 1000 --out a --quiet > /dev/null
run 3 monitor c2.h5 c3.h5 c4.h5 c5.h5 --append --out a --quiet > /dev/null
$CHECK --same r1 a || fail "--append differs from one run"
# --append keeps the run's --baseline and --level when they are not given again
run 1 monitor $C --n1 400 --seed 7 --energy-cap 1000 --baseline 1 --level 0.9 --out bl --quiet > /dev/null
run 1 monitor c0.h5 c1.h5 c2.h5 --n1 400 --seed 7 --energy-cap 1000 --baseline 1 --level 0.9 \
  --out bla --quiet > /dev/null
run 2 monitor c3.h5 c4.h5 c5.h5 --append --energy-cap 1000 --out bla --quiet > /dev/null
$CHECK bl && $CHECK --same bl bla || fail "--append with --baseline 1 --level 0.9"
# --merge: parts made separately (labels given so they read as one run) equal one run;
# a part given twice and a part of another series are refused
run 1 monitor c0.h5 c1.h5 --labels 0,1 --n1 400 --seed 7 --energy-cap 1000 --out pa --quiet > /dev/null
run 2 monitor c2.h5 c3.h5 c4.h5 c5.h5 --labels 2,3,4,5 --n1 400 --seed 7 --energy-cap 1000 \
  --out pb --quiet > /dev/null
run 2 monitor --merge pa pb --out m --quiet > /dev/null
$CHECK --same r1 m || fail "--merge differs from one run"
run 1 monitor c2.h5 --n1 400 --seed 8 --energy-cap 1000 --out pc --quiet > /dev/null
set +e
run 1 monitor --merge pa ./pa --out m2 --quiet > /dev/null 2> err1
run 1 monitor --merge pa pc --out m3 --quiet > /dev/null 2> err2
set -e
grep -q "are the same part" err1 && grep -q "pc: its seed differ" err2 && [[ ! -e m2 && ! -e m3 ]] \
  || fail "--merge refusals: $(cat err1 err2)"
# a checkpoint whose G1 is singular (a dead dimension: collapse below rank d) keeps its
# tracks; its tau2, V and the CIs that need them are not applicable
$PY -c "
import h5py, numpy as np
X = h5py.File('c1.h5')['embeddings'][...]; X[:, 5] = 0
h5py.File('dead.h5', 'w').create_dataset('embeddings', data=X)"
run 2 monitor c0.h5 dead.h5 c2.h5 --n1 400 --seed 7 --energy-cap 1000 --out dead --quiet > dead.txt
$PY - <<'PY' || fail "singular G1"
import json, math
c = json.load(open("dead/monitor.json"))["checkpoints"][1]
assert c["V"] is None and c["tau2_dec"] is None and c["delta_U_lo"] is None, c
assert math.isfinite(c["U"]) and math.isfinite(c["Gamma"]) and c["delta_U"] < -5, c
PY
grep -q "n/a" dead.txt || fail "singular G1: no n/a in the table"
# labels, a checkpoints file and another baseline
run 1 monitor $C --n1 400 --seed 7 --energy-cap 1000 --labels g0,g1,g2,g3,g4,g5 --baseline 2 --out b --quiet > /dev/null
printf 'g%d %s\n' 0 c0.h5 1 c1.h5 2 c2.h5 3 c3.h5 4 c4.h5 5 c5.h5:embeddings > list.txt
run 2 monitor --checkpoints list.txt --n1 400 --seed 7 --energy-cap 1000 --baseline 2 --out b2 --quiet > /dev/null
$CHECK b || fail "baseline 2"
cut -d, -f2 b/monitor.csv | tr '\n' ' ' | grep -q "label g0 g1 g2 g3 g4 g5" || fail "labels"
diff <(cut -d, -f1-2,6- b/monitor.csv) <(cut -d, -f1-2,6- b2/monitor.csv) || fail "--checkpoints"
# the recursive-refit series (SPEC 8): with --full on unnormalised rows the full-Gram drift
# is log det Sigma_t - log det Sigma_0 (the same z at every generation; delta = 1e-9 is
# negligible), and its slope matches the known expected drift within its standard error
run 2 generate --recursive-refit 40 --generations 30 --rows 5000 --dim 8 --seed 4 --quiet rr
run 2 monitor rr-0*.h5 --n1 200 --seed 1 --full --delta 1e-9 --energy-cap 1e6 --out rf --quiet > rf.txt
$CHECK rf || fail "numbers of the refit series"
$PY - <<'PY' || fail "refit series drift"
import glob, json, math, h5py, mpmath
R = json.load(open("rf/monitor.json"))
files = sorted(glob.glob("rr-0*.h5"))
a = [h5py.File(f)["embeddings"].attrs for f in files]
for c, at in zip(R["checkpoints"], a):
    want = at["logdet_Sigma"] - a[0]["logdet_Sigma"]
    assert abs(c["delta_U_full"] - want) < 1e-6 * (1 + abs(want)), (c["delta_U_full"], want)
    assert abs(c["delta_U"] - want) < 1e-6 * (1 + abs(want)), (c["delta_U"], want)
M, d, T = 40, 8, len(files) - 1
exp = sum(mpmath.digamma((M - i + 1) / 2) for i in range(1, d + 1)) + d * math.log(2 / M)
sd = math.sqrt(sum(mpmath.psi(1, (M - i + 1) / 2) for i in range(1, d + 1)))
assert abs(a[0]["expected_drift_per_generation"] - float(exp)) < 1e-10
mean = R["checkpoints"][-1]["delta_U_full"] / T
S = R["summary"]
print(f"refit: mean full drift per generation {mean:.4f}, expected {float(exp):.4f} +- "
      f"{sd / math.sqrt(T):.4f}; slope {S['full_gram_U']['slope']:.4f}: {S['track_II_U']['verdict']}")
assert abs(mean - float(exp)) < 4 * sd / math.sqrt(T)
assert S["track_II_U"]["verdict"] == "contracting" and S["full_gram_U"]["verdict"] == "contracting"
PY
# stationary series: drift CI coverage of 0 and verdicts
for s in $(seq 0 9); do
  run 1 monitor $(printf "s${s}_%d.h5 " $(seq 0 14)) --n1 64 --seed $s --energy-cap 1000 --out st$s --quiet \
    --no-plots > /dev/null
done
$CHECK st0 || fail "numbers of st0"
$PY - <<'PY' || fail "stationary coverage"
import json
cov = n = stable = 0
for s in range(10):
    R = json.load(open(f"st{s}/monitor.json"))
    for c in R["checkpoints"][1:]:
        n += 1
        cov += c["delta_U_lo"] <= 0 <= c["delta_U_hi"]
    stable += R["summary"]["track_II_U"]["verdict"] == "stable"
print(f"stationary: drift CI covers 0 in {cov}/{n} = {cov / n:.3f}; Track II stable in {stable}/10")
assert 0.88 <= cov / n <= 0.995, cov / n
assert stable >= 8, stable
PY
echo PASSED
