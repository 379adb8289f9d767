#!/usr/bin/python3
"""Independent check of a `sigma study` summary: recompute every column of summary.csv
from replicates.csv and study.json with numpy and Python's statistics module (not
GSL, not sigma's code). usage: check_study.py DIR"""
import csv
import json
import math
import statistics
import sys

import numpy as np

d_ = sys.argv[1]
S = json.load(open(f"{d_}/study.json"))["study"]
N, d, level = S["N"], S["d"], S["level"]
eps_of = dict(zip(S["n1"], S["epsilon"]))
reps = list(csv.DictReader(open(f"{d_}/replicates.csv")))
summ = list(csv.DictReader(open(f"{d_}/summary.csv")))
Phi = statistics.NormalDist().cdf
bad = count = 0


def num(x):
    """A CSV number: empty means not applicable (NaN); sigma never writes nan or inf."""
    if x.strip().lower() in ("nan", "-nan", "inf", "-inf"):
        raise SystemExit(f"FAILED: sigma wrote {x!r} in a CSV (not applicable must be empty)")
    return float("nan") if x == "" else float(x)


def close(name, got, want, rtol=1e-9, atol=1e-12):
    global bad, count
    count += 1
    g = num(got) if isinstance(got, str) else float(got)
    if (math.isnan(want) and math.isnan(g)) or abs(g - want) <= atol + rtol * abs(want):
        return
    bad += 1
    print(f"MISMATCH {name}: sigma {g!r} numpy {want!r}")


for r in reps + summ:  # no nan or inf anywhere: not applicable is an empty field
    for v in r.values():
        if v.strip().lower() in ("nan", "-nan", "inf", "-inf"):
            raise SystemExit(f"FAILED: sigma wrote {v!r} in a CSV")
q_by = {}
for row in summ:
    n1, e = int(row["n1"]), row["estimator"]
    sel = [r for r in reps if int(r["n1"]) == n1 and r[f"{e}_est"] != ""]
    err = np.array([num(r[f"{e}_err"]) for r in sel])
    so = np.array([num(r[f"{e}_s_oracle"]) for r in sel])
    sb = np.array([num(r[f"{e}_s_observed"]) for r in sel])
    # covers: 1, 0, or empty when the CI is not applicable (no observed tau2 at n1 <= d)
    co = np.array([num(r[f"{e}_covers_oracle"]) for r in sel])
    cb = np.array([num(r[f"{e}_covers_observed"]) for r in sel])
    n, eps = len(err), eps_of[n1]
    tag = f"n1={n1} {e}"
    close(tag + " replicates", row["replicates"], n)
    if n == 0:  # not applicable (Richardson halves < d): every statistic empty
        for k, v in row.items():
            if k not in ("n1", "epsilon", "estimator", "replicates", "bias_formula",
                         "n1_needed_for_eps"):
                close(f"{tag} {k} (n/a)", v, float("nan"))
        q_by.setdefault(e, [])
        continue
    close(tag + " bias", row["bias"], err.mean(), atol=1e-12)
    close(tag + " sd", row["sd"], err.std(ddof=1))
    close(tag + " rmse", row["rmse"], math.sqrt((err ** 2).mean()))
    close(tag + " s_oracle", row["s_oracle"], so[0])
    close(tag + " s_observed_mean", row["s_observed_mean"], sb.mean())
    close(tag + " bias_formula", row["bias_formula"], d * (d + 1) / 2 * (1 / n1 - 1 / N))
    cov = [("oracle", co), ("observed", cb)]
    if f"{e}_covers_own" in reps[0]:  # SPEC 4.1 columns (issue 9)
        cov += [(k, np.array([num(r[f"{e}_covers_{c}"]) for r in sel]))
                for k, c in (("calibrated", "cal_oracle"), ("calibrated_dec", "cal_dec"),
                             ("own", "own"))]
    for k, c in cov:
        c = c[~np.isnan(c)]
        p = c.mean() if len(c) else float("nan")
        close(f"{tag} coverage_{k}", row[f"coverage_{k}"], p)
        close(f"{tag} coverage_{k}_se", row[f"coverage_{k}_se"],
              math.sqrt(p * (1 - p) / len(c)) if len(c) else float("nan"))
    z = np.sort(err / so)
    F = np.array([Phi(x) for x in z])
    D = max(np.max(F - np.arange(n) / n), np.max(np.arange(1, n + 1) / n - F))
    close(tag + " ks_D", row["ks_D"], D)
    close(tag + " p_within", row["p_abs_err_within_eps"], float(np.mean(np.abs(err) <= eps)))
    q = float(np.quantile(np.abs(err), level))  # linear interpolation, as GSL's
    close(tag + " quantile", row["abs_err_quantile_level"], q)
    q_by.setdefault(e, []).append((n1, q))
# n1 needed for each eps: log-log interpolation of the quantile curve over the sweep.
for row in summ:
    n1, e = int(row["n1"]), row["estimator"]
    eps, pts, want = eps_of[n1], sorted(q_by[e]), float("nan")
    if not pts:
        pass
    elif pts[0][1] <= eps:
        want = pts[0][0]
    else:
        for (a, qa), (b, qb) in zip(pts, pts[1:]):
            if qb <= eps:
                t = (math.log(eps) - math.log(qa)) / (math.log(qb) - math.log(qa))
                want = math.ceil(math.exp(math.log(a) + t * (math.log(b) - math.log(a))))
                break
    close(f"n1={n1} {e} n1_needed", row["n1_needed_for_eps"], want)


def trigamma_half(m2):
    """psi'(m2 / 2) for integer m2 >= 1, by the closed forms at integers and halves."""
    if m2 % 2 == 0:
        return math.pi ** 2 / 6 - math.fsum(1.0 / (k * k) for k in range(1, m2 // 2))
    return math.pi ** 2 / 2 - math.fsum(4.0 / ((2 * k - 1) ** 2) for k in range(1, (m2 - 1) // 2 + 1))


# SPEC 4.1 in every replicate row: V_G by closed forms, the calibrated s from it and the
# tau2 (oracle, the row's tau2_dec), each covers flag from |err| <= z s.
if "V_G" in reps[0]:
    tau2_or = json.load(open(f"{d_}/summary.json"))["truth"]["tau2_oracle"]
    z = statistics.NormalDist().inv_cdf(1 - (1 - level) / 2)
    ests = sorted({row["estimator"] for row in summ})
    VG = {n1: math.fsum(trigamma_half(n1 - i + 1) - trigamma_half(N - i + 1)
                        for i in range(1, d + 1)) for n1 in S["n1"]}
    for r in reps:
        n1, tag = int(r["n1"]), f"rep {r['replicate']} n1={r['n1']}"
        close(tag + " V_G", r["V_G"], VG[n1], rtol=1e-9)
        u = 1 / n1 - 1 / N
        for e in ests:
            if r[f"{e}_est"] == "":
                continue
            err = num(r[f"{e}_err"])
            for col, t in (("cal_oracle", tau2_or), ("cal_dec", num(r["tau2_dec"]))):
                sc = math.sqrt(VG[n1] + max(t - 2 * d, 0) * u) if not math.isnan(t) else float("nan")
                close(f"{tag} {e}_s_{col}", r[f"{e}_s_{col}"], sc, rtol=1e-9)
                if not math.isnan(sc):
                    close(f"{tag} {e}_covers_{col}", r[f"{e}_covers_{col}"], float(abs(err) <= z * sc))
            so = num(r[f"{e}_s_own"])  # n/a (empty) when its tau is (n1 = d)
            close(f"{tag} {e}_covers_own", r[f"{e}_covers_own"],
                  float(abs(err) <= z * so) if not math.isnan(so) else float("nan"))
print(f"{d_}: {count - bad} of {count} summary numbers agree with numpy")
sys.exit(1 if bad else 0)
