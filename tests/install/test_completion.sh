#!/usr/bin/env bash
# The bash completion (issue 11, scripts/completion/sigma.bash), sourced and called as
# bash calls it (COMP_WORDS, COMP_CWORD -> COMPREPLY): each command's flag list is the
# flags of `sigma COMMAND --help` (a trailing '=' where --help shows =VALUE), and a few
# completions of commands, flags, flag values, inputs, directories and @LIST files.
# Usage: test_completion.sh SIGMA COMPLETION_FILE
set -euo pipefail
SIGMA=$1
# shellcheck source=../../scripts/completion/sigma.bash
source "$2"
fail() { echo "FAILED: $*" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sigma-completion.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}

# comp WORD...: the sorted completions of the last word, space-separated.
comp() {
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMPREPLY=()
  _sigma
  if ((${#COMPREPLY[@]})); then printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'; fi
}
# expect WANT WORD...: comp WORD... must be WANT.
expect() {
  local want=$1 got
  shift
  got=$(comp "$@")
  [[ $got == "$want" ]] || fail "completing '$*': got '$got', want '$want'"
  checks=$((checks + 1))
}
checks=0
[[ $(complete -p sigma) == "complete -F _sigma sigma" ]] || fail "complete -p sigma: $(complete -p sigma)"

# Each command's flags against its --help: option lines "  -x, --flag[=VALUE]  text".
for cmd in audit study merge plan monitor generate proxies; do
  want=$("$SIGMA" "$cmd" --help | grep -E '^ {2,8}(-[^-], )?--[a-z]' |
         sed -E 's/^ +(-[^-], )?(--[a-z0-9-]+)(\[?=)?.*/\2\3/; s/\[=$/=/' | sort -u | tr '\n' ' ')
  expect "${want% }" sigma "$cmd" --
done
echo "flag lists = --help for the 7 commands"

expect "audit generate merge monitor plan proxies study" sigma ""
expect "--help --version" sigma --
expect "monitor" sigma mo
expect "--n1= --no-tau2 --normalize" sigma audit --n
expect "--observed-indices= --observed=" sigma monitor --obs
expect "--replicate-range= --replicates=" sigma study data.h5 --repl

cd "$WORK"
mkdir sub out.d
touch a.h5 b.npy c.safetensors d.txt e.hdf5 'f g.h5' sub/x.h5
# Inputs: the four formats and directories; not d.txt.
expect "a.h5 b.npy c.safetensors e.hdf5 f g.h5 out.d sub" sigma audit ""
expect "b.npy" sigma plan data.h5 --seed 3 b
expect "sub/x.h5" sigma study sub/
# @LIST: any file after the @.
expect "@a.h5 @b.npy @c.safetensors @d.txt @e.hdf5 @f g.h5 @out.d @sub" sigma audit @
# Outputs: --out takes directories, --json any file; both spellings of a value.
expect "out.d sub" sigma study data.h5 --out ""
expect "out.d" sigma study data.h5 --out o
expect "out.d" sigma merge part0 --out = o
expect "--out=out.d" sigma merge part0 --out=o
expect "a.h5 b.npy c.safetensors d.txt e.hdf5 f g.h5 out.d sub" sigma audit x.h5 --json ""
expect "out.d sub" sigma merge ""
expect "out.d sub" sigma monitor --merge run0 ""
expect "a.h5 f g.h5 out.d sub" sigma generate ""
expect "d.txt out.d sub" sigma proxies ""
# Values of flags with a fixed set; none for a number.
expect "auto off on" sigma audit x.h5 --scalapack ""
expect "exponential isotropic powerlaw spiked" sigma generate --spectrum = ""
expect "--dtype=float16 --dtype=float32 --dtype=float64" sigma generate --dtype=float
expect "first random" sigma monitor --observed ""
expect "" sigma audit --n1 ""
expect "" sigma audit --n1 = 4
# After a flag that takes no value, an input.
expect "a.h5" sigma audit --normalize a
echo "$checks completions checked"
echo "PASSED"
