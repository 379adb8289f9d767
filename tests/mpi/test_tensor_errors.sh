#!/usr/bin/env bash
# Bad .npy and safetensors inputs (issue 11): one line on stderr naming the file (and the
# tensor, and the row), exit status 1, no JSON written, and never a read outside the
# file. Usage: test_tensor_errors.sh SIGMA MPIEXEC CASE (ctest runs each case as its own
# test; CASE "all" runs every case).
SIGMA=$1 MPIEXEC=$2 CASE=${3:-all}
source "$(dirname "$0")/lib.sh"
cd "$WORK"
$PY - <<'PY'
import json, h5py, numpy as np
rng = np.random.default_rng(1)
X = rng.standard_normal((3000, 8)).astype("float32")
np.save("good.npy", X)
with h5py.File("good.h5", "w") as f:
    f.create_dataset("embeddings", data=X)
np.save("f64.npy", X.astype("float64"))
np.save("d6.npy", X[:, :6])
np.save("rank1.npy", X[:, 0])
np.save("rank3.npy", X.reshape(3000, 4, 2))
np.save("ints.npy", (X * 10).astype("int32"))
np.save("bools.npy", X > 0)
np.save("complex.npy", X.astype("complex64"))
np.save("record.npy", np.zeros(3000, dtype=[("a", "<f4"), ("b", "<f4")]))
np.save("quad.npy", X.astype("float128"))
np.save("empty.npy", X[:0])
Y = X.copy(); Y[2345, 3] = np.nan; np.save("nan.npy", Y)
raw = open("good.npy", "rb").read()
open("truncated.npy", "wb").write(raw[:len(raw) - 100])
open("trailing.npy", "wb").write(raw + b"\0" * 16)

def npy(name, header, version=1, hlen=None, data=X.tobytes()):
    """A .npy file with a hand-written header (padded to 64 bytes like NumPy's)."""
    pre = 10 if version == 1 else 12
    header += b" " * (-(pre + len(header) + 1) % 64) + b"\n"
    n = len(header) if hlen is None else hlen
    size = n.to_bytes(2 if version == 1 else 4, "little")
    open(name, "wb").write(b"\x93NUMPY" + bytes([version, 0]) + size + header + data)

good = b"{'descr': '<f4', 'fortran_order': False, 'shape': (3000, 8), }"
npy("h_ok.npy", good)                                             # control: accepted
npy("h_garbage.npy", b"{'descr': '<f4', 'fortran_order': False, 'shape': (3000 8), }")
npy("h_unterminated.npy", b"{'descr': '<f4', 'fortran_order': False, 'shape': (3000, 8), '")
npy("h_missing.npy", b"{'descr': '<f4', 'shape': (3000, 8), }")
npy("h_unknown.npy", b"{'descr': '<f4', 'fortran_order': False, 'shape': (3000, 8), 'x': 1}")
npy("h_twice.npy", b"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (3000, 8)}")
npy("h_bool.npy", b"{'descr': '<f4', 'fortran_order': 0, 'shape': (3000, 8), }")
npy("h_after.npy", good + b" extra")
npy("h_huge_dim.npy", b"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999, 8), }")
npy("h_overflow.npy", b"{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 8), }")
npy("h_shape_lies.npy", b"{'descr': '<f4', 'fortran_order': False, 'shape': (3001, 8), }")
npy("h_hlen_beyond.npy", good, version=2, hlen=1 << 31, data=b"")
npy("h_hlen_file.npy", good, version=1, hlen=60000, data=b"")
npy("h_version.npy", good, version=4)
npy("h_empty.npy", b"")
open("h_short.npy", "wb").write(b"\x93NUMPY\x01")

def st(name, header, data=X.tobytes(), hlen=None):
    h = header if isinstance(header, bytes) else json.dumps(header).encode()
    n = len(h) if hlen is None else hlen
    open(name, "wb").write(n.to_bytes(8, "little") + h + data)

E = lambda dt="F32", shape=(3000, 8), off=(0, 96000): {"dtype": dt, "shape": list(shape), "data_offsets": list(off)}
st("good.safetensors", {"emb": E()})
Y = X.copy(); Y[17, 0] = np.nan; st("nan.safetensors", {"__metadata__": {}, "emb": E()}, data=Y.tobytes())
st("truncated.safetensors", {"emb": E()}, data=X.tobytes()[:50000])
st("bf16.safetensors", {"emb": E("BF16", off=(0, 48000))}, data=X.tobytes()[:48000])
st("ints.safetensors", {"emb": E("I32")})
st("rank3.safetensors", {"emb": E(shape=(3000, 4, 2))})
st("two.safetensors", {"a": E(), "b": E()})
st("f16.safetensors", {"emb": E("F16", off=(0, 48000))}, data=X.astype("<f2").tobytes())
# hostile headers: offsets beyond the file, lengths that do not match, nonsense lengths
st("s_beyond.safetensors", {"emb": E(off=(0, 96000)), "far": E(off=(96000, 1 << 40))})
st("s_backwards.safetensors", {"emb": E(off=(96000, 0))})
st("s_mismatch.safetensors", {"emb": E(shape=(3001, 8))})
st("s_overflow.safetensors", {"emb": E(shape=(1 << 62, 1 << 62, 16))})
st("s_negative.safetensors", {"emb": E(shape=(-3000, 8))})
st("s_offsets.safetensors", {"emb": {"dtype": "F32", "shape": [3000, 8], "data_offsets": [0.5, 96000]}})
st("s_entry.safetensors", {"emb": [1, 2]})
st("s_notjson.safetensors", b"{\"emb\": {\"dtype\": \"F32\", \n\x01 ...}")
st("s_array.safetensors", b"[1, 2, 3]")
st("s_dup.safetensors", b'{"emb": {"dtype": "F32", "shape": [3000, 8], "data_offsets": [0, 96000]}, "emb": {}}')
st("s_hlen_file.safetensors", {"emb": E()}, data=b"", hlen=5000)
st("s_hlen_huge.safetensors", b"{" + b" " * 200 + b"}", hlen=(1 << 63) + 5)
PY
# expect NP PATTERN... -- ARGS: exit 1, one line matching every pattern, no JSON written.
expect() {
  local np=$1; shift
  local pats=()
  while [[ $1 != -- ]]; do pats+=("$1"); shift; done
  shift
  rm -f out.json
  set +e
  run "$np" audit "$@" --json out.json --quiet > stdout 2> stderr
  local got=$?
  set -e
  local line
  line=$(grep -m1 '^sigma' stderr || true)
  [[ $got == 1 ]] || fail "exit $got (want 1) for: $* :: $(cat stderr)"
  [[ $(grep -c '^sigma: error' stderr) == 1 ]] || fail "not one error line: $* :: $(cat stderr)"
  for p in "${pats[@]}"; do
    [[ $line == *"$p"* ]] || fail "message lacks '$p': $line"
  done
  [[ ! -e out.json ]] || fail "JSON written despite error: $*"
  echo "ok: $line"
}
want() { [[ $CASE == all || $CASE == "$1" ]] && ran=1; }
ran=0
run 1 audit h_ok.npy --n1 100 --quiet > /dev/null || fail "the control header is refused"
if want npy_truncated; then
  expect 2 "truncated.npy" "truncated" "needs 96000 bytes" "holds 95900" -- truncated.npy --n1 100
fi
if want npy_trailing; then expect 1 "trailing.npy" "16 bytes after the array's data" -- trailing.npy --n1 100; fi
if want npy_rank; then
  expect 1 "rank1.npy" "rank 1" -- rank1.npy --n1 100
  expect 2 "rank3.npy" "rank 3" -- rank3.npy --n1 100
  expect 1 "empty.npy" "empty (0 x 8)" -- empty.npy --n1 100
fi
if want npy_dtype; then
  expect 2 "ints.npy" "'<i4' (integer)" "expected float16, float32 or float64" -- ints.npy --n1 100
  expect 1 "bools.npy" "(boolean)" -- bools.npy --n1 100
  expect 1 "complex.npy" "(complex)" -- complex.npy --n1 100
  expect 1 "record.npy" "structured dtype" -- record.npy --n1 100
  expect 1 "quad.npy" "'<f16' (a float of another width)" -- quad.npy --n1 100
fi
if want npy_nan; then
  expect 2 "nan.npy: row 2345 (global row 2345)" "NaN" "column 3" -- nan.npy --n1 100
  expect 3 "nan.npy: row 2345 (global row 5345)" "NaN" "column 3" -- good.h5 nan.npy --n1 100
fi
if want npy_header; then
  expect 1 "h_garbage.npy" "malformed .npy header at byte" "expected ',' or ')'" -- h_garbage.npy --n1 100
  expect 1 "h_unterminated.npy" "malformed .npy header" "line break inside a string" -- h_unterminated.npy --n1 100
  expect 1 "h_missing.npy" "lacks the key 'fortran_order'" -- h_missing.npy --n1 100
  expect 1 "h_unknown.npy" "has the key 'x'" -- h_unknown.npy --n1 100
  expect 1 "h_twice.npy" "a key given twice" -- h_twice.npy --n1 100
  expect 1 "h_bool.npy" "fortran_order is not True or False" -- h_bool.npy --n1 100
  expect 1 "h_after.npy" "text after the closing '}'" -- h_after.npy --n1 100
  expect 1 "h_huge_dim.npy" "a dimension beyond 2^63" -- h_huge_dim.npy --n1 100
  expect 1 "h_overflow.npy" "sigma handles d <= 46340" -- h_overflow.npy --n1 100
  expect 2 "h_shape_lies.npy" "truncated" "needs 96032 bytes" -- h_shape_lies.npy --n1 100
  expect 1 "h_hlen_beyond.npy" "header of 2147483648 bytes" -- h_hlen_beyond.npy --n1 100
  expect 1 "h_hlen_file.npy" "truncated: its header needs 60010 bytes" -- h_hlen_file.npy --n1 100
  expect 1 "h_version.npy" "version 4.0, expected 1.0, 2.0 or 3.0" -- h_version.npy --n1 100
  expect 1 "h_empty.npy" "malformed .npy header at byte" -- h_empty.npy --n1 100
  expect 1 "h_short.npy" "not a .npy file (shorter than its 10-byte preamble)" -- h_short.npy --n1 100
fi
if want npy_dataset; then
  expect 2 "good.npy: a .npy file holds one array" "no dataset 'emb'" -- good.npy:emb --n1 100
fi
if want mixed_shards; then
  expect 2 "f64.npy: dtype float64 but good.h5:embeddings is float32" -- good.h5 f64.npy --n1 100
  expect 1 "f16.safetensors:emb: dtype float16 but good.npy is float32" -- good.npy f16.safetensors --n1 100
  expect 2 "d6.npy: d = 6 but good.safetensors:emb has d = 8" -- good.safetensors d6.npy --n1 100
fi
if want st_truncated; then
  expect 2 "truncated.safetensors:emb" "data_offsets [0, 96000] reach beyond the file's 50000 bytes" -- truncated.safetensors --n1 100
fi
if want st_dtype; then
  expect 1 "bf16.safetensors:emb" "dtype is BF16" "bfloat16" -- bf16.safetensors:emb --n1 100
  expect 2 "ints.safetensors:emb" "dtype is I32, expected F16, F32 or F64" -- ints.safetensors:emb --n1 100
  expect 1 "rank3.safetensors:emb" "rank 3" -- rank3.safetensors:emb --n1 100
fi
if want st_name; then
  expect 1 "good.safetensors: no tensor 'nope' (tensors: emb [F32, rank 2])" -- good.safetensors:nope --n1 100
  expect 2 "two.safetensors: no tensor 'embeddings' and 2 2-D float tensors" "name one as FILE:TENSOR" -- two.safetensors --n1 100
  expect 1 "bf16.safetensors: no tensor 'embeddings' and no 2-D F16, F32 or F64 tensor" "emb [BF16, rank 2]" -- bf16.safetensors --n1 100
fi
if want st_nan; then
  expect 2 "nan.safetensors:emb: row 17 (global row 17)" "NaN" "column 0" -- nan.safetensors --n1 100
fi
if want st_hostile; then
  expect 1 "s_beyond.safetensors:far" "data_offsets [96000, 1099511627776] reach beyond the file's 96000 bytes" -- s_beyond.safetensors:emb --n1 100
  expect 1 "s_backwards.safetensors:emb" "end before they begin" -- s_backwards.safetensors --n1 100
  expect 1 "s_mismatch.safetensors:emb" "hold 96000 bytes, but its shape needs 96032 bytes of F32" -- s_mismatch.safetensors --n1 100
  expect 1 "s_overflow.safetensors:emb" "needs more than" -- s_overflow.safetensors --n1 100
  expect 1 "s_negative.safetensors:emb" "shape is not a list of non-negative integers" -- s_negative.safetensors --n1 100
  expect 1 "s_offsets.safetensors:emb" "data_offsets is not [begin, end]" -- s_offsets.safetensors --n1 100
  expect 1 "s_entry.safetensors:emb" "entry is not {dtype, shape, data_offsets" -- s_entry.safetensors --n1 100
  expect 1 "s_notjson.safetensors" "header is not valid JSON (line" -- s_notjson.safetensors --n1 100
  expect 1 "s_array.safetensors" "not a NumPy .npy file, an HDF5 file or a safetensors file" -- s_array.safetensors --n1 100
  expect 1 "s_dup.safetensors" "not valid JSON" "duplicate" -- s_dup.safetensors --n1 100
  expect 1 "s_hlen_file.safetensors" "not a NumPy .npy file" -- s_hlen_file.safetensors --n1 100
  expect 1 "s_hlen_huge.safetensors" "not a NumPy .npy file" -- s_hlen_huge.safetensors --n1 100
fi
[[ $ran == 1 ]] || fail "unknown case $CASE"
echo PASSED
