#!/usr/bin/env bash
# The recursive loop end to end (issue 13): data/collapse/run.sh --tiny (480 committed
# TECH sentences, a 16-d fastText encoder, a tiny GRU, S1 and S2 for 2 generations, the
# mixture sweep for 1) through sigma proxies and sigma monitor --proxies into the tables.
# Checks: every checkpoint file has the same rows; each monitor run has its checkpoints
# with proxies and Spearman keys; a second call recomputes nothing; a failure injected at
# S2 generation 2 stops the run with one error line, keeps generation 1, and the resumed
# run equals an uninterrupted one (same responses, same embeddings: seeds are keyed by
# generation, not by attempt); a leftover .tmp generation is discarded; a failing
# embedding step (fasttext) stops the run naming it; a different configuration in the
# same directory is refused.
# Usage: test_tiny_loop.sh SIGMA
SIGMA=$1
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PY=/usr/bin/python3
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sigma-collapse.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAILED: $*" >&2; exit 1; }
for m in torch sentencepiece; do
  $PY -c "import $m" 2> /dev/null || fail "python3 module $m missing (scripts/install-deps.sh)"
done
RUN=(bash "$ROOT/data/collapse/run.sh" --tiny --sigma "$SIGMA")

"${RUN[@]}" --out "$WORK/a" 2> "$WORK/a.log" || fail "tiny loop: $(tail -3 "$WORK/a.log")"
grep -q "S2 (S2, lambda 1.0): generation 2/2 done" "$WORK/a.log" || fail "no progress line"
$PY - "$WORK/a" <<'PY' || fail "tiny loop outputs"
import glob, json, os, sys
import h5py
run = sys.argv[1]
rows = set()
for f in sorted(glob.glob(f"{run}/*/gen-*/ckpt.h5")):
    with h5py.File(f) as h:
        rows.add(h["embeddings"].shape)
        assert h.attrs["generation"] >= 0
    n = sum(1 for _ in open(os.path.join(os.path.dirname(f), "responses.txt")))
    assert n == h5py.File(f)["embeddings"].shape[0], f
assert rows == {(128, 16)}, rows
for name, T in (("S1", 2), ("S2", 2), ("S2-lam0.5", 1), ("S2-lam0.9", 1)):
    m = json.load(open(f"{run}/analysis/monitor/{name}/monitor.json"))
    assert len(m["checkpoints"]) == T + 1, (name, len(m["checkpoints"]))
    assert all(c["distinct_2"] is not None and c["hhi"] is not None for c in m["checkpoints"])
    assert set(m["summary"]["proxies"]) == {"distinct_1", "distinct_2", "hhi"}
    for b in ("python", "postgresql", "sqlite", "rust"):
        assert os.path.exists(f"{run}/analysis/monitor/{name}-{b}/monitor.json"), (name, b)
t = open(f"{run}/analysis/tables.md").read()
assert "Table 1 format" in t and "Table 11 format" in t and "| S2 | 2 |" in t, t[:400]
for p in ("drift_U.png", "drift_Gamma.png", "proxies.png"):
    assert os.path.getsize(f"{run}/analysis/plots/{p}") > 1000, p
print("ok: tiny loop: 4 series, 128 x 16 checkpoints, monitor with proxies, tables and plots")
PY
# a second call: nothing recomputed
before=$(stat -c %Y "$WORK"/a/S*/gen-*/meta.json | md5sum)
"${RUN[@]}" --out "$WORK/a" 2> "$WORK/a2.log" || fail "second call"
! grep -q "done in" "$WORK/a2.log" || fail "a finished generation was recomputed: $(grep 'done in' "$WORK/a2.log")"
[[ $(stat -c %Y "$WORK"/a/S*/gen-*/meta.json | md5sum) == "$before" ]] || fail "generations rewritten"
echo "ok: a second call recomputes nothing"

# an interruption at S2 generation 2, then the same command again
set +e
COLLAPSE_FAIL_AT=S2:2 "${RUN[@]}" --out "$WORK/b" --no-analysis 2> "$WORK/b.log"
st=$?
set -e
[[ $st == 1 ]] || fail "injected failure: exit $st"
grep -q "collapse: error: series .* S2: generation 2: injected failure" "$WORK/b.log" \
  || fail "no error line: $(tail -5 "$WORK/b.log")"
[[ -d $WORK/b/S2/gen-001 && ! -d $WORK/b/S2/gen-002 ]] || fail "generation 1 lost or 2 half-made"
mkdir "$WORK/b/S2/gen-002.tmp" && echo junk > "$WORK/b/S2/gen-002.tmp/model.pt"  # a kill's leftover
"${RUN[@]}" --out "$WORK/b" 2> "$WORK/b2.log" || fail "resume: $(tail -3 "$WORK/b2.log")"
! grep -q "S2 (S2, lambda 1.0): generation 1/2 done" "$WORK/b2.log" || fail "S2 generation 1 redone"
for g in S1/gen-002 S2/gen-002 S2-lam0.5/gen-001; do
  cmp -s "$WORK/a/$g/responses.txt" "$WORK/b/$g/responses.txt" || fail "$g: resumed responses differ"
  $PY -c "
import h5py, numpy as np, sys
a, b = (h5py.File(f'{d}/$g/ckpt.h5')['embeddings'][...] for d in sys.argv[1:])
sys.exit(not np.array_equal(a, b))" "$WORK/a" "$WORK/b" || fail "$g: resumed embeddings differ"
done
echo "ok: interrupted at S2 generation 2, resumed: the same responses and embeddings"

# a failing embedding step: fasttext exits 1
mkdir -p "$WORK/bin"
printf '#!/bin/sh\n[ "$1" = print-sentence-vectors ] && { echo "boom" >&2; exit 3; }\nexec /usr/bin/fasttext "$@"\n' > "$WORK/bin/fasttext"
chmod +x "$WORK/bin/fasttext"
set +e
PATH="$WORK/bin:$PATH" "${RUN[@]}" --out "$WORK/c" --no-analysis 2> "$WORK/c.log"
st=$?
set -e
[[ $st == 1 ]] && grep -q "collapse: error: .*fasttext print-sentence-vectors .*: exit 3: boom" "$WORK/c.log" \
  || fail "embedding failure: exit $st: $(tail -3 "$WORK/c.log")"
[[ ! -d $WORK/c/base/gen-000 ]] || fail "a base without its evaluation"
echo "ok: $(grep 'collapse: error' "$WORK/c.log" | head -1)"
# another configuration in the same directory
set +e
"${RUN[@]}" --out "$WORK/a" --lam 0.5 --no-analysis 2> "$WORK/d.log"
st=$?
set -e
[[ $st == 1 ]] && grep -q "another configuration (lam)" "$WORK/d.log" || fail "config change: exit $st: $(cat "$WORK/d.log")"
echo "ok: $(cat "$WORK/d.log")"
echo PASSED
