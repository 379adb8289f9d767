#!/usr/bin/env bash
# sigma audit --scalapack on vs off (2 ranks, grid 1x2, d = 96 > nb = 64 so blocks are
# ragged): L, log det G1 and the spectra agree to 1e-10 relative; the JSON records the grid.
SIGMA=$1 MPIEXEC=$2
source "$(dirname "$0")/lib.sh"
run 1 generate "$WORK/x.h5" --rows 3000 --dim 96 --spectrum powerlaw --seed 7 > /dev/null
for m in on off; do
  run 2 audit "$WORK/x.h5" --n1 800 --seed 3 --quiet --scalapack $m --json "$WORK/$m.json" \
    > "$WORK/$m.txt" || fail "audit --scalapack $m"
done
grep -q "ScaLAPACK on a 1 x 2 grid" "$WORK/on.txt" || fail "table does not name the grid"
$PY - "$WORK/on.json" "$WORK/off.json" <<'PY' || fail "scalapack on vs off"
import json, sys
on, off = (json.load(open(p)) for p in sys.argv[1:3])
assert on["parameters"]["scalapack"] is True and on["parameters"]["scalapack_grid"] == "1x2", on["parameters"]
assert on["parameters"]["scalapack_nb"] == 64
assert off["parameters"]["scalapack"] is False and off["parameters"]["scalapack_grid"] is None
for k in ("L", "logdet_G1"):
    a, b = on["truth"][k], off["truth"][k]
    rel = abs(a - b) / max(1.0, abs(b))
    print(f"{k}: on {a!r} off {b!r} rel {rel:.2e}")
    assert rel <= 1e-10, k
for m in ("G", "G1", "G2"):
    a, b = on["eigenvalues"][m], off["eigenvalues"][m]
    err = max(abs(x - y) for x, y in zip(a, b)) / max(abs(v) for v in b)
    print(f"eigenvalues {m}: max |diff| / lambda_max {err:.2e}")
    assert len(a) == len(b) == 96 and err <= 1e-10, m
PY
# auto below the threshold: off
run 2 audit "$WORK/x.h5" --n1 800 --seed 3 --quiet --json "$WORK/auto.json" > /dev/null
$PY -c "import json,sys; assert json.load(open(sys.argv[1]))['parameters']['scalapack'] is False" \
  "$WORK/auto.json" || fail "auto at d = 96 used ScaLAPACK"
set +e
run 1 audit "$WORK/x.h5" --n1 800 --scalapack maybe > /dev/null 2>&1; [[ $? == 2 ]] || fail "bad --scalapack value status"
echo PASSED
