#!/usr/bin/python3
"""Independent check of the delete-G-block jackknife of LEV (SPEC 4.1, --block-jackknife G)
in a `sigma study` directory, with h5py + numpy (explicit solves and slogdet, closed-form
digamma/trigamma, the draw re-derived by tests/philox.py), never with sigma's code.

For the first replicates of the study: each block in draw order (Philox key (seed, i)), at
every n1 of the sweep: log det G1 (which checks the draw), LEV, v_bj from the G blocks
without group g (positions [floor(g n1 / G), floor((g + 1) n1 / G))) computed from the
remaining rows themselves (not by downdating G1), and LEV's own s and covers flag:
s = sqrt(max(V_cal, v_bj)), V_cal = V_G + max(tau2_dec - 2d, 0)(1/n1 - 1/N); v_bj empty
(not applicable) when some n1 - m_g <= d + 4 or without the flag, and then s = sqrt(V_cal).

usage: check_bj.py DIR [--replicates K]  (default K = 3)
The functions bj_numpy and lev_numpy serve tests/check_audit.py too.
"""
import csv
import json
import math
import statistics
import sys

import numpy as np

from check_audit import center, digamma_half, load_rows, logdet, trigamma_half
from philox import sample_prefix

NAN = float("nan")


def psi_sum(N, d):
    """sum_{i=1}^{d} psi((N - i + 1) / 2): the N part of the Wishart correction."""
    return math.fsum(digamma_half(N - i + 1) for i in range(1, d + 1))


def lev_numpy(O, N, d, psiN):
    """Lhat_LEV (SPEC 4.1) of the rows O (n x d) and its tau2_dec; (NaN, NaN) when
    n <= d + 4. psiN = psi_sum(N, d)."""
    n = O.shape[0]
    if n <= d + 4:
        return NAN, NAN
    G1 = O.T @ O
    h = np.einsum("ij,ij->i", np.linalg.solve(G1, O.T).T, O)
    a = h / (1 - h)
    abar, var_a = float(a.mean()), float(a.var())
    tdec = ((1 + var_a / abar ** 2) / (1 + 2 * (n - 2) / (d * (n - d - 4))) * (d * d + 2 * d)
            - d * d)
    W = logdet(G1) + psiN - math.fsum(digamma_half(n - i + 1) for i in range(1, d + 1))
    g = n * (digamma_half(n - d) - digamma_half(n))
    lev = (W + d * math.log(abar * (n - d - 2) / d) + float(np.log1p(-h).sum()) - g
           - (tdec - 2 * d) / (2 * N))
    return lev, tdec


def bj_numpy(O, N, d, G, psiN):
    """v_bj of the block O (rows in draw order): ((G - 1)/G) sum_g (LEV_{-g} - mean)^2;
    NaN when some block without its group has <= d + 4 rows."""
    n = O.shape[0]
    starts = [g * n // G for g in range(G + 1)]
    if any(n - (starts[g + 1] - starts[g]) <= d + 4 for g in range(G)):
        return NAN
    levs = np.array([lev_numpy(np.concatenate([O[:starts[g]], O[starts[g + 1]:]]), N, d, psiN)[0]
                     for g in range(G)])
    return (G - 1) / G * float(np.sum((levs - levs.mean()) ** 2))


class Checker:
    def __init__(self):
        self.count = self.bad = 0

    def close(self, name, got, want, rtol):
        """got: CSV text (empty = not applicable); want: a float or NaN."""
        self.count += 1
        g = NAN if got == "" else float(got)
        if math.isnan(want) and math.isnan(g):
            return
        if math.isnan(want) or math.isnan(g) or abs(g - want) > rtol * max(abs(want), 1e-300):
            self.bad += 1
            print(f"MISMATCH {name}: sigma {got!r} numpy {want!r}")


def main(dir_, nrep):
    S = json.load(open(f"{dir_}/study.json"))
    H = S["study"]
    N, d, G, seed = H["N"], H["d"], H.get("block_jackknife", 0), H["seed"]
    X = np.concatenate([load_rows({"provenance": {"files": [f]}}) for f in H["files"]])
    assert X.shape == (N, d), X.shape
    if H["normalize"]:
        X = X / np.linalg.norm(X, axis=1, keepdims=True)
    if H["center"]:
        X = center(X)
    L, z = S["L"], statistics.NormalDist().inv_cdf(1 - (1 - H["level"]) / 2)
    psiN = psi_sum(N, d)
    VG = {n1: math.fsum(trigamma_half(n1 - i + 1) - trigamma_half(N - i + 1)
                        for i in range(1, d + 1)) for n1 in H["n1"]}
    c = Checker()
    for i in range(min(nrep, H["replicates"])):
        order = sample_prefix(N, H["n1"][-1], seed, i)
        rows = {int(r["n1"]): r for r in csv.DictReader(open(f"{dir_}/replicates/rep-{i:06d}.csv"))}
        for n1 in H["n1"]:
            r, O, tag = rows[n1], X[order[:n1]], f"replicate {i} n1={n1}"
            c.close(tag + " logdet_G1 (the draw)", r["logdet_G1"], logdet(O.T @ O), 1e-9)
            lev, tdec = lev_numpy(O, N, d, psiN)
            vbj = bj_numpy(O, N, d, G, psiN) if G else NAN
            c.close(tag + " v_bj", r["v_bj"], vbj, 1e-7)
            c.close(tag + " lev_est", r["lev_est"], lev, 1e-10)
            vcal = VG[n1] + max(tdec - 2 * d, 0.0) * (1 / n1 - 1 / N) if not math.isnan(tdec) else NAN
            s = math.sqrt(max(vcal, vbj) if not math.isnan(vbj) else vcal)
            c.close(tag + " lev_s_own", r["lev_s_own"], s, 1e-7)
            if not math.isnan(s):
                c.close(tag + " lev_covers_own", r["lev_covers_own"], float(abs(L - lev) <= z * s), 0)
    print(f"{dir_}: {c.count - c.bad} of {c.count} block-jackknife numbers agree with numpy "
          f"(G = {G})")
    return c.bad == 0


if __name__ == "__main__":
    a = sys.argv[1:]
    k = 3
    if "--replicates" in a:
        j = a.index("--replicates")
        k = int(a[j + 1])
        del a[j:j + 2]
    sys.exit(0 if main(a[0], k) else 1)
