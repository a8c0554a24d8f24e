"""analysis.saturation: the rate at which a bench saturates, for the latency
scenario (scripts/scenarios/latency.sh derives "the highest rate every
mechanism sustains" from it).

A bench's saturation is its records/s at the high-rate base point (the
decision's base point: 1 producer, 64-byte records, batch 1, no rate
limit, 1 MiB of buffer) under the batch policy, without overwrite, pooled
over every such result in the file (every round, and the sweeps that
repeat the base point) as pooled.figure pools a configuration: the
median of the results, never the first of them.

    python3 -m analysis saturation RESULTS-JSONL BENCH

prints it as a whole number of records/s, 0 when the file holds no such
result (or does not exist yet: a run's first scenario).  Exit 2 on bad
input (a result that does not follow results/schema/, named) and when the
base points come from more than one place (a run's file holds one).
"""

import math
import os
import sys

from . import pooled
from .decision import is_base_point
from .results import BadInput, load_results

USAGE = "usage: python3 -m analysis saturation RESULTS-JSONL BENCH"


def base_points(results, bench):
    """BENCH's results at the high-rate base point under batch, not
    overwriting: the results its saturation pools."""
    return [r for r in results if r.get("bench") == bench and is_base_point(r)
            and not (r.get("params") or {}).get("overwrite")
            and pooled.policy_kind(r) == "batch"]


def saturation(results, bench):
    """The pooled median records/s of BENCH's base points, rounded down;
    0 when there are none.  Raises BadInput when they come from more than
    one place: a guest's rate says nothing about the host's."""
    points = base_points(results, bench)
    places = sorted({str((r.get("meta") or {}).get("where")) for r in points})
    if len(places) > 1:
        raise BadInput(f"{bench}'s base points come from more than one place ({', '.join(places)})")
    fig = pooled.figure(points, "throughput")
    if fig is None or not fig["median"] > 0:
        return 0
    return math.floor(fig["median"])


def main(argv):
    if len(argv) != 2 or argv[0].startswith("-") or not argv[1]:
        print(USAGE, file=sys.stderr)
        return 2
    path, bench = argv
    try:
        results = load_results(path) if os.path.exists(path) else []
        rate = saturation(results, bench)
    except BadInput as e:
        print(f"saturation: {e}", file=sys.stderr)
        return 2
    print(rate)
    return 0
