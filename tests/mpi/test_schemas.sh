#!/usr/bin/env bash
# The output schemas of docs/schemas/ (issue 11): every JSON output of audit, study, merge,
# plan and monitor, in the modes that make keys null (--no-tau2, n1 = d, n1 = N, d = 1, no
# Richardson halves, --block-jackknife with and without v_bj, ScaLAPACK, one checkpoint,
# --full, --append, --merge, a merged and a resumed study, a rule beyond any row count),
# validates against its schema with Debian's python3-jsonschema (draft 2020-12, formats not
# checked): an undocumented key, a key missing, a null where the schema has none fails,
# naming the key's path. The CSV headers name only documented keys. Negative checks: a key
# injected into each output, and a null where none is allowed, must fail.
SIGMA=$1 MPIEXEC=$2
source "$(dirname "$0")/lib.sh"
SCHEMAS=$(cd "$TESTS_DIR/../docs/schemas" && pwd)
CHECK="$PY $TESTS_DIR/check_schema.py"
$PY -c "import jsonschema" 2> /dev/null || fail "python3-jsonschema missing (scripts/install-deps.sh)"
cd "$WORK"

$CHECK --lint "$SCHEMAS" > lint.txt || fail "schema lint: $(cat lint.txt)"

# Inputs: d = 8 (three independent row sets of one Sigma: a stationary series), d = 1.
run 2 generate g.h5 --rows 5000 --dim 8 --seed 3 --quiet
run 1 generate h.h5 --rows 5000 --dim 8 --seed 3 --row-seed 4 --quiet
run 1 generate k.h5 --rows 5000 --dim 8 --seed 3 --row-seed 5 --quiet
run 1 generate d1.h5 --rows 500 --dim 1 --seed 3 --quiet

# audit: a1 also writes the CSV and the indices a10 reads back
A="--seed 1 --quiet"
run 1 audit g.h5 --n1 100 $A --json a1.json --csv a1.csv --save-indices idx.txt > /dev/null
run 1 audit g.h5 --n1 100 $A --json a2.json --no-tau2 > /dev/null
run 1 audit g.h5 --n1 100 $A --json a3.json --normalize --block-jackknife 4 --epsilon 0.5 > /dev/null
run 2 audit g.h5 --n1 100 $A --json a4.json --scalapack on > /dev/null
run 1 audit g.h5 --n1 8 $A --json a5.json > /dev/null               # n1 = d
run 1 audit g.h5 --n1 5000 $A --json a6.json > /dev/null            # n1 = N: s = 0
run 1 audit d1.h5 --n1 50 $A --json a7.json --epsilon 1e-12 > /dev/null  # d = 1, rule n/a
run 1 audit g.h5 --n1 10 $A --json a8.json --center --observed first > /dev/null  # no halves
run 1 audit g.h5 --n1 14 $A --json a9.json --block-jackknife 2 > /dev/null  # v_bj n/a
run 1 audit g.h5 --observed-indices idx.txt $A --json a10.json > /dev/null

# plan: a rule beyond N and beyond any row count; d = 1 with a 4-row pilot (tau2_dec n/a)
run 1 plan g.h5 --epsilon 0.5,0.1,1e-4,1e-12 --json p1.json > /dev/null
run 1 plan d1.h5 --epsilon 0.5,1e-12 --pilot 4 --json p2.json > /dev/null
run 1 plan g.h5 --epsilon 0.3 --pilot 64 --center --normalize --json p3.json > /dev/null

# study: n1 = d and no halves at the small end; --epsilon; --block-jackknife; range jobs
# merged; a resumed study (every replicate kept)
S="g.h5 --replicates 6 --seed 2 --no-plots --quiet"
run 2 study $S --n1 8,12,40,100 --out s1 > /dev/null
run 1 study $S --epsilon 1.2,0.6 --block-jackknife 4 --out s2 > /dev/null
run 1 study $S --n1 40,100 --replicate-range 0:2 --out s3a > /dev/null
run 1 study $S --n1 40,100 --replicate-range 2:6 --out s3b > /dev/null
run 1 merge s3a s3b --out s3 > /dev/null
cp -r s1 s4 && run 1 study $S --n1 8,12,40,100 --out s4 --resume > /dev/null

# monitor: 3 checkpoints; --normalize --full over 2; one checkpoint; --append; --merge
M="--n1 100 --seed 1 --no-plots --quiet"
run 1 monitor g.h5 h.h5 k.h5 $M --energy-cap 1000 --labels x,y,z --out m1 > /dev/null
run 2 monitor g.h5 h.h5 $M --normalize --full --out m2 > /dev/null
run 1 monitor g.h5 $M --energy-cap 1000 --out m3 > /dev/null
run 1 monitor g.h5 $M --energy-cap 1000 --out m4 > /dev/null
run 1 monitor h.h5 k.h5 --append --no-plots --quiet --out m4 > /dev/null
run 1 monitor g.h5 h.h5 --observed-indices m4/observed-indices.txt --energy-cap 1000 --no-plots --quiet --out m5 > /dev/null
run 1 monitor --merge m4 m5 --no-plots --quiet --out m6 > /dev/null
run 1 monitor d1.h5 d1.h5 d1.h5 --n1 5 --seed 1 --energy-cap 1e6 --no-plots --quiet --out m7 > /dev/null  # d = 1, n1 <= d + 4

# every JSON output against its schema
check() { # SCHEMA FILE...
  local s=$1; shift
  $CHECK "$SCHEMAS/$s.schema.json" "$@" > out.txt 2>&1 || fail "$s schema: $(head -20 out.txt)"
}
check audit a*.json
check plan p*.json
check study-summary s*/summary.json
check study s*/study.json
check monitor m*/monitor.json
# proxies: with and without --exact, and an empty input (every ratio null)
printf 'a b c a b\n\nb c a\n' > t.txt
: > empty.txt
run 2 proxies t.txt --exact --json x1.json > /dev/null
run 1 proxies t.txt --hhi-n 1 --json x2.json > /dev/null
run 1 proxies empty.txt --exact --json x3.json > /dev/null
check proxies x*.json
n=$(ls a*.json p*.json s*/summary.json s*/study.json m*/monitor.json x*.json | wc -l)
[[ $n == 35 ]] || fail "expected 35 JSON outputs, validated $n"

# The CSV outputs name only documented keys: audit --csv keys are the JSON leaves;
# summary.csv's columns are a summary row's keys in order; monitor.csv's columns are
# checkpoint keys; replicates.csv's header is study.json's replicate_columns.
$PY - "$SCHEMAS" <<'PY' || fail "CSV columns"
import csv, json, re, sys
sch = lambda n: json.load(open(sys.argv[1] + "/" + n + ".schema.json"))
def leaves(v, p=""):
    if isinstance(v, dict):
        return [x for k, c in v.items() for x in leaves(c, p + "." + k if p else k)]
    if isinstance(v, list):
        return [x for i, c in enumerate(v) for x in leaves(c, "%s[%d]" % (p, i))]
    return [p]
rows = list(csv.reader(open("a1.csv")))
assert rows[0] == ["key", "value"], rows[0]
assert [r[0] for r in rows[1:]] == leaves(json.load(open("a1.json"))), "audit CSV keys != JSON leaves"
cell = sch("study-summary")["$defs"]["cell"]
assert next(csv.reader(open("s1/summary.csv"))) == cell["required"], "summary.csv columns"
cols = sch("study")["properties"]["replicate_columns"]["const"].split(",")
assert next(csv.reader(open("s1/replicates.csv"))) == cols, "replicates.csv columns"
ck = sch("monitor")["$defs"]["checkpoint"]["properties"]
for m in ("m1", "m2"):
    head = next(csv.reader(open(m + "/monitor.csv")))
    bad = [c for c in head if c not in ck]
    assert not bad, "monitor.csv columns not in the schema: %s" % bad
PY

# Negative: an undocumented key anywhere, or a null where none is allowed, fails, naming it.
inject() { # SCHEMA FILE PYTHON-STATEMENT EXPECTED-PATH
  $PY -c "import json; j = json.load(open('$2')); $3; json.dump(j, open('bad.json', 'w'))"
  if $CHECK "$SCHEMAS/$1.schema.json" bad.json > bad.txt 2>&1; then
    fail "$1: '$3' passed validation"
  fi
  grep -qF "$4" bad.txt || fail "$1: '$3' not reported at $4: $(cat bad.txt)"
}
inject audit a1.json "j['estimators']['lev']['own']['extra'] = 1" '$.estimators.lev.own.extra: undocumented key'
inject audit a1.json "j['estimators']['newest'] = j['estimators']['lev']" '$.estimators.newest: undocumented key'
inject audit a1.json "j['truth']['V_G'] = None" '$.truth.V_G: None is not of type'
inject audit a1.json "j['provenance']['blas']['cores'] = 2" '$.provenance.blas.cores: undocumented key'
inject audit a1.json "del j['rule']['n1_rule']" "\$.rule: 'n1_rule' is a required property"
inject plan p1.json "j['plan'][1]['n1']['newest'] = 5.0" '$.plan[1].n1.newest: undocumented key'
inject study-summary s1/summary.json "j['summary'][3]['coverage_new'] = 0.5" '$.summary[3].coverage_new: undocumented key'
inject study-summary s1/summary.json "j['summary'][0]['estimator'] = 'newest'" '$.summary[0].estimator'
inject study s1/study.json "j['study']['extra'] = 0" '$.study.extra: undocumented key'
inject study s1/study.json "j['replicate_columns'] += ',newest_est'" '$.replicate_columns'
inject monitor m1/monitor.json "j['checkpoints'][2]['U_new'] = 0.0" '$.checkpoints[2].U_new: undocumented key'
inject monitor m1/monitor.json "j['summary']['track_II_U']['verdict'] = 'collapsing'" '$.summary.track_II_U.verdict'
inject proxies x1.json "j['sketch']['rows'] = 5" '$.sketch.rows: undocumented key'
inject monitor m1/monitor.json "j['extra'] = {}" '$.extra: undocumented key'

echo "PASSED: $n JSON outputs valid against docs/schemas/, CSV columns documented, injected keys caught"
