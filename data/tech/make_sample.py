#!/usr/bin/python3
"""Make the commit-sized sample of tech.h5.

Usage: make_sample.py [--in tech.h5] [--out tech-sample.h5] [--rows 3000]
                      [--seed 20261121]

Draws ROWS row indices uniformly without replacement with
numpy.random.default_rng(SEED).choice(N, ROWS, replace=False), sorts them,
and writes /embeddings (ROWS x d float32, gzip) and /row_index (int64, the
rows' indices in tech.h5). All root attributes of tech.h5 are copied, plus
sample_* attributes.
"""
import argparse
import os
import sys

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_BYTES = 5 * 1000 * 1000


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--in", dest="inp", default=os.path.join(HERE, "tech.h5"))
    ap.add_argument("--out", default=os.path.join(HERE, "tech-sample.h5"))
    ap.add_argument("--rows", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=20261121)
    a = ap.parse_args()

    with h5py.File(a.inp, "r") as src:
        ds = src["embeddings"]
        n, d = ds.shape
        if a.rows > n:
            sys.exit(f"make_sample: {a.rows} rows requested, {a.inp} has {n}")
        rng = np.random.default_rng(a.seed)
        idx = np.sort(rng.choice(n, size=a.rows, replace=False)).astype(np.int64)
        X = ds[idx, :].astype(np.float32)  # h5py fancy indexing needs sorted indices
        attrs = dict(src.attrs)
        ds_attrs = dict(ds.attrs)

    tmp = a.out + ".tmp"
    with h5py.File(tmp, "w") as f:
        e = f.create_dataset("embeddings", data=X, dtype=np.float32,
                             chunks=(min(a.rows, 1000), d), compression="gzip",
                             compression_opts=9, shuffle=True)
        for k, v in ds_attrs.items():
            e.attrs[k] = v
        f.create_dataset("row_index", data=idx, compression="gzip", shuffle=True)
        f["row_index"].attrs["description"] = "0-based row of each sample row in the full tech.h5"
        for k, v in attrs.items():
            f.attrs[k] = v
        f.attrs["sample_script"] = "data/tech/make_sample.py"
        f.attrs["sample_seed"] = a.seed
        f.attrs["sample_rows"] = a.rows
        f.attrs["sample_source_rows"] = n
        f.attrs["sample_source_file"] = os.path.basename(a.inp)
        f.attrs["sample_method"] = (
            f"numpy.random.default_rng({a.seed}).choice({n}, size={a.rows}, "
            f"replace=False), sorted ascending")
    os.replace(tmp, a.out)
    size = os.path.getsize(a.out)
    print(f"  make_sample: wrote {a.out}: ({a.rows}, {d}) float32, {size} bytes",
          file=sys.stderr)
    if size >= MAX_BYTES:
        sys.exit(f"make_sample: {a.out} is {size} bytes, over the 5 MB limit")


if __name__ == "__main__":
    main()
