#!/usr/bin/env bash
# float16/32/64 on disk, shards given as a list, a glob and @LIST, chunked and gzip
# layouts: same numbers as one float64 file holding the same values (SPEC section 1).
# The format is read from the magic bytes, not the name: HDF5 files named .dat whose
# signature sits after a user block (512 or 4096 bytes of other text) read the same.
SIGMA=$1 MPIEXEC=$2
source "$(dirname "$0")/lib.sh"
$PY - "$WORK" <<'PY'
import sys, h5py, numpy as np
w = sys.argv[1]
rng = np.random.default_rng(3)
X = (rng.standard_normal((5000, 16)) @ np.diag(np.linspace(1, 3, 16))).astype(np.float16)
for t in ("float16", "float32", "float64"):
    with h5py.File(f"{w}/m_{t}.h5", "w") as f:
        f.create_dataset("emb", data=X.astype(t))
cuts = [0, 900, 1024, 3100, 5000]   # uneven shards, one smaller than a chunk
for k in range(4):
    with h5py.File(f"{w}/shard_{k}.h5", "w") as f:
        f["embeddings"] = X[cuts[k]:cuts[k + 1]].astype("float32")
# chunked layouts: rows split (one chunk holds 1300 rows, cut by every read block), and
# rows and columns split with gzip (a row band is 3 chunks)
with h5py.File(f"{w}/m_chunked.h5", "w") as f:
    f.create_dataset("embeddings", data=X.astype("float32"), chunks=(1300, 16))
    f.create_dataset("gz", data=X.astype("float32"), chunks=(700, 6), compression="gzip",
                     shuffle=True)
for ub in (512, 4096):
    with h5py.File(f"{w}/ub{ub}.dat", "w", userblock_size=ub) as f:
        f.create_dataset("emb", data=X.astype("float32"))
    with open(f"{w}/ub{ub}.dat", "r+b") as f:
        f.write(b"# a user block: text before the HDF5 signature\n")
open(f"{w}/list.txt", "w").write("# shards\n" + "".join(f"{w}/shard_{k}.h5\n" for k in range(4)))
PY
A="--n1 300 --seed 9 --quiet"
run 1 audit "$WORK/m_float64.h5:emb" $A --json "$WORK/f64.json" --save-indices "$WORK/idx" > /dev/null
run 2 audit "$WORK/m_float32.h5:emb" $A --json "$WORK/f32.json" > /dev/null
run 2 audit "$WORK/m_float16.h5:/emb" $A --json "$WORK/f16.json" > /dev/null
run 3 audit "$WORK"/shard_{0,1,2,3}.h5 $A --json "$WORK/list.json" > /dev/null
run 2 audit "$WORK/shard_*.h5" $A --json "$WORK/glob.json" > /dev/null
run 1 audit "@$WORK/list.txt" $A --json "$WORK/at.json" --block-rows 100 > /dev/null
run 2 audit "$WORK/m_chunked.h5" $A --json "$WORK/chunked.json" --block-rows 1000 > /dev/null
run 3 audit "$WORK/m_chunked.h5:gz" $A --json "$WORK/gz.json" > /dev/null
run 1 audit "$WORK/ub512.dat:emb" $A --json "$WORK/ub512.json" > /dev/null
run 2 audit "$WORK/ub4096.dat:emb" $A --json "$WORK/ub4096.json" > /dev/null
# a study reads the sampled rows one by one: the same bytes from every layout
for f in m_float32.h5:emb m_chunked.h5 m_chunked.h5:gz; do
  run 2 study "$WORK/$f" --replicates 4 --n1 32,500 --seed 2 --quiet --no-plots --out "$WORK/st_${f//[:.]/_}" > /dev/null
done
cmp -s "$WORK/st_m_float32_h5_emb/replicates.csv" "$WORK/st_m_chunked_h5/replicates.csv" || fail "study: chunked differs"
cmp -s "$WORK/st_m_float32_h5_emb/replicates.csv" "$WORK/st_m_chunked_h5_gz/replicates.csv" || fail "study: gzip chunks differ"
$PY "$TESTS_DIR/check_audit.py" "$WORK/f16.json" "$WORK/idx" || fail "numpy check float16"
$PY "$TESTS_DIR/check_audit.py" "$WORK/list.json" "$WORK/idx" || fail "numpy check shards"
$PY "$TESTS_DIR/check_audit.py" --same "$WORK"/{f64,f32,f16}.json || fail "dtypes differ"
$PY "$TESTS_DIR/check_audit.py" --same "$WORK"/{list,glob,at,f32}.json || fail "shards differ"
$PY "$TESTS_DIR/check_audit.py" --same "$WORK"/{chunked,gz,f32}.json || fail "chunked layouts differ"
$PY "$TESTS_DIR/check_audit.py" --same "$WORK"/{ub512,ub4096,f32}.json || fail "user blocks differ"
$PY - "$WORK/list.json" <<'PY' || fail "provenance"
import json, sys
r = json.load(open(sys.argv[1]))
files = r["provenance"]["files"]
assert len(files) == 4 and [f["rows"] for f in files] == [900, 124, 2076, 1900], files
assert r["provenance"]["ranks"] == 3 and r["parameters"]["seed"] == 9
PY
echo PASSED
