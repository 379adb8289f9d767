#!/usr/bin/env bash
# sigma audit --plots DIR (issue 11): the three PNGs, and their data files carry the audit's
# own numbers (the eigenvalues, every estimate with the paper's and its own CI, Theorem 1's
# gaps: the JSON's, which tests/check_audit.py checks against numpy); 1 and 2 ranks give the
# same data; a --plots path that is a file is refused before any pass, nothing written.
SIGMA=$1 MPIEXEC=$2
source "$(dirname "$0")/lib.sh"
run 2 generate "$WORK/g.h5" --rows 6007 --dim 12 --seed 4 --quiet
run 1 audit "$WORK/g.h5" --n1 300 --seed 2 --json "$WORK/a.json" --plots "$WORK/p1" --quiet > /dev/null
run 2 audit "$WORK/g.h5" --n1 300 --seed 2 --plots "$WORK/p2" --quiet > /dev/null
for f in spectra estimates theorem1; do
  [[ -s $WORK/p1/$f.png ]] || fail "no $f.png"
  cmp -s "$WORK/p1/$f.dat" "$WORK/p2/$f.dat" || fail "$f.dat differs between 1 and 2 ranks"
done
$PY - "$WORK/a.json" "$WORK/p1" <<'PY' || fail "plot data against the JSON"
import json, sys
R, d = json.load(open(sys.argv[1])), sys.argv[2]
num = lambda s: None if s == "n/a" else float(s)
rows = [l.split() for l in open(f"{d}/spectra.dat") if not l.startswith("#")]
N, n1 = R["parameters"]["N"], R["parameters"]["n1"]
E = R["eigenvalues"]
for i, r in enumerate(rows):
    assert num(r[1]) == E["G"][i] and num(r[3]) == E["G2"][i], (i, r)
    assert abs(num(r[2]) - N / n1 * E["G1"][i]) <= 1e-12 * num(r[2]), (i, r)
est = {l.split()[1]: l.split() for l in open(f"{d}/estimates.dat") if not l.startswith("#")}
for k, e in R["estimators"].items():
    r = est[k]
    want = [e["estimate"], e["observed"]["ci_low"], e["observed"]["ci_high"], e["own"]["ci_low"],
            e["own"]["ci_high"]]
    assert [num(x) for x in r[2:7]] == want, (k, r, want)
T = R["theorem1"]
gaps = [num(l.split()[2]) for l in open(f"{d}/theorem1.dat") if not l.startswith("#")]
assert abs(gaps[0] - (R["truth"]["L"] - R["truth"]["logdet_G1"])) < 1e-9 * abs(gaps[0]), gaps
assert gaps[1] == T["logR_measured"], (gaps, T)
print("plot data = the audit's numbers:", len(rows), "eigenvalues,", len(est), "estimators")
PY
touch "$WORK/afile"
set +e
run 1 audit "$WORK/g.h5" --n1 300 --json "$WORK/b.json" --plots "$WORK/afile" --quiet > /dev/null 2> "$WORK/err"
st=$?
set -e
[[ $st == 1 ]] && grep -q "^sigma: error: --plots .*afile: exists and is not a directory" "$WORK/err" \
  || fail "--plots onto a file: exit $st: $(cat "$WORK/err")"
[[ ! -e $WORK/b.json ]] || fail "JSON written despite the error"
echo PASSED
