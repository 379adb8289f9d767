#!/usr/bin/env bash
# sigma monitor on bad input (issue 10): one line on stderr naming the checkpoint (and
# file, dataset, row where there is one), exit 1 (2 for usage), and nothing written: no
# new --out directory, an existing run left byte for byte. Usage: test_monitor_errors.sh
# SIGMA MPIEXEC CASE (ctest runs each case as its own test; CASE "all" runs them all).
SIGMA=$1 MPIEXEC=$2 CASE=${3:-all}
source "$(dirname "$0")/lib.sh"
cd "$WORK"
$PY - <<'PY'
import h5py, numpy as np
rng = np.random.default_rng(2)
def write(name, X):
    with h5py.File(name, "w") as f:
        f.create_dataset("embeddings", data=X)
X = rng.standard_normal((2000, 6)) * 0.15
write("a.h5", X)
write("b.h5", X * 0.9)
write("d5.h5", X[:, :5])
write("short.h5", X[:50])
Y = X.copy(); Y[:, 0] *= 10; write("big.h5", Y)
Y = X.copy(); Y[:, 2] = np.nan; write("nan.h5", Y)
Y = X.copy(); Y[1500] *= 100; write("big1500.h5", Y)
PY
# expect NP EXIT OUT PATTERN... -- ARGS: run, check status, the one message line, no output.
expect() {
  local np=$1 status=$2 out=$3; shift 3
  local pats=()
  while [[ $1 != -- ]]; do pats+=("$1"); shift; done
  shift
  local before=""
  [[ -d $out ]] && before=$(cd "$out" && find . -type f -exec sha256sum {} + | sort)
  set +e
  run "$np" monitor "$@" --out "$out" --quiet > stdout 2> stderr
  local got=$?
  set -e
  local line
  line=$(grep -m1 '^sigma' stderr || true)
  [[ $got == "$status" ]] || fail "exit $got (want $status) for: $* :: $(cat stderr)"
  [[ $(grep -c '^sigma: error' stderr) -le 1 ]] || fail "more than one error line: $*"
  for p in "${pats[@]}"; do [[ $line == *"$p"* ]] || fail "message lacks '$p': $line"; done
  local after=""
  [[ -d $out ]] && after=$(cd "$out" && find . -type f -exec sha256sum {} + | sort)
  [[ $before == "$after" ]] || fail "$out changed despite the error: $*"
  echo "ok: $line"
}
ran=0
want() { [[ $CASE == all || $CASE == "$1" ]] && ran=1; }
if want d_mismatch; then
  expect 2 1 o "checkpoint 1 (1)" "d = 5" "d = 6" -- a.h5 d5.h5 --n1 100 --normalize
fi
if want short_checkpoint; then
  expect 2 1 o "checkpoint 2 (2)" "50 rows" "largest observed row" -- a.h5 b.h5 short.h5 --n1 100 --normalize
fi
if want missing_checkpoint; then
  expect 3 1 o "checkpoint 1 (x)" "gone.h5" -- a.h5 gone.h5 b.h5 --labels w,x,y --n1 100 --normalize
fi
if want energy_cap; then
  expect 2 1 o "checkpoint 1 (1)" "big.h5:embeddings: row" "energy cap" "--normalize" -- a.h5 big.h5 --n1 100
  # the same under --full on 2 ranks: rank 1's block fails, every rank agrees before the pass
  expect 2 1 o "checkpoint 1 (1)" "big.h5:embeddings: row" -- a.h5 big.h5 --n1 100 --full
  # a row outside O (rows 0..99) is found by --full's pass over every row
  expect 2 1 o "checkpoint 1 (1)" "outside the observed block" "energy cap" -- a.h5 big1500.h5 --n1 100 --observed first --full
fi
if want nan_row; then
  expect 2 1 o "checkpoint 1 (1)" "nan.h5" "NaN" -- a.h5 nan.h5 --n1 100 --normalize
fi
if want one_checkpoint; then
  run 1 monitor a.h5 --n1 100 --normalize --out one --quiet > stdout
  grep -q "one checkpoint: no drift and no slope" stdout || fail "one checkpoint: $(cat stdout)"
  [[ $(wc -l < one/monitor.csv) == 2 ]] || fail "one checkpoint: monitor.csv"
  grep -q '"verdict": null' one/monitor.json || fail "one checkpoint: verdict not null"
  echo "ok: one checkpoint"
fi
if want append_not_run; then
  mkdir -p notrun && echo x > notrun/file
  expect 1 1 notrun "notrun is not a sigma monitor run" -- b.h5 --append --normalize
  expect 1 1 gone "no such directory" -- b.h5 --append --normalize
fi
if want append_changed; then
  run 1 monitor a.h5 b.h5 --n1 100 --normalize --out run --quiet > /dev/null
  expect 2 1 run "--n1 differs" "200 now, 100 then" -- b.h5 --append --n1 200 --normalize
  expect 2 1 run "--normalize differs" -- b.h5 --append
  expect 1 1 run "--delta differs" -- b.h5 --append --normalize --delta 0.5
  expect 1 1 run "observed rows asked for differ" -- b.h5 --append --normalize --observed first --n1 100
  expect 1 1 run "checkpoint 2 (2)" "d = 5" -- d5.h5 --append --normalize
fi
if want out_exists; then
  run 1 monitor a.h5 b.h5 --n1 100 --normalize --out run2 --quiet > /dev/null
  expect 1 1 run2 "already holds a monitor run" "--append" -- a.h5 b.h5 --n1 100 --normalize
  mkdir -p full && echo x > full/file
  expect 1 1 full "not empty" -- a.h5 b.h5 --n1 100 --normalize
fi
if want usage; then
  expect 1 2 o "--out" -- a.h5 b.h5 --n1 100 --out ""
  expect 1 2 o "--labels names 1 checkpoints, but 2" -- a.h5 b.h5 --n1 100 --labels x
  expect 1 2 o "give --n1" -- a.h5 b.h5
  expect 1 2 o "--center is not supported" -- a.h5 b.h5 --n1 100 --center
  printf 'x,y a.h5\nz b.h5\n' > badlabel.txt
  expect 1 1 o "badlabel.txt" "label 'x,y'" -- --checkpoints badlabel.txt --n1 100
  expect 1 2 o "--merge takes" -- a.h5 b.h5 --merge --n1 100
fi
((ran)) || fail "unknown case $CASE"
echo PASSED
