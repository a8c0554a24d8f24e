"""analysis.decision: verdicts from ratios with intervals, and the RFC's
relay claims beside what a run measured.

The verdict rule (one for every use case)
-----------------------------------------
A ratio is relay's figure over a rival's, oriented so that above 1 is
better for relay, with a 95 % interval [lo, hi]:
  - "relay better"        when lo > 1 + MARGIN: the whole interval is above;
  - "relay worse"         when hi < 1 - MARGIN: the whole interval is below;
  - "no difference shown" when the interval contains 1;
  - "within 5 %"          otherwise: a difference too small to matter;
  - "no interval"         when fewer than MIN_ROUNDS rounds were measured:
                          the ratio alone decides nothing.

The RFC's modes (scenario rfc-modes)
------------------------------------
The RFC states relay's throughput against ringbuf-libbpf in the kernel
bench's modes: 2.3x with sampled wakeups, 1.8x back to back.  rfc_rows()
puts beside each claim the ratio measured for each relay reader, from the
rounds of one run: a round's relay and ring buffer results ran one after
the other, so they are pairs (stats.ratio_paired); with unequal counts the
two sides are bootstrapped apart (stats.ratio_unpaired).
"""

import sys

from . import stats
from .results import BadInput, load_dir, scenario

MARGIN = 0.05
MIN_ROUNDS = 3

CLAIMS = {"sampled": 2.3, "b2b": 1.8}   # relay / ringbuf-libbpf, the RFC
RFC_MODES = ("sampled", "b2b", "parallel")
RFC_BASE = "ringbuf-libbpf"
RFC_RELAY = ("relay-read", "relay-mmap")


def verdict(ratio, lo, hi, n):
    """The verdict of a relay/rival ratio with interval [lo, hi] from n
    rounds (see the module's documentation)."""
    if n < MIN_ROUNDS or lo is None or hi is None:
        return "no interval"
    if lo > 1 + MARGIN:
        return "relay better"
    if hi < 1 - MARGIN:
        return "relay worse"
    if lo <= 1 <= hi:
        return "no difference shown"
    return "within 5 %"


def ratio_of(relay, rival):
    """(ratio, lo, hi, n) of relay over rival, lists of per-round figures
    in run order; lo and hi are None below MIN_ROUNDS on either side."""
    n = min(len(relay), len(rival))
    if n == 0:
        return None
    mid = stats.median(relay) / stats.median(rival)
    if n < MIN_ROUNDS:
        return mid, None, None, n
    if len(relay) == len(rival):
        return (*stats.ratio_paired(rival, relay), n)
    return (*stats.ratio_unpaired(rival, relay), n)


def _throughputs(results, bench, mode):
    return [r["throughput"]["events_per_s"]["median"] for r in results
            if scenario(r) == "rfc-modes" and r["bench"] == bench
            and (r.get("params") or {}).get("compat") == mode
            and r["throughput"]["events_per_s"]["median"]]


def rfc_rows(results):
    """One row per (mode, relay reader) that the run measured: mode, bench,
    claim (or None), ratio, lo, hi, n, verdict, and whether the claim lies
    inside the interval."""
    rows = []
    for mode in RFC_MODES:
        base = _throughputs(results, RFC_BASE, mode)
        for bench in RFC_RELAY:
            r = ratio_of(_throughputs(results, bench, mode), base)
            if r is None:
                continue
            ratio, lo, hi, n = r
            claim = CLAIMS.get(mode)
            rows.append({
                "mode": mode, "bench": bench, "claim": claim, "ratio": ratio,
                "lo": lo, "hi": hi, "n": n, "verdict": verdict(ratio, lo, hi, n),
                "claim_inside": (None if claim is None or lo is None
                                 else lo <= claim <= hi),
            })
    return rows


def _x(v):
    return f"{v:.2f}x"


def render_rfc(rows):
    """The rows as a markdown table, with how to read it."""
    out = ["| mode | relay reader | RFC claim | measured relay / ringbuf-libbpf [95 % interval] "
           "| rounds | verdict | claim reproduced |",
           "|---|---|---|---|---|---|---|"]
    for r in rows:
        interval = f" [{_x(r['lo'])}, {_x(r['hi'])}]" if r["lo"] is not None else ""
        claim = _x(r["claim"]) if r["claim"] is not None else "none"
        if r["claim"] is None:
            repro = "-"
        elif r["claim_inside"] is None:
            repro = "cannot tell (no interval)"
        else:
            repro = "yes" if r["claim_inside"] else "no"
        out.append(f"| {r['mode']} | {r['bench']} | {claim} | {_x(r['ratio'])}{interval} "
                   f"| {r['n']} | {r['verdict']} | {repro} |")
    out += ["",
            "Records consumed per second in the kernel bench's modes (`bench --compat MODE "
            "--kernel-record`: one producer on its own CPU, 500 records of 8 bytes per trigger, "
            "512 KiB of buffer; relay's `sampled` sub-buffer holds 500 records). "
            f"A verdict needs the whole interval beyond ±{MARGIN * 100:.0f} % "
            "(see analysis/decision.py). "
            "In `parallel` the others wake per record and relay per 64 KiB sub-buffer: "
            "no like-for-like comparison, and the RFC claims nothing there."]
    return "\n".join(out) + "\n"


USAGE = "usage: python3 -m analysis rfc RESULT-DIR"


def main(argv):
    """rfc RESULT-DIR: the RFC's claims beside the run's ratios, markdown on
    stdout; exit 2 on bad input or when the run has no rfc-modes results."""
    if len(argv) != 1 or argv[0].startswith("-"):
        print(USAGE, file=sys.stderr)
        return 2
    try:
        _, results = load_dir("result", argv[0].rstrip("/") or "/")
        rows = rfc_rows(results)
        if not rows:
            raise BadInput(f"{argv[0]} has no rfc-modes results of relay and {RFC_BASE}")
    except BadInput as e:
        print(f"rfc: {e}", file=sys.stderr)
        return 2
    sys.stdout.write(render_rfc(rows))
    return 0
