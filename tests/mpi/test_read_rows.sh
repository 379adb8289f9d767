#!/usr/bin/env bash
# Sampled-row reads (sigma_input_read_rows) over shards equal a sequential read.
SIGMA=$1 MPIEXEC=$2 CHECK=$3
source "$(dirname "$0")/lib.sh"
$PY - "$WORK" <<'PY'
import sys, h5py, numpy as np
w = sys.argv[1]
X = np.random.default_rng(5).standard_normal((4000, 5)).astype("float32")
cuts = [0, 1, 1500, 1531, 4000]   # a one-row shard and a 31-row shard
for k in range(4):
    with h5py.File(f"{w}/s{k}.h5", "w") as f:
        f["embeddings"] = X[cuts[k]:cuts[k + 1]]
PY
"$MPIEXEC" -n 1 "$CHECK" "$WORK"/s{0,1,2,3}.h5
