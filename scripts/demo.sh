#!/usr/bin/env bash
# The main job on a fresh Debian machine: install, build, build the real TECH
# embedding matrix (data/tech/, cached after the first run), and audit it on 2 ranks.
# Results: the table on stdout, out/tech-audit.json, out/tech-audit.csv and the pictures
# out/tech-audit-plots/*.png.
set -euo pipefail
source "$(dirname "$0")/env.sh"
bash "$SIGMA_ROOT/scripts/install-deps.sh"
bash "$SIGMA_ROOT/scripts/build.sh"
bash "$SIGMA_ROOT/data/tech/build_tech.sh"
mkdir -p "$SIGMA_ROOT/out"
mpirun -n 2 "$BUILD_DIR/sigma" audit "$SIGMA_ROOT/data/tech/tech.h5:/embeddings" \
  --n1 4096 --seed 1 --normalize --json "$SIGMA_ROOT/out/tech-audit.json" \
  --csv "$SIGMA_ROOT/out/tech-audit.csv" --plots "$SIGMA_ROOT/out/tech-audit-plots" "$@"
