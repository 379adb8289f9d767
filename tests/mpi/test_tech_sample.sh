#!/usr/bin/env bash
# The audit on the committed sample of the real TECH matrix (data/tech/tech-sample.h5,
# 3000 fastText sentence vectors, d = 256): numpy agrees, 1 and 2 ranks agree.
SIGMA=$1 MPIEXEC=$2
source "$(dirname "$0")/lib.sh"
S="$TESTS_DIR/../data/tech/tech-sample.h5"
[[ -f $S ]] || fail "missing $S"
run 1 audit "$S:/embeddings" --n1 1024 --seed 2 --normalize --json "$WORK/1.json" --save-indices "$WORK/idx" --quiet > /dev/null
run 2 audit "$S" --n1 1024 --seed 2 --normalize --json "$WORK/2.json" --block-rows 700 --quiet > /dev/null
$PY "$TESTS_DIR/check_audit.py" "$WORK/1.json" "$WORK/idx" || fail "numpy check"
$PY "$TESTS_DIR/check_audit.py" --same "$WORK"/{1,2}.json || fail "rank invariance"
echo PASSED
