#!/usr/bin/env bash
# sigma proxies (issue 13): distinct-1, distinct-2 and the hashed n-gram HHI against a
# plain-Python count (collections.Counter over whitespace tokens, n-grams within lines);
# the count-min HHI never below the exact one and within its bound eps = e/W (also with a
# 16-wide sketch, where collisions matter); 1, 2 and 3 ranks give the same numbers with
# multi-byte UTF-8 around every rank boundary; empty lines and empty inputs are
# documented (lines without tokens; no n-gram: null); a missing file, invalid UTF-8, a NUL
# byte, an output onto an input and usage errors give one line and exit 1 (2).
# Usage: test_proxies.sh SIGMA MPIEXEC
SIGMA=$1 MPIEXEC=$2
source "$(dirname "$0")/lib.sh"
cd "$WORK"
$PY - <<'PY'
import random
rng = random.Random(13)
words = ["the", "a", "table", "index", "query", "row", "über", "naïve", "日本", "x", "data",
         "select", "from", "where", "join", "é"] + [f"w{i}" for i in range(300)]
def line():
    k = rng.choice([0, 1, 2, 3, 5, 8, 13, 21, 34])
    # Zipf-like: a few words dominate, as in generated text
    return " ".join(words[min(int(rng.paretovariate(1.1)) - 1, len(words) - 1)] for _ in range(k))
for name, n in (("t1.txt", 1500), ("t2.txt", 700)):
    with open(name, "w", encoding="utf-8") as f:
        for _ in range(n):
            f.write(line().replace(" ", rng.choice([" ", "  ", "\t"])) + "\n")
open("t3.txt", "w").write("no newline at the end")  # a last line without '\n'
open("empty.txt", "w").write("")
open("blank.txt", "w").write("\n\n \n")
open("bad.txt", "wb").write(b"fine\nalso fine\nbad \xff byte\nok\n")
open("nul.txt", "wb").write(b"fine\nnul\x00here\n")
PY
ref() { # ref N FILES...: the Python reference as JSON
  $PY - "$@" <<'PY'
import json, sys
from collections import Counter
n, files = int(sys.argv[1]), sys.argv[2:]
lines = []
for p in files:  # a line per newline, and a last one without
    text = open(p, encoding="utf-8").read()
    lines += text.split("\n")[:-1] if text.endswith("\n") or not text else text.split("\n")
def grams(k):
    c = Counter()
    for l in lines:
        t = l.split()  # Python's split() also splits on \x1c-\x1f and Unicode spaces: none here
        for i in range(len(t) - k + 1):
            c[tuple(t[i:i + k])] += 1
    return c
c1, c2, cn = grams(1), grams(2), grams(n)
C1, C2, Cn = sum(c1.values()), sum(c2.values()), sum(cn.values())
print(json.dumps({"lines": len(lines), "tokens": C1, "ngrams_1": C1, "ngrams_2": C2,
                  "ngrams_hhi": Cn, "distinct_unigrams": len(c1), "distinct_bigrams": len(c2),
                  "distinct_1": len(c1) / C1 if C1 else None,
                  "distinct_2": len(c2) / C2 if C2 else None,
                  "hhi_exact": sum(v * v for v in cn.values()) / Cn ** 2 if Cn else None,
                  "distinct_hhi_ngrams": len(cn)}))
PY
}
# check OUT.json REF.json: every reference key agrees (exactly for counts, 1e-14 for
# ratios); the sketch's HHI >= the exact one and <= exact + eps.
check() {
  $PY - "$1" "$2" <<'PY' || fail "$1: $(cat check.err)"
import json, sys
out, ref = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
err = []
for k, v in ref.items():
    o = out[k]
    if v is None or isinstance(v, int):
        if o != v: err.append(f"{k}: {o} != {v}")
    elif o is None or abs(o - v) > 1e-14 * abs(v):
        err.append(f"{k}: {o} != {v}")
h, hx, eps = out["hhi"], out["hhi_exact"], out["sketch"]["eps"]
if hx is not None and not (hx <= h <= hx + eps):
    err.append(f"hhi {h} outside [{hx}, {hx} + {eps}]")
open("check.err", "w").write("; ".join(err))
sys.exit(1 if err else 0)
PY
}
same() { # same A.json B.json: identical but for timing and provenance
  $PY -c "
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for x in (a, b): x.pop('timing_s'); x.pop('provenance')
sys.exit(a != b)" "$1" "$2" || fail "$1 and $2 differ"
}

ref 3 t1.txt t2.txt t3.txt > ref3.json
for np in 1 2 3; do
  run $np proxies t1.txt t2.txt t3.txt --exact --json p$np.json --csv p$np.csv > p$np.out \
    || fail "proxies on $np ranks"
  check p$np.json ref3.json
  [[ $np == 1 ]] || same p1.json p$np.json
done
grep -q '^hhi_exact,' p1.csv && grep -q '^sketch.eps,' p1.csv || fail "CSV keys"
grep -q "distinct-2 (bigrams)" p1.out || fail "table: $(cat p1.out)"
echo "ok: distinct-1, distinct-2, HHI (n = 3) against Counter; 1-3 ranks identical"
for n in 1 2 5; do
  ref $n t1.txt t2.txt t3.txt > ref$n.json
  run 2 proxies t1.txt t2.txt t3.txt --exact --hhi-n $n --json n$n.json > /dev/null || fail "--hhi-n $n"
  check n$n.json ref$n.json
done
# a 16-wide sketch: collisions inflate every row, the minimum stays within e/16
run 3 proxies t1.txt t2.txt --exact --sketch-width 16 --sketch-depth 3 --json small.json > /dev/null \
  || fail "small sketch"
ref 3 t1.txt t2.txt > refs.json
check small.json refs.json
$PY -c "
import json; o = json.load(open('small.json'))
assert o['hhi'] > o['hhi_exact'] * 1.01, o  # collisions do show
print(f\"ok: W = 16: exact {o['hhi_exact']:.5f} <= sketch {o['hhi']:.5f} <= exact + {o['sketch']['eps']:.3f}\")"
# documented edge cases: empty inputs and blank lines have no n-gram (null), exit 0
run 2 proxies empty.txt blank.txt --json e.json > /dev/null || fail "empty inputs"
$PY -c "
import json; o = json.load(open('e.json'))
assert o['lines'] == 3 and o['tokens'] == 0 and o['distinct_1'] is None and o['hhi'] is None, o"
grep -q "n/a" <(run 1 proxies blank.txt) || fail "blank: n/a expected in the table"
echo "ok: empty and blank inputs: null ratios, n/a in the table"
# errors: one line, exit 1, no output written
err() { # err WANT ARGS...
  local want=$1; shift
  for np in 1 3; do
    set +e
    run $np proxies "$@" --json out.json > /dev/null 2> e.txt
    local st=$?
    set -e
    [[ $st == 1 ]] || fail "$*: exit $st, expected 1"
    local line
    line=$(grep '^sigma' e.txt)  # mpiexec adds its own lines on 1 rank's failure
    [[ $(grep -c '^sigma' e.txt) == 1 && $line == *"$want"* ]] || fail "$*: '$(cat e.txt)'"
    [[ ! -e out.json ]] || fail "$*: out.json written"
  done
  echo "ok: $line"
}
err "missing.txt" t1.txt missing.txt
err "bad.txt: line 3: invalid UTF-8" t1.txt bad.txt
err "nul.txt: line 2: a NUL byte" nul.txt
set +e
run 1 proxies t1.txt --json t1.txt > /dev/null 2> e.txt; st=$?
set -e
[[ $st == 1 && $(cat e.txt) == *"t1.txt"* ]] || fail "--json onto the input: exit $st: $(cat e.txt)"
cmp -s t1.txt <(head -c $(stat -c %s t1.txt) t1.txt) || fail "the input was touched"
for bad in "" "--hhi-n 9 t1.txt" "--sketch-width 0 t1.txt" "--sketch-depth 65 t1.txt"; do
  set +e
  run 1 proxies $bad > /dev/null 2> e.txt; st=$?
  set -e
  [[ $st == 2 ]] || fail "usage '$bad': exit $st"
done
echo "ok: usage errors exit 2"
echo PASSED
