#!/usr/bin/env bash
# Set up a fresh Debian machine, build, and run every test (cmocka units, MPI tests).
# Usage: scripts/test.sh [ctest args...], e.g. scripts/test.sh -L unit
set -euo pipefail
source "$(dirname "$0")/env.sh"
bash "$SIGMA_ROOT/scripts/install-deps.sh" --no-data
bash "$SIGMA_ROOT/scripts/build.sh"
cd "$BUILD_DIR"
ctest --output-on-failure -j 1 "$@"
