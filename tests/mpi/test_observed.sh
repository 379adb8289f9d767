#!/usr/bin/env bash
# --observed first, --observed-indices, --epsilon by the rule, and the sampler's rows
# being the same for any rank count (SPEC section 7).
SIGMA=$1 MPIEXEC=$2
source "$(dirname "$0")/lib.sh"
run 1 generate "$WORK/g.h5" --rows 6000 --dim 12 --spectrum exponential --beta 3 --seed 2 --quiet
run 2 audit "$WORK/g.h5" --n1 200 --observed first --json "$WORK/first.json" --save-indices "$WORK/first.idx" --quiet > /dev/null
sort -n "$WORK/first.idx" | diff -q - <(seq 0 199) > /dev/null || fail "--observed first rows"
$PY "$TESTS_DIR/check_audit.py" "$WORK/first.json" "$WORK/first.idx" || fail "numpy first"
# Indices saved by one run, given back: same G1.
run 3 audit "$WORK/g.h5" --n1 150 --seed 77 --save-indices "$WORK/r.idx" --json "$WORK/r.json" --quiet > /dev/null
for np in 1 2; do
  run $np audit "$WORK/g.h5" --n1 150 --seed 77 --save-indices "$WORK/r$np.idx" --quiet > /dev/null
  cmp -s "$WORK/r.idx" "$WORK/r$np.idx" || fail "sampled rows depend on ranks ($np)"
done
run 2 audit "$WORK/g.h5" --observed-indices "$WORK/r.idx" --json "$WORK/given.json" --save-indices "$WORK/given.idx" --quiet > /dev/null
$PY - "$WORK/r.json" "$WORK/given.json" <<'PY' || fail "indices file gives other G1"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert a["truth"]["logdet_G1"] == b["truth"]["logdet_G1"], (a["truth"], b["truth"])
assert b["parameters"]["observed"] == "indices" and b["parameters"]["n1"] == 150
PY
$PY "$TESTS_DIR/check_audit.py" "$WORK/given.json" "$WORK/given.idx" || fail "numpy indices"
# --epsilon picks n1 = ceil(4 d / eps^2) = ceil(48 / 0.09) = 534.
run 1 audit "$WORK/g.h5" --epsilon 0.3 --json "$WORK/eps.json" --quiet > /dev/null
$PY -c "import json,sys; r=json.load(open('$WORK/eps.json')); assert r['parameters']['n1']==534 and r['rule']['n1_rule']==534, r['parameters']" || fail "--epsilon rule"
echo PASSED
