#!/usr/bin/python3
"""Validate sigma's JSON outputs against docs/schemas/ (issue 11).

Usage:
  check_schema.py SCHEMA FILE...   validate each FILE against SCHEMA (e.g.
                                   docs/schemas/audit.schema.json); exit 1 listing every
                                   violation as FILE: $.path.to.key: message (an
                                   undocumented key is named by its own path)
  check_schema.py --lint DIR       every schema of DIR: a valid draft 2020-12 schema whose
                                   objects all have "additionalProperties": false and whose
                                   properties all have a description (directly or on the
                                   definition they reference)

Draft 2020-12 with Debian's python3-jsonschema (4.10), format checking off. Schemas refer
to each other by file name (common.schema.json#/$defs/...), resolved in the schema's
directory.
"""
import json
import os
import sys

import jsonschema

Validator = jsonschema.Draft202012Validator


def load_dir(d):
    """Every *.schema.json of d, by file name."""
    out = {}
    for name in sorted(os.listdir(d)):
        if name.endswith(".schema.json"):
            with open(os.path.join(d, name)) as f:
                out[name] = json.load(f)
    return out


def validator_for(path):
    d = os.path.dirname(os.path.abspath(path))
    schemas = load_dir(d)
    schema = schemas[os.path.basename(path)]
    try:  # jsonschema >= 4.18 resolves references through the referencing library
        import referencing
        reg = referencing.Registry().with_resources(
            (n, referencing.Resource.from_contents(s)) for n, s in schemas.items())
        return Validator(schema, registry=reg)
    except ImportError:  # Debian 12's 4.10
        resolver = jsonschema.RefResolver.from_schema(schema, store=dict(schemas))
        return Validator(schema, resolver=resolver)


def path_of(parts):
    s = "$"
    for p in parts:
        s += "[%d]" % p if isinstance(p, int) else "." + str(p)
    return s


def messages(err):
    """One line per violation; an additionalProperties error once per undocumented key."""
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        known = set(err.schema.get("properties", {}))
        extra = [k for k in err.instance if k not in known]
        if extra:
            return ["%s: undocumented key (not in the schema)" % path_of(list(err.absolute_path) + [k])
                    for k in extra]
    if err.context:  # anyOf/oneOf: the most specific reason
        best = jsonschema.exceptions.best_match(err.context)
        return messages(best)
    return ["%s: %s" % (path_of(err.absolute_path), err.message)]


def validate(schema_path, files):
    v = validator_for(schema_path)
    bad = 0
    for f in files:
        with open(f) as fh:
            doc = json.load(fh)  # accepts NaN and Infinity: non_finite() refuses them
        lines = []
        for err in sorted(v.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
            lines.extend(messages(err))
        lines.extend(non_finite(doc, []))
        for line in lines:
            print("%s: %s" % (f, line))
        bad += bool(lines)
    return bad


def non_finite(v, path):
    """sigma never writes NaN or Infinity (not JSON); Python's json would accept them."""
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        return ["%s: %r is not JSON (not applicable is null)" % (path_of(path), v)]
    if isinstance(v, dict):
        return [m for k, x in v.items() for m in non_finite(x, path + [k])]
    if isinstance(v, list):
        return [m for i, x in enumerate(v) for m in non_finite(x, path + [i])]
    return []


def lint(d):
    problems = []
    schemas = load_dir(d)
    for name, s in schemas.items():
        try:
            Validator.check_schema(s)
        except jsonschema.exceptions.SchemaError as e:
            problems.append("%s: not a draft 2020-12 schema: %s" % (name, e.message))
        if s.get("$schema") != "https://json-schema.org/draft/2020-12/schema":
            problems.append("%s: $schema is not draft 2020-12" % name)
        walk(name, s, "#", problems)
    for p in problems:
        print(p)
    return len(problems)


def walk(name, s, where, problems):
    if isinstance(s, list):
        for i, x in enumerate(s):
            walk(name, x, "%s/%d" % (where, i), problems)
        return
    if not isinstance(s, dict):
        return
    t = s.get("type")
    if (t == "object" or (isinstance(t, list) and "object" in t)) and \
            s.get("additionalProperties") is not False:
        problems.append("%s %s: an object without \"additionalProperties\": false" % (name, where))
    for key, sub in s.get("properties", {}).items():
        if isinstance(sub, dict) and "description" not in sub and "$ref" not in sub:
            problems.append("%s %s/properties/%s: no description" % (name, where, key))
    for k, x in s.items():
        if k not in ("enum", "const", "required", "description", "examples", "if"):
            walk(name, x, "%s/%s" % (where, k), problems)


def main(argv):
    if len(argv) == 3 and argv[1] == "--lint":
        n = lint(argv[2])
        print("schemas: %s" % ("FAILED" if n else "lint ok"))
        return 1 if n else 0
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    return 1 if validate(argv[1], argv[2:]) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
