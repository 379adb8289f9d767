#!/usr/bin/env bash
# Build the real TECH embedding matrix (data/tech/tech.h5) from Debian's
# documentation packages; with --sample-out, also a 3000-row sample of it (the
# committed data/tech/tech-sample.h5 was made so; a rebuild is not bit-identical,
# so the committed sample is only replaced when asked).
# See data/tech/README.md.
#
# Usage: data/tech/build_tech.sh [--out PATH] [--threads N] [--epoch N]
#                                [--cache DIR] [--sample-out PATH] [--force]
# Environment (arguments win): TECH_OUT, TECH_THREADS, TECH_EPOCH, TECH_CACHE,
#                              TECH_SAMPLE_OUT.
# Steps whose outputs exist and are newer than their inputs are skipped;
# --force (or deleting the cache directory) rebuilds everything.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3   # Debian's python (has numpy and h5py)

OUT=${TECH_OUT:-$HERE/tech.h5}
THREADS=${TECH_THREADS:-$(nproc)}
EPOCH=${TECH_EPOCH:-11}
CACHE=${TECH_CACHE:-$HERE/cache}
SAMPLE_OUT=${TECH_SAMPLE_OUT:-}
FORCE=0

usage() { sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while (($#)); do
  case $1 in
    --out) OUT=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --epoch) EPOCH=$2; shift 2 ;;
    --cache) CACHE=$2; shift 2 ;;
    --sample-out) SAMPLE_OUT=$2; shift 2 ;;
    --force) FORCE=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "build_tech: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
[[ $THREADS =~ ^[1-9][0-9]*$ ]] || { echo "build_tech: bad thread count '$THREADS'" >&2; exit 2; }
[[ $EPOCH =~ ^[1-9][0-9]*$ ]] || { echo "build_tech: bad epoch count '$EPOCH'" >&2; exit 2; }

log() { printf 'build_tech [%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'build_tech: error: %s\n' "$*" >&2; exit 1; }

# fastText parameters (see README.md for the choices).
FT_MODEL=skipgram
FT_DIM=256
FT_BUCKET=200000
FT_SEED=20261121
FT_MINCOUNT=5
FT_MINN=3
FT_MAXN=6
FT_WS=5
FT_NEG=5
FT_LR=0.05

# ---------------------------------------------------------------- 0. checks
DOC_PKGS=(python3.11-doc postgresql-doc-15 sqlite3-doc rust-doc)
missing=()
for p in "${DOC_PKGS[@]}" fasttext python3-numpy python3-h5py; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  die "missing Debian package(s): ${missing[*]}.
  Run scripts/install-deps.sh (as root or with sudo) to install them, then re-run."
fi
command -v fasttext >/dev/null || die "fasttext not on PATH; run scripts/install-deps.sh"
[[ -x $PY ]] && $PY -c 'import numpy, h5py' 2>/dev/null \
  || die "$PY cannot import numpy and h5py; run scripts/install-deps.sh"

mkdir -p "$CACHE" "$(dirname "$OUT")"
T_START=$(date +%s)

# uptodate OUT... -- IN...: true if every OUT exists and is newer than every IN.
uptodate() {
  local outs=() ins=() o i
  while (($#)) && [[ $1 != -- ]]; do outs+=("$1"); shift; done
  shift
  ins=("$@")
  ((FORCE)) && return 1
  for o in "${outs[@]}"; do
    [[ -e $o ]] || return 1
    for i in "${ins[@]}"; do [[ $o -nt $i ]] || return 1; done
  done
  return 0
}
# replace_if_changed NEW DEST: move NEW over DEST only if the content differs
# (so DEST's mtime changes only when its content does).
replace_if_changed() {
  if [[ -e $2 ]] && cmp -s "$1" "$2" && ((!FORCE)); then rm -f "$1"; else mv -f "$1" "$2"; fi
}

# ------------------------------------------------- 1. sources and file list
# Which HTML files of each package are read (sorted by path afterwards):
#   python3.11-doc     /usr/share/doc/python3.11/html/**, minus the generated
#                      index pages (genindex*, py-modindex, search)
#   postgresql-doc-15  /usr/share/doc/postgresql-doc-15/html/*, minus bookindex
#   sqlite3-doc        every .html / .html.gz it ships
#   rust-doc           the Rust Book only, current edition: the mdBook chapter
#                      pages book/{ch*,appendix-*,foreword,index,title-page}.html
#                      (not print.html, the whole book again on one page, nor the
#                      redirect stubs of the old editions)
declare -A SEL=(
  [python3.11-doc]='^/usr/share/doc/python3\.11/html/.*\.html(\.gz)?$'
  [postgresql-doc-15]='^/usr/share/doc/postgresql-doc-15/html/.*\.html(\.gz)?$'
  [sqlite3-doc]='\.html(\.gz)?$'
  [rust-doc]='^/usr/share/doc/rust-doc/html/book/(ch[0-9][^/]*|appendix-[^/]*|foreword|index|title-page)\.html(\.gz)?$'
)
EXCL='/(genindex[^/]*|py-modindex|search|bookindex|print)\.html(\.gz)?$'
declare -A USED=(
  [python3.11-doc]='/usr/share/doc/python3.11/html'
  [postgresql-doc-15]='/usr/share/doc/postgresql-doc-15/html'
  [sqlite3-doc]='/usr/share/doc/sqlite3 (+ /usr/share/doc/sqlite3-doc/changelog.html.gz)'
  [rust-doc]='/usr/share/doc/rust-doc/html/book (The Rust Programming Language, current edition chapters)'
)
{
  for p in "${DOC_PKGS[@]}"; do
    printf '%s\t%s\t%s\n' "$p" "$(dpkg-query -W -f='${Version}' "$p")" "${USED[$p]}"
  done
} > "$CACHE/sources.tsv.new"
replace_if_changed "$CACHE/sources.tsv.new" "$CACHE/sources.tsv"

if uptodate "$CACHE/files.tsv" -- "$CACHE/sources.tsv"; then
  log "1/6 file list: up to date ($(wc -l < "$CACHE/files.tsv") files)"
else
  log "1/6 file list: listing HTML files with dpkg -L"
  for p in "${DOC_PKGS[@]}"; do
    dpkg -L "$p" | grep -E "${SEL[$p]}" | grep -Ev "$EXCL" | while IFS= read -r f; do
      [[ -f $f && ! -L $f ]] && printf '%s\t%s\n' "$p" "$f"
    done
  done | LC_ALL=C sort -t $'\t' -k2,2 > "$CACHE/files.tsv.new"
  [[ -s $CACHE/files.tsv.new ]] || die "no HTML files found in the doc packages"
  replace_if_changed "$CACHE/files.tsv.new" "$CACHE/files.tsv"
  touch "$CACHE/files.tsv"
  log "1/6 file list: $(wc -l < "$CACHE/files.tsv") files"
fi

# ----------------------------------------------------------- 2. sentences
if uptodate "$CACHE/sentences.txt" "$CACHE/extract_stats.json" -- \
     "$CACHE/files.tsv" "$HERE/extract.py"; then
  log "2/6 sentences: up to date ($(wc -l < "$CACHE/sentences.txt") sentences)"
else
  log "2/6 sentences: extracting prose from HTML ($THREADS processes)"
  t0=$(date +%s)
  $PY "$HERE/extract.py" "$CACHE/files.tsv" "$CACHE/sentences.txt.tmp" \
      "$CACHE/extract_stats.json.tmp" --threads "$THREADS"
  mv -f "$CACHE/extract_stats.json.tmp" "$CACHE/extract_stats.json"
  mv -f "$CACHE/sentences.txt.tmp" "$CACHE/sentences.txt"
  log "2/6 sentences: $(wc -l < "$CACHE/sentences.txt") unique sentences in $(($(date +%s) - t0)) s"
fi
N_SENT=$(wc -l < "$CACHE/sentences.txt")

# ------------------------------------------------------------ 3. fastText
FT_VERSION=$(dpkg-query -W -f='${Version}' fasttext)
FT_ARGS=(-dim "$FT_DIM" -bucket "$FT_BUCKET" -epoch "$EPOCH" -seed "$FT_SEED"
         -minCount "$FT_MINCOUNT" -minn "$FT_MINN" -maxn "$FT_MAXN" -ws "$FT_WS"
         -neg "$FT_NEG" -lr "$FT_LR" -thread "$THREADS")
cat > "$CACHE/fasttext_params.json.new" <<EOF
{"version": "fasttext (Debian) $FT_VERSION",
 "command": "fasttext $FT_MODEL -input sentences.txt -output model ${FT_ARGS[*]}",
 "params": {"model": "$FT_MODEL", "dim": $FT_DIM, "bucket": $FT_BUCKET, "epoch": $EPOCH,
            "seed": $FT_SEED, "minCount": $FT_MINCOUNT, "minn": $FT_MINN, "maxn": $FT_MAXN,
            "ws": $FT_WS, "neg": $FT_NEG, "lr": $FT_LR, "loss": "ns", "t": 0.0001,
            "thread": $THREADS}}
EOF
replace_if_changed "$CACHE/fasttext_params.json.new" "$CACHE/fasttext_params.json"

if uptodate "$CACHE/model.bin" "$CACHE/train_seconds.txt" "$CACHE/train.log" -- \
     "$CACHE/sentences.txt" "$CACHE/fasttext_params.json"; then
  log "3/6 fastText: model up to date (trained in $(cat "$CACHE/train_seconds.txt") s)"
else
  log "3/6 fastText: training $FT_MODEL, dim $FT_DIM, epoch $EPOCH, $THREADS threads (several minutes)"
  rm -f "$CACHE/model.tmp.bin" "$CACHE/model.tmp.vec"
  t0=$(date +%s)
  # fastText redraws its progress line with \r; keep one line every ~10%.
  if ! fasttext "$FT_MODEL" -input "$CACHE/sentences.txt" -output "$CACHE/model.tmp" \
         "${FT_ARGS[@]}" 2>&1 >/dev/null | tr '\r' '\n' \
       | awk -v logf="$CACHE/train.tmp.log" '
           /^Progress/ { p = int($2); last = $0
                         if (p >= next_p) { print "  fasttext: " $0 > "/dev/stderr"; next_p = p + 10 }
                         next }
           NF { print "  fasttext: " $0 > "/dev/stderr"; print $0 > logf }
           END { print last > logf }'; then
    die "fasttext training failed"
  fi
  [[ -s $CACHE/model.tmp.bin ]] || die "fasttext training wrote no model"
  t1=$(date +%s)
  mv -f "$CACHE/model.tmp.vec" "$CACHE/model.vec"
  mv -f "$CACHE/model.tmp.bin" "$CACHE/model.bin"
  mv -f "$CACHE/train.tmp.log" "$CACHE/train.log"
  echo "$((t1 - t0))" > "$CACHE/train_seconds.txt"
  log "3/6 fastText: trained in $((t1 - t0)) s"
fi

# --------------------------------------------------- 4. sentence vectors
if uptodate "$CACHE/vectors.npy" -- "$CACHE/model.bin" "$CACHE/sentences.txt" \
     "$HERE/sentvec2npy.py"; then
  log "4/6 sentence vectors: up to date"
else
  log "4/6 sentence vectors: fasttext print-sentence-vectors on $N_SENT sentences"
  t0=$(date +%s)
  fasttext print-sentence-vectors "$CACHE/model.bin" < "$CACHE/sentences.txt" \
    | $PY "$HERE/sentvec2npy.py" "$N_SENT" "$FT_DIM" "$CACHE/vectors.npy"
  log "4/6 sentence vectors: done in $(($(date +%s) - t0)) s"
fi

# ----------------------------------------------------------- 5. tech.h5
if uptodate "$OUT" "$CACHE/tech_sentences.txt" -- "$CACHE/vectors.npy" \
     "$CACHE/extract_stats.json" "$CACHE/sources.tsv" "$HERE/write_h5.py"; then
  log "5/6 $OUT: up to date"
else
  log "5/6 writing $OUT and verifying (Gram matrix, zero rows, NaN/Inf)"
  $PY "$HERE/write_h5.py" --cache "$CACHE" --out "$OUT"
fi

# ------------------------------------------------------ 6. sample (only when asked)
if [[ -z $SAMPLE_OUT ]]; then
  log "6/6 sample: skipped (--sample-out PATH writes one)"
elif uptodate "$SAMPLE_OUT" -- "$OUT" "$HERE/make_sample.py"; then
  log "6/6 $SAMPLE_OUT: up to date"
else
  log "6/6 writing sample $SAMPLE_OUT"
  mkdir -p "$(dirname "$SAMPLE_OUT")"
  $PY "$HERE/make_sample.py" --in "$OUT" --out "$SAMPLE_OUT"
fi
log "done in $(($(date +%s) - T_START)) s: $OUT ($(du -h "$OUT" | cut -f1))"
