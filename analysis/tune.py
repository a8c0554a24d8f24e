"""analysis.tune: scripts/tune_subbuf.sh's recommendation.

Per configuration of a sweep (one bench run each): the memory it used,
the loss, the p99 latency and whether both targets hold; per mechanism,
the configuration with the least memory that meets them (the lower p99
breaks a tie).

    python3 -m analysis tune RESULT_DIR --rate R --size S --max-loss PCT [--max-p99 US]

reads RESULT_DIR/results.jsonl, writes RESULT_DIR/tune.json (fields in
results/SCHEMA.md) and prints the table and the recommendations.  Exit 2
on bad input (one line), 1 when tune.json cannot be written.
"""

import json
import math
import os
import sys

from .results import BadInput, load_results, mechanism

USAGE = ("usage: python3 -m analysis tune RESULT_DIR --rate R --size S "
         "--max-loss PCT [--max-p99 US]")


def config_of(r, max_loss, max_p99):
    """One run's row: what it cost and whether it met the targets."""
    params = r.get("params") or {}
    loss = r.get("loss") or {}
    lat = r.get("latency_ns") or {}
    produced = loss.get("produced") or 0
    loss_pct = (100.0 * ((loss.get("dropped") or 0) + (loss.get("lost") or 0)) / produced
                if produced > 0 else None)
    p99_us = lat["p99"] / 1000.0 if (lat.get("count") or 0) > 0 and lat.get("p99") is not None else None
    meets = (loss_pct is not None and loss_pct <= max_loss
             and (max_p99 is None or (p99_us is not None and p99_us <= max_p99)))
    return {"bench": r.get("bench"), "mechanism": mechanism(r),
            "relay_subbuf": params.get("relay_subbuf"), "relay_nsubbufs": params.get("relay_nsubbufs"),
            "rb_size": params.get("rb_size"), "pb_pages": params.get("pb_pages"),
            "memory_bytes": (r.get("memory") or {}).get("buffer_bytes"),
            "loss_pct": loss_pct, "p99_us": p99_us,
            "events_per_s": ((r.get("throughput") or {}).get("events_per_s") or {}).get("median"),
            "meets": meets}


def recommend(configs):
    """Per mechanism, the least memory among the configurations that meet
    the targets, then the lower p99; None when none does."""
    def order(c):
        p99 = c["p99_us"]
        return (c["memory_bytes"] if c["memory_bytes"] is not None else float("inf"),
                p99 is None, p99 if p99 is not None else 0.0)
    out = {}
    for mech in sorted({c["mechanism"] for c in configs}):
        meeting = sorted((c for c in configs if c["mechanism"] == mech and c["meets"]), key=order)
        out[mech] = meeting[0] if meeting else None
    return out


def tune(results, rate, size, max_loss, max_p99):
    configs = [config_of(r, max_loss, max_p99) for r in results]
    return {"targets": {"rate": rate, "size": size, "max_loss_pct": max_loss, "max_p99_us": max_p99},
            "configs": configs, "recommended": recommend(configs)}


def kib(n):
    if n is None:
        return "n/a"
    if n >= 1 << 20:
        return f"{round(n / (1 << 20), 2):g} MiB"
    return f"{round(n / 1024)} KiB"


def num(v, digits):
    return "n/a" if v is None else f"{round(v, digits):g}"


def describe(c):
    if c["mechanism"] == "relay":
        return f"{kib(c['relay_subbuf'])} x {c['relay_nsubbufs']}"
    if c["mechanism"] == "ringbuf":
        return f"rb-size {kib(c['rb_size'])}"
    return f"{c['pb_pages']} pages/CPU"


def render(t):
    """The table, the targets and one recommendation per mechanism."""
    row = "{:<10} {:<22} {:<10} {:>8} {:>10}  {}"
    lines = [row.format("mechanism", "configuration", "memory", "loss %", "p99 µs", "meets")]
    for c in sorted(t["configs"], key=lambda c: (c["mechanism"], c["memory_bytes"] or 0)):
        lines.append(row.format(c["mechanism"], describe(c), kib(c["memory_bytes"]),
                                num(c["loss_pct"], 2), num(c["p99_us"], 0),
                                "yes" if c["meets"] else "no"))
    tg = t["targets"]
    want = f"loss <= {tg['max_loss_pct']:g} %"
    if tg["max_p99_us"] is not None:
        want += f", p99 <= {tg['max_p99_us']:g} µs"
    lines += ["", f"targets: {want} at {tg['rate']:g} records/s of {tg['size']:g} bytes"]
    for mech, c in t["recommended"].items():
        if c is None:
            lines.append(f"recommended {mech}: none of the sizes tried meets the targets")
        else:
            lines.append(f"recommended {mech}: {describe(c)} ({kib(c['memory_bytes'])}): "
                         f"loss {num(c['loss_pct'], 2)} %, p99 {num(c['p99_us'], 0)} µs")
    return "\n".join(lines)


def parse(argv):
    if not argv or argv[0].startswith("-"):
        raise BadInput(USAGE)
    opts = {"--rate": None, "--size": None, "--max-loss": None, "--max-p99": None}
    rest = argv[1:]
    while rest:
        name = rest.pop(0)
        if name not in opts or not rest:
            raise BadInput(USAGE)
        value = rest.pop(0)
        try:
            opts[name] = float(value)
            opts[name] = int(opts[name]) if opts[name].is_integer() else opts[name]
        except (ValueError, OverflowError):
            raise BadInput(f"tune: invalid value for {name}: '{value}'") from None
        if not (opts[name] >= 0 and math.isfinite(opts[name])):
            raise BadInput(f"tune: invalid value for {name}: '{value}'")
    for need in ("--rate", "--size", "--max-loss"):
        if opts[need] is None:
            raise BadInput(USAGE)
    return argv[0], opts


def main(argv):
    try:
        d, o = parse(argv)
        results = load_results(os.path.join(d, "results.jsonl"))
    except BadInput as e:
        msg = str(e)
        print(msg if msg.startswith(("usage:", "tune:")) else f"tune: {msg}", file=sys.stderr)
        return 2
    t = tune(results, o["--rate"], o["--size"], o["--max-loss"], o["--max-p99"])
    path = os.path.join(d, "tune.json")
    try:
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(t, f, indent=1)
            f.write("\n")
        os.replace(path + ".tmp", path)
    except OSError as e:
        print(f"tune: cannot write {path}: {e.strerror}", file=sys.stderr)
        return 1
    print(render(t))
    return 0
