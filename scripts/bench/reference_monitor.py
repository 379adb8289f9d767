#!/usr/bin/python3
"""Reference for scripts/bench/monitor_bench.sh: per checkpoint, what a user would write
with h5py + numpy: read the observed rows (sorted indices), normalise, G1 = X^T X, its
eigenvalues (U, Gamma) and the leverages (one solve). Prints one JSON line with the median
seconds per checkpoint of the read alone and of the whole, and the checkpoints timed.

usage: reference_monitor.py LIST_FILE OBSERVED_INDICES [MAX_CHECKPOINTS]
       (LIST_FILE: 'LABEL PATH' lines, as sigma monitor --checkpoints reads)
"""
import json
import statistics
import sys
import time

import h5py
import numpy as np

specs = [line.split()[1] for line in open(sys.argv[1]) if line.strip()]
idx = np.sort(np.loadtxt(sys.argv[2], dtype=np.int64, ndmin=1))
if len(sys.argv) > 3:
    specs = specs[: int(sys.argv[3])]
reads, totals = [], []
for path in specs:
    t0 = time.perf_counter()
    with h5py.File(path, "r") as f:
        X = f["embeddings"][idx].astype(np.float64)
    t1 = time.perf_counter()
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    G1 = X.T @ X
    w = np.linalg.eigvalsh(G1)
    h = np.einsum("ij,ij->i", np.linalg.solve(G1, X.T).T, X)
    assert w[0] > 0 and h.max() < 1
    t2 = time.perf_counter()
    reads.append(t1 - t0)
    totals.append(t2 - t0)
print(json.dumps({"checkpoints": len(specs), "read_median_s": statistics.median(reads),
                  "total_median_s": statistics.median(totals)}))
