#!/usr/bin/env bash
# --block-jackknife G (issue 9, SPEC 4.1): v_bj and LEV's own CI of a study and of an audit
# equal an independent numpy computation (tests/check_bj.py, tests/check_audit.py; the draw
# order re-derived from Philox by tests/philox.py); the same bytes for 1, 2 and 3 ranks,
# --block-rows and --memory-limit chunks; without the flag only v_bj and LEV's own CI
# differ; the audit's v_bj is replicate 0's; --resume and merge refuse another G; bad G
# values are refused (exit 2 naming the flag; G > n1 exit 1 naming n1).
SIGMA=$1 MPIEXEC=$2
source "$(dirname "$0")/lib.sh"
$PY "$TESTS_DIR/philox.py" --selftest || fail "tests/philox.py"
run 2 generate "$WORK/t.h5" --rows 6007 --dim 8 --spectrum powerlaw --nu 5 --seed 13 --quiet
# d = 8, G = 7: at n1 = 12 a group of 2 leaves 10 <= d + 4 rows (v_bj n/a); groups uneven.
S="--n1 12,40,161,3000 --seed 4 --quiet --no-plots"
for np in 1 2 3; do
  run $np study "$WORK/t.h5" --replicates 12 $S --block-jackknife 7 --out "$WORK/s$np" > /dev/null
done
for np in 2 3; do
  cmp -s "$WORK/s1/replicates.csv" "$WORK/s$np/replicates.csv" || fail "replicates differ, $np ranks"
  cmp -s "$WORK/s1/summary.csv" "$WORK/s$np/summary.csv" || fail "summary differs, $np ranks"
done
# A replicate read in chunks of 1024 rows (--memory-limit): the same bytes.
run 2 study "$WORK/t.h5" --replicates 12 $S --block-jackknife 7 --out "$WORK/sm" --memory-limit 0.4 > /dev/null
$PY -c "import json,sys; c=json.load(open(sys.argv[1]))['provenance']['replicate_chunk_rows']; assert c == 1024, c" \
  "$WORK/sm/summary.json" || fail "--memory-limit 0.4: not read in chunks of 1024"
cmp -s "$WORK/s1/replicates.csv" "$WORK/sm/replicates.csv" || fail "chunked replicates differ"
$PY "$TESTS_DIR/check_bj.py" "$WORK/s1" --replicates 12 || fail "v_bj of the study against numpy"
$PY "$TESTS_DIR/check_study.py" "$WORK/s1" || fail "summary against numpy"
run 2 study "$WORK/t.h5" --replicates 4 $S --block-jackknife 3 --normalize --center --out "$WORK/sc" > /dev/null
$PY "$TESTS_DIR/check_bj.py" "$WORK/sc" --replicates 4 || fail "v_bj (normalize, center) against numpy"
# Without the flag: v_bj empty, every other column the same but LEV's own CI (which the
# flag widened in some rows).
run 2 study "$WORK/t.h5" --replicates 12 $S --out "$WORK/s0" > /dev/null
$PY "$TESTS_DIR/check_bj.py" "$WORK/s0" --replicates 4 || fail "LEV's own CI without the flag"
$PY - "$WORK" <<'PY' || fail "with and without the flag"
import csv, json, sys
w = sys.argv[1]
a = list(csv.DictReader(open(f"{w}/s1/replicates.csv")))
b = list(csv.DictReader(open(f"{w}/s0/replicates.csv")))
own = {"v_bj", "lev_s_own", "lev_covers_own"}
assert len(a) == len(b) == 48
for x, y in zip(a, b):
    assert {k: v for k, v in x.items() if k not in own} == {k: v for k, v in y.items() if k not in own}
    assert y["v_bj"] == "" and (x["v_bj"] == "") == (x["n1"] == "12"), (x["n1"], x["v_bj"])
na = sum(x["lev_s_own"] == y["lev_s_own"] == "" for x, y in zip(a, b))  # LEV n/a: n1 = 12
wider = sum(x["lev_s_own"] != "" and float(x["lev_s_own"]) > float(y["lev_s_own"])
            for x, y in zip(a, b))
same = sum(x["lev_s_own"] == y["lev_s_own"] != "" for x, y in zip(a, b))
assert na == 12 and wider > 0 and same > 0 and na + wider + same == 48, (na, wider, same)
assert json.load(open(f"{w}/s1/study.json"))["study"]["block_jackknife"] == 7
assert json.load(open(f"{w}/s0/study.json"))["study"]["block_jackknife"] == 0
print(f"the flag widened LEV's own CI in {wider} of 48 rows, left {same}")
PY
# The audit: numpy (random and first blocks, normalize + center), ranks and block rows,
# replicate 0's v_bj at n1 = 3000, n/a at n1 = 12.
A="$WORK/t.h5 --n1 3000 --seed 4 --block-jackknife 7 --quiet"
for np in 1 2 3; do run $np audit $A --json "$WORK/a$np.json" --save-indices "$WORK/a$np.idx" > /dev/null; done
run 3 audit $A --json "$WORK/a4.json" --block-rows 500 > "$WORK/a4.txt"
$PY "$TESTS_DIR/check_audit.py" --same "$WORK"/a{1,2,3,4}.json || fail "audit v_bj differs over ranks or block rows"
$PY "$TESTS_DIR/check_audit.py" "$WORK/a1.json" "$WORK/a1.idx" || fail "audit against numpy"
grep -q "^  v_bj .* nats^2 (LEV, delete-7-block jackknife)" "$WORK/a4.txt" || fail "no v_bj in the table"
for opts in "--normalize --center" "--observed first"; do
  run 2 audit "$WORK/t.h5" --n1 161 --seed 9 --block-jackknife 5 $opts --json "$WORK/b.json" \
    --save-indices "$WORK/b.idx" --quiet > /dev/null
  $PY "$TESTS_DIR/check_audit.py" "$WORK/b.json" "$WORK/b.idx" || fail "audit $opts against numpy"
done
run 2 audit "$WORK/t.h5" --n1 12 --seed 4 --block-jackknife 7 --json "$WORK/na.json" --csv "$WORK/na.csv" --quiet > "$WORK/na.txt"
$PY - "$WORK" <<'PY' || fail "audit v_bj: replicate 0, n/a"
import csv, json, math, sys
w = sys.argv[1]
A = json.load(open(f"{w}/a1.json"))
r0 = [r for r in csv.DictReader(open(f"{w}/s1/replicates/rep-000000.csv")) if r["n1"] == "3000"][0]
v = A["truth"]["v_bj"]
assert v is not None and abs(v - float(r0["v_bj"])) <= 1e-9 * v, (v, r0["v_bj"])
assert A["parameters"]["block_jackknife"] == 7
N = json.load(open(f"{w}/na.json"))
assert N["truth"]["v_bj"] is None, N["truth"]["v_bj"]
rows = dict(l.rstrip("\n").split(",", 1) for l in open(f"{w}/na.csv") if "," in l)
assert rows.get("truth.v_bj") == "", rows.get("truth.v_bj")
print(f"audit v_bj {v} = replicate 0's; n/a at n1 = 12: null / empty")
PY
grep -q "^  v_bj  *n/a" "$WORK/na.txt" || fail "v_bj not n/a in the table at n1 = 12"
! grep -qi "nan\|inf " "$WORK/na.txt" || fail "nan or inf printed"
# --resume and merge refuse another G (or none).
cp -r "$WORK/s2" "$WORK/r"
rm "$WORK/r/replicates/rep-000003.csv"
expect() { # expect STATUS PATTERN COMMAND...: exit status and the first message line
  local st=$1 pat=$2; shift 2
  set +e; "$@" > /dev/null 2> "$WORK/err"; local got=$?; set -e
  [[ $got == "$st" ]] || fail "exit $got (not $st) for: $* ($(head -c 300 "$WORK/err"))"
  grep -q -- "$pat" "$WORK/err" || fail "message lacks '$pat' for: $*: $(head -c 300 "$WORK/err")"
}
expect 1 "'block_jackknife' differs" run 2 study "$WORK/t.h5" --replicates 12 $S --block-jackknife 5 --out "$WORK/r" --resume
expect 1 "'block_jackknife' differs" run 2 study "$WORK/t.h5" --replicates 12 $S --out "$WORK/r" --resume
run 2 study "$WORK/t.h5" --replicates 12 $S --block-jackknife 7 --out "$WORK/r" --resume > /dev/null
cmp -s "$WORK/s1/replicates.csv" "$WORK/r/replicates.csv" || fail "resumed replicates differ"
run 1 study "$WORK/t.h5" --replicates 12 $S --block-jackknife 7 --replicate-range 0:6 --out "$WORK/h1" > /dev/null
run 1 study "$WORK/t.h5" --replicates 12 $S --block-jackknife 5 --replicate-range 6:12 --out "$WORK/h2" > /dev/null
expect 1 "'block_jackknife' differs" run 1 merge "$WORK/h1" "$WORK/h2" --out "$WORK/hm"
# Bad values: usage errors naming the flag (exit 2), G > n1 naming n1 (exit 1), nothing written.
for g in 1 0 -3 2.5 x 2147483648; do
  expect 2 "block-jackknife" run 1 study "$WORK/t.h5" --replicates 2 $S --block-jackknife "$g" --out "$WORK/e"
  expect 2 "block-jackknife" run 1 audit "$WORK/t.h5" --n1 100 --block-jackknife "$g"
done
[[ ! -e $WORK/e ]] || fail "output written for a bad G"
expect 1 "n1 = 12" run 2 study "$WORK/t.h5" --replicates 2 $S --block-jackknife 13 --out "$WORK/e"
[[ ! -e $WORK/e ]] || fail "output written for G > n1"
expect 1 "n1 = 10" run 2 audit "$WORK/t.h5" --n1 10 --block-jackknife 11 --quiet
expect 2 "drop --no-tau2" run 1 audit "$WORK/t.h5" --n1 100 --block-jackknife 4 --no-tau2
echo PASSED
