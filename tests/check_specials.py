#!/usr/bin/python3
"""sigma's digamma/trigamma sums (Wishart correction, V_G, the Gaussian mean of
sum log(1 - h)) against mpmath at 40 digits, at extreme arguments: N up to 1e10, d up to
8192, n from d + 5 to 1e9. usage: check_specials.py SPECIALS_PRINT"""
import subprocess
import sys

import mpmath

mpmath.mp.dps = 40
CASES = [(1, 1e3, 6), (64, 2e5, 128), (256, 1e6, 261), (256, 1e10, 512), (8192, 1e10, 8197),
         (8192, 1e10, 16384), (8192, 1e10, 1e9), (2048, 1e8, 1e8 - 1),
         (16, 1000, 900), (16, 1000, 880), (40, 150, 140), (8, 80, 75), (60, 200, 190)]  # series edges
bad = 0
for d, N, n in CASES:
    got = [float(x) for x in subprocess.check_output([sys.argv[1], str(d), repr(N), repr(n)]).split()]
    N_, n_ = mpmath.mpf(N), mpmath.mpf(n)
    w = mpmath.fsum(mpmath.digamma((N_ - i + 1) / 2) - mpmath.digamma((n_ - i + 1) / 2)
                    for i in range(1, d + 1))
    v = mpmath.fsum(mpmath.psi(1, (n_ - i + 1) / 2) - mpmath.psi(1, (N_ - i + 1) / 2)
                    for i in range(1, d + 1))
    g = n_ * (mpmath.digamma((n_ - d) / 2) - mpmath.digamma(n_ / 2))
    for name, s, m in (("wishart", got[0], w), ("V_G", got[1], v), ("log1mh", got[2], g)):
        rel = abs((mpmath.mpf(s) - m) / m)
        ok = rel <= 1e-11
        bad += not ok
        print(f"{'ok ' if ok else 'BAD'} d={d} N={N:g} n={n:g} {name}: sigma {s:.17g} mpmath "
              f"{mpmath.nstr(m, 17)} rel {mpmath.nstr(rel, 3)}")
print("PASSED" if not bad else f"FAILED: {bad} values off")
sys.exit(1 if bad else 0)
