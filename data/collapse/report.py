"""Tables (Markdown) and gnuplot plots of a recursive-loop analysis (analyze.py)."""
import os
import subprocess

PROXIES = ["distinct_1", "distinct_2", "hhi"]


def num(x, fmt="{:.3f}"):
    return "n/a" if x is None else fmt.format(x)


def track(s, key):
    return s.get(key, {}) or {}


def table1(res):
    out = ["| Setting | generations | delta_U final | slope | delta_Gamma final | slope | "
           "Track II verdict | Track I verdict | agreement |", "|---|---:|---:|---:|---:|---:|---|---|---|"]
    for name, e in res["series"].items():
        s = e["monitor"]
        u, g = track(s, "track_II_U"), track(s, "track_I_Gamma")
        agree = "yes" if s.get("tracks_agree_in_sign") else "no"
        if s.get("early_collapse_signature"):
            agree += " (early-collapse signature: Track II contracting, Track I not)"
        out.append(f"| {name} | {e['generations']} | {num(u.get('final_drift'))} | "
                   f"{num(u.get('slope'))} +- {num(u.get('se'))} | {num(g.get('final_drift'), '{:.4g}')} | "
                   f"{num(g.get('slope'), '{:.3g}')} +- {num(g.get('se'), '{:.2g}')} | "
                   f"{u.get('verdict') or 'n/a'} | {g.get('verdict') or 'n/a'} | {agree} |")
    return "\n".join(out)


def table11(res):
    out = ["| Setting | distinct-2 (g = 0) | distinct-2 (final) | HHI (g = 0) | HHI (final) | "
           "Spearman(dU, distinct-1) | Spearman(dU, distinct-2) | Spearman(dU, HHI) |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, e in res["series"].items():
        c0, cT = e["checkpoints"][0], e["checkpoints"][-1]
        sp = e["monitor"].get("proxies") or {}
        rho = [num((sp.get(p) or {}).get("spearman_delta_U")) for p in PROXIES]
        out.append(f"| {name} | {num(c0.get('distinct_2'))} | {num(cT.get('distinct_2'))} | "
                   f"{num(c0.get('hhi'), '{:.6f}')} | {num(cT.get('hhi'), '{:.6f}')} | "
                   + " | ".join(rho) + " |")
    return "\n".join(out)


def bucket_table(res, buckets):
    out = ["| Setting | " + " | ".join(f"{b}: delta_U final (slope, verdict)" for b in buckets) + " |",
           "|---|" + "---:|" * len(buckets)]
    for name, e in res["series"].items():
        cells = []
        for b in buckets:
            u = track(e["buckets"].get(b, {}), "track_II_U")
            cells.append(f"{num(u.get('final_drift'), '{:.1f}')} ({num(u.get('slope'), '{:.2f}')}, "
                         f"{u.get('verdict') or 'n/a'})")
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def drift_table(res):
    names = list(res["series"])
    T = max(e["generations"] for e in res["series"].values())
    out = ["| generation | " + " | ".join(f"{n}: delta_U [CI] / delta_Gamma" for n in names) + " |",
           "|---:|" + "---|" * len(names)]
    for g in range(T + 1):
        cells = []
        for n in names:
            cs = res["series"][n]["checkpoints"]
            if g < len(cs):
                c = cs[g]
                cells.append(f"{num(c.get('delta_U'), '{:.1f}')} [{num(c.get('delta_U_lo'), '{:.1f}')}, "
                             f"{num(c.get('delta_U_hi'), '{:.1f}')}] / {num(c.get('delta_Gamma'), '{:.3g}')}")
            else:
                cells.append("")
        out.append(f"| {g} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def plot(A, res):
    """drift_U.png, drift_Gamma.png (every series) and proxies.png (S1, S2)."""
    pd = os.path.join(A, "plots")
    os.makedirs(pd, exist_ok=True)
    for name, e in res["series"].items():
        with open(os.path.join(pd, f"{name}.dat"), "w") as f:
            f.write("# generation delta_U lo hi delta_Gamma distinct_1 distinct_2 hhi\n")
            for c in e["checkpoints"]:
                vals = [c.get(k) for k in ("delta_U", "delta_U_lo", "delta_U_hi", "delta_Gamma",
                                           "distinct_1", "distinct_2", "hhi")]
                f.write(f"{c['label']} " + " ".join("NaN" if v is None else repr(v) for v in vals) + "\n")
    names = list(res["series"])
    script = [f"set terminal pngcairo size 900,560", "set key left bottom", "set grid",
              "set xlabel 'generation'"]
    def series_plot(out, ylabel, col, band):
        parts = []
        for i, n in enumerate(names):
            dat = f"'{n}.dat'"
            if band:  # the series' own colour, so each band reads with its line
                parts.append(f"{dat} using 1:3:4 with filledcurves lc {i + 1} "
                             "fs transparent solid 0.15 notitle")
            parts.append(f"{dat} using 1:{col} with linespoints lc {i + 1} title '{n}'")
        return [f"set output '{out}'", f"set ylabel '{ylabel}'", "plot " + ", ".join(parts)]
    script += series_plot("drift_U.png", "Track II drift delta_U (nats), 95% CI", 2, True)
    script += series_plot("drift_Gamma.png", "Track I drift delta_Gamma (nats)", 5, False)
    have = any(c.get("distinct_2") is not None for e in res["series"].values()
               for c in e["checkpoints"])
    script += [] if not have else ["set output 'proxies.png'", "set ylabel 'distinct-2'", "set y2label 'HHI (hashed trigrams)'",
               "set y2tics", "plot " + ", ".join(
                   [f"'{n}.dat' using 1:7 with linespoints title '{n} distinct-2'" for n in names[:2]] +
                   [f"'{n}.dat' using 1:8 axes x1y2 with lines dt 2 title '{n} HHI'" for n in names[:2]])]
    p = subprocess.run(["gnuplot"], input="\n".join(script) + "\n", text=True, cwd=pd,
                       capture_output=True)
    if p.returncode != 0:
        raise SystemExit(f"collapse analyze: error: gnuplot: {p.stderr.strip()[:300]}")


def write(rundir, A, res, cfg, buckets):
    plot(A, res)
    md = ["## Table 1 format: drifts over generations (sigma monitor)", "", table1(res), "",
          "## Table 11 format: surface proxies (sigma proxies) and their Spearman correlation "
          "with the Track II drift over generations", "", table11(res), "",
          "## Per-bucket Track II drift (n1 = %d of each bucket's rows)" % res["n1_bucket"], "",
          bucket_table(res, buckets), "",
          "## Every generation: delta_U with its 95%% CI (n1 = %d) and delta_Gamma" % res["n1"], "",
          drift_table(res), ""]
    with open(os.path.join(A, "tables.md"), "w") as f:
        f.write("\n".join(md))
