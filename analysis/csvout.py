"""analysis.csvout: results.csv, the headline columns of every result for
spreadsheets (scripts/run_all.sh writes it).

  python3 -m analysis csv RESULT-DIR      writes RESULT-DIR/results.csv

One line per result, in file order, under HEADER (results/SCHEMA.md lists
the same columns; a test keeps them equal).  A value that was not
measured is an empty cell, never 0: latency without samples, the reader's
CPU and wakeups without a live reader (the floor, the snapshot
scenarios), ages of a snapshot that recovered nothing, the
snapshot columns outside the snapshot scenarios.  Numbers keep the
precision the bench wrote (Python's shortest round-trip form).
"""

import csv
import io
import os
import sys

from . import pooled
from .results import BadInput, load_dir, scenario, time_base

def reader(r, path):
    """A figure of the live reader: none for the floor (no reader) and the
    snapshot scenarios (nobody reads while producers run)."""
    if (r.get("mechanism") or r["bench"]) == "percpu" or scenario(r) in ("overwrite", "no-reader"):
        return None
    return pooled.get(r, path)


# (column, function of a result)
COLUMNS = [
    ("where", lambda r: r["meta"]["where"]),
    ("time_base", time_base),
    ("scenario", scenario),
    ("round", lambda r: r.get("round")),
    ("mechanism", lambda r: r.get("mechanism")),
    ("bench", lambda r: r["bench"]),
    ("policy", pooled.policy),
    ("overwrite", lambda r: (r.get("params") or {}).get("overwrite")),
    ("producers", lambda r: (r.get("params") or {}).get("producers")),
    ("placement", lambda r: (r.get("params") or {}).get("placement")),
    ("record_size", lambda r: (r.get("params") or {}).get("record_size")),
    ("batch", lambda r: (r.get("params") or {}).get("batch")),
    ("rate", lambda r: (r.get("params") or {}).get("rate")),
    ("offered_per_s", lambda r: pooled.get(r, ("throughput", "offered_per_s"))),
    ("saturated", lambda r: (r.get("throughput") or {}).get("saturated")),
    ("buffer_bytes", lambda r: pooled.get(r, ("memory", "buffer_bytes"))),
    ("events_per_s_median", lambda r: pooled.get(r, ("throughput", "events_per_s", "median"))),
    ("events_per_s_stddev", lambda r: pooled.get(r, ("throughput", "events_per_s", "stddev"))),
    ("produced_per_s_median", lambda r: pooled.get(r, ("throughput", "produced_per_s", "median"))),
    ("loss_pct", pooled.loss_pct),
    ("produced", lambda r: pooled.get(r, ("loss", "produced"))),
    ("consumed", lambda r: pooled.get(r, ("loss", "consumed"))),
    ("dropped", lambda r: pooled.get(r, ("loss", "dropped"))),
    ("lost", lambda r: pooled.get(r, ("loss", "lost"))),
    ("loss_ok", lambda r: (r.get("loss") or {}).get("ok")),
    ("lat_p50_ns", lambda r: pooled.value(r, "p50")),
    ("lat_p99_ns", lambda r: pooled.value(r, "p99")),
    ("lat_max_ns", lambda r: pooled.value(r, "max")),
    ("producer_ns_per_event_median", lambda r: pooled.get(r, ("cpu", "producer_ns_per_event", "median"))),
    ("producer_ns_per_event_stddev", lambda r: pooled.get(r, ("cpu", "producer_ns_per_event", "stddev"))),
    ("consumer_cpu_pct_median", lambda r: reader(r, ("cpu", "consumer_cpu_pct", "median"))),
    ("wakeups_per_s_median", lambda r: reader(r, ("wakeups_per_s", "median"))),
    ("snapshot_recovered", lambda r: pooled.get(r, ("snapshot", "recovered"))),
    ("snapshot_retention", lambda r: pooled.get(r, ("snapshot", "retention"))),
    ("snapshot_newest_present", lambda r: (r.get("snapshot") or {}).get("newest_present")),
    ("snapshot_newest_age_ns", lambda r: pooled.value(r, "newest_age") if r.get("snapshot") else None),
    ("snapshot_oldest_age_ns", lambda r: pooled.value(r, "oldest_age") if r.get("snapshot") else None),
    ("git_rev", lambda r: r["meta"].get("git_rev")),
]
HEADER = [c for c, _ in COLUMNS]


def cell(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer() and abs(v) < 2 ** 53:
        return str(int(v))
    return repr(v) if isinstance(v, float) else str(v)


def render(results):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    for r in results:
        w.writerow([cell(f(r)) for _, f in COLUMNS])
    return buf.getvalue()


def main(argv):
    if len(argv) != 1 or argv[0].startswith("-"):
        print("usage: python3 -m analysis csv RESULT-DIR", file=sys.stderr)
        return 2
    d = argv[0].rstrip("/") or "/"
    try:
        _, results = load_dir("result", d)
    except BadInput as e:
        print(f"csv: {e}", file=sys.stderr)
        return 2
    path, tmp = os.path.join(d, "results.csv"), os.path.join(d, "results.csv.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(render(results))
        os.replace(tmp, path)
    except OSError as e:
        print(f"csv: cannot write {path}: {e.strerror}", file=sys.stderr)
        return 1
    return 0
