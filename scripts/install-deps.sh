#!/usr/bin/env bash
# Install every Debian package sigma needs (idempotent). Run as root or with sudo.
# procps (ps, pkill: the kill test), time and bc (benchmarks) are not in minimal images.
# Usage: scripts/install-deps.sh [--no-data]   (--no-data skips the doc packages for TECH)
set -euo pipefail

BUILD_PKGS=(
  build-essential cmake pkg-config
  openmpi-bin libopenmpi-dev
  libhdf5-openmpi-dev hdf5-tools
  libopenblas-dev liblapacke-dev
  libscalapack-openmpi-dev
  libgsl-dev libcmocka-dev librandom123-dev libjansson-dev
  gnuplot-nox
  help2man man-db            # the man pages from each --help (cmake/man.cmake), man -l (test)
  python3 python3-numpy python3-h5py python3-mpmath   # mpmath: high-precision references (issue 9)
  python3-jsonschema         # the output schemas of docs/schemas/ (tests/mpi/test_schemas.sh)
  slurm-wlm munge
  procps time bc
  clang libclang-rt-14-dev   # libFuzzer + sanitizers for scripts/fuzz.sh
  hdf5-filter-plugin         # an HDF5 filter plugin, to test a file whose filter is missing
  # the recursive loop (data/collapse/, issue 13): a GRU language model, its subword
  # vocabulary and the fastText encoder; the tiny loop runs in the test suite
  python3-torch python3-sentencepiece fasttext
)
# Real input: the TECH corpus (paper Appendix C.2) rebuilt from Debian's documentation.
DATA_PKGS=(fasttext python3.11-doc postgresql-doc-15 sqlite3-doc rust-doc)

want=("${BUILD_PKGS[@]}")
[[ "${1:-}" == "--no-data" ]] || want+=("${DATA_PKGS[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#want[@]} packages present"
  exit 0
fi
SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO=sudo
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
