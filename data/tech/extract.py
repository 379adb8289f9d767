#!/usr/bin/python3
"""Extract prose sentences from Debian documentation HTML (the TECH corpus).

Usage: extract.py FILELIST OUT_SENTENCES OUT_STATS_JSON [--threads N]

FILELIST has one line per input file: "<source>\t<absolute path>", already in
the order to process (build_tech.sh writes it sorted by path). Files ending in
.gz are decompressed. Writes one sentence per line (lower-cased, whitespace
normalised, page boilerplate dropped, 8..64 words, exact duplicates removed
keeping the first occurrence)
and a JSON file with the counts at each stage, overall and per source.

Standard library only (html.parser); see README.md for the rules.
"""
import gzip
import json
import multiprocessing
import re
import sys
from html.parser import HTMLParser

MIN_WORDS = 8
MAX_WORDS = 64

# Page boilerplate that carries no class/id to recognise it by (checked on the
# lower-cased sentence): SQLite's per-page footer "This page last modified on
# <date> UTC".
BOILERPLATE_RE = re.compile(r"^this page last modified on\b")

# Elements whose whole content is dropped.
SKIP_TAGS = {
    "script", "style", "code", "pre", "tt", "kbd", "samp",       # code
    "nav", "header", "footer", "aside",                          # navigation
    "head", "title", "svg", "math", "noscript", "template",      # not prose
    "button", "select", "option", "textarea", "form", "iframe",
    "h1", "h2", "h3", "h4", "h5", "h6",                          # headings
}
# class/id tokens that mark navigation or boilerplate; checked per token.
NAV_RE = re.compile(
    r"nav|sidebar|related|footer|header|breadcrumb|menu|(?:^|[-_])toc")
# Sphinx API signatures: <dt class="sig sig-object py">.
SIG_RE = re.compile(r"^sig(?:$|-)")
# The class rule is not applied to these (mdBook puts "sidebar-visible" on <html>).
NO_CLASS_RULE = {"html", "body"}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
             "meta", "param", "source", "track", "wbr"}
# Tags that end a text block (sentences never span two blocks).
BLOCK_TAGS = {
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "td", "th", "tr", "table",
    "thead", "tbody", "tfoot", "caption", "blockquote", "section", "article",
    "main", "body", "html", "br", "hr", "figure", "figcaption", "details",
    "summary", "center", "address", "h1", "h2", "h3", "h4", "h5", "h6",
    "pre", "img",
}


def _is_skipped(tag, attrs):
    if tag in SKIP_TAGS:
        return True
    if tag in NO_CLASS_RULE:
        return False
    for name, value in attrs:
        if name not in ("class", "id") or not value:
            continue
        for tok in value.lower().split():
            if NAV_RE.search(tok):
                return True
            if tag == "dt" and SIG_RE.search(tok):
                return True
    return False


class ProseParser(HTMLParser):
    """Collects text blocks outside skipped elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks = []
        self._buf = []
        self._skip_tag = None   # tag name of the outermost skipped element
        self._skip_depth = 0    # nesting depth of that tag name

    def _flush(self):
        if self._buf:
            text = " ".join("".join(self._buf).split())
            if text:
                self.blocks.append(text)
            self._buf = []

    def handle_starttag(self, tag, attrs):
        if self._skip_tag is not None:
            if tag == self._skip_tag and tag not in VOID_TAGS:
                self._skip_depth += 1
            return
        if tag in BLOCK_TAGS:
            self._flush()
        if tag not in VOID_TAGS and _is_skipped(tag, attrs):
            self._skip_tag = tag
            self._skip_depth = 1

    def handle_startendtag(self, tag, attrs):
        if self._skip_tag is None and tag in BLOCK_TAGS:
            self._flush()

    def handle_endtag(self, tag):
        if self._skip_tag is not None:
            if tag == self._skip_tag:
                self._skip_depth -= 1
                if self._skip_depth == 0:
                    self._skip_tag = None
            return
        if tag in BLOCK_TAGS:
            self._flush()

    def handle_data(self, data):
        if self._skip_tag is None:
            self._buf.append(data)

    def close(self):
        super().close()
        self._flush()


# Sentence boundary: . ! or ? (plus closing quotes/brackets), whitespace, then
# something that can start a sentence (upper-case letter, digit, quote, bracket).
BOUNDARY_RE = re.compile(r"(?<=[.!?])[\"'\)\]\u201d\u2019]*\s+(?=[\"'\(\[\u201c\u2018A-Z0-9])")
ABBREV = {"e.g.", "i.e.", "etc.", "vs.", "cf.", "mr.", "mrs.", "dr.", "no.",
          "fig.", "approx.", "st.", "vol.", "ch.", "sec.", "al.", "resp.",
          "ex.", "p.", "pp.", "jan.", "feb.", "mar.", "apr.", "jun.", "jul.",
          "aug.", "sep.", "sept.", "oct.", "nov.", "dec.", "inc.", "ltd.",
          "ver.", "viz.", "eq.", "ref.", "min.", "max.", "u.s."}


def split_sentences(block):
    out = []
    start = 0
    for m in BOUNDARY_RE.finditer(block):
        head = block[start:m.start()]
        last = head.rsplit(None, 1)[-1].lower() if head.strip() else ""
        # Keep abbreviations and single-letter initials ("A. B.") together.
        if last in ABBREV or re.fullmatch(r"[a-z]\.", last):
            continue
        out.append(block[start:m.end()].strip())
        start = m.end()
    tail = block[start:].strip()
    if tail:
        out.append(tail)
    return out


def read_html(path):
    if path.endswith(".gz"):
        with gzip.open(path, "rb") as f:
            raw = f.read()
    else:
        with open(path, "rb") as f:
            raw = f.read()
    return raw.decode("utf-8", errors="replace")


def process_file(item):
    """Return (source, n_blocks, sentences) where sentences are normalised,
    lower-cased, and tagged with their word count (before length filtering)."""
    source, path = item
    parser = ProseParser()
    parser.feed(read_html(path))
    parser.close()
    sents = []
    for block in parser.blocks:
        for s in split_sentences(block):
            words = s.lower().split()
            if words:
                sents.append((len(words), " ".join(words)))
    return source, len(parser.blocks), sents


def main(argv):
    args = list(argv[1:])
    threads = 1
    if "--threads" in args:
        i = args.index("--threads")
        threads = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 3:
        sys.exit(__doc__)
    filelist, out_txt, out_json = args
    items = []
    with open(filelist, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                src, path = line.split("\t", 1)
                items.append((src, path))

    def stage():
        return {"files": 0, "text_blocks": 0, "sentences_split": 0,
                "boilerplate": 0, "sentences_8_64_words": 0, "too_short": 0,
                "too_long": 0, "sentences_unique": 0}
    total = stage()
    per = {}
    seen = set()
    n_done = 0
    with open(out_txt, "w", encoding="utf-8") as out, \
            multiprocessing.Pool(max(1, threads)) as pool:
        # imap keeps the input order, so the output is deterministic.
        for source, nblocks, sents in pool.imap(process_file, items, chunksize=4):
            st = per.setdefault(source, stage())
            for d in (st, total):
                d["files"] += 1
                d["text_blocks"] += nblocks
                d["sentences_split"] += len(sents)
            for nw, s in sents:
                if BOILERPLATE_RE.search(s):
                    key = "boilerplate"
                elif nw < MIN_WORDS:
                    key = "too_short"
                elif nw > MAX_WORDS:
                    key = "too_long"
                else:
                    key = "sentences_8_64_words"
                st[key] += 1
                total[key] += 1
                if key != "sentences_8_64_words" or s in seen:
                    continue
                seen.add(s)
                st["sentences_unique"] += 1
                total["sentences_unique"] += 1
                out.write(s + "\n")
            n_done += 1
            if n_done % 500 == 0 or n_done == len(items):
                print(f"  extract: {n_done}/{len(items)} files, "
                      f"{total['sentences_unique']} unique sentences",
                      file=sys.stderr, flush=True)
    stats = {"min_words": MIN_WORDS, "max_words": MAX_WORDS,
             "total": total, "per_source": per}
    with open(out_json, "w", encoding="utf-8") as f:
        json.dump(stats, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv)
