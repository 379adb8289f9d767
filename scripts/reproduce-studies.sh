#!/usr/bin/env bash
# Re-run the recorded studies of docs/studies.md with the current build and check that
# every number of docs/studies/<name>/summary.csv, summary.json and plan.json comes out
# again, bit for bit (tests/check_numbers.py: by key and column, so new estimators may
# add columns and rows; provenance and timing are not compared). Nothing in docs/ is
# written (scripts/studies.sh is the one that records the studies).
#
# Usage: scripts/reproduce-studies.sh [gaussian|student|lognormal|tech|NAME-large ...]
#   default: gaussian, student, lognormal, and tech when data/tech/tech.h5 (or $TECH_H5)
#   exists, then the -large sweep of each. The -large studies are the same inputs at
#   n1 = 64d .. 384d (student: 64d .. 1024d) and have no plan.json.
# Inputs are generated into $STUDY_DIR (default /tmp/sigma-studies, shared with
# scripts/studies.sh; 1 GB each, generated once and then reused; STUDY_FRESH=1
# regenerates them); outputs go to a temporary directory, kept only on failure.
# On the 2-core VM once the inputs exist: 17-23 s per 2d .. 64d study and its plan, 1.3-3.7
# minutes per -large one, all eight in 9.5 minutes (2026-11-22); generating the three
# synthetic inputs takes about 1.5 minutes more.
#
# Bit identity needs the same OpenBLAS kernels as the recorded run (issue 7): the script
# sets OPENBLAS_CORETYPE to the core named in the recorded summary.json (SkylakeX) and
# runs 2 ranks on one BLAS thread each, as recorded. On a CPU without that core, the
# numbers would differ in the last digits: the script says SKIPPED and exits 0.
# TECH is bit-reproducible only on the same tech.h5 build (multi-threaded fastText is
# not): a rebuilt tech.h5 fails the comparison from truth.L on.
set -euo pipefail
source "$(dirname "$0")/env.sh"
S=$BUILD_DIR/sigma
PY=/usr/bin/python3
MPIEXEC=${MPIEXEC:-mpirun}
CHECK="$PY $SIGMA_ROOT/tests/check_numbers.py"
DIR=${STUDY_DIR:-/tmp/sigma-studies}
TECH_H5=${TECH_H5:-$SIGMA_ROOT/data/tech/tech.h5}
DOCS=$SIGMA_ROOT/docs/studies
SWEEP=512,1024,2048,4096,8192,16384
LARGE=16384,24576,32768,49152,65536,98304
LARGE_T5=16384,32768,65536,131072,196608,262144
EPS=1.4142,1,0.7071,0.5,0.3536,0.25
[[ -x $S ]] || { echo "reproduce-studies: no $S (run scripts/build.sh)" >&2; exit 2; }
OUT=$(mktemp -d "${TMPDIR:-/tmp}/sigma-reproduce.XXXXXX")
mkdir -p "$DIR"
if (($# == 0)); then
  set -- gaussian student lognormal
  [[ -s $TECH_H5 ]] && set -- "$@" tech
  set -- "$@" "${@/%/-large}"
fi

# input NAME: the HDF5 input of study NAME (generated if missing), and its extra flags.
input() {
  case ${1%-large} in
    gaussian|student|lognormal)
      local base=${1%-large}
      local f=$DIR/$base.h5 extra=(--seed 11)
      [[ $base == student ]] && extra=(--nu 5 --seed 12)
      [[ $base == lognormal ]] && extra=(--radial lognormal --radial-var 0.1705 --seed 13)
      if [[ ! -s $f || ${STUDY_FRESH:-0} == 1 ]]; then
        echo "== generating $f" >&2
        "$MPIEXEC" --oversubscribe -n 2 "$S" generate "$f" --rows 1000000 --dim 256 \
          --spectrum powerlaw --beta 1 "${extra[@]}" --quiet >&2
      fi
      echo "$f" ;;
    tech)
      [[ -s $TECH_H5 ]] || { echo "reproduce-studies: no $TECH_H5 (data/tech/build_tech.sh)" >&2; exit 2; }
      echo "$TECH_H5 --normalize" ;;
    *) echo "reproduce-studies: unknown study '$1'" >&2; exit 2 ;;
  esac
}

# core_runs CORE: this CPU has the instructions of OpenBLAS core CORE (x86 flags).
core_runs() {
  local flags need=()
  flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
  case ${1,,} in
    skylakex|cooperlake) need=(avx512f avx512vl avx512bw avx512dq) ;;
    haswell|zen) need=(avx2 fma) ;;
    sandybridge) need=(avx) ;;
  esac
  for f in "${need[@]}"; do [[ $flags == *" $f "* ]] || return 1; done
}

bad=0 ran=()
for name in "$@"; do
  core=$($PY -c "import json,sys; print(json.load(open(sys.argv[1]))['provenance']['blas']['core'])" \
    "$DOCS/$name/summary.json")
  if ! core_runs "$core"; then
    echo "== $name: SKIPPED, recorded on OpenBLAS $core kernels, which this CPU cannot run"
    continue
  fi
  export OPENBLAS_CORETYPE=$core OPENBLAS_NUM_THREADS=1  # for generate too: it multiplies by Q
  spec=$(input "$name") || exit 2
  read -r -a in <<< "$spec"
  sweep=$SWEEP files=(summary.csv summary.json plan.json)
  [[ $name == *-large ]] && sweep=$LARGE files=(summary.csv summary.json)
  [[ $name == student-large ]] && sweep=$LARGE_T5
  echo "== $name (${in[*]}, n1 = $sweep; OpenBLAS core $core, 2 ranks)"
  t0=$SECONDS
  "$MPIEXEC" --oversubscribe -n 2 "$S" study "${in[@]}" --replicates 200 --n1 "$sweep" \
    --seed 2026 --out "$OUT/$name" --no-plots --quiet > /dev/null
  [[ $name == *-large ]] || "$MPIEXEC" --oversubscribe -n 2 "$S" plan "${in[@]}" --epsilon "$EPS" \
    --json "$OUT/$name/plan.json" > /dev/null
  echo "   ran in $((SECONDS - t0)) s"
  ran+=("$name")
  for f in "${files[@]}"; do
    $CHECK "$DOCS/$name/$f" "$OUT/$name/$f" | sed 's/^/   /' || bad=$((bad + 1))
  done
done
if ((bad)); then
  echo "reproduce-studies: FAILED, $bad file(s) differ; outputs kept in $OUT"
  exit 1
fi
rm -rf "$OUT"
if ((${#ran[@]} == 0)); then
  echo "reproduce-studies: SKIPPED (no study could run on this CPU)"
else
  echo "reproduce-studies: PASSED (${ran[*]})"
fi
