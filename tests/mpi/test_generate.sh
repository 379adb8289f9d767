#!/usr/bin/env bash
# sigma generate (SPEC section 8): the same bytes for 1 and 3 ranks, the known truth in
# the attributes, float16 output, Student t tau2, the lognormal radius (issue 9: its tau2
# attribute against an audit's empirical oracle, 1 and 3 ranks identical, its flags), and
# a file that appears only whole.
SIGMA=$1 MPIEXEC=$2
source "$(dirname "$0")/lib.sh"
A="--rows 5003 --dim 10 --spectrum spiked --spikes 3 --spike-size 20 --seed 8 --quiet"
run 1 generate "$WORK/a.h5" $A
run 3 generate "$WORK/b.h5" $A --block-rows 333
run 2 generate "$WORK/h.h5" $A --dtype float16 --dataset x
run 1 generate "$WORK/s.h5" --rows 10 --dim 2 --seed 9007199254740993 --quiet
$PY -c "import h5py, sys; v = int(h5py.File(sys.argv[1])['embeddings'].attrs['seed']); assert v == 9007199254740993, v" "$WORK/s.h5"
run 2 generate "$WORK/t.h5" --rows 200000 --dim 6 --nu 10 --spectrum exponential --beta 2 --seed 3 --quiet
run 2 audit "$WORK/t.h5" --n1 600 --json "$WORK/t.json" --quiet > /dev/null
L="--rows 400000 --dim 8 --spectrum powerlaw --radial lognormal --radial-var 0.5 --seed 5 --quiet"
run 1 generate "$WORK/l1.h5" $L --dtype float64
# Rank invariance in float64, the last bit included: rows are made in globally aligned
# tiles, so no BLAS kernel (the test also runs on Prescott's) rounds by partition.
run 3 generate "$WORK/l3.h5" $L --dtype float64 --block-rows 777
run 2 audit "$WORK/l1.h5" --n1 600 --json "$WORK/l.json" --quiet > /dev/null
$PY - "$WORK" <<'PY'
import json, math, sys, h5py, numpy as np
w = sys.argv[1]
a, b = h5py.File(f"{w}/a.h5")["embeddings"], h5py.File(f"{w}/b.h5")["embeddings"]
assert a.dtype == np.float32 and a.shape == (5003, 10)
assert np.array_equal(a[...], b[...]), "rows depend on the number of ranks"
spec = np.array([20.0] * 3 + [1.0] * 7)
assert np.allclose(a.attrs["spectrum"], spec)
assert math.isclose(a.attrs["logdet_Sigma"], float(np.sum(np.log(spec))), rel_tol=1e-14)
assert a.attrs["tau2"] == 20 and a.attrs["N"] == 5003
# counts and the seed are exact 64-bit integers, not doubles
assert a.attrs["N"].dtype == np.int64 and a.attrs["seed"] == 8 and a.attrs["d"] == 10
X = a[...].astype(np.float64)
# Second moment ~ Sigma: its eigenvalues near the spectrum (5003 rows: ~4% noise).
ev = np.sort(np.linalg.eigvalsh(X.T @ X / len(X)))[::-1]
assert np.allclose(ev, spec, rtol=0.15), ev
h = h5py.File(f"{w}/h.h5")["x"]
assert h.dtype == np.float16
assert np.allclose(h[...].astype(np.float64), X, rtol=2e-3, atol=2e-3)
t = h5py.File(f"{w}/t.h5")["embeddings"]
nu, d = 10, 6
want = (nu - 2) * d * (d + 2) / (nu - 4) - d * d
assert math.isclose(t.attrs["tau2"], want), (t.attrs["tau2"], want)
got = json.load(open(f"{w}/t.json"))["truth"]["tau2_oracle"]
print(f"Student t tau2: attribute {want:.2f}, audit oracle {got:.2f}")
assert abs(got - want) < 0.15 * want
# Lognormal radius, d = 8, V = 0.5: tau2 = 1.5 (64 + 16) - 64 = 56 exactly (SPEC section 8);
# the sample variance of w chi2_8 over 4e5 rows has sd 0.45 (0.8%): 4% is 5 sd.
l1 = h5py.File(f"{w}/l1.h5")["embeddings"]
l3 = h5py.File(f"{w}/l3.h5")["embeddings"]
assert l1.dtype == np.float64 and np.array_equal(l1[...], l3[...]), "rows depend on the partition"
assert l1.attrs["distribution"] in (b"elliptical_lognormal", "elliptical_lognormal")
assert l1.attrs["radial"] in (b"lognormal", "lognormal") and l1.attrs["radial_var"] == 0.5
assert l1.attrs["tau2"] == 56.0, l1.attrs["tau2"]
assert "radial" not in a.attrs and "radial_var" not in a.attrs  # files without it unchanged
got = json.load(open(f"{w}/l.json"))["truth"]["tau2_oracle"]
print(f"lognormal radius tau2: attribute 56, audit oracle {got:.2f}")
assert abs(got - 56) < 0.04 * 56, got
# the radius leaves Sigma alone: the 400000-row second moment's log det near log det Sigma
X = l1[...]
ld = np.linalg.slogdet(X.T @ X / len(X))[1]
assert abs(ld - l1.attrs["logdet_Sigma"]) < 0.1, (ld, l1.attrs["logdet_Sigma"])
PY
! compgen -G "$WORK/a.h5*.tmp" > /dev/null || fail "temporary file left"
set +e
# bad radius flags: usage errors (exit 2), one line naming the flag, no file
for bad in "--radial lognormal" "--radial-var 0.5" "--radial lognormal --radial-var 0.5 --nu 5" \
           "--nu 5 --radial lognormal --radial-var 0.5" "--radial gamma --radial-var 0.5" \
           "--radial lognormal --radial-var 0" "--radial lognormal --radial-var -1" \
           "--radial lognormal --radial-var inf" "--radial lognormal --radial-var x"; do
  "$SIGMA" generate "$WORK/bad.h5" --rows 10 --dim 2 $bad --quiet 2> "$WORK/err"
  rc=$?
  [[ $rc == 2 ]] && grep -q -- "--radial\|--nu" "$WORK/err" && [[ ! -e $WORK/bad.h5 ]] \
    || fail "generate $bad: status $rc, $(cat "$WORK/err")"
done
run 1 generate /nonexistent-dir/x.h5 --rows 10 --dim 2 --quiet 2> "$WORK/err"
[[ $? == 1 ]] && grep -q "nonexistent-dir does not exist" "$WORK/err" || fail "unwritable output: $(cat "$WORK/err")"
echo PASSED
