#!/usr/bin/env bash
# The whole audit against an independent numpy computation, and the same digits for
# 1, 2 and 3 ranks and different block sizes (SPEC sections 2-7).
SIGMA=$1 MPIEXEC=$2
source "$(dirname "$0")/lib.sh"
# N not a multiple of the 1024-row chunk, so ranks and blocks cut everywhere.
run 2 generate "$WORK/g.h5" --rows 10007 --dim 24 --spectrum powerlaw --beta 1.2 --seed 11 --quiet
for opts in "" "--normalize" "--center"; do
  tag=$(echo "x$opts" | tr -d ' -')
  run 1 audit "$WORK/g.h5" --n1 700 --seed 5 $opts --json "$WORK/$tag.1.json" \
    --save-indices "$WORK/$tag.idx" --quiet > "$WORK/$tag.1.txt"
  run 2 audit "$WORK/g.h5" --n1 700 --seed 5 $opts --block-rows 500 --json "$WORK/$tag.2.json" --quiet > /dev/null
  run 3 audit "$WORK/g.h5" --n1 700 --seed 5 $opts --block-rows 3000 --json "$WORK/$tag.3.json" --quiet > /dev/null
  $PY "$TESTS_DIR/check_audit.py" "$WORK/$tag.1.json" "$WORK/$tag.idx" || fail "numpy check $opts"
  $PY "$TESTS_DIR/check_audit.py" --same "$WORK/$tag".{1,2,3}.json || fail "rank invariance $opts"
  grep -q "plug-in Lhat" "$WORK/$tag.1.txt" || fail "table missing"
done
echo PASSED
