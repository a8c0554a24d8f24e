"""analysis.overhead: what tracing costs the traced application, from
overhead.jsonl (scripts/overhead.sh: hyperfine timing `rlb_workload CALLS`,
CALLS getpgid() calls, untraced and with each mechanism's producer
attached to every process).

Per configuration and place:
  wall     the median wall time of a workload run, with a bootstrap 95 %
           interval over hyperfine's runs (times_s);
  per_call (median traced - median untraced) / calls: what one traced
           call costs, in ns, with its interval (both medians resampled);
  pct      the same as a % of the untraced median.
Medians, not means: the runs are often bimodal (a reader that wakes on
the workload's CPU or not), and a mean then describes neither mode.
Files from before times_s was recorded give the medians and no interval.
Lines of the same place and configuration (two overhead.sh runs in one
file) are pooled first (results.pool_overhead): never the first of them.

Reconciliation.  One traced call runs the tracepoint's dispatch (entering
the tracepoint, BPF_ENABLE_STATS's clock reads, the program call) and the
program, which writes one record; the bench's cpu.producer_ns_per_event
times only the program.  reconcile() puts beside each per-call overhead
the bench's producer cost of the same bench and overwrite mode (for
"no reader" the overwrite scenario, else the no-reader one, under policy
none; with a reader the high-rate base point under the line's policy) and
the difference: dispatch,
plus whatever the reader makes the workload wait for.  The floor (percpu,
no reader) shows what dispatch alone costs.
"""

from . import pooled, stats
from .results import pool_overhead


def bench_of(o):
    """The bench variant of a line: its `bench`, else the config name
    without " no reader" (older files)."""
    if o.get("bench"):
        return o["bench"]
    c = o.get("config", "")
    return c[:-len(" no reader")] if c.endswith(" no reader") else c


def times(o):
    t = o.get("times_s")
    return t if isinstance(t, list) and len(t) >= pooled.MIN_SAMPLES else None


def rows(lines):
    """One dict per traced configuration, per place: where, config,
    bench, mechanism, reader, overwrite, policy, calls, wall, per_call,
    pct ({median, lo, hi} each; lo, hi None without times_s), runs;
    and "base", the untraced line's wall.  Places without an untraced
    line are left out."""
    out = []
    lines = pool_overhead(lines)
    for where in sorted({o["where"] for o in lines}):
        here = [o for o in lines if o["where"] == where]
        base = next((o for o in here if o["mechanism"] == "none"), None)
        if base is None:
            continue
        tb = times(base)
        for o in here:
            if o is base:
                continue
            t = times(o)
            calls = o["calls"]
            if t and tb:
                w = stats.bootstrap_median(t)
                pc = stats.bootstrap_of_medians(lambda a, b: (a - b) / calls * 1e9, [t, tb])
                pct = stats.bootstrap_of_medians(lambda a, b: 100 * (a / b - 1), [t, tb])
            else:
                m, mb = o["median_s"], base["median_s"]
                w, pc, pct = (m, None, None), ((m - mb) / calls * 1e9, None, None), \
                    (100 * (m / mb - 1), None, None)
            out.append({
                "where": where, "config": o["config"], "bench": bench_of(o),
                "mechanism": o["mechanism"], "reader": o["reader"],
                "overwrite": o.get("overwrite", o["mechanism"] == "relay"),
                "policy": o.get("policy"), "calls": calls, "runs": o["runs"],
                "wall": _fig(w), "per_call": _fig(pc), "pct": _fig(pct),
                "base": _fig(stats.bootstrap_median(tb) if tb else (base["median_s"], None, None)),
                "intervals": bool(t and tb),
            })
    return out


def _fig(t):
    return {"median": t[0], "lo": t[1], "hi": t[2]}


def producer_cost(results, row, rounds):
    """The bench's producer cost for an overhead row: (figure, where it
    comes from) or (None, why not).  "no reader": the overwrite scenario
    (policy none) of the same bench and overwrite mode; with a reader: the
    high-rate base point of the same bench under the row's policy."""
    if row["reader"] == "no":
        scens, pol = ("overwrite", "no-reader"), "none"
    elif row["policy"]:
        scens, pol = ("high-rate",), row["policy"]
    else:
        return None, "its reader ran under the bench's default notification, which no scenario measures"
    for scen in scens:
        f = _cost(results, row, rounds, scen, pol)
        if f is not None:
            return f, f"{scen}, {pol}"
    mode = " --overwrite" if row["overwrite"] else ""
    return None, f"no {' or '.join(scens)} result of {row['bench']}{mode} under {pol}"


def _cost(results, row, rounds, scen, pol):
    rs = []
    for r in results:
        p = r.get("params") or {}
        if (r["bench"] != row["bench"] or r["meta"]["where"] != row["where"]
                or bool(p.get("overwrite")) != bool(row["overwrite"])
                or pooled.scenario(r) != scen or pooled.policy(r) != pol):
            continue
        if scen == "high-rate" and not (p.get("producers") == 1 and p.get("rate") == 0
                                        and p.get("batch") == 1 and p.get("record_size") == 64):
            continue
        rs.append(r)
    return pooled.figure(rs, "producer", rounds) if rs else None


def reconcile(lines, results, rounds):
    """rows() with, per row, "producer" (the bench's producer cost figure
    or None), "source" (the scenario it comes from, or why it is
    missing) and "rest" (per-call overhead - producer cost, ns)."""
    out = []
    for row in rows(lines):
        f, src = producer_cost(results, row, rounds)
        row = dict(row, producer=f, source=src,
                   rest=None if f is None else row["per_call"]["median"] - f["median"])
        out.append(row)
    return out
