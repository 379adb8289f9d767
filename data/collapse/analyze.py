#!/usr/bin/python3
"""The analysis of a recursive-loop run (issue 13): every number comes from sigma.

  analyze.py RUN SIGMA

For each series of RUN (S1, S2, S2-lam0.5, S2-lam0.9: those present; checkpoint 0 is the
base model's evaluation, then generations 1..T that are finished):
  - `sigma proxies` on each checkpoint's responses (distinct-1/2, hashed n-gram HHI);
  - `sigma monitor` over the checkpoints (Track I and II, drifts with CIs, slopes,
    verdicts) with `--proxies` (the Spearman correlation of the drifts with each proxy);
  - the same per bucket (the prompts of one source: rows of one bucket copied into
    RUN/analysis/buckets/, n1 = 2 d);
then RUN/analysis/tables.md (the paper's Table 1 and Table 11 formats, per-bucket drifts,
the mixture sweep), summary.json, and gnuplot PNGs in RUN/analysis/plots/.
The observed block: n1 = 4 d rows of checkpoint 0 by seed 1, the same rows at every
checkpoint. Energy cap 1.001: fastText sentence vectors are means of unit word vectors,
so ||x|| <= 1 up to float32 rounding (1 + 4e-6 seen).
"""
import json
import os
import shutil
import subprocess
import sys

import h5py

OUT = "analysis"
SERIES = ["S1", "S2", "S2-lam0.5", "S2-lam0.9"]


def die(msg):
    sys.exit(f"collapse analyze: error: {msg}")


def run(cmd, what):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        die(f"{what}: {' '.join(cmd[:3])} ...: exit {p.returncode}: "
            f"{(p.stderr.strip().splitlines() or [''])[-1]}")
    return p.stdout


def checkpoints(rundir, name):
    """[(generation, gen dir)] of series name: the base, then its finished generations."""
    out = [(0, os.path.join(rundir, "base", "gen-000"))]
    g = 1
    while os.path.isdir(os.path.join(rundir, name, f"gen-{g:03d}")):
        out.append((g, os.path.join(rundir, name, f"gen-{g:03d}")))
        g += 1
    return out


def has_proxies(sigma):
    return subprocess.run([sigma, "proxies", "--help"], capture_output=True).returncode == 0


def proxies(sigma, ckpts, outdir):
    """sigma proxies of each checkpoint's responses -> outdir/gen-GGG.json; the list file."""
    os.makedirs(outdir, exist_ok=True)
    paths = []
    for g, d in ckpts:
        js = os.path.join(outdir, f"gen-{g:03d}.json")
        if not os.path.exists(js):
            run([sigma, "proxies", os.path.join(d, "responses.txt"), "--json", js],
                f"proxies of {d}")
        paths.append(js)
    lst = os.path.join(outdir, "list.txt")
    with open(lst, "w") as f:
        f.writelines(p + "\n" for p in paths)
    return lst


def monitor(sigma, specs, n1, out, plist):
    """sigma monitor over [(label, spec)] into out (replaced)."""
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    lst = out + ".ckpts"
    with open(lst, "w") as f:
        f.writelines(f"{lab} {spec}\n" for lab, spec in specs)
    cmd = [sigma, "monitor", "--checkpoints", lst, "--n1", str(n1), "--seed", "1",
           "--energy-cap", "1.001", "--out", out, "--quiet"]
    if plist:
        cmd += ["--proxies", plist]
    run(cmd, f"monitor {out}")
    return json.load(open(os.path.join(out, "monitor.json")))


def bucket_files(rundir, ckpts, buckets, rows_per_bucket, outdir):
    """Each checkpoint's rows of each bucket as its own file (prompts are grouped by
    bucket in prompts.tsv, in sorted bucket order; K rows per prompt)."""
    os.makedirs(outdir, exist_ok=True)
    out = {b: [] for b in buckets}
    for g, d in ckpts:
        src = os.path.join(d, "ckpt.h5")
        tag = os.path.relpath(d, rundir).replace("/", "_")
        with h5py.File(src, "r") as f:
            X = f["embeddings"][...]
        for i, b in enumerate(buckets):
            path = os.path.join(outdir, f"{tag}-{b}.h5")
            if not os.path.exists(path):
                with h5py.File(path + ".tmp", "w") as f:
                    f.create_dataset("embeddings", data=X[i * rows_per_bucket:(i + 1) * rows_per_bucket])
                os.replace(path + ".tmp", path)
            out[b].append((g, path))
    return out


def num(x, fmt="{:.3f}"):
    return "n/a" if x is None else fmt.format(x)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    rundir, sigma = sys.argv[1], sys.argv[2]
    if not os.access(sigma, os.X_OK):
        die(f"{sigma}: not an executable (build sigma first, or pass --sigma)")
    cfg = json.load(open(os.path.join(rundir, "config.json")))
    assets = json.load(open(os.path.join(cfg["assets"], "assets.json")))
    buckets = sorted(assets["buckets"])
    per_bucket = assets["sizes"]["prompts"] // len(buckets) * cfg["K"]
    d = cfg["dim"]
    n1, n1b = 4 * d, min(2 * d, per_bucket * 3 // 4)
    A = os.path.join(rundir, OUT)
    os.makedirs(A, exist_ok=True)
    withp = has_proxies(sigma)
    if not withp:
        print("collapse analyze: this sigma has no 'proxies' command: proxies skipped",
              file=sys.stderr)
    res = {"n1": n1, "n1_bucket": n1b, "series": {}}
    for name in SERIES:
        ck = checkpoints(rundir, name)
        if len(ck) < 2:
            continue
        plist = proxies(sigma, ck, os.path.join(A, "proxies", name)) if withp else None
        specs = [(g, os.path.join(dd, "ckpt.h5")) for g, dd in ck]
        m = monitor(sigma, specs, n1, os.path.join(A, "monitor", name), plist)
        ent = {"generations": len(ck) - 1, "monitor": m["summary"],
               "checkpoints": m["checkpoints"], "buckets": {}}
        bf = bucket_files(rundir, ck, buckets, per_bucket, os.path.join(A, "buckets"))
        for b in buckets:
            mb = monitor(sigma, bf[b], n1b, os.path.join(A, "monitor", f"{name}-{b}"), None)
            ent["buckets"][b] = mb["summary"]
        res["series"][name] = ent
        print(f"collapse analyze: {name}: {len(ck) - 1} generations", file=sys.stderr)
    with open(os.path.join(A, "summary.json"), "w") as f:
        json.dump(res, f, indent=1)
    import report
    report.write(rundir, A, res, cfg, buckets)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
