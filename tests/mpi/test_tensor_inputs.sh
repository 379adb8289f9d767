#!/usr/bin/env bash
# NumPy .npy and safetensors inputs (issue 11): the same rows written as HDF5, as .npy
# (np.save; open_memmap with a forced 1.0, 2.0 and 3.0 header; big-endian; Fortran order;
# float16/32/64, float16 subnormals) and as safetensors (written here by the format's definition: 8-byte
# little-endian header length, JSON header, raw little-endian data; F16/F32/F64; the
# default tensor rule and a named tensor) give audit reports identical to the last bit,
# on 1, 2 and 3 ranks, and as shards mixing the three formats (a list, an @LIST, a glob).
# The numbers of a .npy and of a mixed audit are also checked against numpy
# (tests/check_audit.py reads .npy and safetensors itself). study, plan and monitor read
# .npy and safetensors through the same input layer: their outputs equal the HDF5 ones.
SIGMA=$1 MPIEXEC=$2
source "$(dirname "$0")/lib.sh"
cd "$WORK"
$PY - <<'PY'
import json, h5py, numpy as np
from numpy.lib.format import open_memmap
rng = np.random.default_rng(11)
# float16-representable values: every dtype holds the same numbers
X = (rng.standard_normal((5000, 16)) @ np.diag(np.linspace(1, 3, 16))).astype(np.float16)
with h5py.File("ref.h5", "w") as f:
    f.create_dataset("emb", data=X.astype("float32"))
np.save("save.npy", X.astype("float32"))
np.save("save16.npy", X)
np.save("save64.npy", X.astype("float64"))
np.save("big64.npy", X.astype(">f8"))
np.save("fortran.npy", np.asfortranarray(X.astype("float32")))
for v, dt, fo in (((1, 0), "<f4", False), ((2, 0), ">f4", False), ((3, 0), "<f4", True)):
    m = open_memmap(f"v{v[0]}.npy", mode="w+", dtype=dt, shape=X.shape, fortran_order=fo, version=v)
    m[:] = X
    m.flush()
    del m
for k, (b, want) in enumerate(((b"\x93NUMPY\x01\x00", 1), (b"\x93NUMPY\x02\x00", 2), (b"\x93NUMPY\x03\x00", 3))):
    assert open(f"v{want}.npy", "rb").read(8) == b, (k, open(f"v{want}.npy", "rb").read(8))
# float16 subnormals (|x| < 2^-14), little- and big-endian, against HDF5's conversion
T = (X.astype("float64") * 2.0 ** -17).astype(np.float16)
assert (np.abs(T[T != 0]) < 2.0 ** -14).mean() > 0.9
with h5py.File("tiny16.h5", "w") as f:
    f.create_dataset("embeddings", data=T)
np.save("tiny16.npy", T)
np.save("tiny16be.npy", T.astype(">f2"))
# the format's magic, not the name: a .npy file called .dat
np.save("named.dat.npy", X.astype("float32"))
import os; os.rename("named.dat.npy", "npy_named.dat")

def safetensors(path, tensors, pad=True):
    """tensors: name -> (dtype, array) in file order; the data follows the header."""
    hdr, data = {"__metadata__": {"format": "pt"}}, b""
    for name, (dt, a) in tensors.items():
        raw = np.ascontiguousarray(a, dtype={"F16": "<f2", "F32": "<f4", "F64": "<f8"}[dt]).tobytes()
        hdr[name] = {"dtype": dt, "shape": list(a.shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    h = json.dumps(hdr).encode()
    if pad:
        h += b" " * (-len(h) % 8)
    open(path, "wb").write(len(h).to_bytes(8, "little") + h + data)

safetensors("only.safetensors", {"emb": ("F32", X)})          # the only 2-D float tensor
safetensors("st16.safetensors", {"bias": ("F32", X[0]), "emb": ("F16", X)}, pad=False)
safetensors("st64.safetensors", {"embeddings": ("F64", X), "other": ("F32", X[:7, :3])})
safetensors("named.safetensors", {"a": ("F32", X[:9]), "b": ("F32", X), "c": ("F64", X[:3])})
# shards of the three formats, float32, cut unevenly (one shard smaller than a read block)
cuts = [0, 700, 1900, 1964, 3500, 5000]
parts = [X[cuts[k]:cuts[k + 1]].astype("float32") for k in range(5)]
np.save("mix_0.npy", parts[0])
with h5py.File("mix_1.h5", "w") as f:
    f.create_dataset("embeddings", data=parts[1])
safetensors("mix_2.safetensors", {"rows": ("F32", parts[2])})
np.save("mix_3.npy", parts[3].astype(">f4"))
safetensors("mix_4.safetensors", {"embeddings": ("F32", parts[4]), "x": ("F32", parts[4][:2])})
open("mix.txt", "w").write("# three formats\nmix_0.npy\nmix_1.h5\nmix_2.safetensors\n"
                           "mix_3.npy:\nmix_4.safetensors:embeddings\n")
# monitor checkpoints: the same rows as HDF5 and as .npy
for t in range(3):
    Y = (X.astype("float64") * (1 - 0.2 * t)).astype("float32")
    with h5py.File(f"ck{t}.h5", "w") as f:
        f.create_dataset("embeddings", data=Y)
    np.save(f"ck{t}.npy", Y)
PY
A="--n1 300 --seed 9 --quiet"
run 1 audit ref.h5:emb $A --json ref.json --save-indices idx > /dev/null
n=0
for spec in save.npy save16.npy save64.npy big64.npy fortran.npy v1.npy v2.npy v3.npy npy_named.dat \
            only.safetensors st16.safetensors st64.safetensors named.safetensors:b; do
  for np in 1 2 3; do
    run $np audit "$spec" $A --json "r$n.json" --block-rows 700 > /dev/null || fail "audit $spec on $np ranks"
    n=$((n + 1))
  done
done
$PY "$TESTS_DIR/check_audit.py" --same ref.json r*.json || fail "formats differ from HDF5"
run 3 audit mix_0.npy mix_1.h5 mix_2.safetensors:rows mix_3.npy mix_4.safetensors $A --json mixl.json > /dev/null
run 2 audit @mix.txt $A --json mixat.json --block-rows 300 > /dev/null
run 1 audit 'mix_*' $A --json mixglob.json > /dev/null
$PY "$TESTS_DIR/check_audit.py" --same ref.json mixl.json mixat.json mixglob.json || fail "mixed shards differ"
$PY - <<'PY' || fail "provenance of mixed shards"
import json
files = json.load(open("mixat.json"))["provenance"]["files"]
assert [f["dataset"] for f in files] == ["", "embeddings", "rows", "", "embeddings"], files
assert [f["rows"] for f in files] == [700, 1200, 64, 1536, 1500], files
assert json.load(open("r27.json"))["provenance"]["files"][0]["dataset"] == "emb"  # only.safetensors
PY
$PY "$TESTS_DIR/check_audit.py" r9.json idx || fail "numpy check of big-endian .npy"
$PY "$TESTS_DIR/check_audit.py" r12.json idx || fail "numpy check of Fortran-order .npy"
$PY "$TESTS_DIR/check_audit.py" mixat.json idx || fail "numpy check of mixed shards"
for f in tiny16.h5 tiny16.npy tiny16be.npy; do
  run 2 audit $f $A --json "$f.json" > /dev/null
done
$PY "$TESTS_DIR/check_audit.py" --same tiny16.h5.json tiny16.npy.json tiny16be.npy.json || fail "float16 subnormals"
# study: sampled rows (one read per row range, column reads for Fortran order)
for f in ref.h5:emb fortran.npy v2.npy st16.safetensors; do
  run 2 study "$f" --replicates 3 --n1 32,400 --seed 2 --quiet --no-plots --out "st_${f//[:.]/_}" > /dev/null
done
for f in st_fortran_npy st_v2_npy st_st16_safetensors; do
  cmp -s st_ref_h5_emb/replicates.csv "$f/replicates.csv" || fail "study: $f differs from HDF5"
done
# plan: the same numbers (its provenance names the files)
run 1 plan ref.h5:emb --epsilon 0.5,1 --pilot 200 --json p_ref.json > /dev/null
run 2 plan v3.npy --epsilon 0.5,1 --pilot 200 --json p_npy.json > /dev/null
$PY -c "
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
for r in (a, b): [r.pop(k, None) for k in ('provenance', 'files', 'blas')]
sys.exit(a != b)" p_ref.json p_npy.json || fail "plan on .npy differs"
# monitor: checkpoints as .npy equal checkpoints as HDF5
run 2 monitor ck0.h5 ck1.h5 ck2.h5 --n1 400 --seed 7 --normalize --labels a,b,c --out m_h5 --quiet --no-plots > /dev/null
run 2 monitor ck0.npy ck1.npy ck2.npy --n1 400 --seed 7 --normalize --labels a,b,c --out m_npy --quiet --no-plots > /dev/null
cmp -s m_h5/monitor.csv m_npy/monitor.csv || fail "monitor on .npy differs"
cmp -s m_h5/observed-indices.txt m_npy/observed-indices.txt || fail "monitor observed rows differ"
echo PASSED
