#!/usr/bin/env bash
# sigma monitor --proxies (issue 13): each checkpoint carries the distinct-1, distinct-2 and
# HHI of its sigma proxies output, and the summary the Spearman correlation of each with
# the drifts (against a plain-Python Spearman with average ranks for ties), on 1 and 2
# ranks; --append with the new checkpoints' list equals one run; a run without --proxies
# has null everywhere; a list of the wrong length, a file that is not a proxies output and
# --proxies with --merge are refused (exit 1, 1 and 2).
# Usage: test_monitor_proxies.sh SIGMA MPIEXEC
SIGMA=$1 MPIEXEC=$2
source "$(dirname "$0")/lib.sh"
cd "$WORK"
$PY - <<'PY'
import h5py, numpy as np, random
rng = np.random.default_rng(4)
for t in range(6):
    X = rng.standard_normal((600, 8)) * np.linspace(1, 0.2 + 0.1 * t, 8) * 0.1
    with h5py.File(f"c{t}.h5", "w") as f:
        f.create_dataset("embeddings", data=X)
    r = random.Random(t)
    vocab = [f"w{i}" for i in range(60 - 9 * t)]  # fewer words each checkpoint
    with open(f"c{t}.txt", "w") as f:
        for _ in range(200):
            f.write(" ".join(r.choice(vocab) for _ in range(r.randint(0, 12))) + "\n")
PY
for t in 0 1 2 3 4 5; do
  run 1 proxies c$t.txt --json p$t.json > /dev/null || fail "proxies c$t"
done
printf 'p%d.json\n' 0 1 2 3 4 5 > all.txt
printf 'p%d.json\n' 0 1 2 > first.txt
printf '# the new checkpoints\np%d.json\n' 3 4 5 > rest.txt
M="--n1 100 --seed 3 --no-plots --quiet"
C="c0.h5 c1.h5 c2.h5 c3.h5 c4.h5 c5.h5"
run 1 monitor $C $M --proxies all.txt --out m1 > m1.txt || fail "monitor --proxies"
run 2 monitor $C $M --proxies all.txt --out m2 > /dev/null || fail "monitor --proxies, 2 ranks"
$PY "$TESTS_DIR/check_monitor.py" --same m1 m2 > out.txt || fail "1 vs 2 ranks: $(cat out.txt)"
run 1 monitor c0.h5 c1.h5 c2.h5 $M --proxies first.txt --out ma > /dev/null || fail "first part"
run 2 monitor c3.h5 c4.h5 c5.h5 --append --no-plots --quiet --proxies rest.txt --out ma > /dev/null \
  || fail "--append --proxies"
$PY "$TESTS_DIR/check_monitor.py" --same m1 ma > out.txt || fail "append: $(cat out.txt)"
grep -q "proxies, Spearman" m1.txt || fail "no Spearman line in the table"
run 1 monitor $C $M --out m0 > /dev/null || fail "monitor without --proxies"
$PY - <<'PY' || fail "proxies in monitor.json"
import json
def ranks(v):
    order = sorted(range(len(v)), key=lambda i: v[i])
    r = [0.0] * len(v)
    i = 0
    while i < len(v):
        j = i
        while j + 1 < len(v) and v[order[j + 1]] == v[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return r
def spearman(x, y):
    a, b = ranks(x), ranks(y)
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    num = sum((p - ma) * (q - mb) for p, q in zip(a, b))
    den = (sum((p - ma) ** 2 for p in a) * sum((q - mb) ** 2 for q in b)) ** 0.5
    return num / den
m = json.load(open("m1/monitor.json"))
P = [json.load(open(f"p{t}.json")) for t in range(6)]
for c, p in zip(m["checkpoints"], P):
    for k in ("distinct_1", "distinct_2", "hhi"):
        assert c[k] == p[k], (k, c[k], p[k])
for k in ("distinct_1", "distinct_2", "hhi"):
    y = [p[k] for p in P]
    for drift, key in (("delta_U", "spearman_delta_U"), ("delta_Gamma", "spearman_delta_Gamma")):
        want = spearman([c[drift] for c in m["checkpoints"]], y)
        got = m["summary"]["proxies"][k][key]
        assert abs(got - want) < 1e-12, (k, key, got, want)
print("ok: Spearman of", {k: round(m["summary"]["proxies"][k]["spearman_delta_U"], 3) for k in ("distinct_1", "distinct_2", "hhi")})
m0 = json.load(open("m0/monitor.json"))
assert all(c[k] is None for c in m0["checkpoints"] for k in ("distinct_1", "distinct_2", "hhi"))
assert all(v is None for d in m0["summary"]["proxies"].values() for v in d.values())
head = open("m1/monitor.csv").readline().strip().split(",")
assert "distinct_2" in head and "hhi" in head, head
PY
# refused: a list of another length, a file that is not a proxies output, --merge
err() { # err STATUS WANT ARGS...
  local want_st=$1 want=$2; shift 2
  rm -rf bad
  set +e
  run 1 monitor "$@" > /dev/null 2> e.txt
  local st=$?
  set -e
  [[ $st == "$want_st" ]] || fail "$*: exit $st, expected $want_st: $(cat e.txt)"
  grep -qF -- "$want" e.txt || fail "$*: '$(cat e.txt)'"
  [[ ! -e bad/monitor.json ]] || fail "$*: bad/monitor.json written"
  echo "ok: $(grep -m1 . e.txt)"
}
err 1 "first.txt: 3 proxies files for 6 checkpoints" $C $M --proxies first.txt --out bad
printf 'p0.json\nc1.txt\np2.json\n' > broken.txt
err 1 "c1.txt: not a sigma proxies output" c0.h5 c1.h5 c2.h5 $M --proxies broken.txt --out bad
err 2 "--merge takes" --merge m1 m2 --proxies all.txt --out bad
echo PASSED
