#!/usr/bin/python3
"""The observed-block draw of SPEC section 7 in plain Python, written from the
Random123 Philox4x32-10 definition (Salmon et al. 2011) and the virtual Fisher-Yates
shuffle the SPEC describes, not from sigma's code: the k-th swap position is
k + (uniform below N - k), drawn by rejection from Philox at counter (k, replicate,
0x5A3 ^ (draw << 16)) under key seed. Used by the tests to know the draw order of an
observed block (the delete-G-block jackknife groups are contiguous in it).

usage: philox.py --selftest   (the Random123 known-answer vectors)
"""
import sys

M32 = 0xFFFFFFFF
M64 = 0xFFFFFFFFFFFFFFFF


def philox4x32_10(ctr, key):
    """Philox4x32 with 10 rounds: ctr 4 words, key 2 words (uint32)."""
    c, k = list(ctr), list(key)
    for r in range(10):
        if r:
            k = [(k[0] + 0x9E3779B9) & M32, (k[1] + 0xBB67AE85) & M32]
        p0, p1 = 0xD2511F53 * c[0], 0xCD9E8D57 * c[2]
        c = [(p1 >> 32) ^ c[1] ^ k[0], p1 & M32, (p0 >> 32) ^ c[3] ^ k[1], p0 & M32]
    return c


def below(m, seed, a, b, c):
    """Uniform integer in [0, m) by rejection: accept r <= the largest multiple of m
    minus one that fits in 64 bits, from the two 64-bit lanes of each draw."""
    limit = M64 - (M64 % m + 1) % m
    draw = 0
    while True:
        r = philox4x32_10([a & M32, a >> 32, b, (c ^ (draw << 16)) & M32],
                          [seed & M32, seed >> 32])
        for v in (r[0] | r[1] << 32, r[2] | r[3] << 32):
            if v <= limit:
                return v % m
        draw += 1


def sample_prefix(N, n, seed, replicate):
    """The first n entries of the random permutation of 0..N-1 keyed by (seed,
    replicate): a study's replicate block in draw order (the audit's is replicate 0)."""
    moved, out = {}, []
    for k in range(n):
        j = k + below(N - k, seed, k, replicate, 0x5A3)
        vk, vj = moved.get(k, k), moved.get(j, j)
        out.append(vj)
        moved[j] = vk
    return out


def selftest():
    kat = [([0, 0, 0, 0], [0, 0], [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]),
           ([M32] * 4, [M32] * 2, [0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD]),
           ([0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344], [0xA4093822, 0x299F31D0],
            [0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1])]
    for ctr, key, want in kat:
        got = philox4x32_10(ctr, key)
        assert got == want, ([hex(x) for x in got], [hex(x) for x in want])
    p = sample_prefix(1000, 1000, 7, 3)
    assert sorted(p) == list(range(1000)), "not a permutation"
    print("philox: known-answer vectors and a permutation: ok")


if __name__ == "__main__":
    if sys.argv[1:] == ["--selftest"]:
        selftest()
