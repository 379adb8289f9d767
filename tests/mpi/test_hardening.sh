#!/usr/bin/env bash
# Hostile inputs and flags (issue 7): no input is ever clobbered, no fill value or
# overflow becomes a number, no nan is printed, every flag is validated, a failed run
# leaves nothing behind. Usage: test_hardening.sh SIGMA MPIEXEC CASE (ctest runs each
# case as its own test; CASE "all" runs every case).
SIGMA=$1 MPIEXEC=$2 CASE=${3:-all}
source "$(dirname "$0")/lib.sh"
# One rank runs as an MPI singleton (no mpirun): most cases here are one-rank refusals.
# Every run is bounded: a regression that hangs (a FIFO, a full disk) fails with exit 124.
run() {
  local np=$1; shift
  if [[ $np == 1 ]]; then timeout 120 "$SIGMA" "$@"
  else timeout 120 "$MPIEXEC" --oversubscribe -n "$np" "$SIGMA" "$@"; fi
}
cd "$WORK"
$PY - "$WORK" <<'PY'
import sys, h5py, numpy as np
w = sys.argv[1]
rng = np.random.default_rng(7)
X = rng.standard_normal((3000, 8)).astype("float32")
def write(name, data, dset="embeddings", **kw):
    with h5py.File(f"{w}/{name}", "w") as f:
        f.create_dataset(dset, data=data, **kw)
write("g.h5", X)
write("g64.h5", X.astype("float64"))
write("x[1].h5", X)
write("x1.h5", X[:1000, :6])
write("other.h5", rng.standard_normal((3000, 8)).astype("float32"))
# external raw storage: the data in raw.bin beside the HDF5 file
X.astype("<f4").tofile(f"{w}/raw.bin")
with h5py.File(f"{w}/ext.h5", "w") as f:
    f.create_dataset("embeddings", shape=X.shape, dtype="<f4",
                     external=[("raw.bin", 0, X.nbytes)])
with h5py.File(f"{w}/unalloc.h5", "w") as f:
    f.create_dataset("embeddings", shape=(3000, 8), dtype="f4")
with h5py.File(f"{w}/halfchunks.h5", "w") as f:
    d = f.create_dataset("embeddings", shape=(3000, 8), dtype="f4", chunks=(100, 8))
    d[:1500] = X[:1500]
with h5py.File(f"{w}/wide.h5", "w") as f:
    f.create_dataset("embeddings", shape=(200, 4294967304), dtype="f4", chunks=(1, 1 << 16))
lay = h5py.VirtualLayout(shape=(3000, 8), dtype="f4")
lay[:] = h5py.VirtualSource(f"{w}/g.h5", "embeddings", shape=(3000, 8))
with h5py.File(f"{w}/vds.h5", "w") as f:
    f.create_virtual_dataset("embeddings", lay)
# rows whose squares overflow (1e160) or underflow (1e-200) double precision
big = X.astype("float64"); big[5] *= 1e160; write("big.h5", big)
tiny = X.astype("float64") * 1e-200; write("tiny.h5", tiny)
small = X.astype("float64") * 1e-150; write("small.h5", small)
write("sum.h5", X.astype("float64") * 1e153)
write("d1.h5", X[:, :1])
# a 4-byte float that is not IEEE binary32: 11-bit exponent, 20-bit mantissa
t = h5py.h5t.IEEE_F32LE.copy()
t.set_fields(31, 20, 11, 0, 20)
t.set_ebias(1023)
with h5py.File(f"{w}/custom.h5", "w") as f:
    sp = h5py.h5s.create_simple(X.shape)
    ds = h5py.h5d.create(f.id, b"embeddings", t, sp)
    # values near 1e50: representable with an 11-bit exponent, far beyond float32
    ds.write(h5py.h5s.ALL, h5py.h5s.ALL, np.ascontiguousarray(X.astype("float64") * 1e50))
    back = np.empty(X.shape, "float64")
    ds.read(h5py.h5s.ALL, h5py.h5s.ALL, back)
write("custom_as64.h5", back)
# fletcher32 chunks, one of which is then damaged
with h5py.File(f"{w}/f32.h5", "w") as f:
    d = f.create_dataset("embeddings", data=X, chunks=(100, 8), fletcher32=True)
    off = d.id.get_chunk_info(17).byte_offset
raw = bytearray(open(f"{w}/f32.h5", "rb").read()); raw[off + 40] ^= 0xFF
open(f"{w}/f32.h5", "wb").write(bytes(raw))
nan = X.copy(); nan[2000, 1] = np.nan; write("nan.h5", nan)
open(f"{w}/idx.txt", "w").write("".join(f"{i}\n" for i in range(0, 3000, 10)))
open(f"{w}/empty_idx.txt", "w").write("# nothing\n\n")
# lines longer than a read buffer: 5000 blanks, and a number across byte 255 (253 blanks + 107)
open(f"{w}/long_idx.txt", "w").write(" " * 5000 + "7\n" + " " * 253 + "107\n" +
                                     "".join(f"{i}\n" for i in range(200, 220)))
open(f"{w}/empty_list.txt", "w").write("# no inputs\n\n")
open(f"{w}/list.txt", "w").write(f"{w}/g.h5\n")
PY
G=$WORK/g.h5
sum() { sha256sum "$1" | cut -d' ' -f1; }

# expect NP EXIT PATTERN... -- ARGS: exit status, sigma's first stderr line has every pattern.
expect() {
  local np=$1 status=$2; shift 2
  local pats=()
  while [[ $1 != -- ]]; do pats+=("$1"); shift; done
  shift
  set +e
  run "$np" "$@" > "$WORK/stdout" 2> "$WORK/stderr"
  local got=$?
  set -e
  local line
  line=$(grep -m1 '^sigma' "$WORK/stderr" || true)
  [[ $got == "$status" ]] || fail "exit $got (want $status) for: $* :: $(head -3 "$WORK/stderr")"
  for p in "${pats[@]}"; do [[ $line == *"$p"* ]] || fail "message lacks '$p': $line"; done
  echo "ok: $line"
}
# No nan, inf or int64-min in a file or stdout: not applicable is n/a, empty or null.
no_nan() {
  for f in "$@"; do
    if grep -qiwE -- '-?nan|-?inf|-9223372036854775808' "$f"; then
      fail "$f prints nan/inf: $(grep -iwE -- '-?nan|-?inf|-9223372036854775808' "$f" | head -3)"
    fi
  done
}
no_tmp() { ! ls "$1" | grep -q '\.tmp$' || fail "a .tmp was left in $1: $(ls "$1")"; }
ran=0
want() { [[ $CASE == all || $CASE == "$1" ]] && ran=1; }

if want clobber; then
  # every output flag, every kind of input, every name that reaches it
  before=$(sum "$G")
  ln -s "$G" link.json; ln "$G" hard.json; mkdir sub
  for flag in --json --csv --save-indices; do
    for out in "$G" link.json hard.json "sub/../g.h5"; do
      expect 2 1 "would overwrite the input" -- audit "$G" --n1 100 --quiet $flag "$out"
    done
  done
  [[ $(sum "$G") == "$before" ]] || fail "g.h5 changed"
  cp list.txt list.bak
  expect 1 1 "would overwrite the input" "list.txt" -- audit @list.txt --n1 100 --quiet --json list.txt
  cmp -s list.txt list.bak || fail "the @LIST file changed"
  cp idx.txt idx.bak
  expect 1 1 "would overwrite the input" "idx.txt" -- audit "$G" --observed-indices idx.txt --quiet --save-indices idx.txt
  cmp -s idx.txt idx.bak || fail "the indices file changed"
  expect 1 1 "would overwrite the input" -- plan "$G" --epsilon 1 --json hard.json
  # external raw files are inputs too
  cp raw.bin raw.bak
  expect 1 1 "would overwrite the input" "raw.bin" -- audit ext.h5 --n1 100 --quiet --csv raw.bin
  cmp -s raw.bin raw.bak || fail "the external raw file changed"
  [[ $(sum "$G") == "$before" ]] || fail "g.h5 changed"
  expect 1 1 "names the same file as another output" -- audit "$G" --n1 100 --quiet --json o.json --csv ./o.json
  expect 1 1 "is a directory" -- audit "$G" --n1 100 --quiet --json sub
  [[ ! -e o.json ]] || fail "o.json written despite the error"
  no_tmp "$WORK"
fi

if want output_targets; then
  # /dev/stdout with stdout a file: the table and the JSON both arrive, the node stays
  run 1 audit "$G" --n1 100 --quiet --json /dev/stdout > both.txt
  [[ -L /dev/stdout ]] || fail "/dev/stdout was replaced"
  grep -q '^sigma audit: N = 3000' both.txt || fail "the table was lost"
  $PY -c "import json,sys; t=open('both.txt').read(); json.loads(t[t.index('{'):])" || fail "JSON on stdout"
  # grep -c reads to the end (grep -q would close the pipe early: SIGPIPE, a flaky exit)
  [[ $(run 1 audit "$G" --n1 100 --quiet --json /dev/stdout | grep -c '"provenance"') == 1 ]] ||
    fail "JSON to a pipe"
  run 1 audit "$G" --n1 100 --quiet --json /dev/null --csv /dev/null > /dev/null
  [[ -c /dev/null ]] || fail "/dev/null was replaced"
  # a FIFO is written in place
  mkfifo pipe.json
  (timeout 60 cat pipe.json > fromfifo.json) &
  run 1 audit "$G" --n1 100 --quiet --json pipe.json > /dev/null || true
  wait || true
  [[ -p pipe.json ]] && grep -q '"provenance"' fromfifo.json || fail "FIFO output"
  # a symlink is followed (the link stays, its target gets the file), also a dangling one
  mkdir tgt; touch tgt/a.json; chmod 600 tgt/a.json
  ln -s tgt/a.json la.json; ln -s tgt/new.json lb.json
  run 1 audit "$G" --n1 100 --quiet --json la.json --csv lb.json > /dev/null
  [[ -L la.json && -L lb.json ]] || fail "a symlink output was replaced"
  grep -q '"provenance"' tgt/a.json && grep -q '^key,value' tgt/new.json || fail "link targets not written"
  [[ $(stat -c %a tgt/a.json) == 600 ]] || fail "replacing changed the mode: $(stat -c %a tgt/a.json)"
  no_tmp "$WORK"; no_tmp "$WORK/tgt"
fi

if want glob_literal; then
  # x[1].h5 exists: taken as named, not as the pattern that matches x1.h5 (1000 x 6)
  run 1 audit 'x[1].h5' --n1 100 --quiet --json lit.json > /dev/null
  $PY -c "import json; j=json.load(open('lit.json'))['parameters']; assert (j['N'], j['d']) == (3000, 8), j"
  printf 'x[1].h5\n' > l.txt
  run 1 audit @l.txt --n1 100 --quiet --json lit2.json > /dev/null
  $PY -c "import json; j=json.load(open('lit2.json'))['parameters']; assert (j['N'], j['d']) == (3000, 8), j"
  # a pattern that names no file is still expanded
  run 1 audit 'x[1]*.h5' --n1 100 --quiet --json pat.json > /dev/null
  $PY -c "import json; j=json.load(open('pat.json'))['parameters']; assert (j['N'], j['d']) == (1000, 6), j"
fi

if want fifo_input; then
  mkfifo f.h5 f.txt
  for args in "f.h5 --n1 100" "@f.txt --n1 100" "$G --observed-indices f.txt"; do
    set +e
    timeout 60 "$MPIEXEC" --oversubscribe -n 1 "$SIGMA" audit $args --quiet > /dev/null 2> err
    st=$?
    set -e
    [[ $st == 1 ]] && grep -q 'is a FIFO, not a regular file' err || fail "FIFO input ($args): exit $st: $(cat err)"
  done
  echo "ok: FIFO inputs refused"
fi

if want fill_values; then
  # external raw file: found beside the HDF5 file from any working directory
  run 1 audit "$G" --n1 100 --quiet --json c.json > /dev/null
  (cd / && run 1 audit "$WORK/ext.h5" --n1 100 --quiet --json "$WORK/e.json" > /dev/null)
  $PY -c "import json; a,b=(json.load(open(f))['truth']['L'] for f in ('c.json','e.json')); assert a == b, (a, b)"
  truncate -s 40000 raw.bin
  expect 1 1 "raw.bin" "is 40000 bytes" "fill values" -- audit ext.h5 --n1 100 --quiet
  rm raw.bin
  expect 1 1 "raw.bin" "no such file" -- audit ext.h5 --n1 100 --quiet
  expect 1 1 "unalloc.h5" "not allocated" -- audit unalloc.h5 --n1 100 --quiet
  expect 1 1 "halfchunks.h5" "15 of 30 chunks were never written" -- audit halfchunks.h5 --n1 100 --quiet
  expect 1 1 "vds.h5" "virtual dataset" -- audit vds.h5 --n1 100 --quiet
fi

if want corrupt_chunk; then
  expect 2 1 "f32.h5" "chunk of rows 1700..1799" "Fletcher32" -- audit f32.h5 --n1 100 --quiet
fi

if want missing_filter; then
  # LZ4 chunks (Debian's hdf5-filter-plugin, installed for h5py's serial HDF5): without
  # the plugin the filter is named before any work; with it the rows read exactly.
  $PY -c "import h5py; X = h5py.File('g.h5')['embeddings'][:]
with h5py.File('lz4.h5', 'w') as f: f.create_dataset('embeddings', data=X, chunks=(100, 8), compression=32004)"
  HDF5_PLUGIN_PATH=/nonexistent expect 1 1 "lz4.h5" "needs HDF5 filter" "lz4" "id 32004" "not available" -- \
    audit lz4.h5 --n1 100 --quiet
  HDF5_PLUGIN_PATH=/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins run 1 audit lz4.h5 --n1 100 --quiet --json z.json > /dev/null
  run 1 audit "$G" --n1 100 --quiet --json c.json > /dev/null
  $PY -c "import json; a,b=(json.load(open(f))['truth']['L'] for f in ('c.json','z.json')); assert a == b, (a, b)"
fi

if want resume_identity; then
  cp "$G" in.h5
  run 2 study in.h5 --replicates 4 --n1 16,64 --out st --quiet --no-plots > /dev/null
  cp other.h5 in.h5   # same path and shape, other rows
  expect 2 1 "input changed since the study began" -- study in.h5 --replicates 4 --n1 16,64 --out st --quiet --no-plots --resume
  cp "$G" in.h5
  cp st/study.json keep.json
  echo '{"study": ' > st/study.json
  expect 2 1 "study.json" "corrupt" -- study in.h5 --replicates 4 --n1 16,64 --out st --quiet --no-plots --resume
  rm st/study.json
  expect 2 1 "holds no study" "cannot verify" -- study in.h5 --replicates 4 --n1 16,64 --out st --quiet --no-plots --resume
  cp keep.json st/study.json
  expect 2 1 "holds a different study" "seed" -- study in.h5 --replicates 4 --n1 16,64 --seed 2 --out st --quiet --no-plots --resume
  run 2 study in.h5 --replicates 4 --n1 16,64 --out st --quiet --no-plots --resume > /dev/null
  echo "ok: a verified resume still works"
fi

if want out_dir; then
  mkdir mine; echo "my notes" > mine/report.md; mkdir mine/plots; echo png > mine/plots/errors.png
  expect 2 1 "mine is not empty and holds no study" -- study "$G" --replicates 2 --n1 16 --out mine --quiet
  [[ $(cat mine/report.md) == "my notes" && $(cat mine/plots/errors.png) == png ]] || fail "user files changed"
  [[ ! -e mine/replicates ]] || fail "replicates/ created in the user's directory"
  run 1 study "$G" --replicates 2 --n1 16 --out s1 --quiet --no-plots > /dev/null
  expect 1 1 "mine is not empty and holds no study" -- merge s1 --out mine
  expect 1 1 "already holds a study" -- merge s1 --out s1
  [[ $(cat mine/report.md) == "my notes" ]] || fail "merge changed user files"
fi

if want n1_equals_d; then
  # leave-one-out is undefined at n1 = d: n/a everywhere, never 1e32 or a coverage
  # plots on, into a directory whose name a shell would misread (gnuplot runs without one)
  run 2 study "$G" --replicates 3 --n1 8,64 --out "st'\$(touch pwned)" --quiet > st.out
  [[ ! -e pwned && -s "st'\$(touch pwned)/plots/coverage.png" ]] || fail "plots in a quoted directory"
  mv "st'\$(touch pwned)" st
  $PY "$TESTS_DIR/check_study.py" st
  $PY - <<'PY'
import csv
for r in csv.DictReader(open("st/replicates.csv")):
    if r["n1"] == "8":
        assert r["tau2_observed"] == "" and r["wishart_covers_observed"] == "", r
    else:
        assert float(r["tau2_observed"]) > 0 and r["wishart_covers_observed"] in ("0", "1"), r
for r in csv.DictReader(open("st/summary.csv")):
    if r["n1"] == "8":
        assert r["coverage_observed"] == "" and r["s_observed_mean"] == "", r
PY
  no_nan st.out st/*.csv st/*.json st/report.md st/plots/*.dat
  run 1 audit "$G" --n1 8 --quiet --json a.json --csv a.csv > a.out
  grep -q 'tau2 observed (leave-one-out) *n/a' a.out || fail "audit at n1 = d: $(grep 'leave-one-out' a.out)"
  no_nan a.out a.json a.csv
fi

if want no_nan; then
  # d = 1 (no power-law fit), n1 = N, a rule n1 beyond int64, rows near 1e-150
  run 1 audit d1.h5 --n1 100 --quiet --json 1.json --csv 1.csv > 1.out
  run 1 audit "$G" --n1 3000 --quiet --json 2.json --csv 2.csv > 2.out
  run 1 audit "$G" --n1 100 --epsilon 1e-300 --quiet --json 3.json --csv 3.csv > 3.out
  run 1 audit small.h5 --n1 100 --quiet --json 4.json --csv 4.csv > 4.out
  run 1 plan "$G" --epsilon 1e-300,1 --json p.json > p.out
  no_nan [1-4].out [1-4].json [1-4].csv p.out p.json
  grep -q 'power-law alpha *n/a *n/a' 1.out || fail "d = 1 alpha: $(grep alpha 1.out)"
  grep -q 'n1 the rule asks for *n/a' 3.out || fail "rule n1: $(grep 'rule asks' 3.out)"
  $PY - <<'PY'
import json
a, b = (json.load(open(f))["health"]["G"]["participation_ratio"] for f in ("4.json", "2.json"))
assert a is not None and abs(a - b) <= 1e-9 * b, (a, b)  # scale-free: rows x 1e-150 give the same
PY
fi

if want row_norms; then
  expect 2 1 "big.h5" "row 5" "overflows double precision" -- audit big.h5 --n1 100 --quiet
  expect 2 1 "tiny.h5" "row 0" "underflows double precision" -- audit tiny.h5 --n1 100 --quiet
  # each x x^T representable (norms near 3e153), their sum over 3000 rows not
  expect 2 1 "G = sum of x x^T over 3000 rows overflows double precision" -- audit sum.h5 --n1 100 --quiet
  for f in big tiny; do
    run 2 audit $f.h5 --n1 100 --normalize --quiet --json $f.json > /dev/null
  done
  $PY - <<'PY'
import json, h5py, numpy as np
for f in ("big", "tiny"):
    X = h5py.File(f"{f}.h5")["embeddings"][:]
    m = np.abs(X).max(axis=1, keepdims=True)
    Y = X / m
    Y /= np.linalg.norm(Y, axis=1, keepdims=True)
    L = np.linalg.slogdet(Y.T @ Y)[1]
    got = json.load(open(f"{f}.json"))["truth"]["L"]
    assert abs(got - L) <= 1e-9 * abs(L), (f, got, L)
print("normalised overflow/underflow rows match numpy")
PY
fi

if want wide_d; then
  expect 1 1 "wide.h5" "d = 4294967304" "d <= 46340" -- audit wide.h5 --n1 100 --quiet
fi

if want custom_float; then
  run 1 audit custom.h5 --n1 100 --quiet --json c.json > /dev/null
  run 1 audit custom_as64.h5 --n1 100 --quiet --json r.json > /dev/null
  $PY -c "import json; a,b=(json.load(open(f))['truth']['L'] for f in ('c.json','r.json')); assert a == b, (a, b)"
  echo "ok: a non-IEEE 4-byte float is converted by HDF5"
fi

if want empty_inputs; then
  expect 1 1 "empty_list.txt" "names no input" -- audit @empty_list.txt --epsilon 0.5 --quiet
  expect 1 1 "empty_idx.txt" "lists no rows" -- audit "$G" --observed-indices empty_idx.txt --epsilon 1 --quiet
  expect 1 1 "empty_list.txt" "names no input" -- study @empty_list.txt --replicates 2 --epsilon 1 --out e --quiet
  [[ ! -e e ]] || fail "study output created"
  # a line longer than any read buffer is one row
  run 1 audit "$G" --observed-indices long_idx.txt --n1 22 --quiet --save-indices saved.txt > /dev/null
  [[ $(sort -n saved.txt | head -2 | tr '\n' ' ') == "7 107 " && $(wc -l < saved.txt) == 22 ]] ||
    fail "long index lines: $(sort -n saved.txt | head -3 | tr '\n' ' ')"
fi

if want flags; then
  bad=(
    "audit $G --n1 100 --level 1" "audit $G --n1 100 --level 0.99999999999999999999"
    "audit $G --n1 100 --level nan" "audit $G --n1 100 --delta nan" "audit $G --n1 100 --delta -1"
    "audit $G --n1 100 --energy-cap inf" "audit $G --n1 100 --energy-cap 0"
    "audit $G --n1 100 --rule-constant 0" "audit $G --n1 100 --rule-constant 1e999"
    "audit $G --epsilon 1e-400" "audit $G --epsilon -1" "audit $G --n1 1.5"
    "audit $G --n1 9223372036854775808" "audit $G --n1 100 --seed -1"
    "audit $G --n1 100 --seed 9223372036854775808" "audit $G --n1 100 --block-rows 0"
    "audit $G --n1 100 --block-rows 1e12" "audit $G --n1 0x10"
    "audit $G --observed first --observed-indices idx.txt"
    "study $G --replicates 0 --n1 16 --out z" "study $G --replicates 2 --n1 16,1.5 --out z"
    "study $G --replicates 2 --n1 16 --memory-limit 0 --out z"
    "study $G --replicates 2 --n1 16 --memory-limit nan --out z"
    "study $G --replicates 2 --n1 16 --replicate-range 1:1 --out z"
    "study $G --replicates 2 --n1 16 --replicate-range -1:2 --out z"
    "study $G --replicates 2 --epsilon 1,nan --out z" "plan $G --epsilon 0" "plan $G --epsilon 1 --pilot 0"
    "generate z.h5 --rows 10 --dim 4 --nu nan" "generate z.h5 --rows 10 --dim 4 --beta nan"
    "generate z.h5 --rows 10 --dim 4 --spike-size -5" "generate z.h5 --rows 10 --dim 0"
    "generate z.h5 --rows 10 --dim 4 --nu 1" "generate z.h5 --rows 10 --dim 99999"
  )
  for b in "${bad[@]}"; do
    set +e
    run 1 $b --quiet > /dev/null 2> err
    st=$?
    set -e
    [[ $st == 2 ]] || fail "exit $st (want 2) for: $b :: $(head -2 err)"
  done
  ls z* 2>/dev/null && fail "a usage error left output"
  # integers exactly over the full int64 range, exponent form exact
  run 1 audit "$G" --n1 1e2 --seed 9223372036854775807 --quiet --json s.json > /dev/null
  $PY -c "import json; p=json.load(open('s.json'))['parameters']; assert (p['n1'], p['seed']) == (100, 9223372036854775807), p"
  echo "ok: ${#bad[@]} bad flag values refused with exit 2"
fi

if want leftovers; then
  expect 2 1 "nan.h5" "row 2000" -- audit nan.h5 --n1 100 --quiet --json o.json --csv o.csv --save-indices o.txt
  [[ ! -e o.json && ! -e o.csv && ! -e o.txt ]] || fail "a failed audit left output"
  expect 2 1 "nan.h5" "row 2000" -- study nan.h5 --replicates 2 --n1 16 --out st --quiet
  [[ ! -e st ]] || fail "a failed study left $(ls -R st)"
  expect 1 1 "float16" -- generate h.h5 --rows 100 --dim 4 --spectrum spiked --spikes 1 --spike-size 1e12 --dtype float16 --quiet
  [[ ! -e h.h5 ]] || fail "generate left a file"
  no_tmp "$WORK"
fi

if want disk_full; then
  # a 2 MiB tmpfs (needs root, as CI runs): every writer fails cleanly when it fills
  mkdir -p "$WORK/mnt"
  if ! mount -t tmpfs -o size=2M tmpfs "$WORK/mnt" 2> /dev/null; then
    echo "SKIPPED: cannot mount a tmpfs here (not root?)"; exit 0
  fi
  trap 'umount "$WORK/mnt" 2> /dev/null || true; rm -rf "$WORK"' EXIT
  M=$WORK/mnt
  expect 1 1 "needs 6.4 MB" "free" -- generate $M/g.h5 --rows 100000 --dim 16 --quiet
  for np in 1 2 3; do
    SIGMA_DEBUG_NO_SPACE_CHECK=1 expect $np 1 "write failed at row" "No space left on device" -- \
      generate $M/g.h5 --rows 100000 --dim 16 --quiet
    [[ -z $(ls "$M") ]] || fail "generate on a full disk left $(ls "$M")"
  done
  cat /dev/zero > "$M/fill" 2> /dev/null || true   # until the disk is full
  expect 2 1 "cannot write" -- audit "$G" --n1 100 --quiet --json "$M/a.json"
  expect 2 1 "cannot write" -- study "$G" --replicates 2 --n1 16 --out "$M/st" --quiet --no-plots
  rm -f "$M/fill"
  ls "$M" | grep -q 'tmp' && fail "a full disk left $(ls -R "$M")"
  [[ ! -e $M/a.json ]] || fail "a half JSON was left"
  umount "$M"
fi

[[ $ran == 1 ]] || fail "unknown case $CASE"
echo PASSED
