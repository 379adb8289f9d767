#!/usr/bin/python3
"""The frozen assets of the recursive loop (issue 13; the paper's Appendix C.2): from the
TECH sentences, split once by a seed into
  - base.txt     the real text the base model is trained on;
  - pool.tsv     the real contexts D_real (id, bucket, sentence): prompts for the synthetic
                 regeneration and the real share of every training mixture;
  - prompts.tsv  the frozen evaluation prompt bank (id, bucket, prompt = the first W
                 words of a held-out sentence of at least 2 W words);
  - spm.model    the sentencepiece vocabulary (unigram, trained on base.txt);
  - assets.json  sizes, seed, sources, hashes.
The three sets are disjoint. A bucket per source, the paper's within-domain localization
(Appendix C.6): python, postgresql, sqlite, rust.

TECH's sentences carry no source label, but extract.py writes them in the order of
cache/files.tsv, which is sorted by path, so each source's sentences are one contiguous
range whose length extract_stats.json records (sentences_unique per source); this is
checked (contiguous sources, counts summing to the number of lines) before it is used.

Usage: prepare.py --out DIR (--tech CACHE | --tiny TSV) [--seed S] [--vocab V]
                  [--base N] [--pool N] [--prompts N] [--prompt-words W]
(--base/--pool/--prompts: sentences per bucket). Writes DIR atomically (DIR.tmp, then
rename); an existing DIR is kept as it is.
"""
import argparse
import hashlib
import json
import os
import random
import shutil
import sys

BUCKETS = {"python3.11-doc": "python", "postgresql-doc-15": "postgresql",
           "sqlite3-doc": "sqlite", "rust-doc": "rust"}


def die(msg):
    sys.exit(f"collapse prepare: {msg}")


def tech_sentences(cache):
    """(bucket, sentence) for every line of CACHE/tech_sentences.txt."""
    files = os.path.join(cache, "files.tsv")
    stats = os.path.join(cache, "extract_stats.json")
    text = os.path.join(cache, "tech_sentences.txt")
    for p in (files, stats, text):
        if not os.path.exists(p):
            die(f"{p}: missing (run data/tech/build_tech.sh)")
    order = []
    with open(files, encoding="utf-8") as f:
        for line in f:
            src = line.split("\t", 1)[0]
            if not order or order[-1] != src:
                if src in order:
                    die(f"{files}: the sentences of {src} are not contiguous")
                order.append(src)
    per = json.load(open(stats))["per_source"]
    with open(text, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    counts = [per[s]["sentences_unique"] for s in order]
    if sum(counts) != len(lines):
        die(f"{text}: {len(lines)} lines, but extract_stats.json counts {sum(counts)}")
    out, i = [], 0
    for src, n in zip(order, counts):
        out += [(BUCKETS[src], s) for s in lines[i:i + n]]
        i += n
    return out


def tiny_sentences(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for k, line in enumerate(f, 1):
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 2 or parts[0] not in BUCKETS.values():
                die(f"{path}: line {k}: expected 'BUCKET<TAB>SENTENCE'")
            out.append((parts[0], parts[1]))
    return out


def split(sents, a):
    """Per bucket, a seeded shuffle: prompts first (long enough), then pool, then base."""
    by = {}
    for b, s in sents:
        by.setdefault(b, []).append(s)
    base, pool, prompts = [], [], []
    for b in sorted(by):
        lst = by[b]
        random.Random(f"{a.seed}/split/{b}").shuffle(lst)
        need = a.prompts + a.pool + a.base
        if len(lst) < need:
            die(f"bucket {b}: {len(lst)} sentences, {need} needed")
        long_ = [s for s in lst if len(s.split()) >= 2 * a.prompt_words]
        if len(long_) < a.prompts:
            die(f"bucket {b}: {len(long_)} sentences of >= {2 * a.prompt_words} words")
        pr = long_[:a.prompts]
        used = set(pr)
        rest = [s for s in lst if s not in used]
        prompts += [(b, " ".join(s.split()[:a.prompt_words])) for s in pr]
        pool += [(b, s) for s in rest[:a.pool]]
        base += rest[a.pool:a.pool + a.base]
    return base, pool, prompts


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--tech")
    src.add_argument("--tiny")
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument("--vocab", type=int, default=2000)
    ap.add_argument("--base", type=int, default=6000)
    ap.add_argument("--pool", type=int, default=750)
    ap.add_argument("--prompts", type=int, default=128)
    ap.add_argument("--prompt-words", type=int, default=6)
    a = ap.parse_args()
    if os.path.isdir(a.out):
        return
    import sentencepiece as spm
    sents = tech_sentences(a.tech) if a.tech else tiny_sentences(a.tiny)
    base, pool, prompts = split(sents, a)
    tmp = a.out + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    with open(f"{tmp}/base.txt", "w", encoding="utf-8") as f:
        f.writelines(s + "\n" for s in base)
    with open(f"{tmp}/pool.tsv", "w", encoding="utf-8") as f:
        f.writelines(f"{i}\t{b}\t{s}\n" for i, (b, s) in enumerate(pool))
    with open(f"{tmp}/prompts.tsv", "w", encoding="utf-8") as f:
        f.writelines(f"{i}\t{b}\t{s}\n" for i, (b, s) in enumerate(prompts))
    spm.SentencePieceTrainer.train(
        input=f"{tmp}/base.txt", model_prefix=f"{tmp}/spm", vocab_size=a.vocab,
        model_type="unigram", pad_id=0, bos_id=1, eos_id=2, unk_id=3,
        character_coverage=1.0, num_threads=1, shuffle_input_sentence=False,
        hard_vocab_limit=False, minloglevel=2)
    info = {"source": os.path.abspath(a.tech or a.tiny), "kind": "tech" if a.tech else "tiny",
            "seed": a.seed, "vocab": a.vocab, "per_bucket": {"base": a.base, "pool": a.pool,
            "prompts": a.prompts}, "prompt_words": a.prompt_words,
            "sizes": {"base": len(base), "pool": len(pool), "prompts": len(prompts)},
            "buckets": sorted({b for b, _ in pool}),
            "sha256": {n: sha(f"{tmp}/{n}") for n in
                       ("base.txt", "pool.tsv", "prompts.tsv", "spm.model")}}
    with open(f"{tmp}/assets.json", "w") as f:
        json.dump(info, f, indent=1)
    os.replace(tmp, a.out)


if __name__ == "__main__":
    main()
