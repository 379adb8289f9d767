#!/usr/bin/env bash
# sigma study (issue 3): replicate 0 at n1_max equals the audit's block; identical files
# for 1, 2 and 3 ranks; --replicate-range halves give the single run's replicate files;
# --resume after lost and torn replicate files gives the uninterrupted result; Gaussian
# statistics (Wishart coverage, plug-in bias, KS); --memory-limit chunking gives the
# same bytes; bad input.
SIGMA=$1 MPIEXEC=$2
source "$(dirname "$0")/lib.sh"
run 2 generate "$WORK/g.h5" --rows 20011 --dim 8 --spectrum powerlaw --seed 21 --quiet
S="--n1 16,64,256,1024 --seed 7 --quiet"
run 2 study "$WORK/g.h5" --replicates 200 $S --out "$WORK/a" > "$WORK/a.txt"
grep -q "wishart" "$WORK/a.txt" || fail "no summary table"
for f in study.json summary.csv summary.json replicates.csv replicates/rep-000199.csv report.md; do
  [[ -s $WORK/a/$f ]] || fail "missing $f"
done
for p in errors coverage qq hist; do
  [[ $(head -c 4 "$WORK/a/plots/$p.png" | od -An -c | tr -d ' ') == '211PNG' ]] || fail "plots/$p.png is not a PNG"
done
grep -q "The paper's CI" "$WORK/a/report.md" || fail "report.md has no verdict"
$PY "$TESTS_DIR/check_study.py" "$WORK/a" || fail "summary against numpy"
# Rank invariance (the same bytes), on fewer replicates.
for np in 1 2 3; do
  run $np study "$WORK/g.h5" --replicates 24 $S --out "$WORK/r$np" --normalize --center > /dev/null
done
for np in 2 3; do
  cmp -s "$WORK/r1/replicates.csv" "$WORK/r$np/replicates.csv" || fail "replicates differ, $np ranks"
  cmp -s "$WORK/r1/summary.csv" "$WORK/r$np/summary.csv" || fail "summary differs, $np ranks"
done
$PY - "$WORK" <<'PY' || fail "study provenance"
import json, sys
for np_ in (1, 2, 3):
    p = json.load(open(f"{sys.argv[1]}/r{np_}/summary.json"))["provenance"]
    assert p["ranks"] == np_ and p["command"][0] == "sigma study" and "--replicates" in p["command"], p
    assert p["version"].startswith("0.") and p["date_utc"].endswith("Z")
PY
# Replicate 0 at n1 = 1024 is the audit's block (same seed, Philox key (seed, 0)).
for opts in "" "--normalize --center"; do
  tag=$(echo "x$opts" | tr -d ' -')
  run 2 audit "$WORK/g.h5" --n1 1024 --seed 7 $opts --json "$WORK/audit$tag.json" --quiet > /dev/null
done
$PY - "$WORK" <<'PY' || fail "replicate 0 differs from the audit"
import csv, json, sys
w = sys.argv[1]
for study, audit in (("a", "auditx"), ("r1", "auditxnormalizecenter")):
    A = json.load(open(f"{w}/{audit}.json"))
    rows = list(csv.DictReader(open(f"{w}/{study}/replicates/rep-000000.csv")))
    r = [x for x in rows if x["n1"] == "1024"][0]
    for key, want in (("logdet_G1", A["truth"]["logdet_G1"]), ("tau2_observed", A["truth"]["tau2_observed"]),
                      ("plugin_est", A["estimators"]["plugin"]["estimate"]),
                      ("wishart_err", A["estimators"]["wishart"]["error"])):
        got = float(r[key])
        assert abs(got - want) <= 1e-10 * max(1, abs(want)), (study, key, got, want)
    S = json.load(open(f"{w}/{study}/summary.json"))
    assert S["truth"]["L"] == A["truth"]["L"], "truth differs"
print("replicate 0 = audit block")
PY
# --memory-limit below the block: replicates read in chunks of 2048 and 1024 rows give
# the same bytes as the block held at once.
M="--replicates 6 --n1 16,256,1024,3000,4500 --seed 3 --quiet"
run 2 study "$WORK/g.h5" $M --out "$WORK/m0" > /dev/null
for lim in 0.5:2048 0.4:1024; do
  run 3 study "$WORK/g.h5" $M --out "$WORK/m${lim%:*}" --memory-limit "${lim%:*}" > /dev/null
  $PY -c "import json,sys; c=json.load(open(sys.argv[1]))['provenance']['replicate_chunk_rows']; assert c == int(sys.argv[2]), c" \
    "$WORK/m${lim%:*}/summary.json" "${lim#*:}" || fail "--memory-limit ${lim%:*}: wrong chunk"
  cmp -s "$WORK/m0/replicates.csv" "$WORK/m${lim%:*}/replicates.csv" || fail "chunked replicates differ (${lim%:*} MiB)"
  cmp -s "$WORK/m0/summary.csv" "$WORK/m${lim%:*}/summary.csv" || fail "chunked summary differs (${lim%:*} MiB)"
done
# --replicate-range halves in two directories: the same replicate files.
run 1 study "$WORK/g.h5" --replicates 24 $S --out "$WORK/h1" --normalize --center --replicate-range 0:10 > /dev/null
run 2 study "$WORK/g.h5" --replicates 24 $S --out "$WORK/h2" --normalize --center --replicate-range 10:24 > /dev/null
for i in $(seq -f %06g 0 23); do
  f=$WORK/h1/replicates/rep-$i.csv; [[ -e $f ]] || f=$WORK/h2/replicates/rep-$i.csv
  cmp -s "$f" "$WORK/r1/replicates/rep-$i.csv" || fail "range run differs at replicate $i"
done
# sigma merge of the halves equals the single run, byte for byte.
run 1 merge "$WORK/h1" "$WORK/h2" --out "$WORK/m" > /dev/null
cmp -s "$WORK/m/summary.csv" "$WORK/r1/summary.csv" || fail "merged summary differs"
cmp -s "$WORK/m/replicates.csv" "$WORK/r1/replicates.csv" || fail "merged replicates differ"
$PY "$TESTS_DIR/check_study.py" "$WORK/m" || fail "merged summary against numpy"
set +e
run 1 merge "$WORK/h1" --out "$WORK/m1" 2> "$WORK/err" > /dev/null
grep -q "replicate 10 of 24 is in none" "$WORK/err" || fail "merge with a missing range: $(cat "$WORK/err")"
run 1 merge "$WORK/h1" "$WORK/a" --out "$WORK/m2" 2> "$WORK/err" > /dev/null
grep -q "is a different study" "$WORK/err" || fail "merge of different studies: $(cat "$WORK/err")"
run 1 merge "$WORK/h1" "$WORK/h2" --out "$WORK/m" 2> "$WORK/err" > /dev/null
grep -q "already holds a study" "$WORK/err" || fail "merge over a study: $(cat "$WORK/err")"
set -e
# --resume: lose three replicates, tear one, drop the summary: same result, 4 recomputed.
cp -r "$WORK/r2" "$WORK/res"
rm "$WORK/res/replicates/rep-000003.csv" "$WORK/res/replicates/rep-000017.csv" "$WORK/res/summary.csv"
head -c 300 "$WORK/r2/replicates/rep-000011.csv" > "$WORK/res/replicates/rep-000011.csv"
echo garbage > "$WORK/res/replicates/rep-000005.csv.tmp"
run 2 study "$WORK/g.h5" --replicates 24 $S --out "$WORK/res" --normalize --center --resume > /dev/null
cmp -s "$WORK/res/summary.csv" "$WORK/r2/summary.csv" || fail "resumed summary differs"
cmp -s "$WORK/res/replicates.csv" "$WORK/r2/replicates.csv" || fail "resumed replicates differ"
$PY -c "import json,sys; c=json.load(open('$WORK/res/summary.json'))['replicates_here']['computed_this_run']; sys.exit(c != 3)" \
  || fail "resume recomputed the wrong number of replicates"
# Gaussian statistics over 200 replicates.
$PY - "$WORK/a/summary.json" <<'PY' || fail "statistics"
import json, math, sys
S = json.load(open(sys.argv[1]))
d, N = S["study"]["d"], S["study"]["N"]
for r in S["summary"]:
    n1, e = r["n1"], r["estimator"]
    if e == "wishart" and n1 >= 4 * d:
        se = math.sqrt(0.95 * 0.05 / r["replicates"])
        assert abs(r["coverage_oracle"] - 0.95) <= 3 * se, ("Wishart coverage", n1, r["coverage_oracle"])
        assert r["ks_p"] > 1e-3, ("Wishart KS", n1, r["ks_D"], r["ks_p"])
    if e == "plugin" and n1 >= 8 * d:
        se = r["sd"] / math.sqrt(r["replicates"])
        assert abs(r["bias"] - r["bias_formula"]) <= 4 * se, ("plug-in bias", n1, r["bias"], r["bias_formula"], se)
print("Wishart coverage and KS, plug-in bias: ok")
PY
# Bad input: clear one-line errors, nothing written.
expect_err() {
  local pat=$1; shift
  set +e
  run 2 study "$WORK/g.h5" "$@" --quiet > /dev/null 2> "$WORK/err"
  local st=$?
  set -e
  [[ $st != 0 ]] || fail "no error for: $*"
  grep -m1 '^sigma' "$WORK/err" | grep -q -- "$pat" || fail "message lacks '$pat': $(grep -m1 '^sigma' "$WORK/err")"
}
expect_err "n1 = 4 < d = 8" --replicates 5 --n1 4,64 --out "$WORK/e1"
[[ ! -e $WORK/e1 ]] || fail "output created for n1 < d"
expect_err "n1 = 30000 > N = 20011" --replicates 5 --n1 64,30000 --out "$WORK/e4"
[[ ! -e $WORK/e4 ]] || fail "output created for n1 > N"
expect_err "is not an integer in 1.." --replicates 0 --n1 64 --out "$WORK/e2"
[[ ! -e $WORK/e2 ]] || fail "output created for R = 0"
touch "$WORK/afile"
expect_err "cannot create the output directory" --replicates 5 --n1 64 --out "$WORK/afile/sub"
expect_err "cannot create the output directory (its parent" --replicates 5 --n1 64 --out "$WORK/none/sub/"
# a new --out with a trailing slash is a directory name like any other (study and monitor)
run 1 study "$WORK/g.h5" --replicates 2 --n1 64 --out "$WORK/slash/" --no-plots --quiet > /dev/null \
  || fail "study --out DIR/"
[[ -s $WORK/slash/summary.csv ]] || fail "study --out DIR/: no summary"
run 1 monitor "$WORK/g.h5" "$WORK/g.h5" --n1 64 --normalize --out "$WORK/mslash/" --no-plots --quiet > /dev/null \
  || fail "monitor --out DIR/"
expect_err "already holds a study" --replicates 200 $S --out "$WORK/a"
expect_err "holds a different study" --replicates 24 --n1 16,64,256,1024 --seed 8 --out "$WORK/r2" --normalize --center --resume
expect_err "needs at least 1 MiB per rank, over --memory-limit 0.1 MiB" --replicates 5 --n1 64,4096 --memory-limit 0.1 --out "$WORK/e5"
[[ ! -e $WORK/e5 ]] || fail "output created for a memory limit below one chunk"
expect_err "not inside 0:24" --replicates 24 --n1 64 --replicate-range 20:30 --out "$WORK/e3"
# A study begun before the SPEC 4.1 estimators (its study.json has no replicate_columns):
# refused by --resume and by merge, never recomputed or mixed silently.
cp -r "$WORK/r2" "$WORK/old"
$PY - "$WORK/old/study.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); del j["replicate_columns"]; json.dump(j, open(sys.argv[1], "w"))
PY
expect_err "begun by an older sigma whose replicates have other columns" --replicates 24 $S --out "$WORK/old" --normalize --center --resume
set +e
run 1 merge "$WORK/old" --out "$WORK/old-merged" > /dev/null 2> "$WORK/merge.err"
st=$?
set -e
[[ $st == 1 ]] && grep -q "begun by an older sigma" "$WORK/merge.err" || fail "merge of an old study: $st $(cat "$WORK/merge.err")"
echo PASSED
