# Shared helpers for the MPI tests. Sourced; expects SIGMA (binary) and MPIEXEC.
set -euo pipefail
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
PY=/usr/bin/python3
TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sigma-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# run NP ARGS...: sigma on NP ranks.
run() {
  local np=$1; shift
  "$MPIEXEC" --oversubscribe -n "$np" "$SIGMA" "$@"
}

fail() { echo "FAILED: $*" >&2; exit 1; }
