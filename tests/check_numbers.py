#!/usr/bin/python3
"""Numbers unchanged (issue 8): compare a sigma output with its golden copy in tests/golden/.

Usage:
  check_numbers.py GOLDEN NEW          compare; exit 1 naming file, key and both values
  check_numbers.py --record NEW GOLDEN write GOLDEN from NEW without the excluded keys
  check_numbers.py --h5-digest IN.h5 OUT.json
                                       the attributes of every dataset of IN.h5 and the
                                       sha256 of its data, as JSON (for generated inputs)

Formats, by the golden file's name: .json (any sigma JSON), .csv with the header
"key,value" (the audit CSV: one row per key), any other .csv (a table: study
summary.csv and replicates.csv), anything else one value per line (index files).

What is compared: every leaf (number, boolean, string, null) of the golden file, found
in the new file by its key, not its position: JSON object keys; in a list of objects
that all carry some of n1, epsilon, estimator, replicate, the element with the same
values of those (so a new estimator adds rows without moving the others); CSV tables by
column name and the same identity columns. A key or row that the new file ADDS is
ignored (new estimators, new provenance); a golden key that is missing or whose value
changed fails. Keys named in EXCLUDED, and everything under them, are never compared
(provenance, timing, versions, paths, host, date, commit, ranks, BLAS and library ids).

Equality is bit for bit: two numbers are equal when their text is identical or when
they are the same IEEE double (so 62 and 62.0, or a shorter round-trip printing of the
same double, pass; any change in the last bit fails). Not-applicable values are one
class: an empty CSV field, JSON null, nan and n/a are equal to each other (the redesign
prints empty/null where older outputs printed nan), and to nothing else.
"""
import csv
import hashlib
import json
import os
import re
import struct
import sys

EXCLUDED = {"provenance", "timing_s", "timing", "version", "host", "date_utc", "date",
            "commit", "git", "git_commit", "command", "tool", "generator", "path",
            "libraries", "blas", "slurm", "ranks", "hostname"}
IDENTITY = ("replicate", "n1", "epsilon", "estimator")
NA_TEXT = {"", "nan", "-nan", "NaN", "null", "n/a"}
MAX_SHOWN = 25
ROW = re.compile(r"^(.*?\[[^\]]*=[^\]]*\])")  # a key's row: up to its identity tag


class Num(str):
    """A JSON number, kept as the text sigma printed."""


def load_json(path):
    with open(path) as f:
        return json.load(f, parse_float=Num, parse_int=Num, parse_constant=Num)


def excluded(components):
    return any(c in EXCLUDED for c in components)


def ident_value(v):
    """A row's identity value as text: numbers by value (64, 64.0: the same row)."""
    if isinstance(v, str):
        try:
            f = float(v)
        except ValueError:
            return v
        if f != f or v.strip() in NA_TEXT:
            return "n/a"
        return str(int(f)) if f.is_integer() and abs(f) < 2**53 else repr(f)
    return json.dumps(v)


def list_keys(items):
    """Identity keys of a list of objects (those of IDENTITY that every element has, with
    a scalar value), or None to match by position."""
    if not items or not all(isinstance(x, dict) for x in items):
        return None
    keys = [k for k in IDENTITY
            if all(k in x and not isinstance(x[k], (dict, list)) for x in items)]
    if not keys:
        return None
    ids = [tuple(ident_value(x[k]) for k in keys) for x in items]
    return keys if len(set(ids)) == len(ids) else None


def flatten_json(node, prefix, out, hints):
    """Leaves of a JSON tree by path. hints: list path -> identity keys; filled from the
    golden file, then imposed on the new one (a new key in the rows, say an "n1" object,
    must not change how rows are matched)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k not in EXCLUDED:
                flatten_json(v, f"{prefix}.{k}" if prefix else k, out, hints)
    elif isinstance(node, list):
        keys = hints.setdefault(prefix, list_keys(node))
        if keys and not all(isinstance(v, dict) and all(k in v for k in keys) for v in node):
            keys = None  # the rows lost an identity key: match by position
        for i, v in enumerate(node):
            tag = ",".join(f"{k}={ident_value(v[k])}" for k in keys) if keys else str(i)
            sub = {k: x for k, x in v.items() if k not in keys} if keys else v
            flatten_json(sub, f"{prefix}[{tag}]", out, hints)
        if not node:
            out[prefix] = ("list", "[]")
    else:
        out[prefix] = classify_json(node)


def classify_json(v):
    if v is None:
        return ("na", "null")
    if isinstance(v, bool):
        return ("bool", "true" if v else "false")
    if isinstance(v, Num):
        return classify_text(v)
    return ("str", v)


def classify_text(t):
    if t.strip() in NA_TEXT:
        return ("na", t)
    if t in ("true", "false"):
        return ("bool", t)
    try:
        float(t)
        return ("num", t)
    except ValueError:
        return ("str", t)


def key_components(key):
    return [c for c in re.split(r"[.\[\]]", key) if c]


def read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise SystemExit(f"FAILED numbers: {path} is empty")
    return rows[0], rows[1:]


def flatten_csv(path):
    header, rows = read_csv(path)
    out = {}
    if header == ["key", "value"]:
        for r in rows:
            if len(r) != 2:
                raise SystemExit(f"FAILED numbers: {path}: bad row {r}")
            if not excluded(key_components(r[0])):
                out[r[0]] = classify_text(r[1])
        return out
    keys = [k for k in IDENTITY if k in header]
    ids = [tuple(ident_value(r[header.index(k)]) for k in keys) for r in rows]
    by_id = bool(keys) and len(set(ids)) == len(ids)
    for i, r in enumerate(rows):
        if len(r) != len(header):
            raise SystemExit(f"FAILED numbers: {path}: row {i + 2} has {len(r)} fields, "
                             f"the header {len(header)}")
        if by_id:
            tag = ",".join(f"{k}={ident_value(r[header.index(k)])}" for k in keys)
        else:
            tag = f"row {i + 1}"
        for col, val in zip(header, r):
            if by_id and col in keys:
                continue
            if col not in EXCLUDED:
                out[f"[{tag}].{col}"] = classify_text(val)
    return out


def flatten_lines(path):
    with open(path) as f:
        return {f"line {i + 1}": classify_text(t.strip()) for i, t in enumerate(f)}


def flatten(path, fmt_of, hints):
    name = fmt_of.lower()
    if name.endswith(".json"):
        out = {}
        flatten_json(load_json(path), "", out, hints)
        return out
    if name.endswith(".csv"):
        return flatten_csv(path)
    return flatten_lines(path)


def bits(t):
    return struct.pack("<d", float(t))


def same(g, n):
    (gk, gt), (nk, nt) = g, n
    if gk != nk:
        return False
    if gk == "num":
        if gt == nt:
            return True
        if re.fullmatch(r"[+-]?\d+", gt) and re.fullmatch(r"[+-]?\d+", nt):
            return int(gt) == int(nt)
        return bits(gt) == bits(nt)
    return gk == "na" or gt == nt


def show(v):
    kind, t = v
    return "(not applicable: %s)" % (t if t else "empty") if kind == "na" else t


def compare(golden, new):
    if not os.path.exists(new):
        print(f"FAILED numbers: {golden}: sigma wrote no {new}")
        return 1
    hints = {}
    G = flatten(golden, golden, hints)
    N = flatten(new, golden, hints)
    if not any(k == "num" for k, _ in G.values()):
        print(f"FAILED numbers: {golden} holds no number")
        return 1
    bad, rows_gone = [], {}
    for key, g in G.items():
        if key not in N:
            row = ROW.match(key)
            if row and not any(k.startswith(row.group(1)) for k in N):
                rows_gone[row.group(1)] = rows_gone.get(row.group(1), 0) + 1
            else:
                bad.append(f"{key}: golden {show(g)}, now missing")
        elif not same(g, N[key]):
            bad.append(f"{key}: golden {show(g)}, now {show(N[key])}")
    bad = [f"{r}: the whole row is missing ({n} golden values)" for r, n in rows_gone.items()] + bad
    for b in bad[:MAX_SHOWN]:
        print(f"FAILED numbers: {golden}: {b}")
    if len(bad) > MAX_SHOWN:
        print(f"FAILED numbers: {golden}: ... {len(bad) - MAX_SHOWN} more")
    if not bad:
        extra = len(set(N) - set(G))
        print(f"ok {golden}: {len(G)} values" + (f" ({extra} new keys ignored)" if extra else ""))
    return 1 if bad else 0


def dump_json(v, ind=0):
    """JSON text of a load_json tree, numbers written exactly as sigma printed them."""
    pad, pad1 = "  " * ind, "  " * (ind + 1)
    if isinstance(v, dict):
        if not v:
            return "{}"
        items = [f"{pad1}{json.dumps(k)}: {dump_json(x, ind + 1)}" for k, x in v.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(v, list):
        if not v:
            return "[]"
        return "[\n" + ",\n".join(pad1 + dump_json(x, ind + 1) for x in v) + f"\n{pad}]"
    if isinstance(v, Num):
        return str(v)
    return json.dumps(v)


def prune(v):
    if isinstance(v, dict):
        return {k: prune(x) for k, x in v.items() if k not in EXCLUDED}
    if isinstance(v, list):
        return [prune(x) for x in v]
    return v


def record(new, golden):
    os.makedirs(os.path.dirname(golden) or ".", exist_ok=True)
    name = golden.lower()
    if name.endswith(".json"):
        text = dump_json(prune(load_json(new))) + "\n"
    elif name.endswith(".csv"):
        header, rows = read_csv(new)
        if header == ["key", "value"]:
            rows = [r for r in rows if not excluded(key_components(r[0]))]
        with open(golden, "w", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows([header] + rows)
        text = None
    else:
        with open(new) as f:
            text = f.read()
    if text is not None:
        with open(golden, "w") as f:
            f.write(text)
    if compare(golden, new):  # the pruned copy must still match what it came from
        raise SystemExit(f"FAILED numbers: recording {golden} does not round-trip")


def h5_digest(path, out):
    import h5py
    import numpy as np

    def plain(v):
        if isinstance(v, bytes):
            return v.decode()
        if isinstance(v, np.ndarray):
            return [plain(x) for x in v.tolist()]
        if isinstance(v, (np.generic,)):
            v = v.item()
        if isinstance(v, float):
            if v != v or abs(v) == float("inf"):  # the spellings json.load accepts
                return Num("NaN" if v != v else ("Infinity" if v > 0 else "-Infinity"))
            return Num(repr(v))
        if isinstance(v, int) and not isinstance(v, bool):
            return Num(str(v))
        return v

    doc = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                data = np.ascontiguousarray(obj[()])
                doc[name] = {"shape": [Num(str(s)) for s in obj.shape], "dtype": str(obj.dtype),
                             "sha256": hashlib.sha256(data.tobytes()).hexdigest(),
                             "attrs": {k: plain(obj.attrs[k]) for k in sorted(obj.attrs)}}
        f.visititems(visit)
    with open(out, "w") as f:
        f.write(dump_json(doc) + "\n")


def main(argv):
    if len(argv) == 3 and argv[0] == "--record":
        record(argv[1], argv[2])
        return 0
    if len(argv) == 3 and argv[0] == "--h5-digest":
        h5_digest(argv[1], argv[2])
        return 0
    if len(argv) == 2 and not argv[0].startswith("--"):
        return compare(argv[0], argv[1])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
