#!/usr/bin/env bash
# Install into a temporary prefix and use it (issue 11): the layout, libsigma's SONAME and
# dependencies (no MPI, no HDF5), `sigma --version`, each installed header compiled alone,
# then a consumer (tests/install/consumer/) built with find_package(sigma) and with
# `cc $(pkg-config --cflags --libs sigma)`, run, and its numbers checked against numpy
# and a closed form (check_consumer.py).
# Usage: test_install.sh BUILD_DIR LIBDIR VERSION MAN(ON|OFF)
set -euo pipefail
BUILD=$1 LIBDIR=$2 VERSION=$3 MAN=$4
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sigma-install.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAILED: $*" >&2; exit 1; }
P=$WORK/prefix

cmake --install "$BUILD" --prefix "$P" > "$WORK/install.log" || fail "cmake --install"
L=$P/$LIBDIR
for f in bin/sigma "$LIBDIR/libsigma.so.$VERSION" "$LIBDIR/cmake/sigma/sigmaConfig.cmake" \
         "$LIBDIR/cmake/sigma/sigmaConfigVersion.cmake" "$LIBDIR/cmake/sigma/sigmaTargets.cmake" \
         "$LIBDIR/pkgconfig/sigma.pc" include/sigma/version.h include/sigma/linalg.h \
         share/bash-completion/completions/sigma; do
  [[ -f $P/$f ]] || fail "not installed: $f"
done
[[ $(readlink "$L/libsigma.so.${VERSION%%.*}") == "libsigma.so.$VERSION" ]] || fail "libsigma.so.${VERSION%%.*} link"
[[ $(readlink "$L/libsigma.so") == "libsigma.so.${VERSION%%.*}" ]] || fail "libsigma.so link"
if [[ $MAN == ON ]]; then
  for p in sigma sigma-audit sigma-study sigma-merge sigma-plan sigma-monitor sigma-generate; do
    [[ -f $P/share/man/man1/$p.1 ]] || fail "man page $p.1 not installed"
  done
fi
# Every public header of the source tree is installed, and nothing else.
diff <({ cd "$HERE/../../include/sigma" && ls -- *.h && echo version.h; } | sort) \
     <(cd "$P/include/sigma" && ls | sort) || fail "installed headers differ from include/sigma/ (+ version.h)"
echo "layout OK"

# libsigma: SONAME from the major version; the serial core needs no MPI, HDF5 or jansson.
dyn=$(readelf -d "$L/libsigma.so.$VERSION")
grep -q "Library soname: \[libsigma.so.${VERSION%%.*}\]" <<<"$dyn" || fail "SONAME: $dyn"
if grep -E 'NEEDED.*(mpi|hdf5|jansson|scalapack)' <<<"$dyn"; then fail "libsigma needs MPI or I/O"; fi
grep -q 'NEEDED.*libopenblas' <<<"$dyn" || fail "libsigma does not link OpenBLAS"
echo "libsigma OK: $(grep -o 'soname: \[[^]]*\]' <<<"$dyn")"

# The installed command reports the version and the commit it was built from ("unknown"
# only when built outside a git checkout).
v=$("$P/bin/sigma" --version)
[[ $v =~ ^sigma\ $VERSION\ \(([0-9a-z.-]+)\)$ ]] || fail "sigma --version: $v"
if git -C "$HERE" rev-parse --git-dir > /dev/null 2>&1; then
  [[ ${BASH_REMATCH[1]} != unknown ]] || fail "sigma --version has no commit: $v"
fi
echo "$v"

# Each installed header compiles alone (and twice: include guards), with only -I prefix.
for h in "$P"/include/sigma/*.h; do
  n=sigma/$(basename "$h")
  printf '#include <%s>\n#include <%s>\nint main(void) { return 0; }\n' "$n" "$n" > "$WORK/h.c"
  cc -std=c11 -Wall -Wextra -pedantic -Werror -fsyntax-only -I"$P/include" "$WORK/h.c" \
    || fail "$n does not compile alone"
done
echo "headers OK: $(ls "$P/include/sigma" | wc -l) compile alone"

# Consumer 1: a CMake project, find_package(sigma); runs through its build RPATH.
cmake -S "$HERE/consumer" -B "$WORK/c1" -DCMAKE_PREFIX_PATH="$P" > "$WORK/c1.log" 2>&1 \
  || { cat "$WORK/c1.log"; fail "find_package(sigma) consumer: configure"; }
cmake --build "$WORK/c1" > "$WORK/c1b.log" 2>&1 || { cat "$WORK/c1b.log"; fail "consumer: build"; }
"$WORK/c1/consumer" > "$WORK/out1.txt" || fail "find_package consumer run"
/usr/bin/python3 "$HERE/check_consumer.py" "$VERSION" "$WORK/out1.txt" || fail "find_package consumer numbers"
ldd "$WORK/c1/consumer" | grep -q "libsigma.so.${VERSION%%.*} => $L/" || fail "consumer 1 not on the installed libsigma"

# Consumer 2: plain cc with pkg-config; runs with LD_LIBRARY_PATH.
export PKG_CONFIG_PATH=$L/pkgconfig
[[ $(pkg-config --modversion sigma) == "$VERSION" ]] || fail "pkg-config --modversion"
# shellcheck disable=SC2046  # pkg-config's flags are split into words, as in a Makefile
cc -std=c11 -Wall -Wextra -Werror "$HERE/consumer/consumer.c" -o "$WORK/c2" \
  $(pkg-config --cflags --libs sigma) || fail "pkg-config consumer: build"
LD_LIBRARY_PATH=$L "$WORK/c2" > "$WORK/out2.txt" || fail "pkg-config consumer run"
/usr/bin/python3 "$HERE/check_consumer.py" "$VERSION" "$WORK/out2.txt" || fail "pkg-config consumer numbers"
cmp -s "$WORK/out1.txt" "$WORK/out2.txt" || fail "the two consumers print different numbers"

# The tree is relocatable (module-style prefixes): moved, both ways still find it.
M=$WORK/moved/sigma
mkdir -p "$WORK/moved" && mv "$P" "$M"
export PKG_CONFIG_PATH=$M/$LIBDIR/pkgconfig
[[ $(pkg-config --cflags sigma) == *"$M/"* ]] || fail "moved: pkg-config --cflags $(pkg-config --cflags sigma)"
# shellcheck disable=SC2046
cc -std=c11 "$HERE/consumer/consumer.c" -o "$WORK/c3" $(pkg-config --cflags --libs sigma) \
  || fail "moved: pkg-config consumer"
LD_LIBRARY_PATH=$M/$LIBDIR "$WORK/c3" | cmp -s - "$WORK/out1.txt" || fail "moved: pkg-config consumer run"
cmake -S "$HERE/consumer" -B "$WORK/c4" -DCMAKE_PREFIX_PATH="$M" > "$WORK/c4.log" 2>&1 &&
  cmake --build "$WORK/c4" >> "$WORK/c4.log" 2>&1 || { cat "$WORK/c4.log"; fail "moved: find_package consumer"; }
"$WORK/c4/consumer" | cmp -s - "$WORK/out1.txt" || fail "moved: find_package consumer run"
echo "relocated prefix OK"
echo "PASSED"
