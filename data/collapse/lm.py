"""The language model of the recursive loop (issue 13): a one-layer GRU over a
sentencepiece vocabulary, trained by AdamW, sampled with nucleus (top-p) decoding.

Sequences are lists of token ids without BOS/EOS; the model sees [BOS] + ids and is
trained to predict ids + [EOS]. Sampling continues a prefix (a list of ids) until EOS or
max_new tokens. Every random choice comes from an explicit torch.Generator, so a run is
reproducible given its seeds (on the same torch build and CPU).
"""
import hashlib
import math
import time

import torch

BOS, EOS, PAD = 1, 2, 0  # sentencepiece ids (prepare.py trains with these)


def seed_of(*parts):
    """A 63-bit seed from any parts (strings, numbers): stable across runs and machines."""
    h = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(h[:8], "little") >> 1


class GRULM(torch.nn.Module):
    def __init__(self, vocab, emb=128, hidden=256):
        super().__init__()
        self.config = {"vocab": vocab, "emb": emb, "hidden": hidden}
        self.emb = torch.nn.Embedding(vocab, emb, padding_idx=PAD)
        self.rnn = torch.nn.GRU(emb, hidden, batch_first=True)
        self.out = torch.nn.Linear(hidden, vocab)

    def forward(self, x, h=None):
        y, h = self.rnn(self.emb(x), h)
        return self.out(y), h


def new_model(vocab, seed, **kw):
    torch.manual_seed(seed)
    return GRULM(vocab, **kw)


def save(model, path):
    torch.save({"config": model.config, "state": model.state_dict()}, path)


def load(path):
    ck = torch.load(path, map_location="cpu")
    m = GRULM(**ck["config"])
    m.load_state_dict(ck["state"])
    return m


def model_hash(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _batch(seqs, max_len):
    """Inputs [BOS]+s and targets s+[EOS], right-padded with PAD (ignored in the loss)."""
    L = min(max_len, max(len(s) for s in seqs)) + 1
    x = torch.full((len(seqs), L), PAD, dtype=torch.long)
    y = torch.full((len(seqs), L), PAD, dtype=torch.long)
    for i, s in enumerate(seqs):
        s = s[:L - 1]
        x[i, 0] = BOS
        x[i, 1:len(s) + 1] = torch.tensor(s, dtype=torch.long)
        y[i, :len(s)] = torch.tensor(s, dtype=torch.long)
        y[i, len(s)] = EOS
    return x, y


def train(model, seqs, *, epochs, lr, seed, batch=32, max_len=48, log=None):
    """AdamW (weight decay 0.01) over seqs for `epochs` epochs, shuffled by seed.
    Returns the mean loss of the last epoch (nats per token) and tokens per second."""
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    model.train()
    t0, ntok, last = time.time(), 0, float("nan")
    for ep in range(epochs):
        order = torch.randperm(len(seqs), generator=g).tolist()
        tot, cnt = 0.0, 0
        for b in range(0, len(order), batch):
            x, y = _batch([seqs[i] for i in order[b:b + batch]], max_len)
            logits, _ = model(x)
            loss = torch.nn.functional.cross_entropy(
                logits.reshape(-1, logits.shape[-1]), y.reshape(-1), ignore_index=PAD)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            n = int((y != PAD).sum())
            tot += float(loss) * n
            cnt += n
        ntok += cnt
        last = tot / max(cnt, 1)
        if log:
            log(f"epoch {ep + 1}/{epochs}: loss {last:.3f}")
    model.eval()
    return last, ntok / max(time.time() - t0, 1e-9)


def _nucleus(logits, top_p, temperature, gen, forbid_eos):
    logits = logits / temperature
    if forbid_eos is not None:
        logits[forbid_eos, EOS] = -math.inf
    logits[:, PAD] = -math.inf
    logits[:, BOS] = -math.inf
    probs = torch.softmax(logits, -1)
    sp, idx = torch.sort(probs, -1, descending=True)
    keep = torch.cumsum(sp, -1) - sp < top_p  # the smallest set whose mass reaches top_p
    sp = sp * keep
    choice = torch.multinomial(sp / sp.sum(-1, keepdim=True), 1, generator=gen)
    return idx.gather(-1, choice).squeeze(-1)


@torch.no_grad()
def sample(model, prefixes, seeds, *, max_new, top_p=0.95, temperature=1.0, min_new=0,
           batch=512):
    """Continue each prefix (list of ids); seeds[i] keys the generator of the batch that
    starts at prefix i (batches of `batch` consecutive prefixes, so a prefix's
    continuation depends on its batch's first seed and its position: deterministic).
    Returns the continuations (lists of ids, EOS excluded)."""
    model.eval()
    out = []
    for b0 in range(0, len(prefixes), batch):
        pre = prefixes[b0:b0 + batch]
        gen = torch.Generator().manual_seed(seeds[b0])
        n = len(pre)
        # prefixes of different lengths: each row's state after its own last token
        lens = torch.tensor([len(p) + 1 for p in pre])
        x, _ = _batch(pre, 10 ** 6)
        last, h = _run_keep(model, x, lens)
        done = torch.zeros(n, dtype=torch.bool)
        conts = [[] for _ in range(n)]
        for step in range(max_new):
            forbid = torch.arange(n) if step < min_new else None
            tok = _nucleus(last.clone(), top_p, temperature, gen, forbid)
            for i in range(n):
                if not done[i]:
                    if int(tok[i]) == EOS:
                        done[i] = True
                    else:
                        conts[i].append(int(tok[i]))
            if bool(done.all()):
                break
            lo, h = model(tok.unsqueeze(1), h)
            last = lo[:, -1]
        out.extend(conts)
    return out


def _run_keep(model, x, lens):
    """Run padded inputs x (n x L) and return, for each row, the logits and the hidden
    state after its own last real input (position lens[i] - 1)."""
    emb = model.emb(x)
    packed = torch.nn.utils.rnn.pack_padded_sequence(emb, lens, batch_first=True,
                                                     enforce_sorted=False)
    y, h = model.rnn(packed)
    y, _ = torch.nn.utils.rnn.pad_packed_sequence(y, batch_first=True)
    idx = (lens - 1).view(-1, 1, 1).expand(-1, 1, y.shape[-1])
    ylast = y.gather(1, idx).squeeze(1)
    return model.out(ylast), h
