#!/usr/bin/env bash
# The recorded studies of docs/studies.md: Gaussian, Student t (nu = 5) and lognormal-radius
# rows (tau2 = 46 d, like fastText) with a power-law spectrum (d = 256, N = 1e6), and the
# real TECH matrix; R = 200 replicates, n1 = 2d .. 64d, and the `sigma plan` of each input;
# NAME-large: the same inputs at n1 = 64d .. 384d (student-large: 64d .. 1024d; no plan),
# where the estimators reach the precisions the rule promises at n1 = 2d .. 16d.
# Inputs and full outputs go to $STUDY_DIR (default /tmp/sigma-studies); the summaries
# (report, CSV/JSON summary, study.json, plots, plan.json) are copied to docs/studies/<name>/.
# Usage: scripts/studies.sh [gaussian|student|lognormal|tech|NAME-large ...]
#        (default: all eight)
# TECH reads $TECH_H5 (default data/tech/tech.h5, built by data/tech/build_tech.sh if missing).
set -euo pipefail
source "$(dirname "$0")/env.sh"
DIR=${STUDY_DIR:-/tmp/sigma-studies}
TECH_H5=${TECH_H5:-$SIGMA_ROOT/data/tech/tech.h5}
R=${STUDY_R:-200}
SWEEP=512,1024,2048,4096,8192,16384
LARGE=16384,24576,32768,49152,65536,98304
LARGE_T5=16384,32768,65536,131072,196608,262144
EPS=1.4142,1,0.7071,0.5,0.3536,0.25
mkdir -p "$DIR"
S="$BUILD_DIR/sigma"
# synth NAME ARGS...: the 1e6 x 256 power-law input NAME.h5 (generated once).
synth() {
  local f=$DIR/$1.h5; shift
  [[ -s $f ]] || mpirun -n 2 "$S" generate "$f" --rows 1000000 --dim 256 --spectrum powerlaw \
    --beta 1 "$@" --quiet
}
# one NAME INPUT [FLAGS]: study (and plan, unless NAME ends in -large) of INPUT into docs.
one() {
  local name=$1 input=$2; shift 2
  local docs=$SIGMA_ROOT/docs/studies/$name sweep=$SWEEP
  [[ $name == *-large ]] && sweep=$LARGE
  [[ $name == student-large ]] && sweep=$LARGE_T5
  rm -rf "$DIR/$name"
  mpirun -n 2 "$S" study "$input" --replicates "$R" --n1 "$sweep" --seed 2026 --out "$DIR/$name" "$@"
  mkdir -p "$docs"
  cp "$DIR/$name"/{report.md,summary.csv,summary.json,study.json} "$DIR/$name"/plots/*.png "$docs/"
  # report.md links plots/; in docs the PNGs sit beside it.
  sed -i 's|(plots/|(|' "$docs/report.md"
  [[ $name == *-large ]] && return
  mpirun -n 2 "$S" plan "$input" --epsilon "$EPS" "$@" --json "$docs/plan.json" > "$DIR/$name/plan.txt"
}
(($#)) || set -- gaussian student lognormal tech gaussian-large student-large lognormal-large tech-large
for what in "$@"; do
  case $what in
    gaussian|gaussian-large) synth gaussian --seed 11; one "$what" "$DIR/gaussian.h5" ;;
    student|student-large) synth student --nu 5 --seed 12; one "$what" "$DIR/student.h5" ;;
    lognormal|lognormal-large)
      # Var w = 0.1705 ~ 44 / (d + 2): tau2 = 1.1705 (d^2 + 2d) - d^2 = 45.99 d
      synth lognormal --radial lognormal --radial-var 0.1705 --seed 13
      one "$what" "$DIR/lognormal.h5" ;;
    tech|tech-large)
      [[ -s $TECH_H5 ]] || bash "$SIGMA_ROOT/data/tech/build_tech.sh" --out "$TECH_H5"
      one "$what" "$TECH_H5" --normalize ;;
    *) echo "studies.sh: unknown study '$what'" >&2; exit 2 ;;
  esac
done
