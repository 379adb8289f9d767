#!/usr/bin/env bash
# overlap_ab.sh N R ROUNDS: interleaved A/B of sigma audit's reading (issue 12) on one file,
# against the BLAS ceilings measured in the same round. This VM's speed drifts by 20-30%
# within minutes (other tenants of the host), so every round measures the kernels
# (kernel_peak.c) and then runs each variant once, in an order rotated per round; the
# summary takes each run's ratios against its own round's ceilings and the medians over
# rounds.
# Variants: auto (the default), on (SIGMA_OVERLAP=on), off (SIGMA_OVERLAP=off), old
# (SIGMA_OLD, a build from before; skipped if unset), free (SIGMA_OVERLAP=on, ranks not
# bound to cores, one BLAS thread: a reader can use a core BLAS leaves idle). Warm page cache.
# Env: BENCH_DIR (/tmp/sigma-bench), SIGMA (build/sigma), SIGMA_OLD, VARIANTS.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../env.sh"
N=${1:?N} R=${2:?ranks} ROUNDS=${3:-5}
BENCH_DIR=${BENCH_DIR:-/tmp/sigma-bench} SIGMA=${SIGMA:-$BUILD_DIR/sigma}
VARIANTS=(${VARIANTS:-auto on off old})
[[ -n ${SIGMA_OLD:-} ]] || VARIANTS=("${VARIANTS[@]/old/}")
IDLE_MAX=${BENCH_IDLE_MAX:-0.3} WAIT_S=${BENCH_WAIT_S:-120}
source "$HERE/idle.sh"
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-SkylakeX}
f=$BENCH_DIR/data/powerlaw_N${N}_d256_s1.h5
[[ -f $f ]] || { echo "overlap_ab: no $f (make it with overlap_bench.sh)" >&2; exit 1; }
OUT=$BENCH_DIR/overlap/ab-N$N-R$R-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
cc -O2 -std=c11 -I/usr/include/x86_64-linux-gnu/openblas-pthread "$HERE/kernel_peak.c" \
  -o "$OUT/kernel_peak" -lopenblas
cat "$f" > /dev/null
nv=${#VARIANTS[@]}
for ((round = 1; round <= ROUNDS; round++)); do
  wait_idle
  "$OUT/kernel_peak" 256 "$R" > "$OUT/kp_$round.json" 2> /dev/null
  for ((i = 0; i < nv; i++)); do
    v=${VARIANTS[$(((i + round) % nv))]}
    [[ -n $v ]] || continue
    bin=$SIGMA env=() mpi=()
    [[ $v == old ]] && bin=$SIGMA_OLD
    [[ $v == on || $v == off ]] && env=(env SIGMA_OVERLAP=$v)
    # free: not bound to cores, one BLAS thread per rank, reading ahead: a reader can run
    # on a core BLAS does not use (only with fewer ranks than cores)
    [[ $v == free ]] && { env=(env OPENBLAS_NUM_THREADS=1 SIGMA_OVERLAP=on); mpi=(--bind-to none); }
    wait_idle
    a=$(busy)
    "${env[@]}" mpirun "${mpi[@]}" -n "$R" "$HERE/timed.sh" "@$OUT/${v}_$round.rss" "$bin" audit "$f" --n1 16384 \
      --seed 1 --quiet --json "$OUT/${v}_$round.json" > /dev/null
    echo "${v}_$round $(( $(busy) - a ))" >> "$OUT/busy.txt"
  done
done
/usr/bin/python3 - "$OUT" "$N" "$R" "$HZ" <<'PY' | tee "$OUT/results.md"
import glob, json, os, statistics, sys
out, N, R, hz = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
d = 256
busy = dict((l.split()[0], int(l.split()[1]) / hz) for l in open(f"{out}/busy.txt"))
rows = {}
for p in sorted(glob.glob(f"{out}/*_*.json")):
    tag = os.path.basename(p)[:-5]
    if tag.startswith("kp_"):
        continue
    v, rnd = tag.rsplit("_", 1)
    t = json.load(open(p))["timing_s"]
    kp = json.load(open(f"{out}/kp_{rnd}.json"))["procs"][R]
    ps, pt = max(kp["dsyrk hot"], kp["dsyrk streamed"]), max(kp["dtrmm hot"], kp["dtrmm streamed"])
    f1, f2 = N * d * (d + 1), N * d * d
    floor = f1 / ps / 1e9 + f2 / pt / 1e9
    cpu = sum(float(x.split()[2]) + float(x.split()[3]) for x in
              (open(q).read() for q in glob.glob(f"{out}/{tag}.rss.*")))
    others = max(0.0, busy[tag] - cpu) / t["total"]
    rows.setdefault(v, []).append(dict(total=t["total"], p1=t["pass1"], p2=t["pass2"],
        r1=t.get("pass1_read", float("nan")), w1=t.get("pass1_wait", float("nan")),
        a1=t.get("pass1_ahead", float("nan")), pk1=100 * f1 / t["pass1"] / 1e9 / ps,
        pk2=100 * f2 / t["pass2"] / 1e9 / pt, ratio=t["total"] / floor, floor=floor, others=others))
print(f"N = {N:.0e}, {R} rank(s), warm; medians over {max(len(x) for x in rows.values())} rounds "
      f"(each run against its own round's kernel ceilings)\n")
print("| reading | total s | pass 1 s (read / wait, ahead) | pass 2 s | pass 1 % of dsyrk peak "
      "| pass 2 % of dtrmm peak | total / flops floor | floor s | others' cores (max) | totals per round |")
print("|---|---:|---|---:|---:|---:|---:|---:|---:|---|")
m = lambda v, k: statistics.median(x[k] for x in rows[v])
for v in rows:
    print(f"| {v} | {m(v, 'total'):.2f} | {m(v, 'p1'):.2f} ({m(v, 'r1'):.2f} / {m(v, 'w1'):.2f}, "
          f"{100 * m(v, 'a1'):.0f}%) | {m(v, 'p2'):.2f} | {m(v, 'pk1'):.0f}% | {m(v, 'pk2'):.0f}% "
          f"| {m(v, 'ratio'):.2f} | {m(v, 'floor'):.2f} | {max(x['others'] for x in rows[v]):.2f} "
          "| " + ", ".join("%.2f" % x["total"] for x in rows[v]) + " |")
PY
