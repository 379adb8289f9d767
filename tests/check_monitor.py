#!/usr/bin/python3
"""Independent check of a `sigma monitor` run directory with h5py + numpy.

Recomputes every number of DIR/monitor.csv and DIR/monitor.json from the checkpoints'
rows and DIR/observed-indices.txt with numpy's LAPACK (eigvalsh, solve, slogdet), closed
forms (trigamma at halves), Python's normal quantile and a Student t quantile by bisection
on mpmath's incomplete beta function; never with sigma's code. Tracks (SPEC 5 [3.18],
[3.20]), drifts [3.21], the calibrated variance V_G + max(tau2_dec - 2d, 0) u (SPEC 4.1),
the drift CI dU +- z sqrt(V_t + V_b), health (SPEC 6), the slopes with their standard errors
and the verdicts. The CSV must carry the same numbers as the JSON.

usage: check_monitor.py DIR [--rtol 1e-10]
       check_monitor.py --same DIR_A DIR_B   (identical monitor.csv bytes and JSON numbers,
                                              ignoring provenance and timing)
"""
import csv
import io
import json
import math
import statistics
import sys

import h5py
import mpmath
import numpy as np

sys.path.insert(0, __import__("os").path.dirname(__file__))
from check_audit import Checker, powerlaw_alpha, trigamma_half  # noqa: E402


def rows(spec, idx=None):
    path, _, dset = spec.partition(":")
    with h5py.File(path, "r") as f:
        D = f[dset or "embeddings"]
        X = D[np.sort(idx)] if idx is not None else D[...]
    return np.asarray(X, dtype=np.float64)


def t_quantile(p, df):
    """Student t quantile by bisection on its CDF (regularised incomplete beta)."""
    mpmath.mp.dps = 30
    cdf = lambda t: 1 - 0.5 * mpmath.betainc(df / 2, 0.5, 0, df / (df + t * t), regularized=True)
    lo, hi = 0.0, 1e3
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if cdf(mid) < p else (lo, mid)
    return 0.5 * (lo + hi)


def health(w):
    w = np.clip(w, 0, None)
    s = np.sqrt(w)
    p = s[s > 0] / s.sum()
    return float(np.exp(-(p * np.log(p)).sum())), float(w.sum() ** 2 / (w ** 2).sum())


def point(P, spec, idx, c, t):
    d, n1, delta, cap = P["d"], P["n1"], P["delta"], P["energy_cap"]
    X = rows(spec, idx)
    if P["normalize"]:
        X = X / np.linalg.norm(X, axis=1, keepdims=True)
    with h5py.File(spec.partition(":")[0], "r") as f:
        N = f[spec.partition(":")[2] or "embeddings"].shape[0]
    G1 = X.T @ X
    w = np.linalg.eigvalsh(G1)[::-1]
    B = cap * (N - n1)
    h = np.einsum("ij,ij->i", np.linalg.solve(G1, X.T).T, X)
    a = h / (1 - h)
    D = (n1 - 1) * a
    ok = n1 > d + 4
    tdec = ((1 + a.var() / a.mean() ** 2) / (1 + 2 * (n1 - 2) / (d * (n1 - d - 4)))
            * (d * d + 2 * d) - d * d) if ok else None
    VG = math.fsum(trigamma_half(n1 - i + 1) - trigamma_half(N - i + 1) for i in range(1, d + 1))
    er, pr = health(w)
    p = {"N": N, "n1": n1, "logdet_G1d": float(np.log(w + delta).sum()),
         "U": float(np.log(w + delta).sum() - d * math.log(n1)),
         "Gamma": float(np.log1p(w / (B + delta)).sum()), "B": B, "tau2_loo": float(D.var(ddof=1)),
         "tau2_dec": tdec, "V_G": VG,
         "V": VG + max(tdec - 2 * d, 0) * (1 / n1 - 1 / N) if ok else None,
         "effective_rank": er, "participation": pr, "alpha": powerlaw_alpha(w),
         "max_norm2": float(np.einsum("ij,ij->i", X, X).max()), "U_full": None,
         # the size of the sums behind the log-dets: their rounding is relative to it, not
         # to a sum that cancels to near 0
         "_scale": float(np.abs(np.log(w + delta)).sum() + d * abs(math.log(n1)))}
    if P["full"]:
        Xa = rows(spec)
        if P["normalize"]:
            Xa = Xa / np.linalg.norm(Xa, axis=1, keepdims=True)
        sign, ld = np.linalg.slogdet(Xa.T @ Xa + delta * np.eye(d))
        p["U_full"] = float(ld - d * math.log(N))
        ev = np.linalg.eigvalsh(Xa.T @ Xa + delta * np.eye(d))
        p["_scale"] = max(p["_scale"], float(np.abs(np.log(ev)).sum() + d * math.log(N)))
        p["max_norm2"] = float(np.einsum("ij,ij->i", Xa, Xa).max())
    return p


def trend(y, level):
    K = len(y)
    if K < 2 or any(v is None for v in y):
        return None, None, None
    x = np.arange(K, dtype=float)
    xm = x - x.mean()
    slope = float((xm * (np.array(y) - np.mean(y))).sum() / (xm * xm).sum())
    if K < 3:
        return slope, None, None
    res = np.array(y) - (np.mean(y) + slope * xm)
    se = math.sqrt((res * res).sum() / (K - 2) / (xm * xm).sum())
    crit = t_quantile(1 - (1 - level) / 2, K - 2)
    if se == 0:
        v = "contracting" if slope < 0 else "expanding" if slope > 0 else "stable"
    else:
        v = "stable" if abs(slope) / se <= crit else "contracting" if slope < 0 else "expanding"
    return slope, se, v


def check(dirname, rtol):
    R = json.load(open(f"{dirname}/monitor.json"))
    P = R["monitor"]
    idx = np.loadtxt(f"{dirname}/observed-indices.txt", dtype=np.int64, ndmin=1)
    c = Checker(rtol)
    c.equal("n1", len(idx), P["n1"])
    z = statistics.NormalDist().inv_cdf(1 - (1 - P["level"]) / 2)
    c.close("z", P["z"], z, rtol=1e-12)
    pts = [point(P, C["spec"], idx, c, t) for t, C in enumerate(R["checkpoints"])]
    b = P["baseline"]
    lines = list(csv.DictReader(io.StringIO(open(f"{dirname}/monitor.csv").read())))
    c.equal("csv rows", len(lines), len(pts))
    drift = []
    for t, (C, p) in enumerate(zip(R["checkpoints"], pts)):
        dU, dG = p["U"] - pts[b]["U"], p["Gamma"] - pts[b]["Gamma"]
        have_v = p["V"] is not None and pts[b]["V"] is not None
        sd = 0.0 if t == b else (math.sqrt(p["V"] + pts[b]["V"]) if have_v else None)
        want = dict(p, delta_U=dU, delta_Gamma=dG, delta_U_sd=sd,
                    delta_U_lo=dU - z * sd if sd is not None else None,
                    delta_U_hi=dU + z * sd if sd is not None else None,
                    delta_U_full=p["U_full"] - pts[b]["U_full"] if P["full"] else None)
        drift.append(want)
        scale = max(p["_scale"], pts[b]["_scale"])
        for k, v in want.items():
            if k == "_scale":
                continue
            # log-dets, tracks and drifts: absolute tolerance relative to the sums behind them
            logdet = k.startswith("delta") or k in ("U", "U_full", "logdet_G1d")
            atol = 1e-10 * scale if logdet else 0.0
            name = f"ckpt {t} {k}"
            c.close_or_null(name, C[k], v, v is not None, rtol=rtol, atol=atol)
            cell = lines[t][k] if t < len(lines) else ""
            c.equal(name + " (csv)", float(cell) if cell else None, C[k])
    S = R["summary"]
    scale = max(p["_scale"] for p in pts)
    verdicts, slopes = {}, {}
    for key, col, final in (("track_II_U", "delta_U", None), ("track_I_Gamma", "delta_Gamma", None),
                            ("full_gram_U", "delta_U_full", None)):
        y = [w[col] for w in drift]
        slope, se, v = trend(y, P["level"])
        T = S[key]
        c.close_or_null(key + ".slope", T["slope"], slope, slope is not None, atol=1e-10 * scale)
        c.close_or_null(key + ".se", T["se"], se, se is not None, atol=1e-10 * scale)
        c.equal(key + ".verdict", T["verdict"], v)
        if se:
            c.close(key + ".t_critical", T["t_critical"], t_quantile(1 - (1 - P["level"]) / 2,
                                                                     len(y) - 2), rtol=1e-9)
            c.close(key + ".t", T["t"], slope / se, rtol=1e-9, atol=1e-9)
        c.close_or_null(key + ".final_drift", T["final_drift"], y[-1], y[-1] is not None,
                        atol=1e-10 * scale)
        verdicts[key] = v
        slopes[key] = slope
    sign = lambda a, b: None if not a or not b else (a < 0) == (b < 0)
    c.equal("tracks_agree_in_sign", S["tracks_agree_in_sign"],
            sign(slopes["track_II_U"], slopes["track_I_Gamma"]))
    vu, vg = verdicts["track_II_U"], verdicts["track_I_Gamma"]
    c.equal("early_collapse_signature", S["early_collapse_signature"],
            None if vu is None or vg is None else vu == "contracting" and vg != "contracting")
    print(f"check_monitor: {c.count} numbers, {c.fail} mismatches")
    return c.fail == 0


def strip(d):
    R = json.load(open(f"{d}/monitor.json"))
    R.pop("provenance", None)
    R.pop("timing", None)
    return R


def same(a, b):
    ok = open(f"{a}/monitor.csv", "rb").read() == open(f"{b}/monitor.csv", "rb").read()
    ok = ok and strip(a) == strip(b)
    ok = ok and open(f"{a}/observed-indices.txt").read() == open(f"{b}/observed-indices.txt").read()
    print(f"check_monitor --same {a} {b}: {'identical' if ok else 'DIFFERENT'}")
    return ok


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--same":
        sys.exit(0 if same(args[1], args[2]) else 1)
    rtol = float(args[args.index("--rtol") + 1]) if "--rtol" in args else 1e-10
    sys.exit(0 if check(args[0], rtol) else 1)
