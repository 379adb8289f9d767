#!/usr/bin/env bash
# --help lists every flag with its default; usage errors exit 2; --version.
SIGMA=$1 MPIEXEC=$2
source "$(dirname "$0")/lib.sh"
"$SIGMA" --help | grep -q "audit" || fail "sigma --help lists no commands"
help=$(run 2 audit --help)
[[ $(grep -c "Usage: sigma audit" <<< "$help") == 1 ]] || fail "help printed by more than one rank"
for f in n1 epsilon rule-constant seed observed observed-indices save-indices block-rows normalize \
         center level delta energy-cap no-tau2 scalapack json csv quiet block-jackknife; do
  grep -q -- "--$f" <<< "$help" || fail "audit --help lacks --$f"
done
for d in "default 4" "default 1)" "default 0: 16 MiB" "default 0.95" "default 1e-3" "default auto"; do
  grep -q -- "$d" <<< "$help" || fail "audit --help lacks '$d'"
done
"$SIGMA" generate --help | grep -q -- "--spectrum" || fail "generate --help"
shelp=$("$SIGMA" study --help)
for f in replicates n1 epsilon rule-constant seed out resume replicate-range memory-limit level \
         normalize center block-rows quiet no-plots block-jackknife; do
  grep -q -- "--$f" <<< "$shelp" || fail "study --help lacks --$f"
done
grep -q "default 4096" <<< "$shelp" || fail "study --help lacks the memory default"
"$SIGMA" merge --help | grep -q -- "--out" || fail "merge --help"
phelp=$("$SIGMA" plan --help)
for f in epsilon level pilot seed rule-constant normalize center json; do
  grep -q -- "--$f" <<< "$phelp" || fail "plan --help lacks --$f"
done
for c in audit study merge plan generate; do "$SIGMA" --help | grep -q "  $c " || fail "sigma --help lacks $c"; done
"$SIGMA" --version | grep -q "^sigma " || fail "--version"
set +e
"$SIGMA" frobnicate > /dev/null 2>&1; [[ $? == 2 ]] || fail "unknown command status"
"$SIGMA" audit --bogus > /dev/null 2>&1; [[ $? == 2 ]] || fail "unknown option status"
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
"$SIGMA" study x.h5 --replicates 1 --n1 8 --out "" > /dev/null 2> "$WORK/err"
[[ $? == 2 ]] && grep -q "directory name is empty" "$WORK/err" || fail "empty --out: $(cat "$WORK/err")"
# A directory name longer than any path: the file system's one-line error, exit 1 (paths
# are built to length, never truncated into another name).
"$SIGMA" generate "$WORK/g.h5" --rows 64 --dim 2 --quiet || fail "generate"
long=$WORK/$(printf 'd%.0s' {1..5000})
"$SIGMA" study "$WORK/g.h5" --replicates 1 --n1 8 --out "$long" --quiet > /dev/null 2> "$WORK/err"
st=$?
[[ $st == 1 && $(wc -l < "$WORK/err") == 1 ]] && grep -q "^sigma: error: .*too long" "$WORK/err" \
  || fail "long --out: exit $st: $(head -c 300 "$WORK/err")"
echo PASSED
