#!/usr/bin/python3
"""Check a consumer's output (tests/install/consumer/consumer.c) against independent values.

Usage: check_consumer.py VERSION OUTPUT
log det G1 by numpy (slogdet of X^T X); the Wishart correction
sum_{i=1}^{d} [psi((N-i+1)/2) - psi((n1-i+1)/2)] in closed form: N and n1 have the same
parity, so each difference is psi(b + m) - psi(b) = sum_{j<m} 1/(b + j).
"""
import math
import sys

import numpy as np

X = np.array([[1.0, 0.5, -0.25], [0.25, -1.0, 0.5], [-0.5, 0.75, 1.0], [2.0, 0.0, 0.5],
              [0.0, 1.5, -1.0], [-1.25, -0.5, 0.25], [0.5, 0.25, 2.0], [1.0, -0.75, -0.5]])
N, n1, d = 1000, X.shape[0], X.shape[1]


def main():
    version, path = sys.argv[1], sys.argv[2]
    got = dict(line.split(None, 1) for line in open(path).read().splitlines())
    sign, logdet = np.linalg.slogdet(X.T @ X)
    assert sign > 0
    corr = 0.0
    for i in range(1, d + 1):
        a, b = (N - i + 1) / 2, (n1 - i + 1) / 2
        corr += math.fsum(1.0 / (b + j) for j in range(int(a - b)))
    want = {"logdet_G1": logdet, "wishart": logdet + corr, "wishart_registry": logdet + corr,
            "plugin": logdet + d * math.log(N / n1)}
    bad = []
    if got.get("version") != version:
        bad.append(f"version {got.get('version')} != {version}")
    for k, v in want.items():
        g = float(got[k])
        if not abs(g - v) <= 1e-12 * max(1.0, abs(v)):
            bad.append(f"{k}: {g!r} != {v!r}")
    if bad:
        print("FAILED: " + "; ".join(bad))
        sys.exit(1)
    print(f"consumer numbers OK: log det G1 = {logdet:.15g}, Lhat_W = {logdet + corr:.15g}")


if __name__ == "__main__":
    main()
