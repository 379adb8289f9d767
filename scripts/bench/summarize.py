#!/usr/bin/python3
"""Summarize one scripts/bench/run.sh run: agreement checks and the results table.

Usage: /usr/bin/python3 summarize.py RUN_DIR --sizes "100000 1000000" --reps 3 --n1 16384
Reads RUN_DIR/{machine.txt,peak.json,*.json,*.time,*.rss.*,*.cpu}; writes
RUN_DIR/results.md and RUN_DIR/results.json and prints the markdown.
Exit status 1 if sigma and the reference disagree (L or log det G1 beyond 1e-8 relative).
"""
import argparse
import glob
import json
import os
import sys

TOL_LOGDET = 1e-8   # the agreement the benchmark requires
TOL_TAU2 = 1e-6     # reported; tau2 is a variance of a sum, a little less stable
TARGET_RATIO = 0.3  # sigma wall / reference wall
TARGET_PEAK = 0.7   # Gram pass rate / dsyrk peak with the same number of cores


def time_line(path):
    """Last line of a timed.sh file: max_rss_kb wall user sys invol_csw vol_csw."""
    with open(path) as f:
        v = f.read().split("\n")
    v = [x for x in v if x.strip()][-1].split()
    keys = ["rss_kb", "wall", "user", "sys", "icsw", "vcsw"]
    return {k: float(x) for k, x in zip(keys, v)}


def rel(a, b):
    if a is None or b is None:
        return float("inf")
    return abs(a - b) / max(abs(b), 1e-300)


def eig_rel(a, b):
    """max |a_i - b_i| / max |b| (eigenvalue vectors, both descending)."""
    scale = max(abs(x) for x in b) or 1.0
    return max(abs(x - y) for x, y in zip(a, b)) / scale


def load(run, tag):
    r = {"tag": tag}
    r["time"] = time_line(os.path.join(run, tag + ".time"))
    with open(os.path.join(run, tag + ".json")) as f:
        r["json"] = json.load(f)
    ranks = sorted(glob.glob(os.path.join(run, tag + ".rss.*")))
    r["rank_rss_kb"] = [time_line(p)["rss_kb"] for p in ranks]
    r.update(other_cpu(run, tag, r["time"]))
    return r


def other_cpu(run, tag, tm):
    """CPU other processes used during a run: machine busy time minus the run's user+sys."""
    p = os.path.join(run, tag + ".cpu")
    if not os.path.exists(p):
        return {"busy_before": float("nan"), "other_cores": float("nan"), "load": "?"}
    before, during, load1 = open(p).read().split()[:3]
    other = max(0.0, float(during) - tm["user"] - tm["sys"])
    return {"busy_before": float(before), "other_cores": other / max(tm["wall"], 1e-9),
            "load": load1}


def fmt_mb(kb):
    return "%.0f" % (kb / 1024.0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run")
    ap.add_argument("--sizes", required=True)
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--n1", type=int, required=True)
    a = ap.parse_args()
    run = a.run
    sizes = [int(x) for x in a.sizes.split()]

    machine = open(os.path.join(run, "machine.txt")).read().rstrip("\n")
    peak = json.load(open(os.path.join(run, "peak.json")))
    d = peak["n"]
    p1 = peak["peak"]["1"]["gflops"]          # 1 process x 1 thread
    p2t = peak["peak"]["2"]["gflops"]         # 1 process x 2 threads (layout of -n 1, numpy)
    p2p = peak["peak"].get("2procs", {}).get("gflops", p2t)  # 2 x 1 thread (layout of -n 2)
    p2 = max(p2t, p2p)                        # the 2-core dsyrk peak, whatever the layout
    at = {(x["threads"], x.get("procs", 1), x["k"]): x["gflops"] for x in peak["runs"]}
    trsm1 = peak.get("trsm_1thread_k1024_gflops")
    trmm1 = peak.get("trmm_1thread_k1024_gflops")
    peak_other = other_cpu(run, "peak", time_line(os.path.join(run, "peak.time")))

    md = []
    out = {"machine": machine, "peak": peak, "sizes": {}}
    md.append("## Machine\n\n```\n" + machine + "\n```\n")
    md.append("## dsyrk peak (n = %d, in memory, OpenBLAS core %s)\n" % (d, peak["openblas_core"]))
    md.append("Other processes used %.2f cores on average while it ran (%.2f just before).\n"
              % (peak_other["other_cores"], peak_other["busy_before"]))
    ks = sorted({k for (_, _, k) in at})
    md.append("| layout | " + " | ".join("k=%d" % k for k in ks) + " | best |")
    md.append("|---|" + "---:|" * (len(ks) + 1))
    for (th, pr, label, best) in ((1, 1, "1 process x 1 thread", p1),
                                  (2, 1, "1 process x 2 threads", p2t),
                                  (1, 2, "2 processes x 1 thread (sum)", p2p)):
        if (th, pr, ks[0]) in at:
            md.append("| %s | " % label + " | ".join("%.1f" % at[(th, pr, k)] for k in ks)
                      + " | **%.1f** |" % best)
    if any("cores" in x for x in peak["runs"]):
        md.append("| (cores busy, 2 threads) | " + " | ".join(
            "%.2f" % next(x.get("cores", float("nan")) for x in peak["runs"]
                          if x["threads"] == 2 and x.get("procs", 1) == 1 and x["k"] == k)
            for k in ks) + " | |")
    md.append("\nGFLOP/s, flops = k n (n + 1). sigma calls dsyrk on chunks of k = 1024 rows. "
              "2-core peak = %.1f GFLOP/s (best layout).%s\n" % (
                  p2, (" Pass-2 kernel dtrsm (n x 1024, 1 thread): %.1f GFLOP/s." % trsm1
                       if trsm1 else "") + (" dtrmm, same shape: %.1f GFLOP/s." % trmm1
                                            if trmm1 else "")))

    ok = True
    rows = []
    for N in sizes:
        res = {}
        for name, pat in (("sigma_n2", "sigma_n2_N%d_r%d"), ("sigma_n1", "sigma_n1_N%d_r%d"),
                          ("ref", "ref_N%d_r%d")):
            reps = [load(run, pat % (N, r)) for r in range(1, a.reps + 1)
                    if os.path.exists(os.path.join(run, (pat % (N, r)) + ".json"))]
            if not reps:
                print("summarize: no results for %s N=%d" % (name, N), file=sys.stderr)
                return 1
            best = min(reps, key=lambda r: r["time"]["wall"])
            res[name] = {"best": best, "walls": [r["time"]["wall"] for r in reps],
                         "others": [r["other_cores"] for r in reps],
                         "rss_kb": max(r["time"]["rss_kb"] for r in reps),
                         "rank_rss_kb": [max(r["rank_rss_kb"][i] for r in reps if
                                             len(r["rank_rss_kb"]) > i)
                                         for i in range(max(len(r["rank_rss_kb"]) for r in reps))]}
        s2 = res["sigma_n2"]["best"]["json"]
        s1 = res["sigma_n1"]["best"]["json"]
        rf = res["ref"]["best"]["json"]
        agree = {
            "L": rel(s2["truth"]["L"], rf["truth"]["L"]),
            "logdet_G1": rel(s2["truth"]["logdet_G1"], rf["truth"]["logdet_G1"]),
            "tau2_oracle": rel(s2["truth"]["tau2_oracle"], rf["truth"]["tau2_oracle"]),
            "tau2_observed": rel(s2["truth"]["tau2_observed"], rf["truth"]["tau2_observed"]),
            "eig_G": eig_rel(s2["eigenvalues"]["G"], rf["eigenvalues"]["G"]),
            "eig_G1": eig_rel(s2["eigenvalues"]["G1"], rf["eigenvalues"]["G1"]),
            "eig_G2": eig_rel(s2["eigenvalues"]["G2"], rf["eigenvalues"]["G2"]),
            "n1_vs_n2_L": rel(s1["truth"]["L"], s2["truth"]["L"]),
            "n1_vs_n2_logdet_G1": rel(s1["truth"]["logdet_G1"], s2["truth"]["logdet_G1"]),
        }
        good = (agree["L"] <= TOL_LOGDET and agree["logdet_G1"] <= TOL_LOGDET
                and s2["parameters"]["n1"] == rf["n1"] == a.n1)
        ok &= good
        flops = N * d * (d + 1.0)
        ent = {"N": N, "agree": agree, "agree_ok": good, "runs": {}}
        for name, r in res.items():
            b = r["best"]
            j = b["json"]
            e = {"wall_s": b["time"]["wall"], "walls_s": r["walls"], "others": r["others"],
                 "max_rss_kb": r["rss_kb"],
                 "rank_max_rss_kb": r["rank_rss_kb"], "timing_s": j["timing_s"],
                 "load": b["load"], "other_cores": b["other_cores"],
                 "busy_before": b["busy_before"], "involuntary_csw": b["time"]["icsw"],
                 "user_s": b["time"]["user"], "sys_s": b["time"]["sys"]}
            if name.startswith("sigma"):
                e["gram_gflops"] = flops / j["timing_s"]["pass1"] / 1e9
            else:
                e["gram_gflops"] = flops / j["timing_s"]["gram"] / 1e9
                e["ru_maxrss_kb"] = j["max_rss_kb"]
            ent["runs"][name] = e
        ent["ratio_wall"] = ent["runs"]["sigma_n2"]["wall_s"] / ent["runs"]["ref"]["wall_s"]
        ent["ratio_total"] = (ent["runs"]["sigma_n2"]["timing_s"]["total"]
                              / ent["runs"]["ref"]["timing_s"]["total"])
        wp = os.path.join(run, "refwarm_N%d.json" % N)
        if os.path.exists(wp):
            rounds = json.load(open(wp))["timing_s_rounds"]
            ent["ref_rounds"] = rounds
            ent["ratio_total_warm"] = (ent["runs"]["sigma_n2"]["timing_s"]["total"]
                                       / rounds[-1]["total"])
        out["sizes"][str(N)] = ent
        rows.append(ent)

    md.append("## Agreement with the reference (relative differences, sigma -n 2 vs numpy)\n")
    md.append("| N | L | log det G1 | tau2 oracle | tau2 LOO | eig G | eig G1 | eig G-G1 "
              "| -n 1 vs -n 2 L | verdict |")
    md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for e in rows:
        g = e["agree"]
        md.append("| %d | %.1e | %.1e | %.1e | %.1e | %.1e | %.1e | %.1e | %.1e | %s |" % (
            e["N"], g["L"], g["logdet_G1"], g["tau2_oracle"], g["tau2_observed"], g["eig_G"],
            g["eig_G1"], g["eig_G2"], g["n1_vs_n2_L"],
            "agree (<= 1e-8)" if e["agree_ok"] else "**DISAGREE**"))
    md.append("\neig: max |difference| / lambda_max of the reference.\n")

    md.append("## Wall time, Gram rate, memory (best of %d; n1 = %d, d = %d)\n" % (a.reps, a.n1, d))
    md.append("| N | run | wall s | internal total s | Gram pass GFLOP/s | % of same-layout "
              "dsyrk peak | % of 2-core peak | peak RSS per rank MB | other procs, cores | load1 |")
    md.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for e in rows:
        for name, label, pk in (("sigma_n2", "sigma -n 2", p2p), ("sigma_n1", "sigma -n 1", p2t),
                                ("ref", "numpy reference", p2t)):
            r = e["runs"][name]
            rss = r["rank_max_rss_kb"] if name != "ref" else [r["max_rss_kb"]]
            md.append("| %d | %s | %.2f | %.2f | %.1f | %.0f%% | %.0f%% | %s | %.2f%s | %s |" % (
                e["N"], label, r["wall_s"], r["timing_s"]["total"], r["gram_gflops"],
                100 * r["gram_gflops"] / pk, 100 * r["gram_gflops"] / p2,
                " / ".join(fmt_mb(x) for x in rss), r["other_cores"],
                " **busy**" if r["other_cores"] > 0.1 else "", r["load"]))
    md.append("\nwall: end to end (mpirun or python start-up included); internal total: the "
              "tool's own timing_s.total. Gram rate: N d (d+1) / t, t = sigma's pass1 (HDF5 "
              "read + convert + dsyrk + G1 halves) or numpy's X.T @ X alone (data already "
              "in memory). Same-layout peak: 2 processes x 1 thread (%.1f) for -n 2 (one BLAS "
              "thread per rank); 1 process x 2 threads (%.1f) for -n 1 and numpy (OpenBLAS "
              "default threads). 2-core peak: %.1f. other procs: average cores other processes "
              "used during the run (machine busy time minus the run's own user+sys); "
              "**busy** above 0.1.\n" % (p2p, p2t, p2))

    md.append("## Targets\n")
    md.append("| N | sigma -n 2 / reference (wall) | target <= %.1f | Gram pass vs 2-core peak "
              "| target >= %.0f%% |" % (TARGET_RATIO, 100 * TARGET_PEAK))
    md.append("|---:|---:|---|---:|---|")
    for e in rows:
        frac = e["runs"]["sigma_n2"]["gram_gflops"] / p2
        e["gram_vs_2core_peak"] = frac
        md.append("| %d | %.2f (internal totals %.2f) | %s | %.1f / %.1f = %.0f%% | %s |" % (
            e["N"], e["ratio_wall"], e["ratio_total"],
            "met" if e["ratio_wall"] <= TARGET_RATIO else "**missed**",
            e["runs"]["sigma_n2"]["gram_gflops"], p2, 100 * frac,
            "met" if frac >= TARGET_PEAK else "**missed**"))

    kern, kname = (trmm1, "dtrmm") if trmm1 else (trsm1, "dtrsm")
    if kern:
        md.append("\nPass 2 rate (its %s flops N d^2 / t_pass2, the G1 leave-one-out part "
                  "ignored): " % kname + "; ".join(
                      "N=%d: -n 2 %.1f GFLOP/s, -n 1 %.1f (%s 1-thread kernel %.1f, x2 = %.1f)"
                      % (e["N"], e["N"] * d * d / e["runs"]["sigma_n2"]["timing_s"]["pass2"] / 1e9,
                         e["N"] * d * d / e["runs"]["sigma_n1"]["timing_s"]["pass2"] / 1e9,
                         kname, kern, 2 * kern) for e in rows))
    md.append("\n## Where the time goes (seconds, best run)\n")
    phases = ["open", "sample", "pass1", "reduce1", "factor", "pass2", "reduce2", "estimate",
              "total"]
    md.append("| N | run | " + " | ".join(phases) + " |")
    md.append("|---:|---|" + "---:|" * len(phases))
    for e in rows:
        for name in ("sigma_n2", "sigma_n1"):
            t = e["runs"][name]["timing_s"]
            md.append("| %d | %s | " % (e["N"], name.replace("_n", " -n ")) +
                      " | ".join("%.3f" % t[p] for p in phases) + " |")
    rphases = ["load", "gram", "gram_observed", "slogdet", "eigvalsh", "tau2_oracle",
               "tau2_observed", "total"]
    md.append("\n| N | reference | " + " | ".join(rphases) + " |")
    md.append("|---:|---|" + "---:|" * len(rphases))
    for e in rows:
        t = e["runs"]["ref"]["timing_s"]
        md.append("| %d | numpy (best run) | " % e["N"] + " | ".join("%.3f" % t[p] for p in rphases)
                  + " |")
        for i, t in enumerate(e.get("ref_rounds", [])):
            md.append("| %d | --repeat 2, round %d | " % (e["N"], i + 1)
                      + " | ".join("%.3f" % t[p] for p in rphases) + " |")
    if any("ratio_total_warm" in e for e in rows):
        md.append("\nRound 2 of --repeat 2 reuses memory the process already faulted in. sigma -n 2 "
                  "internal total / reference round 2 total: " + "; ".join(
                      "N=%d: %.2f" % (e["N"], e["ratio_total_warm"]) for e in rows
                      if "ratio_total_warm" in e) + ".")
    md.append("\nAll walls per repetition, s (cores used by other processes meanwhile): " +
              "; ".join("N=%d %s %s" % (e["N"], n, ", ".join(
                  "%.2f (%.2f)" % (w, o) for w, o in zip(r["walls_s"], r["others"])))
                  for e in rows for n, r in e["runs"].items()) + "\n")

    text = "\n".join(md)
    with open(os.path.join(run, "results.md"), "w") as f:
        f.write(text + "\n")
    with open(os.path.join(run, "results.json"), "w") as f:
        json.dump(out, f, indent=1)
    print(text)
    if not ok:
        print("summarize: sigma and the reference DISAGREE (see the agreement table)",
              file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
