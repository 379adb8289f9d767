#!/usr/bin/python3
"""The recursive self-training loop (issue 13; the paper's section 4 and Appendix C.3).

  loop.py base   RUN    the base model (real text only) and its evaluation, generation 0
  loop.py series RUN NAME --setting S1|S2 --lam L --generations T
                        generations 1..T of one series

RUN/config.json (written by run.sh) holds every setting; RUN/assets is prepare.py's output.
Generation g of a series:
  1. the previous model (g - 1: the base for g = 1) continues each real context of the pool
     from its first `prefix` tokens (nucleus sampling, top-p 0.95, temperature 1; seeds
     keyed by the generation and the context) -> the synthetic pool, one continuation per
     context;
  2. the training set: a seeded fraction lam of the contexts in their synthetic version,
     the rest real; always len(pool) sequences (the constant budget);
  3. fine-tune `epochs` epochs with AdamW: S1 from the base model, S2 from generation g - 1;
  4. evaluate: K responses to each frozen prompt (the same seeds at every generation),
     embedded by the frozen fastText encoder into ckpt.h5 (/embeddings, float32, row
     p K + k = response k to prompt p at every generation) and written to responses.txt
     (one response per line, same order).
Each generation is built in NAME/gen-GGG.tmp and renamed to NAME/gen-GGG when complete,
so a killed run resumes at the first generation without a directory and never mixes the
seeds of two attempts (they are functions of the generation, not of the attempt).
A failing step raises; the caller prints one line and exits 1; finished generations stay.
"""
import json
import os
import random
import shutil
import subprocess
import sys
import time

import h5py
import numpy as np
import sentencepiece as spm
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lm  # noqa: E402


class Fail(Exception):
    pass


def log(msg):
    print(f"collapse: {msg}", file=sys.stderr, flush=True)


def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t") for line in f]


class Run:
    def __init__(self, run):
        self.dir = run
        self.cfg = json.load(open(os.path.join(run, "config.json")))
        a = self.cfg["assets"]
        self.sp = spm.SentencePieceProcessor(model_file=os.path.join(a, "spm.model"))
        self.pool = read_tsv(os.path.join(a, "pool.tsv"))
        self.prompts = read_tsv(os.path.join(a, "prompts.tsv"))
        with open(os.path.join(a, "base.txt"), encoding="utf-8") as f:
            self.base_text = f.read().split("\n")[:-1]
        torch.set_num_threads(self.cfg["threads"])

    def enc(self, text):
        return self.sp.encode(text)

    def train(self, model, seqs, epochs, lr, seed):
        c = self.cfg
        return lm.train(model, seqs, epochs=epochs, lr=lr, seed=seed, batch=c["batch"],
                        max_len=c["max_len"])

    def evaluate(self, model, out):
        """K responses per prompt -> out/responses.txt, out/ckpt.h5; returns seconds."""
        c, t0 = self.cfg, time.time()
        pre, seeds = [], []
        for pid, _, prompt in self.prompts:
            for k in range(c["K"]):
                seeds.append(lm.seed_of(c["seed"], "eval", pid, k))
                pre.append(self.enc(prompt))
        conts = lm.sample(model, pre, seeds, max_new=c["eval_tokens"], min_new=3,
                          top_p=c["top_p"], temperature=c["temperature"])
        texts = [" ".join(self.sp.decode(t).split()) for t in conts]
        with open(os.path.join(out, "responses.txt"), "w", encoding="utf-8") as f:
            f.writelines(t + "\n" for t in texts)
        X = embed(c["encoder"], os.path.join(out, "responses.txt"), len(texts), c["dim"])
        write_ckpt(os.path.join(out, "ckpt.h5"), X, self.cfg, out)
        return time.time() - t0


def embed(encoder, path, n, dim):
    """fastText sentence vectors of the lines of path (n x dim float32)."""
    with open(path, "rb") as f:
        p = subprocess.run(["fasttext", "print-sentence-vectors", encoder], stdin=f,
                           capture_output=True)
    if p.returncode != 0:
        raise Fail(f"fasttext print-sentence-vectors {encoder}: exit {p.returncode}: "
                   f"{p.stderr.decode(errors='replace').strip()[:200]}")
    vals = np.array(p.stdout.split(), dtype=np.float32)
    if vals.size != n * dim:
        raise Fail(f"fasttext gave {vals.size} numbers for {n} lines of dimension {dim}")
    return vals.reshape(n, dim)


def write_ckpt(path, X, cfg, gen_dir):
    with h5py.File(path, "w") as f:
        f.create_dataset("embeddings", data=X)
        meta = json.load(open(os.path.join(gen_dir, "meta.json")))
        for k, v in meta.items():
            f.attrs[k] = json.dumps(v) if isinstance(v, (dict, list)) else v
        f.attrs["encoder"] = cfg["encoder"]
        f.attrs["rows"] = "row p K + k: response k to prompt p of assets/prompts.tsv"


def gen_dir(run, name, g):
    return os.path.join(run, name, f"gen-{g:03d}")


def begin(path, meta):
    """A fresh PATH.tmp (an attempt killed before its rename is started over)."""
    tmp = path + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    write_meta(tmp, meta)
    return tmp


def finish(tmp, path, meta):
    """meta.json, then the rename that marks the generation done."""
    write_meta(tmp, meta)
    os.replace(tmp, path)


def write_meta(tmp, meta):
    with open(os.path.join(tmp, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)


def cmd_base(run):
    r = Run(run)
    c = r.cfg
    path = gen_dir(run, "base", 0)
    if os.path.isdir(path):
        return
    t0 = time.time()
    seed = lm.seed_of(c["seed"], "base")
    meta = {"setting": "base", "generation": 0, "lam": 0.0, "train_seed": seed,
            "sequences": len(r.base_text), "epochs": c["base_epochs"]}
    tmp = begin(path, meta)
    model = lm.new_model(r.sp.get_piece_size(), seed, emb=c["emb"], hidden=c["hidden"])
    loss, tps = r.train(model, [r.enc(s) for s in r.base_text], c["base_epochs"],
                        c["base_lr"], seed)
    lm.save(model, os.path.join(tmp, "model.pt"))
    meta.update(train_loss=loss, train_tokens_per_s=tps,
                model_sha256=lm.model_hash(os.path.join(tmp, "model.pt")))
    write_meta(tmp, meta)  # the checkpoint's attributes
    meta["eval_seconds"] = r.evaluate(model, tmp)
    meta["seconds"] = time.time() - t0
    finish(tmp, path, meta)
    log(f"base: loss {loss:.3f}, {tps:.0f} tokens/s, {meta['seconds']:.0f} s")


def synth_pool(r, model, g):
    """The previous model's continuation of every real context (one each)."""
    c = r.cfg
    pre, seeds = [], []
    for cid, _, s in r.pool:
        pre.append(r.enc(s)[:c["prefix"]])
        seeds.append(lm.seed_of(c["seed"], "synth", g, cid))
    conts = lm.sample(model, pre, seeds, max_new=c["max_len"] - c["prefix"], min_new=1,
                      top_p=c["top_p"], temperature=c["temperature"])
    return [p + q for p, q in zip(pre, conts)]


def one_generation(r, name, setting, lam, g):
    c = r.cfg
    path = gen_dir(r.dir, name, g)
    prev_path = gen_dir(r.dir, "base", 0) if g == 1 else gen_dir(r.dir, name, g - 1)
    t0 = time.time()
    prev = lm.load(os.path.join(prev_path, "model.pt"))
    start = lm.load(os.path.join(gen_dir(r.dir, "base", 0), "model.pt")) \
        if setting == "S1" else prev
    n = len(r.pool)
    n_syn = round(lam * n)
    chosen = sorted(random.Random(f"{c['seed']}/mix/{g}").sample(range(n), n_syn))
    train_seed = lm.seed_of(c["seed"], "train", name, g)
    meta = {"setting": setting, "series": name, "generation": g, "lam": lam,
            "synthetic": n_syn, "real": n - n_syn, "train_seed": train_seed,
            "previous_model_sha256": lm.model_hash(os.path.join(prev_path, "model.pt")),
            "init": "base" if setting == "S1" else f"generation {g - 1}",
            "epochs": c["epochs"]}
    tmp = begin(path, meta)
    synth = synth_pool(r, prev, g) if n_syn else []
    t_syn = time.time() - t0
    with open(os.path.join(tmp, "synthetic.txt"), "w", encoding="utf-8") as f:
        f.writelines(" ".join(r.sp.decode(s).split()) + "\n" for s in synth)
    real = [r.enc(s) for _, _, s in r.pool]
    is_syn = set(chosen)
    seqs = [synth[i] if i in is_syn else real[i] for i in range(n)]
    loss, tps = r.train(start, seqs, c["epochs"], c["lr"], train_seed)
    lm.save(start, os.path.join(tmp, "model.pt"))
    meta.update(train_loss=loss, train_tokens_per_s=tps, synth_seconds=t_syn,
                model_sha256=lm.model_hash(os.path.join(tmp, "model.pt")))
    write_meta(tmp, meta)  # the checkpoint's attributes
    meta["eval_seconds"] = r.evaluate(start, tmp)
    meta["seconds"] = time.time() - t0
    finish(tmp, path, meta)
    return meta


def cmd_series(run, name, setting, lam, T):
    r = Run(run)
    if not os.path.isdir(gen_dir(run, "base", 0)):
        raise Fail("no base model: run 'loop.py base' first")
    os.makedirs(os.path.join(run, name), exist_ok=True)
    for g in range(1, T + 1):
        if os.path.isdir(gen_dir(run, name, g)):
            continue
        if os.environ.get("COLLAPSE_FAIL_AT") == f"{name}:{g}":  # tests: a failing step
            raise Fail(f"generation {g}: injected failure (COLLAPSE_FAIL_AT)")
        m = one_generation(r, name, setting, lam, g)
        log(f"{name} ({setting}, lambda {lam}): generation {g}/{T} done in {m['seconds']:.0f} s"
            f" (loss {m['train_loss']:.3f}, {m['train_tokens_per_s']:.0f} tokens/s)")


def main(argv):
    if len(argv) >= 2 and argv[0] == "base":
        cmd_base(argv[1])
    elif len(argv) == 9 and argv[0] == "series" and argv[3] == "--setting" \
            and argv[5] == "--lam" and argv[7] == "--generations":
        if argv[4] not in ("S1", "S2"):
            raise Fail(f"--setting {argv[4]}: S1 or S2")
        cmd_series(argv[1], argv[2], argv[4], float(argv[6]), int(argv[8]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except (Fail, OSError, RuntimeError, ValueError) as e:
        where = " ".join(sys.argv[1:4])
        print(f"collapse: error: {where}: {e}", file=sys.stderr)
        sys.exit(1)
