#!/usr/bin/env bash
# Scaling measurements behind docs/scaling.md: strong and weak scaling of sigma audit
# and sigma study (1 and 2 ranks; 4 oversubscribed only to check identical results),
# cold-cache I/O rate against dd's sequential read, and the Allreduce time vs d.
# Needs root for drop_caches (skipped otherwise). Env: BENCH_DIR (/tmp/sigma-bench).
set -euo pipefail
source "$(dirname "$0")/../env.sh"
B=${BENCH_DIR:-/tmp/sigma-bench}; S=$BUILD_DIR/sigma
F=$B/data/powerlaw_N1000000_d256_s1.h5; H=$B/data/powerlaw_N500000_d256_s1.h5
mkdir -p "$B/scaling" "$B/data"
[[ -s $F ]] || mpirun -n 2 "$S" generate "$F" --rows 1000000 --dim 256 --seed 1 --quiet
[[ -s $H ]] || mpirun -n 2 "$S" generate "$H" --rows 500000 --dim 256 --seed 1 --quiet
J() { /usr/bin/python3 -c "import json,sys; t=json.load(open(sys.argv[1]))['timing_s']; print(' '.join(f'{k}={t[k]:.3f}' for k in sys.argv[2:]))" "$@"; }
echo "== strong scaling, audit, N = 1e6, d = 256 (warm cache)"
cat "$F" > /dev/null
for np in 1 2; do
  mpirun -n $np "$S" audit "$F" --n1 16384 --quiet --json "$B/scaling/strong$np.json" > /dev/null
  echo "ranks $np: $(J "$B/scaling/strong$np.json" pass1 pass2 reduce1 factor total)"
done
mpirun --oversubscribe -n 4 "$S" audit "$F" --n1 16384 --quiet --json "$B/scaling/strong4.json" > /dev/null
/usr/bin/python3 - "$B/scaling" <<'PY'
import json, sys
a, b = (json.load(open(f"{sys.argv[1]}/strong{k}.json")) for k in (1, 4))
print("ranks 4 (oversubscribed): identical L, log det G1, tau2 to ranks 1:",
      all(a["truth"][k] == b["truth"][k] for k in ("L", "logdet_G1", "tau2_oracle", "tau2_observed")))
PY
echo "== weak scaling, audit: 5e5 rows per rank"
cat "$H" > /dev/null
mpirun -n 1 "$S" audit "$H" --n1 16384 --quiet --json "$B/scaling/weak1.json" > /dev/null
echo "ranks 1, N = 5e5: $(J "$B/scaling/weak1.json" pass1 pass2 total)"
echo "ranks 2, N = 1e6: $(J "$B/scaling/strong2.json" pass1 pass2 total)"
echo "== strong scaling, study, R = 100, n1 = 512..16384"
for np in 1 2; do
  rm -rf "$B/scaling/study$np"
  mpirun -n $np "$S" study "$F" --replicates 100 --n1 512,1024,2048,4096,8192,16384 --out "$B/scaling/study$np" --no-plots --quiet > /dev/null
  echo "ranks $np: $(/usr/bin/python3 -c "import json; t=json.load(open('$B/scaling/study$np/summary.json'))['timing_s']; print(f\"truth={t['truth']:.2f} replicates={t['replicates']:.2f}\")")"
done
cmp -s "$B/scaling/study1/summary.csv" "$B/scaling/study2/summary.csv" && echo "study summaries identical for 1 and 2 ranks"
echo "== I/O: cold cache (drop_caches), 1.02 GB float32 file"
if [[ -w /proc/sys/vm/drop_caches ]]; then
  sync; echo 3 > /proc/sys/vm/drop_caches
  t0=$(date +%s.%N); dd if="$F" of=/dev/null bs=16M status=none; t1=$(date +%s.%N)
  echo "dd sequential read: $(echo "scale=2; $(stat -c %s "$F") / ($t1 - $t0) / 1000000000" | bc) GB/s"
  sync; echo 3 > /proc/sys/vm/drop_caches
  mpirun -n 2 "$S" audit "$F" --n1 16384 --quiet --no-tau2 --json "$B/scaling/cold.json" > /dev/null
  /usr/bin/python3 -c "import json; r=json.load(open('$B/scaling/cold.json')); t=r['timing_s']; print(f\"sigma pass 1 cold, 2 ranks: {t['pass1']:.2f} s = {1.024/t['pass1']:.2f} GB/s\")"
else
  echo "(not root: cold-cache measurement skipped)"
fi
echo "== Allreduce (reduce1: 4 double-double Grams) vs d, 2 ranks"
for d in 256 512 1024 2048; do
  g=$B/data/allreduce_d$d.h5
  [[ -s $g ]] || mpirun -n 2 "$S" generate "$g" --rows $((4 * d)) --dim $d --spectrum isotropic --seed 1 --quiet
  mpirun -n 2 "$S" audit "$g" --n1 $((2 * d)) --no-tau2 --quiet --json "$B/scaling/ar$d.json" > /dev/null
  echo "d = $d: $(J "$B/scaling/ar$d.json" reduce1 factor estimate) bytes=$((4 * 16 * (d * (d + 1) / 2 + d)))"
done
