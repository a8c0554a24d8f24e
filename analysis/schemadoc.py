"""analysis.schemadoc: results/SCHEMA.md checked against results/schema/.

SCHEMA.md explains each field in words; the schema files say what a
reader can rely on.  check() compares the two: every field of a schema is
documented in the table of its section, every documented field is in the
schema, and **req** marks exactly the fields the schema requires (a field
is required when it and every object around it are).  Objects that only
group fields (params, cpu, ...) are sections, not rows; a summary
({median, stddev, min, max}) is one row.

  python3 -m analysis schema [--doc FILE]     exit 1 when they disagree
"""

import os
import re
import sys

from . import schema

DOC = os.path.join(os.path.dirname(schema.SCHEMA_DIR), "SCHEMA.md")

# heading prefix in SCHEMA.md -> (schema, path prefix of its table's fields)
SECTIONS = [
    ("### Identity", "result", ""),
    ("### params", "result", "params."),
    ("### meta:", "result", "meta."),
    ("### ab:", "result", ""),
    ("### throughput", "result", "throughput."),
    ("### latency_ns", "result", "latency_ns."),
    ("### loss", "result", "loss."),
    ("### cpu", "result", "cpu."),
    ("### wakeups_per_s", "result", ""),
    ("### snapshot", "result", "snapshot."),
    ("## meta.json", "meta", ""),
    ("## overhead.jsonl", "overhead", ""),
]

FIELD = re.compile(r"`([A-Za-z0-9_.]+)`( \*\*req\*\*)?")


def documented(text):
    """{schema name: {path: required}} from the tables of SCHEMA.md."""
    out = {name: {} for name in schema.FILES}
    current = None
    for line in text.splitlines():
        if line.startswith("#"):
            current = next(((n, p) for h, n, p in SECTIONS if line.startswith(h)), None)
            continue
        if current is None or not line.startswith("|"):
            continue
        first = line.split("|")[1]
        for name, req in FIELD.findall(first):
            out[current[0]][current[1] + name] = bool(req)
    return out


def leaves(s, root=None, prefix="", required=True):
    """{path: required} of the fields a table documents (see above)."""
    root = root or s
    out = {}
    req = set(s.get("required") or [])
    for k, sub in (s.get("properties") or {}).items():
        p = prefix + k
        r = required and k in req
        if "$ref" not in sub and sub.get("properties"):
            out.update(leaves(sub, root, p + ".", r))
        else:
            out[p] = r
    return out


def check(doc=DOC):
    """The disagreements between SCHEMA.md and the schemas, one line each."""
    with open(doc, encoding="utf-8") as f:
        docs = documented(f.read())
    problems = []
    for name in schema.FILES:
        want = leaves(schema.load(name))
        have = docs[name]
        for p in sorted(set(want) - set(have)):
            problems.append(f"{name}: {p} is in the schema but not documented")
        for p in sorted(set(have) - set(want)):
            problems.append(f"{name}: {p} is documented but not in the schema")
        for p in sorted(set(want) & set(have)):
            if want[p] != have[p]:
                what = "required" if want[p] else "optional"
                problems.append(f"{name}: {p} is {what} in the schema, not in SCHEMA.md")
    return problems


def main(argv):
    doc = DOC
    if argv[:1] == ["--doc"] and len(argv) == 2:
        doc = argv[1]
    elif argv:
        print("usage: python3 -m analysis schema [--doc SCHEMA.md]", file=sys.stderr)
        return 2
    try:
        problems = check(doc)
    except OSError as e:
        print(f"schema: cannot read {doc}: {e.strerror}", file=sys.stderr)
        return 2
    for p in problems:
        print(f"schema: {p}", file=sys.stderr)
    return 1 if problems else 0
