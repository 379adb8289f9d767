#!/usr/bin/env bash
# sigma generate --row-seed and --recursive-refit (issue 10, SPEC section 8), against
# numpy/mpmath: (a) every file of a series holds the rows A_t z of the same z (X_t is an
# exact linear map of X_0; from one generation to the next one similar to a triangular
# matrix, as A_t = A_{t-1} C_t makes it) and its logdet_Sigma matches the data's log det to 1e-9;
# (b) over 60 generations the mean log det increment matches the Wishart drift within 4
# standard errors; (c) 1 and 3 ranks write the same bytes; (d) a row seed keeps Sigma
# and changes the rows, the default leaves files unchanged; (e) bad input: one-line
# errors, exit 2 for usage and 1 otherwise, nothing written, a failing generation named.
SIGMA=$1 MPIEXEC=$2
source "$(dirname "$0")/lib.sh"
mkdir -p "$WORK"/{a1,a3,b,d,e,t}
A="--rows 3000 --dim 6 --spectrum powerlaw --beta 1 --seed 4 --recursive-refit 20 --generations 4 --dtype float64 --quiet"
run 1 generate "$WORK/a1/s" $A
run 3 generate "$WORK/a3/s" $A --block-rows 333
run 2 generate "$WORK/a1/plain.h5" --rows 3000 --dim 6 --spectrum powerlaw --beta 1 --seed 4 --dtype float64 --quiet
run 2 generate "$WORK/a1/r" $A --row-seed 77
run 2 generate "$WORK/b/s" --rows 200 --dim 8 --seed 21 --recursive-refit 40 --generations 60 --quiet
# Student t and lognormal-radius rows in a series: the same z under A_t, tau2 of the distribution
run 2 generate "$WORK/t/t" --rows 2000 --dim 5 --nu 7 --seed 3 --recursive-refit 9 --generations 3 --dtype float64 --quiet
run 2 generate "$WORK/t/l" --rows 2000 --dim 5 --radial lognormal --radial-var 0.5 --seed 3 --recursive-refit 9 --generations 3 --dtype float64 --quiet
# --row-seed on one file: the same Sigma, other rows; equal to --seed: the default file
D="--rows 4000 --dim 7 --spectrum exponential --beta 2 --dtype float64 --quiet"
run 1 generate "$WORK/d/s5.h5" $D --seed 5
run 3 generate "$WORK/d/s5r6.h5" $D --seed 5 --row-seed 6
run 1 generate "$WORK/d/s5r5.h5" $D --seed 5 --row-seed 5
run 1 generate "$WORK/d/s6.h5" $D --seed 6
$PY - "$WORK" <<'PY'
import sys, math, h5py, numpy as np, mpmath
w = sys.argv[1]
def series(prefix, T):
    return [h5py.File(f"{prefix}-{t:03d}.h5")["embeddings"] for t in range(T + 1)]
def lstsq_map(X0, X):
    B = np.linalg.lstsq(X0, X, rcond=None)[0]
    return B, np.linalg.norm(X - X0 @ B) / np.linalg.norm(X)
def logdet(X):
    s, l = np.linalg.slogdet(X.T @ X)
    assert s > 0
    return l
# (a) the rows of generation t are A_t z with the z of generation 0
S = series(f"{w}/a1/s", 4)
X0 = S[0][...]
G0 = X0.T @ X0
assert X0.dtype == np.float64 and X0.shape == (3000, 6)
spec0 = np.array([1.0 / i for i in range(1, 7)])
assert np.allclose(S[0].attrs["spectrum"], spec0, rtol=1e-15)
Bprev = np.eye(6)
for t, f in enumerate(S):
    a = f.attrs
    assert a["generation"] == t and a["generations"] == 4 and a["refit_M"] == 20, dict(a)
    assert a["logdet_Sigma_0"] == S[0].attrs["logdet_Sigma"]
    assert a["N"] == 3000 and a["d"] == 6 and a["seed"] == 4 and a["tau2"] == 12
    assert "row_seed" not in a
    X = f[...]
    B, res = lstsq_map(X0, X)          # B = A_0^{-T} A_t^T
    assert res < 1e-12, (t, res)
    G = X.T @ X
    assert np.linalg.norm(G - B.T @ G0 @ B) < 1e-10 * np.linalg.norm(G), t
    dl_data, dl_attr = logdet(X) - logdet(X0), a["logdet_Sigma"] - a["logdet_Sigma_0"]
    assert abs(dl_data - dl_attr) < 1e-9, (t, dl_data, dl_attr)
    # one generation to the next: B_{t-1}^{-1} B_t = (A_{t-1} C_t A_{t-1}^{-1})^T is similar
    # to the triangular C_t: its eigenvalues are C_t's diagonal, real and positive, and
    # twice their log sum is this generation's log det step
    ev = np.linalg.eigvals(np.linalg.solve(Bprev, B))
    assert np.abs(ev.imag).max() < 1e-9 and (ev.real > 0).all(), (t, ev)
    step = a["logdet_Sigma"] - (S[t - 1].attrs["logdet_Sigma"] if t else a["logdet_Sigma"])
    assert abs(2 * np.sum(np.log(ev.real)) - step) < 1e-9, (t, ev, step)
    Bprev = B
    sp = a["spectrum"]                  # eigenvalues of Sigma_t: descending, their log sum
    assert (np.diff(sp) <= 0).all() and sp[-1] > 0
    assert abs(np.sum(np.log(sp)) - a["logdet_Sigma"]) < 1e-9
    ev = np.sort(np.linalg.eigvalsh(G / len(X)))[::-1]  # 3000 rows: ~3% noise
    assert np.allclose(ev, sp, rtol=0.2), (t, ev, sp)
    if t:
        assert a["logdet_Sigma"] != S[t - 1].attrs["logdet_Sigma"]
print("(a) rows A_t z of one z, log det from the data within 1e-9: ok")
# generation 0 is the ordinary file of the same flags, row for row
P = h5py.File(f"{w}/a1/plain.h5")["embeddings"]
assert np.array_equal(P[...], X0), "generation 0 differs from plain generate"
for k in P.attrs:
    if k != "provenance":
        assert np.array_equal(P.attrs[k], S[0].attrs[k]), k
# (c) 1 and 3 ranks: the same bytes in every file, the same attributes but provenance
for f1, f3 in zip(S, series(f"{w}/a3/s", 4)):
    assert f1[...].tobytes() == f3[...].tobytes(), f1.file.filename
    assert set(f1.attrs) == set(f3.attrs)
    for k in f1.attrs:
        if k != "provenance":
            assert np.array_equal(f1.attrs[k], f3.attrs[k]), k
print("(c) 1 and 3 ranks: identical files")
# (d) a row seed in a series: the same Sigma_t (refits keyed by --seed), other rows
R = series(f"{w}/a1/r", 4)
for f, r in zip(S, R):
    assert r.attrs["row_seed"] == 77
    assert r.attrs["logdet_Sigma"] == f.attrs["logdet_Sigma"]
    assert np.array_equal(r.attrs["spectrum"], f.attrs["spectrum"])
    assert not np.isclose(r[...], f[...]).any()
# (d) one file: the same Sigma, other rows; the row seed's z are the seed-6 file's z
s5, s5r6, s5r5, s6 = (h5py.File(f"{w}/d/{n}.h5")["embeddings"] for n in ("s5", "s5r6", "s5r5", "s6"))
assert s5r6.attrs["row_seed"] == 6 and "row_seed" not in s5.attrs and "row_seed" not in s5r5.attrs
assert np.array_equal(s5.attrs["spectrum"], s5r6.attrs["spectrum"])
assert s5.attrs["logdet_Sigma"] == s5r6.attrs["logdet_Sigma"] and s5r6.attrs["seed"] == 5
assert not np.isclose(s5[...], s5r6[...]).any()
assert np.array_equal(s5[...], s5r5[...])
B, res = lstsq_map(s6[...], s5r6[...])
assert res < 1e-12, res
B, res = lstsq_map(s5[...], s5r6[...])
assert res > 0.5, res  # independent rows: no linear map from the seed-5 rows
print("(d) row seed: same Sigma, other rows; default rows unchanged")
# Student t and lognormal radius series: same z at every generation, tau2 of the distribution
for name, tau2 in (("t", (7 - 2) * 5 * 7 / (7 - 4) - 25), ("l", 1.5 * 35 - 25)):
    T = series(f"{w}/t/{name}", 3)
    for f in T:
        assert math.isclose(f.attrs["tau2"], tau2), (name, f.attrs["tau2"], tau2)
        B, res = lstsq_map(T[0][...], f[...])
        assert res < 1e-12, (name, res)
        dl = logdet(f[...]) - logdet(T[0][...])
        assert abs(dl - (f.attrs["logdet_Sigma"] - f.attrs["logdet_Sigma_0"])) < 1e-9
print("Student t / lognormal series: ok")
# (b) the drift over 60 generations against mpmath's digamma sum, 4 standard errors
d, M, T = 8, 40, 60
Bs = series(f"{w}/b/s", T)
ld = np.array([f.attrs["logdet_Sigma"] for f in Bs])
inc = np.diff(ld)
mu = float(sum(mpmath.digamma(mpmath.mpf(M - i + 1) / 2) for i in range(1, d + 1)) + d * mpmath.log(mpmath.mpf(2) / M))
sd = float(mpmath.sqrt(sum(mpmath.psi(1, mpmath.mpf(M - i + 1) / 2) for i in range(1, d + 1))))
attr = Bs[0].attrs["expected_drift_per_generation"]
assert all(f.attrs["expected_drift_per_generation"] == attr for f in Bs)
assert abs(attr - mu) < 1e-12 * abs(mu), (attr, mu)
se = sd / math.sqrt(T)
z = (inc.mean() - mu) / se
print(f"(b) d={d} M={M} T={T}: mean increment {inc.mean():.4f}, expected {mu:.4f}, "
      f"sd {sd:.4f} (sample {inc.std(ddof=1):.4f}), se {se:.4f}, z = {z:+.2f}; "
      f"log det {ld[0]:.3f} -> {ld[-1]:.3f}")
assert abs(z) < 4, z
assert 0.5 < inc.std(ddof=1) / sd < 1.5, inc.std(ddof=1) / sd
PY
[[ $? == 0 ]] || fail "numpy checks"
! compgen -G "$WORK/*/*.tmp" > /dev/null || fail "temporary file left"
set +e
# (e) usage errors: exit 2, a message naming the flag, nothing written
cd "$WORK/e"
for bad in "p --recursive-refit 5 --generations 2" "p --recursive-refit 8 --generations 0" \
           "p --recursive-refit 8 --generations -1" "p --recursive-refit 8" "p --generations 3" \
           "p.h5 --recursive-refit 8 --generations 2" "p --row-seed -1" "p --row-seed x"; do
  "$SIGMA" generate $bad --rows 10 --dim 6 --quiet 2> "$WORK/err"
  rc=$?
  [[ $rc == 2 ]] && head -1 "$WORK/err" | grep -q -- "--recursive-refit\|--generations\|--row-seed\|prefix" \
    && [[ -z $(ls) ]] || fail "generate $bad: status $rc, $(cat "$WORK/err"), left $(ls)"
done
# an unwritable prefix directory: exit 1, one line naming it, nothing anywhere
"$SIGMA" generate /nonexistent-dir/p --rows 10 --dim 6 --recursive-refit 8 --generations 2 --quiet 2> "$WORK/err"
[[ $? == 1 ]] && [[ $(wc -l < "$WORK/err") == 1 ]] && grep -q "nonexistent-dir does not exist" "$WORK/err" \
  || fail "unwritable prefix: $(cat "$WORK/err")"
# generation 3 overflows float16 (rows x 1.76 its generation-0 maximum): exit 1, the
# generation and file named, no file of the series and no temporary left, on 1 and 3 ranks
# (one line from sigma; mpiexec adds its own notice)
for np in 1 3; do
  run $np generate "$WORK/e/f" --rows 1000 --dim 2 --spectrum spiked --spikes 2 --spike-size 2e8 \
    --recursive-refit 2 --generations 6 --dtype float16 --seed 12 --block-rows 100 --quiet 2> "$WORK/err"
  rc=$?
  [[ $rc == 1 ]] && [[ $(grep -c "^sigma: error" "$WORK/err") == 1 ]] \
    && grep -q "^sigma: error: generation 3 of 6: .*f-003.h5: row .* overflows float16.*no file of the series" "$WORK/err" \
    && [[ -z $(ls "$WORK/e") ]] || fail "failing generation ($np ranks): status $rc, $(cat "$WORK/err"), left $(ls "$WORK/e")"
done
# a longer earlier series' file beside the prefix: refused before any work
touch "$WORK/e/q-007.h5"
run 1 generate "$WORK/e/q" --rows 10 --dim 2 --recursive-refit 2 --generations 6 --quiet 2> "$WORK/err"
[[ $? == 1 ]] && grep -q "q-007.h5: a file of another series" "$WORK/err" && [[ $(ls "$WORK/e") == q-007.h5 ]] \
  || fail "stale series file: $(cat "$WORK/err"), left $(ls "$WORK/e")"
echo PASSED
