#!/usr/bin/python3
"""Tables of an overlap_bench.sh run (issue 12): usage overlap_summary.py RUN_DIR."""
import glob
import json
import os
import re
import statistics
import sys

D = 256
VARIANTS = {"auto": "default (auto)", "on": "SIGMA_OVERLAP=on", "off": "SIGMA_OVERLAP=off",
            "old": "before (SIGMA_OLD)", "free": "on, reader on the other core",
            "ovl": "always ahead", "seq": "SIGMA_NO_OVERLAP=1"}


def load(path):
    with open(path) as f:
        return json.load(f)


def numbers(report):
    """Every printed number: the report without provenance, timing and block size."""
    r = {k: v for k, v in report.items() if k not in ("provenance", "timing_s")}
    r["parameters"] = {k: v for k, v in r["parameters"].items() if k != "block_rows"}
    return r


def own_cpu(out, tag):
    """User + sys seconds of a run, from its timed.sh file(s) (every rank)."""
    fs = glob.glob(f"{out}/{tag}.rss") + glob.glob(f"{out}/{tag}.rss.*")
    return sum(float(x.split()[2]) + float(x.split()[3]) for x in (open(p).read() for p in fs))


def others(out, runs, key, tag):
    """Cores other processes used during a run: machine busy time minus the run's own."""
    w, b = runs.get(key, (float("nan"), 0.0))
    return max(0.0, b - own_cpu(out, tag) / w) if w > 0 else float("nan")


def main(out):
    kp = load(f"{out}/kernel_peak.json")["procs"]
    runs = {}
    for line in open(f"{out}/runs.txt"):
        m = re.match(r"(.*) wall ([\d.]+) busy_cores ([\d.]+)", line.strip())
        if m:
            runs[m.group(1)] = (float(m.group(2)), float(m.group(3)))
    print(open(f"{out}/machine.txt").read().strip().replace("\n", "  \n"))
    print("\n### BLAS ceilings at sigma's call shapes (GFLOP/s, d = 256, 8192-row chunks)\n")
    print("| processes x 1 thread | dsyrk hot | dsyrk streamed | dtrmm hot | dtrmm streamed |")
    print("|---:|---:|---:|---:|---:|")
    for p, v in kp.items():
        print(f"| {p} | {v['dsyrk hot']:.1f} | {v['dsyrk streamed']:.1f} | "
              f"{v['dtrmm hot']:.1f} | {v['dtrmm streamed']:.1f} |")
    sizes = sorted({int(m) for m in re.findall(r"N(\d+)_R", " ".join(runs))})
    cat = {}
    print("\n### Reading the file alone (`cat FILE > /dev/null`, one process)\n")
    print("| N | GB | cache | s (runs) | GB/s | others' cores |")
    print("|---:|---:|---|---|---:|---:|")
    for n in sizes:
        gb = os.path.getsize(glob.glob(f"/tmp/sigma-bench/data/powerlaw_N{n}_d{D}_s1.h5")[0]) / 1e9 \
            if glob.glob(f"/tmp/sigma-bench/data/powerlaw_N{n}_d{D}_s1.h5") else n * D * 4 / 1e9
        for cache in ("warm", "cold"):
            ts = [(w, others(out, runs, k, f"cat_N{n}_{cache}_{k.split()[-1]}"))
                  for k, (w, _) in runs.items() if k.startswith(f"cat N={n} {cache}")]
            if not ts:
                continue
            best = min(w for w, _ in ts)
            cat[(n, cache)] = best
            print(f"| {n:.0e} | {gb:.2f} | {cache} | {best:.2f} ({', '.join(f'{w:.2f}' for w, _ in ts)}) "
                  f"| {gb / best:.2f} | {max(b for _, b in ts):.2f} |")
    print("\n### sigma audit --n1 16384 (d = 256 float32; seconds: median of the runs, internal timers)\n")
    print("peak = the better of hot and streamed of the same layout (R processes); "
          "floor = N d (d+1) / dsyrk peak + N d^2 / dtrmm peak; "
          "read = the file read twice (pass 1 in the run's cache state, pass 2 warm: the file fits in "
          "memory) by `cat`; rate = a pass's flops / its time, as % of the kernel's peak.\n")
    print("| N | ranks | reading | cache | wall | total (best) | pass 1 (read / wait) | pass 2 (read / wait) "
          "| pass 1 % of dsyrk | pass 2 % of dtrmm | floor | read | total / max(floor, read) "
          "| RSS/rank MB | others' cores |")
    print("|---:|---:|---|---|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
    agree = {}
    for n in sizes:
        for r in (2, 1):
            for cache in ("warm", "cold"):
                for v in ("auto", "on", "off", "ovl", "seq", "old", "free"):
                    tags = sorted(os.path.basename(p)[:-5] for p in
                                  glob.glob(f"{out}/N{n}_R{r}_{v}_{cache}_*.json"))
                    if not tags:
                        continue
                    reps = [load(f"{out}/{t}.json") for t in tags]
                    for t, rep in zip(tags, reps):
                        agree.setdefault(n, []).append((t, numbers(rep)))
                    T = [x["timing_s"] for x in reps]
                    med = lambda k: statistics.median(t.get(k, float("nan")) for t in T)
                    walls = [runs.get(t, (float("nan"), 0))[0] for t in tags]
                    busy = max(others(out, runs, t, t) for t in tags)
                    pk = kp[str(r)]
                    ps = max(pk["dsyrk hot"], pk["dsyrk streamed"])  # the ceilings
                    pt = max(pk["dtrmm hot"], pk["dtrmm streamed"])
                    f1, f2 = n * D * (D + 1), n * D * D
                    floor = f1 / ps / 1e9 + f2 / pt / 1e9
                    rd = cat.get((n, cache), float("nan")) + cat.get((n, "warm"), float("nan"))
                    rss = []
                    for t in tags:
                        for p in glob.glob(f"{out}/{t}.rss.*"):
                            rss.append(int(open(p).read().split()[0]) / 1024)
                    ah = lambda k: f", {100 * med(k):.0f}% ahead" if k in T[0] else ""
                    p1 = f"{med('pass1'):.2f} ({med('pass1_read'):.2f} / {med('pass1_wait'):.2f}{ah('pass1_ahead')})"
                    p2 = f"{med('pass2'):.2f} ({med('pass2_read'):.2f} / {med('pass2_wait'):.2f}{ah('pass2_ahead')})"
                    if v == "old":
                        p1, p2 = f"{med('pass1'):.2f}", f"{med('pass2'):.2f}"
                    tot = med("total")
                    print(f"| {n:.0e} | {r} | {VARIANTS[v]} | {cache} | {statistics.median(walls):.2f} "
                          f"| {tot:.2f} ({min(t['total'] for t in T):.2f}) | {p1} | {p2} | {100 * f1 / med('pass1') / 1e9 / ps:.0f}% "
                          f"| {100 * f2 / med('pass2') / 1e9 / pt:.0f}% | {floor:.2f} "
                          f"| {rd:.2f} | {tot / max(floor, rd):.2f} | {max(rss) if rss else float('nan'):.0f} "
                          f"| {busy:.2f} |")
    print("\n### Every printed number, all runs of one N (provenance, timing and block size aside)\n")
    for n, lst in agree.items():
        ref = lst[0][1]
        bad = [t for t, x in lst if x != ref]
        print(f"- N = {n:.0e}: {len(lst)} runs, " + ("all identical" if not bad else f"DIFFER: {bad}"))
    refs = sorted(glob.glob(f"{out}/ref_*.json"))
    if refs:
        print("\n### numpy reference (h5py load as float64, X.T @ X, ..., warm)\n")
    for p in refs:
        n = int(re.search(r"ref_(\d+)", p).group(1))
        j = load(p)
        w = runs.get(f"ref N={n}", (float("nan"), 0))[0]
        b = others(out, runs, f"ref N={n}", f"ref_{n}")
        rss = open(p.replace(".json", ".rss")).read().split()[0]
        print(f"- N = {n:.0e}: wall {w:.2f} s, phases {json.dumps(j.get('timing_s', j.get('timings', {})))}, "
              f"peak RSS {int(rss) / 1024:.0f} MB, others' cores {b:.2f}")
    for line in open(f"{out}/runs.txt"):
        if "skipped" in line:
            print(f"- {line.strip()}")


if __name__ == "__main__":
    main(sys.argv[1])
