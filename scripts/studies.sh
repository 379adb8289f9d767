#!/usr/bin/env bash
# The recorded studies of docs/studies.md: Gaussian and Student t (nu = 5) rows with a
# power-law spectrum (d = 256, N = 1e6), and the real TECH matrix; R = 200 replicates,
# n1 = 2d .. 64d. Inputs and full outputs go to $STUDY_DIR (default /tmp/sigma-studies);
# the summaries (report, CSV/JSON summary, plots) are copied to docs/studies/<name>/.
# Usage: scripts/studies.sh [gaussian|student|tech ...]   (default: all three)
set -euo pipefail
source "$(dirname "$0")/env.sh"
DIR=${STUDY_DIR:-/tmp/sigma-studies}
R=${STUDY_R:-200}
SWEEP=512,1024,2048,4096,8192,16384
mkdir -p "$DIR"
S="$BUILD_DIR/sigma"
one() {
  local name=$1 input=$2; shift 2
  rm -rf "$DIR/$name"
  mpirun -n 2 "$S" study "$input" --replicates "$R" --n1 "$SWEEP" --seed 2026 --out "$DIR/$name" "$@"
  mkdir -p "$SIGMA_ROOT/docs/studies/$name"
  cp "$DIR/$name"/{report.md,summary.csv,summary.json,study.json} "$DIR/$name"/plots/*.png \
     "$SIGMA_ROOT/docs/studies/$name/"
  # report.md links plots/; in docs the PNGs sit beside it.
  sed -i 's|(plots/|(|' "$SIGMA_ROOT/docs/studies/$name/report.md"
}
(($#)) || set -- gaussian student tech
for what in "$@"; do
  case $what in
    gaussian)
      [[ -s $DIR/gaussian.h5 ]] || mpirun -n 2 "$S" generate "$DIR/gaussian.h5" --rows 1000000 \
        --dim 256 --spectrum powerlaw --beta 1 --seed 11
      one gaussian "$DIR/gaussian.h5" ;;
    student)
      [[ -s $DIR/student.h5 ]] || mpirun -n 2 "$S" generate "$DIR/student.h5" --rows 1000000 \
        --dim 256 --spectrum powerlaw --beta 1 --nu 5 --seed 12
      one student "$DIR/student.h5" ;;
    tech)
      bash "$SIGMA_ROOT/data/tech/build_tech.sh"
      one tech "$SIGMA_ROOT/data/tech/tech.h5" --normalize ;;
    *) echo "studies.sh: unknown study '$what'" >&2; exit 2 ;;
  esac
done
