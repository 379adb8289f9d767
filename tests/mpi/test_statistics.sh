#!/usr/bin/env bash
# Statistics on Gaussian synthetic data with known truth (SPEC sections 3-4, 8):
# Lhat_W error within 4 of its s in every replicate; the plug-in bias averaged over
# seeds close to d(d+1)/2 (1/n1 - 1/N); tau2 oracle close to 2d.
SIGMA=$1 MPIEXEC=$2
source "$(dirname "$0")/lib.sh"
run 2 generate "$WORK/g.h5" --rows 20000 --dim 32 --spectrum powerlaw --beta 1 --seed 4 --quiet
for s in $(seq 1 40); do
  run 2 audit "$WORK/g.h5" --n1 256 --seed "$s" --json "$WORK/r$s.json" --quiet > /dev/null
done
$PY - "$WORK" <<'PY'
import glob, json, math, sys
R = [json.load(open(p)) for p in glob.glob(sys.argv[1] + "/r*.json")]
d, N, n1 = 32, 20000, 256
formula = d * (d + 1) / 2 * (1 / n1 - 1 / N)
errs = [r["estimators"]["plugin"]["error"] for r in R]
m = sum(errs) / len(errs)
sd = math.sqrt(sum((e - m) ** 2 for e in errs) / (len(errs) - 1))
se = sd / math.sqrt(len(errs))
print(f"plug-in bias {m:.4f} +- {se:.4f} (formula {formula:.4f}), sd {sd:.4f}")
assert abs(m - formula) < 4 * se + 0.1 * formula, "plug-in bias far from the formula"
zs = [r["estimators"]["wishart"]["oracle"]["z"] for r in R]
print(f"Wishart z: max |z| {max(map(abs, zs)):.3f}, mean {sum(zs)/len(zs):.3f}")
assert max(map(abs, zs)) < 4, "Wishart error beyond 4 s"
assert abs(sum(zs) / len(zs)) < 4 / math.sqrt(len(zs)), "Wishart estimator biased"
cov_plugin = sum(r["estimators"]["plugin"]["oracle"]["covers"] for r in R) / len(R)
cov_w = sum(r["estimators"]["wishart"]["oracle"]["covers"] for r in R) / len(R)
print(f"coverage: plug-in {cov_plugin:.2f}, Wishart {cov_w:.2f}")
assert cov_w >= 0.8, "Wishart coverage too low"
t = R[0]["truth"]["tau2_oracle"]
print(f"tau2 oracle {t:.2f} (2d = {2*d})")
assert abs(t - 2 * d) < 0.15 * 2 * d
PY
echo PASSED
