#!/usr/bin/env bash
# Configure and build sigma (Release) into $BUILD_DIR (default build/).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cmake -S "$SIGMA_ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)" >&2  # stdout stays for results
