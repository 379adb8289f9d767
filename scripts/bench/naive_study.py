#!/usr/bin/python3
"""The naive confidence-interval study: for every replicate and every n1, draw the
observed rows from scratch, read them with h5py, form G1 and its halves, factorize,
and compute the leave-one-out tau2 -- the work `sigma study` does with nested blocks and
one truth pass. Prints its timings as JSON. Run only R_SUB replicates and extrapolate
linearly to R when R is large (the work per replicate is the same).

usage: naive_study.py FILE DATASET "n1,n1,..." R_SUB
"""
import json, math, sys, time

import h5py
import numpy as np

path, dset, sweep, rsub = sys.argv[1], sys.argv[2], [int(x) for x in sys.argv[3].split(",")], int(sys.argv[4])
t0 = time.perf_counter()
f = h5py.File(path, "r")
D = f[dset]
N, d = D.shape
# Truth: the full Gram in memory, as a researcher would.
X = np.asarray(D[...], dtype=np.float64)
G = X.T @ X
L = np.linalg.slogdet(G)[1]
del X
t_truth = time.perf_counter() - t0
rng = np.random.default_rng(1)
t1 = time.perf_counter()
for r in range(rsub):
    for n1 in sweep:
        idx = np.sort(rng.choice(N, n1, replace=False))
        Y = np.asarray(D[idx], dtype=np.float64)          # h5py fancy read
        G1 = Y.T @ Y
        l1 = np.linalg.slogdet(G1)[1]
        h = n1 // 2
        la = np.linalg.slogdet(Y[:h].T @ Y[:h])[1]
        lb = np.linalg.slogdet(Y[h:].T @ Y[h:])[1]
        lev = np.einsum("ij,ij->i", np.linalg.solve(G1, Y.T).T, Y)
        tau2 = np.var((n1 - 1) * lev / (1 - lev), ddof=1)
t_reps = time.perf_counter() - t1
print(json.dumps({"N": N, "d": d, "sweep": sweep, "replicates_run": rsub,
                  "t_truth": t_truth, "t_replicates": t_reps,
                  "t_per_replicate": t_reps / rsub}))
