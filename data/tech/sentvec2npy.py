#!/usr/bin/python3
"""Read `fasttext print-sentence-vectors` output (one line of DIM numbers per
sentence) from stdin and write it as a float32 .npy of shape (N, DIM).

Usage: fasttext print-sentence-vectors model.bin < sentences.txt \
         | sentvec2npy.py N DIM OUT.npy
"""
import os
import sys

import numpy as np


def main(argv):
    if len(argv) != 4:
        sys.exit(__doc__)
    n, dim, out = int(argv[1]), int(argv[2]), argv[3]
    tmp = out + ".tmp.npy"
    arr = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32, shape=(n, dim))
    row = 0
    batch = []

    def flush():
        nonlocal row, batch
        if not batch:
            return
        vals = np.fromstring(" ".join(batch), dtype=np.float32, sep=" ")
        if vals.size != len(batch) * dim:
            sys.exit(f"sentvec2npy: rows {row}..{row + len(batch) - 1}: expected "
                     f"{len(batch) * dim} numbers, got {vals.size}")
        if row + len(batch) > n:
            sys.exit(f"sentvec2npy: more than {n} rows on input")
        arr[row:row + len(batch)] = vals.reshape(len(batch), dim)
        row += len(batch)
        batch = []
        if row % 20000 < 2000:
            print(f"  vectors: {row}/{n}", file=sys.stderr, flush=True)

    for line in sys.stdin:
        batch.append(line.strip())
        if len(batch) == 2000:
            flush()
    flush()
    if row != n:
        sys.exit(f"sentvec2npy: expected {n} rows, got {row}")
    arr.flush()
    del arr
    os.replace(tmp, out)


if __name__ == "__main__":
    main(sys.argv)
