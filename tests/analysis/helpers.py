"""Synthetic results and result directories for the analysis tests (made up
on purpose, never used as measurements)."""

import contextlib
import copy
import io
import json
import os


def result(producer=100.0, spread=1.0, **changes):
    """One result with every required field; producer ns/event median
    `producer` (sd `spread`, min/max 2 spreads away); changes: dotted paths,
    e.g. **{"params.record_size": 256}."""
    r = {
        "bench": "percpu", "scenario": "stream", "mechanism": "percpu",
        "params": {"warmup_s": 1, "duration_s": 1, "iterations": 5, "producers": 1,
                   "consumers": 1, "record_size": 64, "batch": 1, "rate": 0,
                   "producer_work": 0},
        "meta": {"kernel": "test", "where": "native"},
        "throughput": {
            "events_per_s": {"median": 1e6, "stddev": 1e4, "min": 9.8e5, "max": 1.02e6},
            "produced_per_s": {"median": 1e6, "stddev": 1e4, "min": 9.8e5, "max": 1.02e6},
            "dropped_per_s": {"median": 0, "stddev": 0, "min": 0, "max": 0}},
        "cpu": {"producer_ns_per_event": {"median": producer, "stddev": spread,
                                          "min": producer - 2 * spread,
                                          "max": producer + 2 * spread}},
        "latency_ns": {"p99": 5000, "p99_per_iteration": {"median": 5000, "stddev": 100,
                                                          "min": 4800, "max": 5200}},
        "loss": {"produced": 5000000, "consumed": 5000000, "dropped": 0, "lost": 0},
    }
    for path, v in changes.items():
        set_path(r, path, v)
    return r


def run_main(main, argv):
    """(exit status, stdout, stderr) of a subcommand's main(argv)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    return rc, out.getvalue(), err.getvalue()


def set_path(r, path, v):
    *head, last = path.split(".")
    for k in head:
        r = r.setdefault(k, {})
    if v is DELETE:
        del r[last]
    else:
        r[last] = copy.deepcopy(v)


DELETE = object()


def write_dir(d, results, meta=None, raw=None):
    """A result directory d with these results (or raw text for
    results.jsonl) and meta.json (default schema_version 2)."""
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump({"schema_version": 2, "where": "native"} if meta is None else meta, f)
    with open(os.path.join(d, "results.jsonl"), "w") as f:
        if raw is not None:
            f.write(raw)
        else:
            for r in results:
                f.write(json.dumps(r) + "\n")
    return d
