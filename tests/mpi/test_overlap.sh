#!/usr/bin/env bash
# Reading ahead (issue 12, mpi/stream.h, mpi/worker.h): a pass may read and prepare block
# b + 1 on a helper thread while block b's chunks are visited. Forced on
# (SIGMA_OVERLAP=on), off (SIGMA_NO_OVERLAP=1) or left to decide (the default, auto: these
# files are in the page cache, so it reads after each block's BLAS work), every number is
# the same for any rank count, block size and sharding, float32 (widened in the fused
# pass) and float64 alike, through the POSIX and the MPI-IO drivers; an error raised on
# the reader (a NaN row, an unreadable chunk) is reported word for word as without it, a
# read error in a block before a NaN of the same block, whatever the rank that meets it.
# The same for sigma monitor, which may read the next checkpoint's rows ahead.
# Usage: test_overlap.sh SIGMA MPIEXEC
SIGMA=$1 MPIEXEC=$2
source "$(dirname "$0")/lib.sh"
cd "$WORK"
# 60000 x 16 rows: chunks of 8192 rows, so --block-rows 3000 or 8192 gives 8 blocks (3000:
# three reads a block) and the default (131072) one block, where nothing is read ahead.
$PY - <<'PY'
import h5py, numpy as np
rng = np.random.default_rng(12)
X = (rng.standard_normal((60000, 16)) * np.linspace(1, 3, 16) + 0.5).astype("float32")
def write(name, data, **kw):
    with h5py.File(name, "w") as f:
        f.create_dataset("embeddings", data=data, **kw)
write("g.h5", X)
write("g64.h5", X.astype("float64") * 1.1)
for name, (a, b) in {"s1": (0, 17000), "s2": (17000, 17500), "s3": (17500, 60000)}.items():
    write(f"{name}.h5", X[a:b])
open("list.txt", "w").write("s1.h5\ns2.h5\ns3.h5\n")
Y = X.copy(); Y[30000, 5] = np.nan; write("nan.h5", Y)
Y = X.copy(); Y[41000, 2] = np.inf  # in the block of rows 40960..49151, before a bad chunk
with h5py.File("bad.h5", "w") as f:
    d = f.create_dataset("embeddings", data=Y, chunks=(1000, 16), fletcher32=True)
    off = d.id.get_chunk_info(45).byte_offset  # rows 45000..45999
raw = bytearray(open("bad.h5", "rb").read()); raw[off + 40] ^= 0xFF
open("bad.h5", "wb").write(bytes(raw))
PY

# audit TAG NP OVERLAP ARGS...: sigma audit ARGS on NP ranks, reading ahead or not.
audit() {
  local tag=$1 np=$2 ov=$3; shift 3
  local env=()
  [[ $ov == off ]] && env=(env SIGMA_NO_OVERLAP=1)
  [[ $ov == on ]] && env=(env SIGMA_OVERLAP=on)
  "${env[@]}" "$MPIEXEC" --oversubscribe -n "$np" "$SIGMA" audit "$@" --n1 700 --seed 5 \
    --json "$tag.json" --quiet > /dev/null || fail "audit $tag: $*"
}
# read_ahead TAG WANT: pass 1 of TAG.json read blocks ahead (True) or none (False).
read_ahead() {
  $PY -c "import json,sys; v=json.load(open('$1.json'))['timing_s']['pass1_ahead']; sys.exit((v > 0) != $2)" \
    || fail "$1: read ahead is not $2"
}

for opts in "" "--normalize --center"; do
  for input in g.h5 g64.h5; do
    tags=()
    for np in 1 2 3; do
      for b in 3000 8192; do
        ovs="on off"; ((np == 2)) && ovs="on off auto"
        for ov in $ovs; do
          t=r.$np.$b.$ov
          audit "$t" "$np" "$ov" "$input" $opts --block-rows "$b"
          tags+=("$t.json")
        done
        read_ahead "r.$np.$b.on" True
        read_ahead "r.$np.$b.off" False
      done
    done
    audit one 2 on "$input" $opts  # one block per rank: nothing to read ahead
    read_ahead one False
    tags+=(one.json)
    if [[ $input == g.h5 ]]; then  # three shards, cut off the chunk grid
      audit sh.2 2 on "@list.txt" $opts --block-rows 3000
      audit sh.3 3 off "@list.txt" $opts --block-rows 8192
      tags+=(sh.2.json sh.3.json)
    fi
    $PY "$TESTS_DIR/check_audit.py" --same "${tags[@]}" > out.txt \
      || fail "$input $opts: reading ahead changed a number: $(cat out.txt)"
    echo "ok: $input ${opts:-(no options)}: ${#tags[@]} runs identical (1-3 ranks, blocks, shards, overlap on/off)"
  done
done

# A file of 64 MiB or more is read through HDF5's MPI-IO driver (io/input_hdf5.c), here
# from the reader thread (MPI_THREAD_SERIALIZED): the same numbers as without it.
$PY -c "
import h5py, numpy as np
X = np.random.default_rng(3).standard_normal((70000, 256)).astype('float32')
with h5py.File('big.h5', 'w') as f: f.create_dataset('embeddings', data=X)"
tags=()
for np in 1 2; do
  for ov in on off; do
    audit "big.$np.$ov" "$np" "$ov" big.h5
    tags+=("big.$np.$ov.json")
  done
  read_ahead "big.$np.on" True
done
$PY "$TESTS_DIR/check_audit.py" --same "${tags[@]}" > out.txt || fail "MPI-IO: $(cat out.txt)"
echo "ok: a 72 MB file through MPI-IO, read ahead or not: ${#tags[@]} runs identical"
rm -f big.h5

# err NP OVERLAP FILE ARGS...: the run fails with exit 1; its first 'sigma' line, no JSON.
err() {
  local np=$1 ov=$2; shift 2
  local env=()
  [[ $ov == off ]] && env=(env SIGMA_NO_OVERLAP=1)
  [[ $ov == on ]] && env=(env SIGMA_OVERLAP=on)
  rm -f e.json
  set +e
  "${env[@]}" "$MPIEXEC" --oversubscribe -n "$np" "$SIGMA" audit "$@" --n1 700 --json e.json \
    --quiet > /dev/null 2> e.err
  local st=$?
  set -e
  [[ $st == 1 && ! -e e.json ]] || fail "exit $st (want 1) or JSON written: $* :: $(cat e.err)"
  grep -m1 '^sigma' e.err
}
# same_error PATTERN ARGS...: with and without reading ahead, on 1 and 2 ranks, the same
# one line, matching PATTERN.
same_error() {
  local pat=$1; shift
  local ref line
  ref=$(err 1 off "$@")
  [[ $ref == *"$pat"* ]] || fail "message lacks '$pat': $ref"
  for np in 1 2; do
    for ov in on off auto; do
      line=$(err "$np" "$ov" "$@")
      [[ $line == "$ref" ]] || fail "$np ranks, overlap $ov: '$line' instead of '$ref'"
    done
  done
  echo "ok: $ref"
}
same_error "nan.h5:embeddings: row 30000 (global row 30000) has NaN in column 5" nan.h5 --block-rows 8192
same_error "nan.h5:embeddings: row 30000 (global row 30000) has NaN in column 5" nan.h5 --block-rows 3000
# Block 40960..49151 holds the Inf (row 41000, first read of the block) and the damaged
# chunk (second read with --block-rows 3000, the same read with 8192): the read error wins.
same_error "bad.h5:embeddings: cannot read the chunk of rows 45000..45999" bad.h5 --block-rows 3000
same_error "bad.h5:embeddings: cannot read the chunk of rows 45000..45999" bad.h5 --block-rows 8192
# sigma monitor reads checkpoint k + P's rows while it computes checkpoint k's point: the
# same numbers with and without, on 1 to 3 ranks; a bad row in a checkpoint read ahead is
# reported after the points before it, word for word.
$PY - <<'PY'
import h5py, numpy as np
rng = np.random.default_rng(5)
for t in range(6):
    X = (rng.standard_normal((4000, 16)) * (1 + 0.1 * t)).astype("float32")
    if t == 4:
        X[:, 3] = np.nan  # every row: the observed ones too
    with h5py.File(f"c{t}.h5", "w") as f:
        f.create_dataset("embeddings", data=X)
PY
mons=()
for np in 1 2 3; do
  for ov in on off; do
    env=(env SIGMA_OVERLAP=$ov)
    "${env[@]}" "$MPIEXEC" --oversubscribe -n "$np" "$SIGMA" monitor c0.h5 c1.h5 c2.h5 c3.h5 c5.h5 \
      --n1 300 --normalize --out "mon.$np.$ov" --quiet --no-plots > /dev/null || fail "monitor $np $ov"
    mons+=("mon.$np.$ov")
  done
done
for m in "${mons[@]:1}"; do
  $PY "$TESTS_DIR/check_monitor.py" --same "${mons[0]}" "$m" > out.txt || fail "monitor $m: $(cat out.txt)"
done
echo "ok: sigma monitor: ${#mons[@]} runs identical (1-3 ranks, reading ahead or not)"
ref=""
for np in 1 2 3; do
  for ov in on off; do
    env=(env SIGMA_OVERLAP=$ov)
    rm -rf mbad
    set +e
    "${env[@]}" "$MPIEXEC" --oversubscribe -n "$np" "$SIGMA" monitor c0.h5 c1.h5 c2.h5 c3.h5 c4.h5 \
      c5.h5 --n1 300 --normalize --out mbad --quiet --no-plots > /dev/null 2> e.err
    st=$?
    set -e
    line=$(grep -m1 '^sigma' e.err)
    [[ $st == 1 && $line == *"checkpoint 4 (4): c4.h5:embeddings: row"*"has NaN in column 3"* ]] \
      || fail "monitor, bad checkpoint, $np ranks, overlap $ov: exit $st: $line"
    [[ -z $ref || $line == "$ref" ]] || fail "monitor: '$line' instead of '$ref'"
    ref=$line
  done
done
echo "ok: $ref"
# sigma study loads replicate i + P's draw and rows while it computes replicate i: the
# same replicate files and summary with and without, 1 to 3 ranks, through --resume (lost
# replicates recomputed, complete ones skipped) and with --memory-limit (a block in
# chunks: nothing is read ahead).
S="--n1 32,128,300 --replicates 10 --seed 3 --quiet --no-plots"
studies=()
for np in 1 2 3; do
  for ov in on off; do
    SIGMA_OVERLAP=$ov "$MPIEXEC" --oversubscribe -n "$np" "$SIGMA" study g.h5 $S --out "st.$np.$ov" \
      > /dev/null || fail "study $np $ov"
    studies+=("st.$np.$ov")
  done
done
# ahead TAG WANT: the fraction of TAG's replicates read ahead is > 0 (True) or 0 (False)
ahead() {
  $PY -c "import json,sys; v=json.load(open('$1/summary.json'))['timing_s']['replicates_ahead']; sys.exit((v > 0) != $2)" \
    || fail "study $1: replicates read ahead is not $2"
}
ahead st.1.on True; ahead st.2.on True; ahead st.3.on True; ahead st.1.off False
# n1 up to 4096 under --memory-limit 1 (MiB): the block is read in chunks, nothing ahead
M="--n1 32,4096 --replicates 4 --seed 3 --quiet --no-plots"
SIGMA_OVERLAP=on "$MPIEXEC" -n 1 "$SIGMA" study g.h5 $M --out st.big > /dev/null || fail "study 4096"
SIGMA_OVERLAP=on "$MPIEXEC" -n 1 "$SIGMA" study g.h5 $M --memory-limit 1 --out st.mem > /dev/null \
  || fail "study --memory-limit"
ahead st.big True
ahead st.mem False
for f in replicates.csv summary.csv; do
  cmp -s st.big/$f st.mem/$f || fail "study --memory-limit: $f differs"
done
rm st.2.on/replicates/rep-000003.csv st.2.on/replicates/rep-000006.csv st.2.on/summary.csv 2> /dev/null \
  || fail "study: the replicate files are not where the test expects them"
SIGMA_OVERLAP=on "$MPIEXEC" -n 2 "$SIGMA" study g.h5 $S --out st.2.on --resume > /dev/null \
  || fail "study --resume"
ahead st.2.on False # replicates 3 and 6 recomputed, one a rank: nothing to read ahead
for t in "${studies[@]:1}"; do
  cmp -s "st.1.on/replicates.csv" "$t/replicates.csv" || fail "study $t: replicates.csv differs"
  cmp -s "st.1.on/summary.csv" "$t/summary.csv" || fail "study $t: summary.csv differs"
done
echo "ok: sigma study: ${#studies[@]} runs and a resumed one identical, and in chunks (reading ahead or not)"
echo PASSED
