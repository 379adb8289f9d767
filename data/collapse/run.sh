#!/usr/bin/env bash
# The recursive self-training loop on TECH, monitored by sigma (issue 13, docs/collapse.md).
#
#   bash data/collapse/run.sh [--generations T] [--sweep-generations T2] [--lam L] [--out DIR]
#                             [--sigma PATH] [--seed S] [--tech-cache DIR] [--tiny] [--no-analysis]
#
# Series: S1 (restart from the base model every generation) and S2 (weights carried
# forward) at the default mixture lam (the share of synthetic sequences; default 1.0, the
# paper's pure-synthetic setting) for T generations (default 20), and S2 at lam = 0.5 and
# 0.9 for T2 generations (default 10). Two series run at a time, one torch thread each.
# Then the analysis (analyze.py): sigma monitor per series and per bucket, sigma proxies per
# checkpoint, the Spearman correlations, tables and plots in DIR/analysis.
# Resumable: run the same command again after an interruption; finished generations are
# kept (data/collapse/loop.py). A different configuration in DIR is refused.
# --tiny: a few hundred sentences (data/collapse/tiny-sentences.tsv), a tiny model, a
# 16-dimensional fastText encoder trained on them, 2 generations (sweep: 1): the CI test.
# Default DIR: /tmp/collapse-run (--tiny: /tmp/collapse-tiny). --tech-cache (or TECH_CACHE):
# data/tech's cache with the frozen TECH encoder (default data/tech/cache; built if absent).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
T="" T2="" LAM=1.0 OUT="" CACHE=${TECH_CACHE:-} SIGMA=$ROOT/build/sigma SEED=20261122 TINY=0 ANALYSIS=1
die() { echo "collapse: error: $*" >&2; exit 1; }
usage() { sed -n '4,6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while (($#)); do
  case $1 in
    --generations) T=${2:?}; shift 2 ;;
    --sweep-generations) T2=${2:?}; shift 2 ;;
    --lam) LAM=${2:?}; shift 2 ;;
    --out) OUT=${2:?}; shift 2 ;;
    --sigma) SIGMA=${2:?}; shift 2 ;;
    --seed) SEED=${2:?}; shift 2 ;;
    --tech-cache) CACHE=${2:?}; shift 2 ;;
    --tiny) TINY=1; shift ;;
    --no-analysis) ANALYSIS=0; shift ;;
    -h|--help) usage ;;
    *) echo "collapse: unknown option $1" >&2; usage ;;
  esac
done
((TINY)) && { T=${T:-2}; T2=${T2:-1}; }
T=${T:-20} T2=${T2:-10}
[[ $T =~ ^[1-9][0-9]*$ && $T2 =~ ^[0-9]+$ ]] || { echo "collapse: generations: positive integers" >&2; exit 2; }
$PY -c "import sys; l=float('$LAM'); sys.exit(not 0 <= l <= 1)" 2> /dev/null \
  || { echo "collapse: --lam $LAM: a number in [0, 1]" >&2; exit 2; }
for m in torch sentencepiece h5py numpy; do
  $PY -c "import $m" 2> /dev/null || die "python3 module $m missing: run scripts/install-deps.sh"
done
command -v fasttext > /dev/null || die "fasttext missing: run scripts/install-deps.sh"
((TINY)) && OUT=${OUT:-/tmp/collapse-tiny} || OUT=${OUT:-/tmp/collapse-run}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
log() { echo "collapse: $*" >&2; }

# ---- assets and the frozen encoder
if ((TINY)); then
  $PY "$HERE/prepare.py" --out "$OUT/assets" --tiny "$HERE/tiny-sentences.tsv" --seed "$SEED" \
    --vocab 300 --base 80 --pool 24 --prompts 8 --prompt-words 6
  ENC=$OUT/encoder.bin DIM=16
  if [[ ! -f $ENC ]]; then # a stand-in for the TECH encoder, trained on the tiny text
    cut -f2 "$HERE/tiny-sentences.tsv" > "$OUT/encoder.txt"
    fasttext skipgram -input "$OUT/encoder.txt" -output "$OUT/encoder.tmp" -dim $DIM -epoch 5 \
      -minCount 1 -thread 1 -seed 1 > /dev/null 2>&1 || die "fasttext: training the tiny encoder failed"
    mv "$OUT/encoder.tmp.bin" "$ENC"
    rm -f "$OUT/encoder.tmp.vec"
  fi
  MODEL='"emb": 32, "hidden": 64, "base_epochs": 3, "epochs": 1, "batch": 16, "lr": 0.002'
  EVAL='"K": 4, "eval_tokens": 12, "max_len": 24, "prefix": 4'
else
  CACHE=${CACHE:-$ROOT/data/tech/cache}
  if [[ ! -f $CACHE/model.bin || ! -f $CACHE/tech_sentences.txt ]]; then
    log "the TECH cache is missing: building it (data/tech/build_tech.sh, ~6 min)"
    TECH_CACHE=$CACHE bash "$ROOT/data/tech/build_tech.sh" || die "data/tech/build_tech.sh failed"
  fi
  $PY "$HERE/prepare.py" --out "$OUT/assets" --tech "$CACHE" --seed "$SEED"
  ENC=$CACHE/model.bin DIM=256
  # one epoch a generation (the paper: 5) so that 60 generations fit ~1 h on 2 cores
  MODEL='"emb": 128, "hidden": 256, "base_epochs": 2, "epochs": 1, "batch": 32, "lr": 0.002'
  EVAL='"K": 6, "eval_tokens": 40, "max_len": 48, "prefix": 8'
fi

# ---- the configuration: every setting that changes a number; a resumed run must match
cfg=$(cat <<EOF
{"assets": "$OUT/assets", "encoder": "$ENC", "dim": $DIM, "seed": $SEED, "lam": $LAM,
 "generations": $T, "sweep_generations": $T2, "sweep": [0.5, 0.9], "threads": 1,
 $MODEL, "base_lr": 0.003, "top_p": 0.95, "temperature": 1.0, $EVAL,
 "tiny": $TINY}
EOF
)
$PY - "$OUT/config.json" "$cfg" <<'PY' || exit 1
import json, os, sys
path, new = sys.argv[1], json.loads(sys.argv[2])
if os.path.exists(path):
    old = json.load(open(path))
    same = lambda d: {k: v for k, v in d.items() if k not in ("generations", "sweep_generations")}
    if same(old) != same(new):
        diff = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        sys.exit(f"collapse: error: {path}: a run with another configuration ({', '.join(diff)}); "
                 "use another --out")
json.dump(new, open(path + ".tmp", "w"), indent=1)
os.replace(path + ".tmp", path)
PY

# ---- the loop
t0=$(date +%s)
$PY "$HERE/loop.py" base "$OUT"
# pair NAME1 ARGS1 NAME2 ARGS2: two series at once; both finish (or fail) before the next step
pair() {
  local pids=() st=0
  while (($#)); do
    $PY "$HERE/loop.py" series "$OUT" "$1" --setting "$2" --lam "$3" --generations "$4" &
    pids+=($!)
    shift 4
  done
  for p in "${pids[@]}"; do wait "$p" || st=1; done
  ((st == 0)) || die "a series failed (its message is above); finished generations are kept in $OUT"
}
pair S1 S1 "$LAM" "$T" S2 S2 "$LAM" "$T"
if ((T2 > 0)); then
  pair S2-lam0.5 S2 0.5 "$T2" S2-lam0.9 S2 0.9 "$T2"
fi
log "loop finished in $(($(date +%s) - t0)) s (this call)"
((ANALYSIS)) || exit 0
$PY "$HERE/analyze.py" "$OUT" "$SIGMA"
