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
  run 2 audit "$WORK/g.h5" --n1 700 --seed 5 $opts --block-rows 500 --json "$WORK/$tag.2.json" \
    --csv "$WORK/$tag.2.csv" --quiet > /dev/null
  run 3 audit "$WORK/g.h5" --n1 700 --seed 5 $opts --block-rows 3000 --json "$WORK/$tag.3.json" --quiet > /dev/null
  $PY "$TESTS_DIR/check_audit.py" "$WORK/$tag.1.json" "$WORK/$tag.idx" || fail "numpy check $opts"
  $PY "$TESTS_DIR/check_audit.py" --same "$WORK/$tag".{1,2,3}.json || fail "rank invariance $opts"
  grep -q "plug-in Lhat" "$WORK/$tag.1.txt" || fail "table missing"
  # --csv: one key,value row per JSON leaf, in order, the same values to the bit.
  $PY - "$WORK/$tag.2.json" "$WORK/$tag.2.csv" <<'PY' || fail "CSV differs from JSON $opts"
import csv, json, sys
def leaves(v, key=""):
    if isinstance(v, dict):
        for k, x in v.items():
            yield from leaves(x, f"{key}.{k}" if key else k)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from leaves(x, f"{key}[{i}]")
    else:
        yield key, v
want = list(leaves(json.load(open(sys.argv[1]))))
rows = list(csv.reader(open(sys.argv[2], newline="")))
assert rows[0] == ["key", "value"], rows[0]
got = rows[1:]
assert [k for k, _ in got] == [k for k, _ in want], "keys differ"
for (k, v), (_, text) in zip(want, got):
    if v is None: assert text == "", (k, text)
    elif isinstance(v, bool): assert text == str(v).lower(), (k, text)
    elif isinstance(v, (int, float)): assert float(text) == v, (k, text, v)
    else: assert text == v, (k, text, v)
assert len(got) > 100 + 3 * 24, len(got)   # eigenvalues of G, G1, G2 included
print(f"CSV: {len(got)} values equal to the JSON")
PY
done
# An unwritable --csv: a one-line error naming it, and no JSON either.
set +e
run 1 audit "$WORK/g.h5" --n1 700 --json "$WORK/half.json" --csv "$WORK/no/such/dir/a.csv" --quiet \
  > /dev/null 2> "$WORK/csv.err"
st=$?
set -e
[[ $st == 1 ]] || fail "unwritable CSV: exit $st"
grep -m1 '^sigma' "$WORK/csv.err" | grep -q "no/such/dir/a.csv: cannot write --csv" || fail "unwritable CSV: $(cat "$WORK/csv.err")"
[[ ! -e $WORK/half.json ]] && ! compgen -G "$WORK/half.json*.tmp" > /dev/null || fail "JSON left behind by a failed CSV"
echo PASSED
