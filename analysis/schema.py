"""analysis.schema: the JSON Schemas of a result directory
(results/schema/*.schema.json) and a small validator for the part of JSON
Schema they use.

Debian 12 ships python3-jsonschema, but only for /usr/bin/python3, and the
analysis module runs on whatever python3 comes first (the standard library
only), so it checks its input itself.  The keywords understood:
  type (a name or a list; "integer" accepts 3 and 3.0, never true),
  enum, minimum, maximum, required, properties, additionalProperties
  (false or a schema), items, minItems, maxItems, $ref ("#/$defs/NAME"),
  and the annotations $schema, $id, title, description, $defs.
Any other keyword in a schema file is an error, so that a schema never
says more than is checked.

validate(value, schema) returns None or the first problem as
(path, message), path like ".cpu.producer_ns_per_event.median".  A missing
required object is named by the first required leaf inside it (a result
without `cpu` "lacks .cpu.producer_ns_per_event.median"), the field a
reader would have looked for.
"""

import json
import math
import os

SCHEMA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          "results", "schema")
FILES = {"result": "result.schema.json", "meta": "meta.schema.json",
         "overhead": "overhead.schema.json"}

KNOWN = {"type", "enum", "minimum", "maximum", "required", "properties",
         "additionalProperties", "items", "minItems", "maxItems", "$ref",
         "$schema", "$id", "title", "description", "$defs"}

_cache = {}


class SchemaError(Exception):
    """A schema file that cannot be used (a bug of the repository)."""


def _check_keywords(s, where):
    if not isinstance(s, dict):
        raise SchemaError(f"{where}: a schema must be an object")
    unknown = set(s) - KNOWN
    if unknown:
        raise SchemaError(f"{where}: keyword {sorted(unknown)[0]} is not supported")
    for k, sub in (s.get("properties") or {}).items():
        _check_keywords(sub, f"{where}.properties.{k}")
    for k, sub in (s.get("$defs") or {}).items():
        _check_keywords(sub, f"{where}.$defs.{k}")
    for key in ("items", "additionalProperties"):
        if isinstance(s.get(key), dict):
            _check_keywords(s[key], f"{where}.{key}")


def load(name):
    """The schema called name (result, meta, overhead), read once."""
    if name not in _cache:
        path = os.path.join(SCHEMA_DIR, FILES[name])
        try:
            with open(path, encoding="utf-8") as f:
                s = json.load(f)
        except (OSError, ValueError) as e:
            raise SchemaError(f"cannot read {path}: {e}") from None
        _check_keywords(s, FILES[name])
        _cache[name] = s
    return _cache[name]


def _type_ok(v, t):
    if t == "null":
        return v is None
    if t == "boolean":
        return isinstance(v, bool)
    if t == "string":
        return isinstance(v, str)
    if t == "object":
        return isinstance(v, dict)
    if t == "array":
        return isinstance(v, list)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    if isinstance(v, float) and not math.isfinite(v):
        return False
    if t == "number":
        return True
    if t == "integer":
        return float(v).is_integer()
    raise SchemaError(f"unknown type {t}")


def _article(t):
    return {"integer": "an integer", "object": "an object", "array": "an array",
            "null": "null"}.get(t, f"a {t}")


def _resolve(s, root):
    while "$ref" in s:
        ref = s["$ref"]
        if not ref.startswith("#/$defs/"):
            raise SchemaError(f"unsupported $ref {ref}")
        try:
            s = root["$defs"][ref[len("#/$defs/"):]]
        except KeyError:
            raise SchemaError(f"unresolved $ref {ref}") from None
    return s


def _first_leaf(s, root, path):
    """The path of the first required leaf under schema s (s itself when it
    requires nothing)."""
    s = _resolve(s, root)
    req = s.get("required") or []
    if not req:
        return path
    return _first_leaf((s.get("properties") or {}).get(req[0], {}), root, f"{path}.{req[0]}")


def _show(v):
    text = json.dumps(v) if not isinstance(v, float) else repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


def _validate(v, s, root, path):
    s = _resolve(s, root)
    types = s.get("type")
    if types is not None:
        types = [types] if isinstance(types, str) else types
        if not any(_type_ok(v, t) for t in types):
            want = " or ".join(_article(t) for t in types)
            return path, f"is not {want} (got {_show(v)})"
    if "enum" in s and v not in s["enum"]:
        return path, f"is not one of {', '.join(_show(x) for x in s['enum'])} (got {_show(v)})"
    if _type_ok(v, "number"):
        if "minimum" in s and v < s["minimum"]:
            return path, f"is below {s['minimum']} (got {_show(v)})"
        if "maximum" in s and v > s["maximum"]:
            return path, f"is above {s['maximum']} (got {_show(v)})"
    if isinstance(v, dict):
        props = s.get("properties") or {}
        for k in s.get("required") or []:
            if k not in v:
                return _first_leaf(props.get(k, {}), root, f"{path}.{k}"), "is missing"
        for k, x in v.items():
            if k in props:
                bad = _validate(x, props[k], root, f"{path}.{k}")
            elif s.get("additionalProperties") is False:
                bad = (f"{path}.{k}", "is not a known field")
            elif isinstance(s.get("additionalProperties"), dict):
                bad = _validate(x, s["additionalProperties"], root, f"{path}.{k}")
            else:
                bad = None
            if bad:
                return bad
    if isinstance(v, list):
        if "minItems" in s and len(v) < s["minItems"]:
            return path, f"has fewer than {s['minItems']} items"
        if "maxItems" in s and len(v) > s["maxItems"]:
            return path, f"has more than {s['maxItems']} items"
        if "items" in s:
            for i, x in enumerate(v):
                bad = _validate(x, s["items"], root, f"{path}[{i}]")
                if bad:
                    return bad
    return None


def validate(value, schema):
    """None when value follows schema, else (path, message) of the first
    problem; path "" is the value itself."""
    return _validate(value, schema, schema, "")


def problem(value, name):
    """validate() against the schema called name, as one phrase: "lacks
    .x.y", ".x is not a number (got "a")", or None."""
    bad = validate(value, load(name))
    if bad is None:
        return None
    path, msg = bad
    if msg == "is missing":
        return f"lacks {path}"
    return f"{path or 'the value'} {msg}"


def paths(schema, prefix=""):
    """{dotted path: required?} of every property the schema names, nested
    objects included, summaries ($ref) and array items not descended."""
    out = {}
    s = _resolve(schema, schema) if prefix == "" else schema
    req = set(s.get("required") or [])
    for k, sub in (s.get("properties") or {}).items():
        p = f"{prefix}.{k}" if prefix else k
        out[p] = k in req
        if "$ref" not in sub and sub.get("properties"):
            out.update(paths(sub, p))
    return out
