#!/usr/bin/env bash
# Bad input: one line on stderr naming file, dataset and row; exit status 1 (2 for
# usage); no JSON written. Usage: test_errors.sh SIGMA MPIEXEC CASE (ctest runs each
# case as its own test; CASE "all" runs every case).
SIGMA=$1 MPIEXEC=$2 CASE=${3:-all}
source "$(dirname "$0")/lib.sh"
$PY - "$WORK" <<'PY'
import sys, h5py, numpy as np
w = sys.argv[1]
rng = np.random.default_rng(1)
X = rng.standard_normal((3000, 8)).astype("float32")
def write(name, data, dset="embeddings"):
    with h5py.File(f"{w}/{name}.h5", "w") as f:
        f.create_dataset(dset, data=data)
write("good", X)
write("d6", X[:, :6])
write("f64", X.astype("float64"))
write("rank1", X[:, 0])
write("rank3", X.reshape(3000, 4, 2))
write("ints", (X * 10).astype("int32"))
Y = X.copy(); Y[2345, 3] = np.nan; write("nan", Y)
Y = X.copy(); Y[17, 0] = np.inf; write("inf", Y)
Y = X.copy(); Y[:, 7] = Y[:, 2]; write("singular", Y)
Y = X.copy(); Y[999] = 0; write("zero_row", Y)
raw = open(f"{w}/good.h5", "rb").read()
open(f"{w}/truncated.h5", "wb").write(raw[: len(raw) // 2])
open(f"{w}/text.h5", "w").write("not hdf5\n")
open(f"{w}/bad_idx.txt", "w").write("5\n17\n3000\n")
open(f"{w}/dup_idx.txt", "w").write("".join(f"{i}\n" for i in list(range(20)) + [4]))
PY
G="$WORK/good.h5"
# expect NP EXIT PATTERN... -- ARGS: run, check status, one line matching every pattern, no JSON.
expect() {
  local np=$1 status=$2; shift 2
  local pats=()
  while [[ $1 != -- ]]; do pats+=("$1"); shift; done
  shift
  rm -f "$WORK/out.json"
  set +e
  run "$np" audit "$@" --json "$WORK/out.json" --quiet > "$WORK/stdout" 2> "$WORK/stderr"
  local got=$?
  set -e
  # mpirun may add its own notice lines after a non-zero exit; sigma's line is the first.
  local line
  line=$(grep -m1 '^sigma' "$WORK/stderr" || true)
  [[ $got == "$status" ]] || fail "exit $got (want $status) for: $* :: $(cat "$WORK/stderr")"
  [[ $(grep -c '^sigma: error' "$WORK/stderr") -le 1 ]] || fail "more than one error line: $*"
  for p in "${pats[@]}"; do
    [[ $line == *"$p"* ]] || fail "message lacks '$p': $line"
  done
  [[ ! -e $WORK/out.json ]] && ! compgen -G "$WORK/out.json*.tmp" > /dev/null || fail "JSON written despite error: $*"
  echo "ok: $line"
}
ran=0
if [[ $CASE == all || $CASE == missing_shard ]]; then
  printf '%s\n' "$G" "$WORK/gone.h5" "$G" > "$WORK/shards.txt"
  expect 2 1 "gone.h5" "no such file" "embeddings" -- "@$WORK/shards.txt" --n1 100; ran=1
fi
if [[ $CASE == all || $CASE == dtype_mismatch ]]; then expect 2 1 "f64.h5" "dtype float64" "good.h5" "float32" -- "$G" "$WORK/f64.h5" --n1 100; ran=1; fi
if [[ $CASE == all || $CASE == shard_deleted ]]; then
  # Validated, then deleted before the pass reaches it: the audit announces a 3 s
  # pause after validation, and the shard goes as soon as that line appears.
  cp "$G" "$WORK/late.h5"
  SIGMA_DEBUG_DELAY_MS=3000 run 2 audit "$G" "$WORK/late.h5" --n1 100 --json "$WORK/out.json" --quiet > /dev/null 2> "$WORK/stderr" &
  pid=$!
  for _ in $(seq 1 600); do
    grep -q 'debug: paused' "$WORK/stderr" 2>/dev/null && break
    sleep 0.05
  done
  grep -q 'debug: paused' "$WORK/stderr" || fail "deleted shard: the audit never paused"
  rm -f "$WORK/late.h5"
  set +e; wait $pid; st=$?; set -e
  line=$(grep -v 'debug:' "$WORK/stderr" | grep -m1 '^sigma' || true)
  [[ $st == 1 && $line == *"late.h5: no such file"* && ! -e $WORK/out.json ]] || fail "deleted shard: exit $st: $line"
  echo "ok: $line"; ran=1
fi
if [[ $CASE == all || $CASE == missing_file ]]; then expect 2 1 "missing.h5" "no such file" "embeddings" -- "$WORK/missing.h5" --n1 100; ran=1; fi
if [[ $CASE == all || $CASE == missing_dataset ]]; then expect 2 1 "good.h5" "no dataset 'nope'" -- "$G:nope" --n1 100; ran=1; fi
if [[ $CASE == all || $CASE == rank1 ]]; then expect 1 1 "rank1.h5" "embeddings" "rank 1" -- "$WORK/rank1.h5" --n1 100; ran=1; fi
if [[ $CASE == all || $CASE == rank3 ]]; then expect 1 1 "rank3.h5" "rank 3" -- "$WORK/rank3.h5" --n1 100; ran=1; fi
if [[ $CASE == all || $CASE == int_dtype ]]; then expect 2 1 "ints.h5" "embeddings" "integer" -- "$WORK/ints.h5" --n1 100; ran=1; fi
if [[ $CASE == all || $CASE == nan_row ]]; then expect 2 1 "nan.h5" "embeddings" "row 2345" "NaN" "column 3" -- "$WORK/nan.h5" --n1 100; ran=1; fi
if [[ $CASE == all || $CASE == inf_row ]]; then expect 3 1 "inf.h5" "row 17" "Inf" -- "$WORK/inf.h5" --n1 100; ran=1; fi
if [[ $CASE == all || $CASE == n1_below_d ]]; then expect 2 1 "n1 = 5 < d = 8" -- "$G" --n1 5; ran=1; fi
if [[ $CASE == all || $CASE == n1_above_N ]]; then expect 1 1 "n1 = 3001 > N = 3000" -- "$G" --n1 3001; ran=1; fi
if [[ $CASE == all || $CASE == singular ]]; then expect 2 1 "singular" "G" "numerical rank 7 of d = 8" -- "$WORK/singular.h5" --n1 500; ran=1; fi
if [[ $CASE == all || $CASE == truncated ]]; then expect 2 1 "truncated.h5" "truncated" "embeddings" -- "$WORK/truncated.h5" --n1 100; ran=1; fi
if [[ $CASE == all || $CASE == not_hdf5 ]]; then expect 1 1 "text.h5" "not a NumPy .npy file, an HDF5 file or a safetensors file" -- "$WORK/text.h5" --n1 100; ran=1; fi
if [[ $CASE == all || $CASE == d_mismatch ]]; then expect 2 1 "d6.h5" "d = 6" "good.h5" -- "$G" "$WORK/d6.h5" --n1 100; ran=1; fi
if [[ $CASE == all || $CASE == bad_indices ]]; then expect 2 1 "bad_idx.txt" "line 3" "3000" -- "$G" --observed-indices "$WORK/bad_idx.txt"; ran=1; fi
if [[ $CASE == all || $CASE == dup_indices ]]; then expect 1 1 "dup_idx.txt" "twice" -- "$G" --observed-indices "$WORK/dup_idx.txt"; ran=1; fi
if [[ $CASE == all || $CASE == zero_row_normalize ]]; then expect 2 1 "zero_row.h5" "row 999" "normalize" -- "$WORK/zero_row.h5" --n1 100 --normalize; ran=1; fi
if [[ $CASE == all || $CASE == empty_glob ]]; then expect 1 1 "no file matches" -- "$WORK/nothing_*.h5" --n1 100; ran=1; fi
if [[ $CASE == all || $CASE == bad_integer ]]; then expect 1 2 "not an integer" -- "$G" --n1 12x; ran=1; fi
if [[ $CASE == all || $CASE == bad_level ]]; then expect 1 2 "--level" -- "$G" --n1 100 --level 1.5; ran=1; fi
if [[ $CASE == all || $CASE == no_n1 ]]; then expect 2 2 "give --n1" -- "$G"; ran=1; fi
[[ $ran == 1 ]] || fail "unknown case $CASE"
echo PASSED
