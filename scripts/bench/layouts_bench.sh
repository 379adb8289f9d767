#!/usr/bin/env bash
# Chunked and gzip-compressed inputs: sigma audit and sigma study on the same 200000 x 256
# float32 rows stored contiguous, in 1 MiB chunks, and gzip-compressed in 1 MiB and 4 MiB
# chunks; the study (R = 10, n1 = 512, 2048, 8192) reads its sampled rows one by one, which
# is where the chunk cache matters. Each layout also runs with HDF5's default 1 MiB chunk
# cache (SIGMA_DEBUG_DEFAULT_CHUNK_CACHE=1) to show what the sized cache saves. 2 ranks,
# warm cache. Checks that every run gives the same summary.csv.
set -euo pipefail
source "$(dirname "$0")/../env.sh"
B=${BENCH_DIR:-/tmp/sigma-bench}/layouts
mkdir -p "$B"
S="$BUILD_DIR/sigma"
[[ -s $B/contiguous.h5 ]] || mpirun -n 2 "$S" generate "$B/contiguous.h5" --rows 200000 --dim 256 --seed 5 --quiet
for spec in chunk1m:1024:none gzip1m:1024:gzip gzip4m:4096:gzip; do
  IFS=: read -r name rows comp <<< "$spec"
  [[ -s $B/$name.h5 ]] && continue
  /usr/bin/python3 - "$B/contiguous.h5" "$B/$name.h5" "$rows" "$comp" <<'PY'
import sys, h5py
src, dst, rows, comp = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
X = h5py.File(src, "r")["embeddings"][:]
kw = dict(compression="gzip", compression_opts=1, shuffle=True) if comp == "gzip" else {}
with h5py.File(dst, "w") as g:
    g.create_dataset("embeddings", data=X, chunks=(rows, X.shape[1]), **kw)
PY
done
cat "$B"/*.h5 > /dev/null
printf "%-11s %-13s %10s %10s %10s\n" layout "chunk cache" "MB on disk" "truth s" "reps s"
for name in contiguous chunk1m gzip1m gzip4m; do
  for cache in sized default; do
    [[ $name == contiguous && $cache == default ]] && continue
    env=(); [[ $cache == default ]] && env=(-x SIGMA_DEBUG_DEFAULT_CHUNK_CACHE=1)
    rm -rf "$B/out"
    mpirun -n 2 "${env[@]}" "$S" study "$B/$name.h5" --replicates 10 --n1 512,2048,8192 --seed 1 \
      --no-plots --quiet --out "$B/out" > /dev/null
    if [[ -s $B/summary-ref.csv ]]; then
      cmp -s "$B/out/summary.csv" "$B/summary-ref.csv" || { echo "FAILED: $name differs" >&2; exit 1; }
    else cp "$B/out/summary.csv" "$B/summary-ref.csv"; fi
    /usr/bin/python3 - "$B/out/summary.json" "$name" "$cache" "$(stat -c %s "$B/$name.h5")" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["timing_s"]
print(f"{sys.argv[2]:<11} {sys.argv[3]:<13} {int(sys.argv[4]) / 1e6:10.0f} {t['truth']:10.2f} {t['replicates']:10.2f}")
PY
  done
done
rm -f "$B/summary-ref.csv"
echo "(every run gave the same summary.csv)"
