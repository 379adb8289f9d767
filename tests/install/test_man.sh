#!/usr/bin/env bash
# The man pages (issue 11, cmake/man.cmake): each of sigma(1), sigma-COMMAND(1) renders
# with `man -l` without a groff warning, has the hand-written EXAMPLES and EXIT STATUS
# (exit 0, 1, 2) of man/*.h2m, and holds every long flag that `sigma [COMMAND] --help`
# prints (looked up in the roff source with its \- escapes and font changes undone).
# Usage: test_man.sh SIGMA MAN_DIR
set -euo pipefail
SIGMA=$1 MAN_DIR=$2
fail() { echo "FAILED: $*" >&2; exit 1; }
WARN=$(mktemp "${TMPDIR:-/tmp}/sigma-man.XXXXXX")
trap 'rm -f "$WARN"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
n=0
for cmd in "" audit study merge plan monitor generate proxies; do
  page=sigma${cmd:+-$cmd}
  src=$MAN_DIR/$page.1
  [[ -f $src ]] || fail "$src missing"
  # The roff source as text: \- -> -, \fB \fI \fR \fP and \(em-like escapes dropped.
  text=$(sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\(..//g' -e 's/\\&//g' "$src")
  rendered=$(MANWIDTH=100 man --warnings -l "$src" 2> "$WARN") \
    || fail "man -l $page.1"
  [[ ! -s $WARN ]] || fail "$page.1: $(cat "$WARN")"
  for s in NAME SYNOPSIS DESCRIPTION EXAMPLES "EXIT STATUS" "SEE ALSO"; do
    grep -q "^$s\$" <<<"$rendered" || fail "$page.1: no $s section"
  done
  grep -Eq '^ +2 +a +usage +error' <<<"$rendered" || fail "$page.1: EXIT STATUS lacks 2 (usage)"
  # shellcheck disable=SC2086  # $cmd is empty for sigma itself
  help=$("$SIGMA" $cmd --help)
  flags=$(grep -oE -- '--[a-z][a-z0-9-]*' <<<"$help" | sort -u)
  [[ -n $flags ]] || fail "no flag in sigma $cmd --help"
  for f in $flags; do
    grep -qE -- "$f([^a-z0-9-]|\$)" <<<"$text" || fail "$page.1 lacks $f (from sigma $cmd --help)"
    n=$((n + 1))
  done
  echo "$page.1: $(wc -w <<<"$flags") flags of --help, EXAMPLES, EXIT STATUS"
done
echo "$n flags found in their man pages"
echo "PASSED"
