#!/usr/bin/python3
"""Write tech.h5 from the cached fastText sentence vectors and verify it.

Usage: write_h5.py --cache DIR --out OUT.h5

Reads from DIR: vectors.npy (N0 x d float32, one row per line of sentences.txt),
sentences.txt, extract_stats.json, sources.tsv, fasttext_params.json,
train_seconds.txt, train.log. Drops all-zero rows (sentences without any known word or
subword), refuses NaN/Inf, checks that the uncentred Gram matrix X^T X (float64)
is positive definite, and writes OUT.h5 with dataset /embeddings (N x d float32)
and provenance attributes on the file root. The sentences of the kept rows go
to DIR/tech_sentences.txt (line i = row i of /embeddings).
"""
import argparse
import datetime
import json
import os
import platform
import sys

import h5py
import numpy as np

SCRIPT = "data/tech/build_tech.sh"


def log(msg):
    print(f"  write_h5: {msg}", file=sys.stderr, flush=True)


def read_sources(path):
    """sources.tsv: package<TAB>version<TAB>doc root used."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2:
                out.append({"package": parts[0], "version": parts[1],
                            "used": parts[2] if len(parts) > 2 else ""})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    c = lambda name: os.path.join(a.cache, name)  # noqa: E731

    X0 = np.load(c("vectors.npy"), mmap_mode="r")
    with open(c("sentences.txt"), encoding="utf-8") as f:
        sentences = f.read().split("\n")
    if sentences and sentences[-1] == "":
        sentences.pop()
    if len(sentences) != X0.shape[0]:
        sys.exit(f"write_h5: {len(sentences)} sentences but {X0.shape[0]} vectors")
    n0, d = X0.shape
    X0 = np.asarray(X0, dtype=np.float32)

    finite = np.isfinite(X0).all(axis=1)
    n_nonfinite = int((~finite).sum())
    if n_nonfinite:
        sys.exit(f"write_h5: {n_nonfinite} rows contain NaN/Inf; refusing to write")
    nonzero = np.any(X0 != 0, axis=1)
    n_zero = int((~nonzero).sum())
    X = np.ascontiguousarray(X0[nonzero])
    n = X.shape[0]
    log(f"{n0} vectors, {n_zero} all-zero rows dropped, {n} rows kept, d={d}")

    with open(c("tech_sentences.txt.tmp"), "w", encoding="utf-8") as f:
        for s, keep in zip(sentences, nonzero):
            if keep:
                f.write(s + "\n")
    os.replace(c("tech_sentences.txt.tmp"), c("tech_sentences.txt"))

    # Verification: Gram matrix PD, in float64.
    X64 = X.astype(np.float64)
    G = X64.T @ X64
    del X64
    ev = np.linalg.eigvalsh(G)
    lam_min, lam_max = float(ev[0]), float(ev[-1])
    if not lam_min > 0:
        sys.exit(f"write_h5: Gram matrix is not positive definite "
                 f"(smallest eigenvalue {lam_min:.6g}); refusing to write")
    np.linalg.cholesky(G)  # raises if not numerically PD
    cond = lam_max / lam_min
    logdet = float(np.sum(np.log(ev)))
    log(f"Gram X^T X: eigenvalues [{lam_min:.6g}, {lam_max:.6g}], "
        f"condition number {cond:.6g}, log det {logdet:.6f}")

    stats = json.load(open(c("extract_stats.json"), encoding="utf-8"))
    params = json.load(open(c("fasttext_params.json"), encoding="utf-8"))
    train_seconds = float(open(c("train_seconds.txt")).read().split()[0])
    sources = read_sources(c("sources.tsv"))
    vocab = -1
    with open(c("train.log"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("Number of words:"):
                vocab = int(line.split(":")[1])
    tot = stats["total"]
    counts = {
        "files": tot["files"],
        "text_blocks": tot["text_blocks"],
        "sentences_split": tot["sentences_split"],
        "sentences_boilerplate": tot["boilerplate"],
        "sentences_too_short": tot["too_short"],
        "sentences_too_long": tot["too_long"],
        "sentences_8_64_words": tot["sentences_8_64_words"],
        "sentences_unique": tot["sentences_unique"],
        "zero_vector_rows_dropped": n_zero,
        "nonfinite_rows": n_nonfinite,
        "rows": n,
    }

    attrs = {
        "title": "TECH: fastText sentence embeddings of Debian technical documentation",
        "script": SCRIPT,
        "build_date": datetime.datetime.now(datetime.timezone.utc)
        .replace(microsecond=0).isoformat(),
        "build_host_python": platform.python_version(),
        "numpy_version": np.__version__,
        "h5py_version": h5py.__version__,
        "sources": json.dumps(sources),
        "source_packages": "; ".join(f"{s['package']}={s['version']}" for s in sources),
        "counts": json.dumps(counts),
        "counts_per_source": json.dumps(stats["per_source"], sort_keys=True),
        "sentence_min_words": stats["min_words"],
        "sentence_max_words": stats["max_words"],
        "fasttext_version": params["version"],
        "fasttext_command": params["command"],
        "fasttext_params": json.dumps(params["params"], sort_keys=True),
        "fasttext_train_seconds": train_seconds,
        "fasttext_vocabulary_words": vocab,
        "fasttext_reproducible": "no: trained with thread>1 (Hogwild), "
                                 "so vectors differ between runs" if
                                 int(params["params"]["thread"]) > 1 else
                                 "single thread: deterministic for a fixed seed",
        "sentence_vectors": "fasttext print-sentence-vectors: mean of the "
                            "L2-normalised word vectors (word + char n-grams) "
                            "of the sentence; printed with 5 significant digits",
        "gram_min_eigenvalue": lam_min,
        "gram_max_eigenvalue": lam_max,
        "gram_condition_number": cond,
        "gram_logdet": logdet,
        "gram_note": "uncentred X^T X in float64 (numpy eigvalsh)",
    }
    for k, v in counts.items():
        attrs["n_" + k] = v

    tmp = a.out + ".tmp"
    with h5py.File(tmp, "w") as f:
        f.create_dataset("embeddings", data=X, dtype=np.float32)
        for k, v in attrs.items():
            f.attrs[k] = v
        f["embeddings"].attrs["description"] = (
            "one row per sentence (order of cache/tech_sentences.txt), float32")
    os.replace(tmp, a.out)
    log(f"wrote {a.out}: ({n}, {d}) float32, {os.path.getsize(a.out)} bytes")


if __name__ == "__main__":
    main()
