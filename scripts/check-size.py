#!/usr/bin/python3
"""Code size (issue 8): no C function over 80 lines, no C file over 500 lines outside tests/.

Usage: scripts/check-size.py [ROOT]   (default: the repository this script is in)
Lists every violation as FILE: N lines, FILE:LINE NAME: N lines; exits 1 if any.

Scans every .c and .h file under ROOT except tests/, build*/, out/ and hidden
directories. Functions are found by brace counting on the code with comments, string
and character literals and preprocessor lines removed: a brace opened at file level
after a parenthesised signature with no '=' (so not an initializer, struct, enum or
union) starts a function; it ends where the depth is back to 0. A function's length runs
from the first line of its signature to its closing brace, both included (K&R: a
signature at column 0, '{' at the end of its last line, '}' alone at column 0).
"""
import os
import re
import sys

MAX_FUNC, MAX_FILE = 80, 500
SKIP_DIRS = re.compile(r"^(tests|out|build.*|\..*)$")
DIRECTIVE = re.compile(r"[ \t]*#")


def strip_code(text):
    """The text with comments, literals and preprocessor lines blanked (newlines kept)."""
    out, i, n = [], 0, len(text)
    at_line_start = True
    while i < n:
        c = text[i]
        if at_line_start and DIRECTIVE.match(text, i):
            j = i
            while True:  # a directive, with its backslash continuations
                k = text.find("\n", j)
                if k < 0:
                    k = n
                if k > 0 and text[k - 1] == "\\" and k < n:
                    j = k + 1
                    continue
                break
            out.append("\n" * text.count("\n", i, k))
            i = k
            continue
        if text.startswith("/*", i):
            k = text.find("*/", i + 2)
            k = n if k < 0 else k + 2
            out.append("\n" * text.count("\n", i, k))
            i = k
            continue
        if text.startswith("//", i):
            k = text.find("\n", i)
            i = n if k < 0 else k
            continue
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + c)
            out.append("\n" * text.count("\n", i, j))
            i = j + 1
            at_line_start = False
            continue
        out.append(c)
        if c == "\n":
            at_line_start = True
        elif c not in " \t":
            at_line_start = False
        i += 1
    return "".join(out)


def functions(text):
    """(first line, name, number of lines) of every function definition in C text."""
    code = strip_code(text)
    found, depth, start, head, head_line = [], 0, None, "", None
    line = 1
    for c in code:
        if c == "\n":
            line += 1
        if depth == 0:
            if c == "{":
                name = re.search(r"([A-Za-z_]\w*)\s*\(", head)
                if name and "=" not in head and not re.search(r"\b(struct|union|enum)\b[^()]*$", head):
                    start = (head_line, name.group(1))
                else:
                    start = None
                depth = 1
                head, head_line = "", None
            elif c in ";}":
                head, head_line = "", None
            else:
                if head_line is None and not c.isspace():
                    head_line = line
                if head_line is not None:
                    head += c
        else:
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    if start:
                        found.append((start[0], start[1], line - start[0] + 1))
                    start = None
    return found


def sources(root):
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if not (d == root and SKIP_DIRS.match(x)) and not x.startswith("."))
        for f in sorted(files):
            if f.endswith((".c", ".h")):
                yield os.path.join(d, f)


def main(argv):
    root = argv[0] if argv else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    bad = nfiles = nfuncs = 0
    for path in sources(root):
        rel = os.path.relpath(path, root)
        with open(path, errors="replace") as f:
            text = f.read()
        nfiles += 1
        nlines = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
        if nlines > MAX_FILE:
            print(f"{rel}: {nlines} lines (limit {MAX_FILE})")
            bad += 1
        for first, name, n in functions(text):
            nfuncs += 1
            if n > MAX_FUNC:
                print(f"{rel}:{first} {name}: {n} lines (limit {MAX_FUNC})")
                bad += 1
    verdict = f"FAILED, {bad} over the limits" if bad else "PASSED"
    print(f"code size: {nfiles} files, {nfuncs} functions: {verdict}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
