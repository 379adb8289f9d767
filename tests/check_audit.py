#!/usr/bin/python3
"""Independent check of a `sigma audit` JSON report with h5py + numpy (inputs in HDF5,
.npy or safetensors, read here with h5py, np.load and the safetensors layout).

Recomputes every reported number from the input rows and the saved observed
indices (half a, then half b) with numpy's own LAPACK calls and closed forms
(digamma from harmonic sums, the normal quantile from Python's statistics module),
never with sigma's code. --center subtracts the mean with compensated sums (see
center()); numbers that are undefined (the power-law fit at d = 1) must be null.

usage: check_audit.py REPORT.json INDICES.txt [--rtol 1e-10]
       check_audit.py --same A.json B.json ...   (identical numbers, ignoring
                                                  provenance, timing, block_rows)
"""
import json
import math
import statistics
import sys

import h5py
import numpy as np


def load_safetensors(path, name):
    """Tensor name of a safetensors file, read by the format's definition (8-byte
    little-endian header length, JSON header, little-endian data after it)."""
    raw = open(path, "rb").read()
    n = int.from_bytes(raw[:8], "little")
    t = json.loads(raw[8 : 8 + n])[name]
    b, e = t["data_offsets"]
    dt = {"F16": "<f2", "F32": "<f4", "F64": "<f8"}[t["dtype"]]
    return np.frombuffer(raw[8 + n + b : 8 + n + e], dtype=dt).reshape(t["shape"])


def load_shard(path, dataset):
    """One shard by its magic bytes: .npy (np.load), HDF5 (h5py), else safetensors."""
    magic = open(path, "rb").read(8)
    if magic[:6] == b"\x93NUMPY":
        return np.load(path)
    if h5py.is_hdf5(path):
        with h5py.File(path, "r") as h:
            return h[dataset][...]
    return load_safetensors(path, dataset)


def load_rows(report):
    parts = [np.asarray(load_shard(f["path"], f["dataset"]), dtype=np.float64)
             for f in report["provenance"]["files"]]
    return np.concatenate(parts, axis=0)


EULER = 0.57721566490153286061
EPS = 2.220446049250313e-16


def powerlaw_alpha(w):
    """Minus the least-squares slope of log lambda_i on log i (alpha-ReQ). A fit through
    one point is undefined: only for d >= 2 (G and G1 are positive definite here)."""
    if len(w) < 2:
        return None
    return float(-np.polyfit(np.log(np.arange(1, len(w) + 1)), np.log(w), 1)[0])


def digamma_half(m2):
    """psi(m2 / 2) for integer m2 >= 1, by the closed forms at integers and halves."""
    if m2 % 2 == 0:
        n = m2 // 2
        return -EULER + math.fsum(1.0 / k for k in range(1, n))
    n = (m2 - 1) // 2
    return -EULER - 2 * math.log(2) + math.fsum(2.0 / (2 * k - 1) for k in range(1, n + 1))


def trigamma_half(m2):
    """psi'(m2 / 2) for integer m2 >= 1, by the closed forms at integers and halves."""
    if m2 % 2 == 0:
        n = m2 // 2
        return math.pi ** 2 / 6 - math.fsum(1.0 / (k * k) for k in range(1, n))
    n = (m2 - 1) // 2
    return math.pi ** 2 / 2 - math.fsum(4.0 / ((2 * k - 1) ** 2) for k in range(1, n + 1))


def calibrated(c, R, N, d, n1, h, L, z, tau2_oracle, wcorr, l1, vbj=float("nan")):
    """SPEC 4.1 from the leverages h of the observed rows (numpy solves, not sigma's
    triangular factors): V_G, tau2_dec, LEV, the jackknife, every calibrated and own CI
    (LEV's with max(V_cal, vbj) when vbj, the delete-G-block jackknife variance, is a
    number)."""
    T = R["truth"]
    VG = math.fsum(trigamma_half(n1 - i + 1) - trigamma_half(N - i + 1) for i in range(1, d + 1))
    c.close("V_G", T["V_G"], VG, rtol=1e-9)
    lg, a = np.log1p(-h), h / (1 - h)
    abar, var_a = float(a.mean()), float(a.var())
    ok = n1 > d + 4
    tdec = ((1 + var_a / abar ** 2) / (1 + 2 * (n1 - 2) / (d * (n1 - d - 4))) * (d * d + 2 * d)
            - d * d) if ok else None
    c.close_or_null("tau2_dec", T["tau2_dec"], tdec, ok, rtol=1e-7, atol=1e-9 * d * d)
    g = n1 * (digamma_half(n1 - d) - digamma_half(n1))
    LW = l1 + wcorr
    u = 1 / n1 - 1 / N
    var_cal = lambda t: VG + max(t - 2 * d, 0.0) * u
    f = (n1 - 1) / n1 * (1 - n1 / N)
    vlev = (max(var_cal(tdec), vbj) if not math.isnan(vbj) else var_cal(tdec)) if ok else None
    own = {"lev": (LW + d * math.log(abar * (n1 - d - 2) / d) + float(lg.sum()) - g
                   - (tdec - 2 * d) / (2 * N), vlev) if ok else (None, None),
           "jackknife": (LW - f * (float(lg.sum()) - g), f * float(((lg - lg.mean()) ** 2).sum()))}
    for key, (est, var) in own.items():
        E = R["estimators"][key]
        c.close_or_null(key + ".estimate", E["estimate"], est, est is not None, rtol=1e-9,
                        atol=1e-9 * abs(L))
        if est is not None:
            # atol: a variance that is 0 but for rounding (d = 1 normalised: equal leverages)
            c.close(key + ".own.s", E["own"]["s"], math.sqrt(var), rtol=1e-7, atol=1e-7)
            c.equal(key + ".own.covers", E["own"]["covers"],
                    bool(abs(L - est) <= z * math.sqrt(var)))
    for key, E in R["estimators"].items():
        if E["estimate"] is None:
            continue
        for src, t in (("oracle", tau2_oracle), ("tau2_dec", tdec)):
            if t is None:
                continue
            sc = math.sqrt(var_cal(t))
            c.close(f"{key}.calibrated.{src}.s", E["calibrated"][src]["s"], sc, rtol=1e-7)


def block_jackknife(c, R, X):
    """v_bj (--block-jackknife G, SPEC 4.1) from the observed rows in their drawn order:
    the Philox draw for --observed random, the seed's shuffle of rows 0..n1-1 for first
    (tests/philox.py); NaN when the audit ran without the flag (v_bj must be null) or
    from an index file (its drawn order is the file's, not known here: v_bj not checked)."""
    from check_bj import bj_numpy, psi_sum
    from philox import sample_prefix
    P, (N, d) = R["parameters"], X.shape
    G, n1, seed = P.get("block_jackknife", 0), P["n1"], P["seed"]
    if not G:
        if "v_bj" in R["truth"]:
            c.equal("v_bj (off)", R["truth"]["v_bj"], None)
        return float("nan")
    if P["observed"] == "indices":
        print("note: v_bj not checked (observed from an index file)")
        return R["truth"]["v_bj"] if R["truth"]["v_bj"] is not None else float("nan")
    order = (sample_prefix(N, n1, seed, 0) if P["observed"] == "random"
             else sample_prefix(n1, n1, seed, 0))
    v = bj_numpy(X[order], N, d, G, psi_sum(N, d))
    c.close_or_null("v_bj", R["truth"]["v_bj"], v, not math.isnan(v), rtol=1e-7)
    return v


def center(X):
    """X minus its column means, accurate to rounding of the centred entries themselves.

    X - X.mean(axis=0) is not: numpy sums along axis 0 without pairwise summation, so for
    10^4 rows of mean 1e9 (sd 1..10) the mean is off by ~6e-6 (50 ulps) and the Gram of the
    observed block (centred on the global mean, like sigma's) by ~1e-7 relative: first order
    in that error, as the block's centred rows do not sum to zero. Here the sums are
    correctly rounded (math.fsum), so m0 is within ~1 ulp of the mean; X - m0 is exact where
    x is near m0 (Sterbenz) and otherwise off by rounding of |x - m0| only; what m0 missed,
    the mean of Y = X - m0 (again fsum), is then removed from the small Y."""
    n = X.shape[0]
    colmean = lambda A: np.array([math.fsum(col) for col in A.T]) / n
    Y = X - colmean(X)
    return Y - colmean(Y)


def logdet(A):
    s, v = np.linalg.slogdet(A)
    assert s > 0, "matrix not positive definite"
    return v


class Checker:
    def __init__(self, rtol):
        self.rtol, self.fail, self.count = rtol, 0, 0

    def close(self, name, got, want, rtol=None, atol=0.0):
        rtol = self.rtol if rtol is None else rtol
        self.count += 1
        if got is None or not math.isfinite(got) or abs(got - want) > atol + rtol * max(abs(want), 1e-300):
            self.fail += 1
            print(f"MISMATCH {name}: sigma {got!r} numpy {want!r}")

    def holds(self, name, got, lhs, rhs, slack):
        """The verdict "lhs <= rhs up to rounding": true also where lhs exceeds rhs by at
        most slack, so an equality in exact arithmetic (L = U_Weyl at d = 1 or n1 = N)
        passes whichever way the last bit falls, and anything beyond slack fails."""
        self.equal(name, got, bool(lhs <= rhs + slack))

    def close_or_null(self, name, got, want, applicable, **tol):
        """A number where it is defined (applicable), else JSON null (sigma's NaN)."""
        if applicable:
            self.close(name, got, want, **tol)
        else:
            self.equal(name, got, None)

    def equal(self, name, got, want):
        self.count += 1
        if got != want:
            self.fail += 1
            print(f"MISMATCH {name}: sigma {got!r} expected {want!r}")


def check(report_path, idx_path, rtol):
    R = json.load(open(report_path))
    P = R["parameters"]
    X = load_rows(R)
    N, d = X.shape
    n1 = P["n1"]
    idx = np.loadtxt(idx_path, dtype=np.int64, ndmin=1)
    na = n1 // 2
    ia, ib = idx[:na], idx[na:]
    c = Checker(rtol)
    c.equal("N", P["N"], N)
    c.equal("d", P["d"], d)
    c.equal("n1", len(idx), n1)
    if P["normalize"]:
        X = X / np.linalg.norm(X, axis=1, keepdims=True)
    max_norm2 = float(np.max(np.einsum("ij,ij->i", X, X)))
    if P["center"]:
        X = center(X)
    G = X.T @ X
    Ga, Gb = X[ia].T @ X[ia], X[ib].T @ X[ib]
    G1 = Ga + Gb
    T = R["truth"]
    L, l1 = logdet(G), logdet(G1)
    la, lb = logdet(Ga), logdet(Gb)
    c.close("L", T["L"], L)
    c.close("logdet_G1", T["logdet_G1"], l1)
    c.close("logdet_Ga", T["logdet_Ga"], la)
    c.close("logdet_Gb", T["logdet_Gb"], lb)
    # tau2: Mahalanobis distances by explicit solves (not Cholesky triangular solves).
    Dor = N * np.einsum("ij,ij->i", np.linalg.solve(G, X.T).T, X)
    h = np.einsum("ij,ij->i", np.linalg.solve(G1, X[idx].T).T, X[idx])
    Dloo = (n1 - 1) * h / (1 - h)
    tau2 = [Dor.var(ddof=1), Dloo.var(ddof=1)]
    # The D^2 have mean d and agree to ~1e-8 relative; tau2 is their variance. Where all D^2
    # are equal (d = 1 with --normalize: every D^2 = 1) tau2 = 0 and sigma's is rounding
    # noise ~(d eps)^2, so an absolute floor (1e-8 d)^2 (far below any real tau2, ~2d),
    # and for s = sqrt(tau2 u) its square root.
    tatol = (1e-8 * d) ** 2
    satol = lambda n: math.sqrt(tatol * (1 / n - 1 / N))
    c.close("tau2_oracle", T["tau2_oracle"], tau2[0], rtol=1e-8, atol=tatol)
    c.close("tau2_observed", T["tau2_observed"], tau2[1], rtol=1e-8, atol=tatol)
    # Estimators.
    z = statistics.NormalDist().inv_cdf(1 - (1 - P["level"]) / 2)
    c.close("z", R["z"], z, rtol=1e-12)
    lhat = l1 + d * math.log(N / n1)
    wcorr = math.fsum(digamma_half(N - i + 1) - digamma_half(n1 - i + 1) for i in range(1, d + 1))
    nb = n1 - na
    lh = 0.5 * (la + d * math.log(N / na) + lb + d * math.log(N / nb))
    m = 0.5 * (1 / na + 1 / nb)
    cr = (lhat - lh) / (m - 1 / n1)
    lr = lhat + cr * (1 / n1 - 1 / N)
    C = R["corrections"]
    c.close("wishart_correction", C["wishart_correction"], wcorr)
    c.close("bias_formula", C["bias_formula"], d * (d + 1) / 2 * (1 / n1 - 1 / N))
    c.close("richardson_c", C["richardson_c"], cr, rtol=1e-7)
    for key, est in (("plugin", lhat), ("wishart", l1 + wcorr), ("richardson", lr)):
        E = R["estimators"][key]
        c.close(key + ".estimate", E["estimate"], est)
        c.close(key + ".error", E["error"], L - est, rtol=1e-8, atol=1e-9 * abs(L))
        for k, src in enumerate(("oracle", "observed")):
            s = math.sqrt(tau2[k] * (1 / n1 - 1 / N))
            c.close(f"{key}.{src}.s", E[src]["s"], s, rtol=1e-8, atol=satol(n1))
            c.close(f"{key}.{src}.ci_low", E[src]["ci_low"], est - z * s)
            c.equal(f"{key}.{src}.covers", E[src]["covers"], bool(abs(L - est) <= z * s))
    if "V_G" in T:  # SPEC 4.1 (issue 9)
        calibrated(c, R, N, d, n1, h, L, z, tau2[0], wcorr, l1, block_jackknife(c, R, X))
    # Theorem 1, overestimation, tracks, envelope.
    wG = np.sort(np.linalg.eigvalsh(G))[::-1]
    w1 = np.sort(np.linalg.eigvalsh(G1))[::-1]
    w2 = np.sort(np.linalg.eigvalsh(G - G1))[::-1]
    E = R["eigenvalues"]
    c.close("eig G max", E["G"][0], wG[0])
    for i in range(d):
        c.close(f"eig G[{i}]", E["G"][i], wG[i], rtol=1e-9)
        c.close(f"eig G1[{i}]", E["G1"][i], w1[i], rtol=1e-9)
    th = R["theorem1"]
    rho2 = w2[0]
    uw = float(np.sum(np.log(w1 + rho2)))
    c.close("rho2", th["rho2"], rho2)
    c.close("U_weyl", th["U_weyl"], uw)
    # The slack of sigma's verdicts (src/estimators.c): ~64 d roundings of a log det.
    slack = 64 * d * EPS * max(1.0, abs(L))
    c.holds("lower_ok", th["lower_ok"], l1, L, slack)
    c.holds("upper_ok", th["upper_ok"], L, uw, slack)
    alpha = n1 / N
    # A sum of d logs of terms >= 1 (the first exactly log 1 = 0, and all of them at d = 1):
    # relative error is meaningless near 0, so allow rounding of each term too.
    c.close("logR_predicted", th["logR_predicted"], float(np.sum(np.log(alpha + (1 - alpha) * wG[0] / wG))),
            atol=4 * d * EPS)
    c.close("logR_measured", th["logR_measured"], uw - L, rtol=1e-8, atol=1e-9 * abs(L))
    S = R["sigma_ub"]
    delta, cap = P["delta"], P["energy_cap"]
    B = cap * (N - n1)
    c.close("max_norm2", S["max_norm2"], max_norm2)
    c.close("track1_gamma", S["track1_gamma"], float(np.sum(np.log1p(w1 / (B + delta)))))
    c.close("track2_U", S["track2_U"], logdet(G1 + delta * np.eye(d)) - d * math.log(n1))
    c.close("envelope_lhs", S["envelope_lhs"], logdet(G + delta * np.eye(d)))
    c.close("envelope_rhs", S["envelope_rhs"], logdet(G1 + (B + delta) * np.eye(d)))
    # Spectral health of G.
    H = R["health"]["G"]
    p = np.sqrt(wG) / np.sum(np.sqrt(wG))
    mu = wG / wG.sum()
    c.close("effective_rank", H["effective_rank"], float(np.exp(-np.sum(p * np.log(p)))), rtol=1e-9)
    c.close("participation", H["participation_ratio"], float(wG.sum() ** 2 / np.sum(wG ** 2)), rtol=1e-9)
    c.close("vn_entropy", H["von_neumann_entropy"], float(-np.sum(mu * np.log(mu))), rtol=1e-9)
    c.close("condition", H["condition"], float(wG[0] / wG[-1]), rtol=1e-8)
    c.equal("numerical_rank", H["numerical_rank"], int(np.linalg.matrix_rank(G)))
    c.close_or_null("powerlaw_alpha", H["powerlaw_alpha"], powerlaw_alpha(wG), d >= 2, rtol=1e-8)
    for i in range(d):
        c.close(f"eig G2[{i}]", E["G2"][i], w2[i], rtol=0, atol=1e-9 * wG[0])
    c.close("size_invariant_G1", th["size_invariant_G1"], l1 - d * math.log(n1))
    c.close("size_invariant_G", th["size_invariant_G"], L - d * math.log(N))
    c.close("track2_U_full", S["track2_U_full"], logdet(G + delta * np.eye(d)) - d * math.log(N))
    c.close("B", S["B"], B)
    H1 = R["health"]["G1"]
    p1 = np.sqrt(w1) / np.sum(np.sqrt(w1))
    c.close("G1 effective_rank", H1["effective_rank"], float(np.exp(-np.sum(p1 * np.log(p1)))), rtol=1e-9)
    c.close("G1 participation", H1["participation_ratio"], float(w1.sum() ** 2 / np.sum(w1 ** 2)), rtol=1e-9)
    c.close("G1 condition", H1["condition"], float(w1[0] / w1[-1]), rtol=1e-8)
    c.close_or_null("G1 powerlaw_alpha", H1["powerlaw_alpha"], powerlaw_alpha(w1), d >= 2, rtol=1e-8)
    c.close("G trace", H["trace"], float(np.trace(G)), rtol=1e-12)
    c.close("G lambda_min", H["lambda_min"], float(wG[-1]), rtol=1e-9)
    # Rule.
    Ru = R["rule"]
    eps = P["epsilon"] if P["epsilon"] is not None else math.sqrt(P["rule_constant"] * d / n1)
    c.close("epsilon", Ru["epsilon"], eps)
    n1r = math.ceil(P["rule_constant"] * d / eps ** 2 * (1 - 8 * EPS))
    c.equal("n1_rule", Ru["n1_rule"], n1r)
    c.close("bias_at_n1_rule", Ru["bias_at_n1_rule"], d * (d + 1) / 2 * (1 / n1r - 1 / N))
    c.close("halfwidth_at_n1", Ru["halfwidth_at_n1"], z * math.sqrt(tau2[0] * (1 / n1 - 1 / N)), rtol=1e-8,
            atol=z * satol(n1))
    if n1r <= N:
        c.close("halfwidth_at_n1_rule", Ru["halfwidth_at_n1_rule"],
                z * math.sqrt(tau2[0] * (1 / n1r - 1 / N)), rtol=1e-8, atol=z * satol(n1r))
    print(f"{report_path}: {c.count - c.fail} of {c.count} numbers agree with numpy")
    return c.fail == 0


NOISE = {"provenance", "timing_s"}


def strip(r):
    r = {k: v for k, v in r.items() if k not in NOISE}
    r["parameters"] = {k: v for k, v in r["parameters"].items() if k != "block_rows"}
    return r


def same(paths):
    ref = strip(json.load(open(paths[0])))
    ok = True
    for p in paths[1:]:
        if strip(json.load(open(p))) != ref:
            ok = False
            print(f"DIFFERENT: {p} vs {paths[0]}")
    print(f"{len(paths)} reports {'identical' if ok else 'differ'}")
    return ok


if __name__ == "__main__":
    a = sys.argv[1:]
    if a and a[0] == "--same":
        sys.exit(0 if same(a[1:]) else 1)
    rtol = 1e-10
    if "--rtol" in a:
        i = a.index("--rtol")
        rtol = float(a[i + 1])
        del a[i : i + 2]
    sys.exit(0 if check(a[0], a[1], rtol) else 1)
