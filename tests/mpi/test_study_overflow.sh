#!/usr/bin/env bash
# Regression (issue 8): summarize (mpi/study.c) once formatted replicates.csv and
# summary.csv with sprintf into a buffer of a guessed size (4096 + R K NCOL 26), and
# overflowed the heap on a long sweep: R = 1 and 64 values of n1 (10007 + 1337 i) at
# d = 4. Now built with a growable buffer; this run must succeed and write complete
# files. It matters most in the AddressSanitizer pass of scripts/test.sh (build-asan),
# where a reintroduced overflow aborts the run.
SIGMA=$1 MPIEXEC=$2
source "$(dirname "$0")/lib.sh"
run 2 generate "$WORK/g.h5" --rows 200000 --dim 4 --quiet > /dev/null || fail "generate"
N1=$(seq -s, 10007 1337 $((10007 + 1337 * 63)))
[[ $(tr , '\n' <<< "$N1" | wc -l) == 64 ]] || fail "the sweep is not 64 values"
run 2 study "$WORK/g.h5" --replicates 1 --n1 "$N1" --out "$WORK/s" --no-plots --quiet \
  > "$WORK/out.txt" 2> "$WORK/err.txt" || { cat "$WORK/err.txt"; fail "study of a 64-value sweep"; }
$PY - "$WORK/s" "$N1" <<'PY' || fail "replicates.csv or summary.csv incomplete"
import csv, sys
out, sweep = sys.argv[1], [int(x) for x in sys.argv[2].split(",")]
def table(name):
    rows = list(csv.reader(open(f"{out}/{name}", newline="")))
    head, body = rows[0], rows[1:]
    bad = [i for i, r in enumerate(body) if len(r) != len(head)]
    assert not bad, f"{name}: rows {bad[:5]} do not have the header's {len(head)} fields"
    return head, [dict(zip(head, r)) for r in body]
head, reps = table("replicates.csv")
for c in ("replicate", "n1", "logdet_G1", "tau2_observed", "plugin_est", "wishart_est", "richardson_est"):
    assert c in head, f"replicates.csv lacks column {c}"
assert [int(r["n1"]) for r in reps] == sweep, f"replicates.csv: n1 column {[r['n1'] for r in reps][:5]}..."
assert all(r["replicate"] == "0" for r in reps)
assert all(r["plugin_est"] and r["wishart_est"] for r in reps), "empty estimates"
ncol = len(head)
head, summ = table("summary.csv")
est = sorted({r["estimator"] for r in summ})
assert {"plugin", "wishart", "richardson"} <= set(est), est
assert len(summ) == len(sweep) * len(est), f"summary.csv: {len(summ)} rows, want {len(sweep)} x {len(est)}"
for e in est:
    assert [int(r["n1"]) for r in summ if r["estimator"] == e] == sweep, f"summary.csv: n1 of {e}"
rep0 = list(csv.reader(open(f"{out}/replicates/rep-000000.csv", newline="")))
assert len(rep0) == 1 + len(sweep), f"rep-000000.csv: {len(rep0)} lines"
print(f"replicates.csv {len(reps)} rows x {ncol} columns, summary.csv {len(summ)} rows x {len(head)}")
PY
echo PASSED
