#!/usr/bin/env bash
# Fuzz every parser of untrusted text (tests/fuzz/: observed-index files, @LIST files, the
# replicate CSVs and study.json that --resume and merge read back, numeric flag values,
# the headers of .npy and safetensors inputs)
# with clang's libFuzzer under AddressSanitizer and UBSan: first every file in
# tests/fuzz/regressions/TARGET/ (crashes found earlier), then SECONDS seconds of fuzzing
# from the seed corpus tests/fuzz/corpus/TARGET/ (new inputs go to a scratch directory,
# the repository is not modified). A crash fails the run and leaves its input in
# $BUILD_DIR/fuzz/crash-TARGET-*: add it to tests/fuzz/regressions/TARGET/.
# Usage: scripts/fuzz.sh [SECONDS per target, default 12]
set -euo pipefail
shopt -s nullglob
source "$(dirname "$0")/env.sh"
SECS=${1:-12}
OUT=$BUILD_DIR/fuzz
mkdir -p "$OUT"
FZ=$SIGMA_ROOT/tests/fuzz
CFLAGS=(-g -O1 -std=c11 -D_DEFAULT_SOURCE -fsanitize=fuzzer,address,undefined
        -fno-sanitize-recover=undefined -I"$SIGMA_ROOT/io" -I"$SIGMA_ROOT/include"
        $(pkg-config --cflags jansson))
LIBS=($(pkg-config --libs jansson) -lm)
failed=0
for t in indices list rep_csv study_json flags npy safetensors; do
  clang "${CFLAGS[@]}" "$FZ/fuzz_$t.c" "$SIGMA_ROOT/io/parse.c" "$SIGMA_ROOT/io/tensor_header.c" \
    "$SIGMA_ROOT/src/error.c" \
    "${LIBS[@]}" -o "$OUT/fuzz_$t"
  regs=("$FZ/regressions/$t"/* "$FZ/regressions/$t"/.keep) # .keep: never an empty list
  if ! "$OUT/fuzz_$t" "${regs[@]}" > "$OUT/$t.regress.log" 2>&1; then
    echo "fuzz $t: a regression input crashes (see $OUT/$t.regress.log)"
    failed=1
  fi
  scratch=$(mktemp -d)
  if "$OUT/fuzz_$t" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="$OUT/crash-$t-" "$scratch" "$FZ/corpus/$t" > "$OUT/$t.log" 2>&1; then
    echo "fuzz $t: $(grep -o 'Done [0-9]* runs' "$OUT/$t.log" | tail -1) in ${SECS} s, no crash"
  else
    echo "fuzz $t: CRASH (input in $OUT/crash-$t-*; log $OUT/$t.log)"; tail -30 "$OUT/$t.log"
    failed=1
  fi
  rm -rf "$scratch"
done
[[ $failed == 0 ]] && echo "fuzz: PASSED" || { echo "fuzz: FAILED"; exit 1; }
