#!/usr/bin/env bash
# Numbers unchanged (issue 8): sigma audit (JSON and CSV), study (summary.csv,
# replicates.csv, summary.json) and plan (JSON) on generated Gaussian, Student t,
# float64 and float16 inputs and on the committed TECH sample give exactly the numbers
# recorded in tests/golden/ (recorded at commit e216007, before the redesign). The
# comparison (tests/check_numbers.py) goes by key and column name, so new keys, columns
# and estimator rows may be added; provenance, timing, versions, paths, host and date are
# not compared; any other golden value that changes or goes missing fails, naming file,
# key and both values.
#
# The generated inputs are re-created here with sigma generate (deterministic; their
# attributes and a sha256 of their data are golden too). OpenBLAS is pinned to its
# generic Prescott kernels on one thread: other kernels round differently (issue 7), and
# Prescott runs on every x86-64 CPU, so the goldens hold on any CI machine.
#
# Usage: test_numbers.sh [--record] [SIGMA [MPIEXEC]]  (defaults build/sigma, mpiexec)
# --record rewrites tests/golden/ from this build. Use it only when a number changes on
# purpose, and say which numbers and why in the commit message:
#   bash tests/mpi/test_numbers.sh --record build/sigma && git diff --stat tests/golden
RECORD=0
if [[ ${1:-} == --record ]]; then RECORD=1; shift; fi
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SIGMA=${1:-$ROOT/build/sigma} MPIEXEC=${2:-mpiexec}
source "$(dirname "$0")/lib.sh"
export OPENBLAS_CORETYPE=Prescott OPENBLAS_NUM_THREADS=1
GOLD=$TESTS_DIR/golden
CHECK="$PY $TESTS_DIR/check_numbers.py"
TECH=$TESTS_DIR/../data/tech/tech-sample.h5
OUT=$WORK/out
mkdir -p "$OUT"/{inputs,audit,study,plan}
if ((RECORD)); then rm -rf "$GOLD"; mkdir -p "$GOLD"; fi
nbad=0
checked=()

# keep FILE...: compare $OUT/FILE with $GOLD/FILE (or record it).
keep() {
  local f
  for f; do
    checked+=("$f")
    if ((RECORD)); then
      $CHECK --record "$OUT/$f" "$GOLD/$f" > /dev/null || fail "recording $f"
    elif [[ ! -f $GOLD/$f ]]; then
      echo "FAILED numbers: no golden $f (record with --record)"; nbad=$((nbad + 1))
    else
      $CHECK "$GOLD/$f" "$OUT/$f" || nbad=$((nbad + 1))
    fi
  done
}
# gen NAME ARGS...: sigma generate on 1 rank; the input's attributes and data digest.
gen() {
  local name=$1; shift
  run 1 generate "$WORK/$name.h5" "$@" --quiet > /dev/null || fail "generate $name"
  $CHECK --h5-digest "$WORK/$name.h5" "$OUT/inputs/$name.json" || fail "digest of $name"
  keep "inputs/$name.json"
}
# audit NAME NP [--csv] ARGS...: sigma audit ARGS on NP ranks; its JSON (and CSV).
audit() {
  local name=$1 np=$2 csv=(); shift 2
  if [[ $1 == --csv ]]; then csv=(--csv "$OUT/audit/$name.csv"); shift; fi
  run "$np" audit "$@" --json "$OUT/audit/$name.json" "${csv[@]}" --quiet > /dev/null \
    || fail "sigma audit $name ($*)"
  keep "audit/$name.json"
  ((${#csv[@]} == 0)) || keep "audit/$name.csv"
}
# study NAME NP ARGS...: sigma study ARGS on NP ranks; summary.csv, replicates.csv, summary.json.
study() {
  local name=$1 np=$2; shift 2
  run "$np" study "$@" --out "$OUT/study/$name" --no-plots --quiet > /dev/null \
    || fail "sigma study $name ($*)"
  keep "study/$name/summary.csv" "study/$name/replicates.csv" "study/$name/summary.json"
}
# plan NAME NP ARGS...: sigma plan ARGS on NP ranks; its JSON.
plan() {
  local name=$1 np=$2; shift 2
  run "$np" plan "$@" --json "$OUT/plan/$name.json" > /dev/null || fail "sigma plan $name ($*)"
  keep "plan/$name.json"
}

G=$WORK/gauss.h5 T=$WORK/student.h5 F=$WORK/f64.h5 H=$WORK/f16.h5
gen gauss --rows 8009 --dim 16 --spectrum powerlaw --seed 11
gen student --rows 8009 --dim 16 --spectrum powerlaw --nu 5 --seed 12
gen f64 --rows 3001 --dim 16 --dtype float64 --spectrum exponential --beta 3 --seed 13
gen f16 --rows 2003 --dim 10 --dtype float16 --spectrum spiked --spikes 3 --seed 14

# Audits: default, normalize + center, --epsilon, --no-tau2, 2 ranks, ScaLAPACK, the
# observed block from a file, every statistics flag, shards, float64/float16 rows.
audit gauss 1 --csv "$G" --n1 256 --seed 3 --save-indices "$OUT/audit/gauss.idx"
keep audit/gauss.idx
audit gauss-normcenter 1 --csv "$G" --n1 256 --seed 3 --normalize --center
audit gauss-epsilon 1 "$G" --epsilon 0.6 --seed 4
audit gauss-notau2 1 --csv "$G" --n1 256 --seed 3 --no-tau2
audit gauss-np2 2 --csv "$G:/embeddings" --n1 300 --seed 5 --block-rows 1000
audit gauss-indices 1 "$G" --observed-indices "$GOLD/audit/gauss.idx"
audit gauss-flags 1 "$G" --n1 200 --observed first --level 0.9 --delta 0.01 --energy-cap 30 \
  --rule-constant 2
audit student 1 --csv "$T" --n1 256 --seed 3
audit student-normcenter-np2 2 "$T" --n1 256 --seed 3 --normalize --center
audit student-epsilon 1 "$T" --epsilon 0.6 --seed 4 --center
audit shards 2 "$G" "$T" --n1 400 --seed 6 --block-rows 3000
audit f64 1 "$F" --n1 100 --seed 7 --center
audit f16 1 --csv "$H" --n1 80 --seed 8 --normalize
audit tech 1 --csv "$TECH" --n1 1024 --seed 2 --normalize
audit tech-center-np2 2 "$TECH" --n1 1024 --seed 2 --normalize --center --block-rows 700
audit tech-scalapack-np2 2 "$TECH" --n1 700 --seed 9 --normalize --scalapack on
audit tech-raw-epsilon 1 "$TECH" --epsilon 1.2 --seed 5

# Studies: a few replicates over a short n1 sweep; one centred; one from --epsilon.
study gauss 2 "$G" --replicates 4 --n1 32,64,160 --seed 7
study student-center 1 "$T" --replicates 3 --n1 32,100,400 --seed 8 --center
study tech-epsilon 2 "$TECH" --replicates 2 --epsilon 2,1.5 --seed 9 --normalize

# Plans.
plan student 1 "$T" --epsilon 1,0.5,0.25 --seed 3
plan tech-np2 2 "$TECH" --epsilon 2,1 --pilot 2000 --normalize

# Every golden file is checked by a line above (a stale one fails).
if ((!RECORD)); then
  while IFS= read -r f; do
    [[ " ${checked[*]} " == *" ${f#"$GOLD"/} "* ]] \
      || { echo "FAILED numbers: golden $f is checked by nothing"; nbad=$((nbad + 1)); }
  done < <(find "$GOLD" -type f | sort)
fi
((nbad == 0)) || fail "$nbad golden file(s) differ (see above)"
((RECORD)) && echo "recorded $(find "$GOLD" -type f | wc -l) files in $GOLD ($(du -sh "$GOLD" | cut -f1))"
echo PASSED
