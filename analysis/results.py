"""analysis.results: reading result directories and the configuration key.

A result directory (results/SCHEMA.md) holds results.jsonl, one bench
result per line, and meta.json.  load_dir() reads and checks both and
raises BadInput, whose message is the one line a command prints before it
exits 2.

The configuration key
---------------------
Two results measure the same configuration when they agree on
  - meta.where (native or vm),
  - meta.time_base when it is not wall time ("icount": scripts/vm.sh
    --icount, a guest nanosecond is one guest instruction; never pooled,
    paired or plotted with wall-time figures),
  - scenario (a missing or null scenario is "stream"),
  - bench,
  - every param (the latency scenario's derived rate as "sustained":
    matched_rate) except
      the timing ones: warmup_s, duration_s, iterations (how long and how
        often, not what),
      payload_size (derived from record_size),
      producer_work, producer_work_every (a fault-injection knob that
        stands for a code change: scripts/validate_compare.sh).
Numbers compare by value (1 and 1.0 are the same), a param missing from
one result is not the same as any value.  Every reader uses config_key();
results with the same key are rounds of one configuration and are pooled,
never picked from.
"""

import json
import math
import os

from . import schema, stats

# params that do not make a configuration (see above)
NOT_CONFIG = ("warmup_s", "duration_s", "iterations", "payload_size",
              "producer_work", "producer_work_every")

class BadInput(Exception):
    """Input a command cannot use: exit 2 with this one-line message."""


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def canonical(v):
    """v with every integral float made an int (and bools left alone), so
    that 1 and 1.0 print and compare alike, as in jq."""
    if isinstance(v, float) and math.isfinite(v) and v == int(v) and abs(v) < 2 ** 53:
        return int(v)
    if isinstance(v, dict):
        return {k: canonical(x) for k, x in v.items()}
    if isinstance(v, list):
        return [canonical(x) for x in v]
    return v


def to_json(v, **kw):
    """JSON text of v, numbers as jq prints them, no NaN or Infinity."""
    return json.dumps(canonical(v), ensure_ascii=False, allow_nan=False, **kw)


def text(v):
    """v as jq's string interpolation shows it: strings bare, the rest JSON."""
    return v if isinstance(v, str) else to_json(v, separators=(",", ":"))


def scenario(r):
    s = r.get("scenario")
    return "stream" if s is None or s is False else s


def mechanism(r):
    """r's mechanism; older results lack the field: their bench's prefix."""
    return r.get("mechanism") or r["bench"].split("-")[0]


# scripts/scenarios/latency.sh's LATENCY_RATES (a test reads them there)
LATENCY_RATES = (10000, 50000, 100000)


def matched_rate(r):
    """params.rate as a key: in the latency scenario the rate that is none
    of the fixed ones is "the highest rate every mechanism sustains"
    (scripts/scenarios/latency.sh), derived from each run's own
    saturation; it is keyed as "sustained", so that runs pair up."""
    rate = (r.get("params") or {}).get("rate")
    if scenario(r) == "latency" and is_number(rate) and rate and rate not in LATENCY_RATES:
        return "sustained"
    return rate


def config_params(r):
    """The params that make the configuration, sorted by name (the
    latency scenario's derived rate as "sustained", see matched_rate)."""
    p = r.get("params") or {}
    out = {k: p[k] for k in sorted(p) if k not in NOT_CONFIG}
    if "rate" in out:
        out["rate"] = matched_rate(r)
    return out


def time_base(r):
    """"wall", or "icount" when the guest's clock counted instructions."""
    return r["meta"].get("time_base") or "wall"


def group(r):
    """Place, scenario and bench (and a time base other than wall time):
    what a configuration is a variant of."""
    g = {"where": r["meta"]["where"], "scenario": scenario(r), "bench": r["bench"]}
    if time_base(r) != "wall":
        g["time_base"] = time_base(r)
    return g


def config_key(r):
    """The configuration key of a result (see the module's documentation):
    a string, equal for two results exactly when they are rounds of the
    same configuration."""
    return to_json([group(r), config_params(r)], separators=(",", ":"))


def group_key(r):
    return to_json(group(r), separators=(",", ":"))


def rounds_of(results):
    """{key: [results of that configuration, in file order]}, keys sorted."""
    out = {}
    for r in results:
        out.setdefault(config_key(r), []).append(r)
    return {k: out[k] for k in sorted(out)}


def _json_stream(data):
    """Every JSON value in a text, as jq reads a file: values separated by
    white space.  Raises ValueError on anything else."""
    dec = json.JSONDecoder()
    out = []
    i, n = 0, len(data)
    while True:
        while i < n and data[i] in " \t\r\n":
            i += 1
        if i >= n:
            return out
        v, i = dec.raw_decode(data, i)
        out.append(v)


def _read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError):
        raise BadInput(f"cannot read {path}") from None


def pool_overhead(lines):
    """One line per place and configuration: lines of the same one (an
    overhead.sh run appended to another) are pooled, never picked from.
    Their runs add up; times_s is every run's time when every line has
    them, and median_s their median (else the median of the lines'
    medians); mean and spread go, min and max stay extremes.  Raises
    BadInput when they timed different numbers of calls."""
    groups = {}
    for o in lines:
        groups.setdefault((o["where"], o["config"]), []).append(o)
    out = []
    for (where, config), group in groups.items():
        if len(group) == 1:
            out.append(group[0])
            continue
        if len({o["calls"] for o in group}) > 1:
            raise BadInput(f"overhead.jsonl: {where} '{config}' was timed with different calls per run")
        merged = {k: v for k, v in group[0].items()
                  if k not in ("times_s", "mean_s", "stddev_s", "overhead_pct", "overhead_spread_pct")}
        times = [o.get("times_s") for o in group]
        if all(isinstance(t, list) and t for t in times):
            merged["times_s"] = [v for t in times for v in t]
            merged["median_s"] = stats.median(merged["times_s"])
        else:
            merged["median_s"] = stats.median([o["median_s"] for o in group])
        merged["runs"] = sum(o["runs"] for o in group)
        for k, pick in (("min_s", min), ("max_s", max)):
            vals = [o[k] for o in group if is_number(o.get(k))]
            if vals:
                merged[k] = pick(vals)
            else:
                merged.pop(k, None)
        out.append(merged)
    return out


def load_overhead(d):
    """The lines of d/overhead.jsonl, checked against its schema and
    pooled per place and configuration (pool_overhead), or None when the
    run has none; raises BadInput on a line that is not valid."""
    p = f"{d}/overhead.jsonl"
    if not os.path.exists(p):
        return None
    try:
        lines = _json_stream(_read(p))
    except ValueError:
        raise BadInput(f"{p} is not json lines (one object per line)") from None
    for i, o in enumerate(lines):
        bad = schema.problem(o, "overhead")
        if bad:
            raise BadInput(f"schema mismatch: {p} line {i + 1}: {bad}")
    return pool_overhead(lines)


def load_dir(label, d):
    """(meta, results) of the result directory d, checked against
    results/schema/: raises BadInput when d is missing, a file unreadable
    or not JSON, meta.json has no numeric schema_version, or a result or
    meta.json does not follow its schema (the message names the field)."""
    if not os.path.isdir(d):
        raise BadInput(f"{label} directory '{d}' not found")
    for f in ("results.jsonl", "meta.json"):
        p = f"{d}/{f}"
        if not (os.path.isfile(p) and os.access(p, os.R_OK)):
            raise BadInput(f"cannot read {p}")
    try:
        metas = _json_stream(_read(f"{d}/meta.json"))
    except ValueError:
        metas = []
    if len(metas) != 1 or not isinstance(metas[0], dict):
        raise BadInput(f"{d}/meta.json is not a json object")
    meta = metas[0]
    if not is_number(meta.get("schema_version")):
        raise BadInput(f"schema mismatch: {d}/meta.json has no schema_version")
    bad = schema.problem(meta, "meta")
    if bad:
        raise BadInput(f"schema mismatch: {d}/meta.json: {bad}")
    results = load_results(f"{d}/results.jsonl")
    if not results:
        raise BadInput(f"{d}/results.jsonl has no results")
    return meta, results


def load_results(path):
    """The results of a JSON lines file (results.jsonl, or a scenario's
    output while it runs), each checked against its schema; raises
    BadInput naming the result and field that is not valid."""
    try:
        results = _json_stream(_read(path))
    except ValueError:
        results = None
    if results is None or not all(isinstance(r, dict) for r in results):
        raise BadInput(f"{path} is not json lines (one object per line)")
    for i, r in enumerate(results):
        bad = schema.problem(r, "result")
        if bad:
            sep = " " if bad.startswith("lacks") else ": "
            raise BadInput(f"schema mismatch: {path} result {i + 1}{sep}{bad}")
    return results
