"""analysis.decision: per use case, relay against the ring buffer and the
perf buffer, each ratio with its interval and a verdict; and the RFC's
relay claims beside what a run measured.

The verdict rule (one for every use case)
-----------------------------------------
A ratio is relay's figure over a rival's with a 95 % interval [lo, hi].
It is read in the direction of the figure: for throughput and records
kept above 1 is better for relay, for costs, latency, ages and memory
below 1 (the rule then reads rival / relay).  With r the ratio so that
above 1 is better for relay:
  - "relay better"        when lo > 1 + MARGIN: the whole interval is above;
  - "relay worse"         when hi < 1 - MARGIN: the whole interval is below;
  - "no difference shown" when the interval contains 1;
  - "within 5 %"          otherwise: a difference too small to matter;
  - "no interval"         below MIN_ROUNDS samples a side: the ratio alone
                          decides nothing.
A computed figure (memory from the configurations) is exact: its
interval is the ratio itself.  A rival that recovers nothing while relay
recovers records loses outright ("relay better": the rival cannot).  A
point where a mechanism could not deliver the offered rate (saturated) is
not compared: "saturated".

The use cases (decision_rows)
-----------------------------
relay is relay-mmap (its mmap reader, which consumes and sleeps), the
rivals ringbuf-libbpf and perfbuf-libbpf, per place where relay ran:
  - streaming: the high-rate base point (1 producer, 64-byte records,
    batch 1, no rate limit, 1 MiB of buffer in all) under each matched
    policy (batch:BYTES, busy): records/s and producer ns/record;
  - latency: the latency scenario at each matched offered rate and
    policy: p99;
  - flight recorder: the overwrite scenario, each mechanism's overwrite
    mode (relay-mmap, ringbuf-custom, perfbuf-custom --overwrite), no
    wakeups: records kept, the time window they span, the newest record's
    age (freshness);
  - no-reader persistence: the no-reader scenario, the same variants:
    records a later reader recovers after the loader exited;
  - memory: buffer bytes each mechanism needs at 2, 16, 64 and 256 CPUs
    to keep what the flight recorder's ring buffer keeps (memory_rows);
  - traced-application overhead: hyperfine's per-call overhead
    (overhead.jsonl), with the reader running and with nobody reading.
A use case the run did not measure still gets its row, saying so.
"""

import math
import sys

from . import overhead, pooled, stats
from .results import BadInput, load_dir, load_overhead, pool_overhead, scenario

MARGIN = 0.05
MIN_ROUNDS = pooled.MIN_SAMPLES

CLAIMS = {"sampled": 2.3, "b2b": 1.8}   # relay / ringbuf-libbpf, the RFC
RFC_MODES = ("sampled", "b2b", "parallel")
RFC_BASE = "ringbuf-libbpf"
RFC_RELAY = ("relay-read", "relay-mmap")

RELAY = "relay-mmap"
RIVALS = (("ringbuf", "ringbuf-libbpf"), ("perfbuf", "perfbuf-libbpf"))
RECORDERS = {"relay": "relay-mmap", "ringbuf": "ringbuf-custom", "perfbuf": "perfbuf-custom"}

# The high-rate base point (scripts/scenarios/high-rate.sh).
BASE = {"producers": 1, "rate": 0, "batch": 1, "record_size": 64}
BASE_BUFFER = 1 << 20
CPU_COUNTS = (2, 16, 64, 256)
# The latency scenario's derived rate, as tables and plots name it: meant
# to be sustained by every mechanism, which a run may show it was not.
SUSTAINED = "90 % of the lowest base-point saturation"
PAGE = 4096


def verdict(ratio, lo, hi, n):
    """The verdict of a relay/rival ratio, above 1 better for relay, with
    interval [lo, hi] from n samples a side (see the module's
    documentation)."""
    if n < MIN_ROUNDS or lo is None or hi is None:
        return "no interval"
    if lo > 1 + MARGIN:
        return "relay better"
    if hi < 1 - MARGIN:
        return "relay worse"
    if lo <= 1 <= hi:
        return "no difference shown"
    return "within 5 %"


def judge(ratio, lo, hi, n, higher_better):
    """verdict() for relay / rival of a figure: where lower is better the
    rule reads rival / relay."""
    if higher_better or lo is None or hi is None:
        return verdict(ratio, lo, hi, n)
    if lo <= 0:
        return verdict(math.inf, math.inf, math.inf, n) if hi <= 0 else "no difference shown"
    return verdict(1 / ratio, 1 / hi, 1 / lo, n)


# ---- the RFC's modes ---------------------------------------------------

def rfc_rows(results, rounds=None):
    """One row per (place, mode, relay reader) that the run measured:
    where, mode, bench, claim (or None), ratio, lo, hi, n, method,
    verdict, and whether the claim lies inside the interval."""
    rounds = rounds or pooled.assign_rounds(results)
    rows = []
    rfc = [r for r in results if scenario(r) == "rfc-modes"]
    for where in sorted({r["meta"]["where"] for r in rfc}):
        for mode in RFC_MODES:
            def of(bench):
                return [r for r in rfc if r["bench"] == bench and r["meta"]["where"] == where
                        and (r.get("params") or {}).get("compat") == mode]
            base = of(RFC_BASE)
            for bench in RFC_RELAY:
                mine = of(bench)
                q = pooled.ratio(mine, base, "throughput", rounds) if mine and base else None
                if q is None:
                    continue
                claim = CLAIMS.get(mode)
                rows.append({
                    "where": where, "mode": mode, "bench": bench, "claim": claim,
                    "ratio": q["ratio"], "lo": q["lo"], "hi": q["hi"], "n": q["n"],
                    "method": q["method"], "verdict": verdict(q["ratio"], q["lo"], q["hi"], q["n"]),
                    "claim_inside": (None if claim is None or q["lo"] is None
                                     else q["lo"] <= claim <= q["hi"]),
                })
    return rows


KFUNC = "relay-mmap-kfunc"


def kfunc_rows(results, rounds=None):
    """What the upstreamable form costs: relay-mmap-kfunc (the producer
    through the bpf_relay_map_output() kfunc) over relay-mmap (the
    bpf_relay_output() helper) at each high-rate point where both ran
    (base point under each policy, 4 KiB records): producer ns/record
    and records/s, each with its interval and verdict."""
    rounds = rounds or pooled.assign_rounds(results)
    hr = [r for r in results if scenario(r) == "high-rate" and r["bench"] in (KFUNC, RELAY)
          and (r.get("params") or {}).get("producers") == 1
          and not (r.get("params") or {}).get("rate")
          and not (r.get("params") or {}).get("overwrite")]

    def point(r):
        p = r.get("params") or {}
        return (r["meta"]["where"], pooled.policy(r), p.get("record_size"), p.get("batch"),
                pooled.pow2_class(pooled.get(r, ("memory", "buffer_bytes"))))
    rows = []
    for key in sorted({point(r) for r in hr if r["bench"] == KFUNC}, key=str):
        kf = [r for r in hr if r["bench"] == KFUNC and point(r) == key]
        helper = [r for r in hr if r["bench"] == RELAY and point(r) == key]
        if not helper:
            continue
        where, pol, size, batch, buf = key
        for metric in ("producer", "throughput"):
            q = pooled.ratio(kf, helper, metric, rounds)
            if q is None:
                continue
            rows.append({"where": where, "policy": pol, "record_size": size, "batch": batch,
                         "buffer_bytes": buf, "metric": metric, "ratio": q["ratio"],
                         "lo": q["lo"], "hi": q["hi"], "n": q["n"], "method": q["method"],
                         "verdict": judge(q["ratio"], q["lo"], q["hi"], q["n"],
                                          pooled.higher_better(metric))})
    return rows


def render_kfunc(rows):
    """The rows as a markdown table, with how to read it."""
    out = ["| where | policy | record bytes | figure | kfunc / helper [95 % interval] | rounds "
           "| verdict for the kfunc |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        interval = f" [{x(r['lo'])}, {x(r['hi'])}]" if r["lo"] is not None else ""
        fig = "producer ns/record" if r["metric"] == "producer" else "records/s"
        verdict = r["verdict"].replace("relay", "kfunc")
        out.append(f"| {r['where']} | {r['policy']} | {r['record_size']} | {fig} "
                   f"| {x(r['ratio'])}{interval} | {r['n']} | {verdict} |")
    out += ["", "relay-mmap-kfunc is relay-mmap with its producer built to call the "
            "`bpf_relay_map_output()` kfunc, the form upstream would take (it accepts no new "
            "helpers), instead of the RFC's `bpf_relay_output()` helper: the same map, reader "
            "and records (high-rate scenario, 1 producer, no rate limit). A ratio near 1 means "
            "the upstreamable form costs what the helper costs."]
    return "\n".join(out) + "\n"


def x(v):
    """A ratio as text: 1.23x (3 significant digits beyond 10)."""
    if v is None:
        return "n/a"
    if math.isinf(v):
        return "∞"
    return f"{v:.2f}x" if v < 10 else f"{v:.3g}x"


def render_rfc(rows):
    """The rows as a markdown table, with how to read it."""
    out = ["| where | mode | relay reader | RFC claim | measured relay / ringbuf-libbpf "
           "[95 % interval] | rounds | verdict | claim reproduced |",
           "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        interval = f" [{x(r['lo'])}, {x(r['hi'])}]" if r["lo"] is not None else ""
        claim = x(r["claim"]) if r["claim"] is not None else "none"
        if r["claim"] is None:
            repro = "-"
        elif r["claim_inside"] is None:
            repro = "cannot tell (no interval)"
        else:
            repro = "yes" if r["claim_inside"] else "no"
        out.append(f"| {r['where']} | {r['mode']} | {r['bench']} | {claim} | {x(r['ratio'])}{interval} "
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


# ---- selection ------------------------------------------------------------

def is_base_point(r):
    p = r.get("params") or {}
    if not (scenario(r) == "high-rate" and all(p.get(k) == v for k, v in BASE.items())
            and not p.get("compat")):
        return False
    if r["bench"] == "percpu":
        return True
    return pooled.pow2_class(pooled.get(r, ("memory", "buffer_bytes"))) == BASE_BUFFER


def select(results, bench, where, pred, overwrite=False):
    return [r for r in results if r["bench"] == bench and r["meta"]["where"] == where
            and bool((r.get("params") or {}).get("overwrite")) == overwrite and pred(r)]


def _fig(f):
    return None if f is None else {k: f[k] for k in ("median", "lo", "hi", "n", "rounds")}


def compare_cell(mine, theirs, metric, rounds, saturated=False):
    """The ratio of relay's results over a rival's for metric, as a
    verdict.json cell: {bench figure, ratio, lo, hi, n, method, verdict}
    or {missing: why}."""
    if not theirs:
        return {"missing": "not measured"}
    fig = pooled.figure(theirs, metric, rounds)
    if fig is None:
        return {"missing": "not measured"}
    cell = {"figure": _fig(fig)}
    if not mine or pooled.figure(mine, metric, rounds) is None:
        return dict(cell, missing="relay not measured")
    higher = pooled.higher_better(metric)
    mf = pooled.figure(mine, metric, rounds)
    if fig["median"] == 0:
        if mf["median"] > 0 and higher and all(pooled.value(r, metric) == 0 for r in theirs):
            n = min(mf["n"], fig["n"])
            return dict(cell, ratio=math.inf, lo=math.inf, hi=math.inf, n=n, method="exact",
                        verdict="relay better" if n >= MIN_ROUNDS else "no interval",
                        note="the rival recovers nothing")
        return dict(cell, missing="rival's figure is 0")
    q = pooled.ratio(mine, theirs, metric, rounds)
    cell.update(ratio=q["ratio"], lo=q["lo"], hi=q["hi"], n=q["n"], method=q["method"])
    cell["verdict"] = ("saturated" if saturated else
                       judge(q["ratio"], q["lo"], q["hi"], q["n"], higher))
    return cell


def saturated_any(groups):
    return [g for g, rs in groups.items()
            if any((r.get("throughput") or {}).get("saturated") and (r.get("params") or {}).get("rate")
                   for r in rs)]


def measured_row(use, where, condition, metric, figure, mine, rivals, rounds, note=""):
    """A decision row from relay's results and each rival's."""
    groups = {"relay": mine, **{k: v for k, v in rivals.items()}}
    sat = saturated_any(groups)
    row = {"use_case": use, "where": where, "condition": condition, "figure": figure,
           "metric": metric, "unit": pooled.unit(metric),
           "better": "higher" if pooled.higher_better(metric) else "lower",
           "relay": {"bench": None if not mine else pooled.variant(mine[0]),
                     "figure": _fig(pooled.figure(mine, metric, rounds)) if mine else None},
           "rivals": {}, "note": note}
    for name, rs in rivals.items():
        cell = compare_cell(mine, rs, metric, rounds, saturated=bool(sat))
        cell["bench"] = pooled.variant(rs[0]) if rs else None
        row["rivals"][name] = cell
    if sat:
        row["note"] = (note + " " if note else "") + \
            f"saturated at this rate: {', '.join(sat)} delivered under 95 % of the offered records"
    return row


def missing_row(use, where, condition, figure, why):
    return {"use_case": use, "where": where, "condition": condition, "figure": figure,
            "metric": None, "unit": None, "better": None, "relay": None, "rivals": {},
            "note": why}


def _rivals(results, where, pred, overwrite=False, names=None):
    out = {}
    for name, bench in (names or RIVALS):
        out[name] = select(results, bench, where, pred, overwrite)
    return out


def streaming_rows(results, where, rounds):
    rows = []
    base = [r for r in results if r["meta"]["where"] == where and is_base_point(r)
            and r["bench"] == RELAY and not (r.get("params") or {}).get("overwrite")]
    pols = sorted({pooled.policy(r) for r in base},
                  key=lambda p: (pooled.policy_kind({"params": {"policy": p}}) != "batch", p))
    if not pols:
        return [missing_row("streaming", where, "high-rate base point", "records/s",
                            "not measured: no relay-mmap result at the high-rate base point")]
    for pol in pols:
        def pred(r, p=pol):
            return is_base_point(r) and pooled.policy(r) == p
        mine = select(results, RELAY, where, pred)
        rivals = _rivals(results, where, pred)
        cond = f"{pol}, 1 producer, 64-byte records, no rate limit, 1 MiB"
        for metric, fig in (("throughput", "records/s"), ("producer", "producer ns/record")):
            rows.append(measured_row("streaming", where, cond, metric, fig, mine, rivals, rounds))
    return rows


def latency_rows(results, where, rounds):
    lat = [r for r in results if r["meta"]["where"] == where and scenario(r) == "latency"
           and (r.get("params") or {}).get("producers") == 1]
    mine_all = [r for r in lat if r["bench"] == RELAY]
    if not mine_all:
        return [missing_row("latency", where, "matched offered rates", "p99 latency",
                            "not measured: no relay-mmap result in the latency scenario")]
    keys = sorted({(pooled.policy(r), pooled.matched_rate(r)) for r in mine_all},
                  key=lambda k: (pooled.policy_kind({"params": {"policy": k[0]}}) != "batch", k[0],
                                 math.inf if k[1] == "sustained" else k[1]))
    rows = []
    for pol, rate in keys:
        def pred(r, p=pol, q=rate):
            return (scenario(r) == "latency" and pooled.policy(r) == p
                    and pooled.matched_rate(r) == q and (r.get("params") or {}).get("producers") == 1)
        mine = select(results, RELAY, where, pred)
        offered = sorted({(r.get("params") or {}).get("rate") for r in mine})
        what = (f"{SUSTAINED}, " if rate == "sustained" else "") + \
            "/".join(f"{o / 1000:g} k" for o in offered) + " records/s"
        rows.append(measured_row("latency", where, f"{pol}, {what}", "p99", "p99 latency",
                                 mine, _rivals(results, where, pred), rounds))
    return rows


def _recorder_rivals(results, where, pred):
    return {name: select(results, RECORDERS[name], where, pred, overwrite=True)
            for name in ("ringbuf", "perfbuf")}


def recorder_rows(results, where, rounds):
    def pred(r):
        return scenario(r) == "overwrite"
    mine = select(results, RECORDERS["relay"], where, pred, overwrite=True)
    if not mine:
        return [missing_row("flight recorder", where, "overwrite scenario", "records kept",
                            "not measured: no relay-mmap --overwrite result in the overwrite scenario")]
    p = mine[0].get("params") or {}
    n = p.get("producers")
    cond = (f"overwrite mode, policy none, {n} producer{'' if n == 1 else 's'}, "
            f"{_bytes(pooled.get(mine[0], ('memory', 'buffer_bytes')))}")
    rivals = _recorder_rivals(results, where, pred)
    note_kept = ("relay loses the sub-buffer being written, about 1/(2n) of its capacity "
                 "with n sub-buffers per CPU")
    out = []
    for metric, fig, note in (("recovered", "records kept", note_kept),
                              ("window", "time window the kept records span", ""),
                              ("newest_age", "newest record's age (freshness)", "")):
        out.append(measured_row("flight recorder", where, cond, metric, fig, mine, rivals,
                                rounds, note))
    return out


def persistence_rows(results, where, rounds):
    def pred(r):
        return scenario(r) == "no-reader"
    mine = select(results, RECORDERS["relay"], where, pred, overwrite=True)
    if not mine:
        return [missing_row("no-reader persistence", where, "no-reader scenario", "records recovered",
                            "not measured: no relay-mmap --overwrite result in the no-reader scenario")]
    return [measured_row("no-reader persistence", where,
                         "the loader pinned everything and exited; a reader came later",
                         "recovered", "records recovered", mine,
                         _recorder_rivals(results, where, pred), rounds,
                         "the perf buffer cannot outlive its reader")]


# ---- memory, computed from the configurations --------------------------------

def _bytes(b):
    if b is None:
        return "n/a"
    if b >= 1 << 30:
        return f"{b / (1 << 30):.3g} GiB"
    if b >= 1 << 20:
        return f"{b / (1 << 20):.3g} MiB"
    return f"{b / 1024:.3g} KiB"


def pow2_ceil(n):
    return 1 << max(0, math.ceil(math.log2(max(n, 1))))


def relay_bytes_per_cpu(keep):
    """Relay bytes per CPU that keep `keep` bytes of records: sub-buffers of
    64 KiB halved (down to a page) until a CPU has at least 4, as
    scripts/scenarios/common.sh gives relay; n of them hold n - 1/2 on
    average (the one being written is half full)."""
    subbuf = 65536
    while keep / subbuf < 4 and subbuf > PAGE:
        subbuf //= 2
    n = max(2, math.ceil(keep / subbuf + 0.5))
    return subbuf * n


def perfbuf_bytes_per_cpu(keep):
    """A perf ring per CPU: a power of two of data pages, and its header page."""
    return (pow2_ceil(math.ceil(keep / PAGE)) + 1) * PAGE


def memory_for(keep, cpus, one_cpu):
    """{mechanism: bytes} to keep `keep` bytes of records on `cpus` CPUs;
    one_cpu: every record comes from one CPU (the per-CPU buffers must
    each hold it all), else from every CPU alike."""
    per = keep if one_cpu else keep / cpus
    return {"ringbuf": pow2_ceil(keep),
            "perfbuf": cpus * perfbuf_bytes_per_cpu(per),
            "relay": cpus * relay_bytes_per_cpu(per)}


def memory_rows(results, where):
    rb = [r for r in results if r["meta"]["where"] == where and scenario(r) == "overwrite"
          and r["bench"].startswith("ringbuf")]
    keep = next((pooled.get(r, ("params", "rb_size")) for r in rb
                 if pooled.get(r, ("params", "rb_size"))), None)
    if keep is None:
        return [dict(missing_row("memory", where, "same retention", "buffer bytes",
                                 "not computed: no ring buffer configuration in the overwrite scenario"),
                     headline=True)]
    rows = []
    for one_cpu, load in ((True, "one CPU writes every record"), (False, "every CPU writes alike")):
        for cpus in CPU_COUNTS:
            m = memory_for(keep, cpus, one_cpu)
            row = {"use_case": "memory", "where": where,
                   "condition": f"{cpus} CPUs, {load}, keeping {_bytes(keep)} of records",
                   "figure": "buffer bytes", "metric": "memory", "unit": "bytes", "better": "lower",
                   "relay": {"bench": "relay", "figure": {"median": m["relay"], "lo": m["relay"],
                                                          "hi": m["relay"], "n": 1, "rounds": 0}},
                   "rivals": {}, "note": "computed from the configurations, not measured",
                   "cpus": cpus, "one_cpu": one_cpu, "headline": False}
            for name in ("ringbuf", "perfbuf"):
                q = m["relay"] / m[name]
                row["rivals"][name] = {"bench": name, "figure": {"median": m[name], "lo": m[name],
                                                                 "hi": m[name], "n": 1, "rounds": 0},
                                       "ratio": q, "lo": q, "hi": q, "n": math.inf, "method": "exact",
                                       "verdict": judge(q, q, q, math.inf, False)}
            rows.append(row)
    return rows


# ---- traced-application overhead -------------------------------------------------

def overhead_rows(lines, where):
    if lines is None:
        return [missing_row("traced-application overhead", where, "hyperfine", "ns per traced call",
                            "not measured: this run has no overhead.jsonl")]
    here = pool_overhead([o for o in lines if o["where"] == where])
    rows = overhead.rows(here)
    out = []
    for reader, cond in (("yes", "reader running"), ("no", "nobody reading")):
        by = {r["mechanism"]: r for r in rows if r["reader"] == reader}
        if "relay" not in by:
            out.append(missing_row("traced-application overhead", where, cond, "ns per traced call",
                                   "not measured: no relay line in overhead.jsonl"))
            continue
        me = by["relay"]
        line_of = {o["config"]: o for o in here}     # one per config: pooled
        samples = {m: (r, line_of[r["config"]]) for m, r in by.items()}
        base = next(o for o in here if o["mechanism"] == "none")
        row = {"use_case": "traced-application overhead", "where": where, "condition": cond,
               "figure": "ns per traced call", "metric": "per_call", "unit": "ns", "better": "lower",
               "relay": {"bench": me["config"], "figure": dict(me["per_call"], n=me["runs"], rounds=1)},
               "rivals": {}, "note": "hyperfine medians; per call: (traced - untraced) / calls"}
        for name, _ in RIVALS:
            if name not in by:
                row["rivals"][name] = {"missing": "not measured", "bench": None}
                continue
            them = by[name]
            cell = {"bench": them["config"], "figure": dict(them["per_call"], n=them["runs"], rounds=1)}
            t_me, t_them, t_base = (overhead.times(samples["relay"][1]),
                                    overhead.times(samples[name][1]), overhead.times(base))
            if t_me and t_them and t_base:
                def excess_ratio(a, b, c):
                    return None if b - c <= 0 else (a - c) / (b - c)
                est, lo, hi = stats.bootstrap_of_medians(excess_ratio, [t_me, t_them, t_base])
                n = min(len(t_me), len(t_them))
            else:
                d = them["per_call"]["median"]
                est, lo, hi = (me["per_call"]["median"] / d if d > 0 else None), None, None
                n = min(me["runs"], them["runs"])
            if est is None:
                cell["missing"] = "the rival shows no overhead"
            else:
                cell.update(ratio=est, lo=lo, hi=hi, n=n, method="bootstrap" if lo is not None else None,
                            verdict=judge(est, lo, hi, n, False))
            row["rivals"][name] = cell
        if not me["intervals"]:
            row["note"] += "; no per-run times in this overhead.jsonl (older format): no interval"
        out.append(row)
    return out


# ---- all rows ------------------------------------------------------------

def decision_rows(results, overhead_lines=None, rounds=None):
    """Every decision row, per place where relay ran (or, when it ran
    nowhere, one row per use case saying so)."""
    rounds = rounds or pooled.assign_rounds(results)
    places = sorted({r["meta"]["where"] for r in results if r["bench"].startswith("relay")})
    if not places:
        where = "-"
        why = ("not measured: this run has no relay result (the relay map exists only in the "
               "patched kernel: scripts/run_all.sh --vm)")
        return [dict(missing_row(use, where, "", fig, why), headline=True) for use, fig in (
            ("streaming", "records/s, producer ns/record"), ("latency", "p99 latency"),
            ("flight recorder", "records kept, time window, freshness"),
            ("no-reader persistence", "records recovered"), ("memory", "buffer bytes"),
            ("traced-application overhead", "ns per traced call"))]
    rows = []
    for where in places:
        rows += mark_headlines(streaming_rows(results, where, rounds), _streaming_headline)
        lat = latency_rows(results, where, rounds)
        best = _pick_latency(lat)
        rows += mark_headlines(lat, lambda r, b=best: r is b)
        rows += mark_headlines(recorder_rows(results, where, rounds), lambda r: r["metric"] == "recovered")
        rows += mark_headlines(persistence_rows(results, where, rounds), lambda r: True)
        rows += memory_rows(results, where)
        rows += mark_headlines(overhead_rows(overhead_lines, where), lambda r: True)
    return rows


def mark_headlines(rows, pick):
    """Sets row["headline"]: the rows the decision's first table shows
    (the others are in the table of every comparison); the first row
    when pick() takes none."""
    for r in rows:
        r["headline"] = bool(r["relay"] is not None and pick(r))
    if rows and not any(r["headline"] for r in rows):
        rows[0]["headline"] = True
    return rows


def _streaming_headline(r):
    return r["condition"].startswith("batch")


def _pick_latency(rows):
    """The batch policy at the highest fixed rate where every mechanism
    delivered what was offered (latency_rows sorts rates up)."""
    ok = [r for r in rows if r["relay"] is not None and r["condition"].startswith("batch")
          and "saturated" not in r["note"] and SUSTAINED not in r["condition"]]
    return ok[-1] if ok else None


# ---- rendering ---------------------------------------------------------------

def fmt(v, u):
    """A value in its unit, 3 significant digits, for tables."""
    if v is None:
        return "n/a"
    if u in ("ns",):
        for lim, s in ((1e9, "s"), (1e6, "ms"), (1e3, "µs")):
            if abs(v) >= lim:
                return f"{v / lim:.3g} {s}"
        return f"{v:.3g} ns"
    if u == "ns/record":
        return fmt(v, "ns")
    if u == "s":
        return fmt(v * 1e9, "ns")
    if u == "bytes":
        return _bytes(v)
    if u in ("%",):
        return f"{v:.3g} %" if abs(v) < 1000 else f"{v:.0f} %"
    if u == "fraction":
        return f"{100 * v:.3g} %"
    for lim, s in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= lim:
            return f"{v / lim:.3g} {s}"
    return f"{v:.3g}"


def fmt_fig(f, u):
    if f is None:
        return "n/a"
    s = fmt(f["median"], u)
    if f.get("lo") is not None and f.get("hi") is not None and f["lo"] != f["hi"]:
        s += f" [{fmt(f['lo'], u)}, {fmt(f['hi'], u)}]"
    return s


def _cell(c):
    if c is None:
        return "n/a", ""
    if "ratio" not in c:
        return c.get("missing", "n/a"), ""
    interval = ""
    # an exact figure (computed, or a rival that recovered nothing) has no
    # interval to show; a measured one shows its own even when narrow
    if c.get("lo") is not None and c.get("method") != "exact":
        interval = f" [{x(c['lo'])}, {x(c['hi'])}]"
    return f"{x(c['ratio'])}{interval}", c["verdict"]


def _row_line(row):
    if row["relay"] is None:
        return (f"| {row['use_case']} | {row['where']} | {row['condition']} | {row['figure']} "
                f"| {row['note']} | | | | | |")
    rb, rb_v = _cell(row["rivals"].get("ringbuf"))
    pb, pb_v = _cell(row["rivals"].get("perfbuf"))
    ns = [c["n"] for c in row["rivals"].values() if isinstance(c.get("n"), int)]
    n = "computed" if row["metric"] == "memory" else (max(ns) if ns else "")
    relay = fmt_fig(row["relay"]["figure"], row["unit"]) if row["relay"]["figure"] else "not measured"
    return (f"| {row['use_case']} | {row['where']} | {row['condition']} | {row['figure']} "
            f"| {relay} | {rb} | {rb_v} | {pb} | {pb_v} | {n} |")


def _memory_line(rows):
    """The memory rows of one place folded into one line: the ratios at
    each CPU count, for both loads."""
    where = rows[0]["where"]
    cells = {}
    for name in ("ringbuf", "perfbuf"):
        parts, verdicts = [], set()
        for one_cpu, load in ((True, "one CPU writes"), (False, "all CPUs alike")):
            rs = [r for r in rows if r.get("one_cpu") == one_cpu]
            parts.append(" · ".join(x(r["rivals"][name]["ratio"]) for r in rs) + f" ({load})")
            verdicts |= {r["rivals"][name]["verdict"] for r in rs}
        v = verdicts.pop() if len(verdicts) == 1 else "depends on the CPU count"
        cells[name] = ("; ".join(parts), v)
    keep = rows[0]["condition"].split("keeping ")[-1]
    cpus = "/".join(str(r["cpus"]) for r in rows if r.get("one_cpu"))
    return (f"| memory | {where} | {cpus} CPUs, keeping {keep} | buffer bytes "
            f"| computed | {cells['ringbuf'][0]} | {cells['ringbuf'][1]} "
            f"| {cells['perfbuf'][0]} | {cells['perfbuf'][1]} | computed |")


HEAD = ["| use case | where | condition | figure | relay | relay / ringbuf [95 %] | verdict "
        "| relay / perfbuf [95 %] | verdict | n |",
        "|---|---|---|---|---|---|---|---|---|---|"]


def render_decision(rows):
    """The decision: one table of each use case's headline rows, how to
    read it, then every comparison."""
    out = list(HEAD)
    done_memory = set()
    for row in rows:
        if row["use_case"] == "memory" and "cpus" in row:
            if row["where"] not in done_memory:
                done_memory.add(row["where"])
                out.append(_memory_line([r for r in rows if r["use_case"] == "memory"
                                         and r["where"] == row["where"] and "cpus" in r]))
        elif row.get("headline"):
            out.append(_row_line(row))
    out += ["",
            f"relay is `{RELAY}` (flight recorder and persistence: each mechanism's overwrite mode, "
            "`relay-mmap`, `ringbuf-custom`, `perfbuf-custom --overwrite`), the rivals "
            "`ringbuf-libbpf` and `perfbuf-libbpf`, each under the same notification policy, "
            "offered rate and buffer bytes. Figures are medians over every result of a "
            "configuration with a seeded bootstrap 95 % interval; a ratio's interval comes from "
            "the rounds as pairs when both sides have the same rounds, else from resampling both "
            "sides; n is the number of rounds or samples behind it. "
            f"Rule: \"relay better\" or \"worse\" only when the whole interval lies beyond "
            f"±{MARGIN * 100:.0f} % (for costs, latency, ages and memory lower is better), "
            "\"no difference shown\" when it holds 1, \"within 5 %\" when it excludes 1 "
            f"but not ±5 %, \"no interval\" below {MIN_ROUNDS} rounds "
            "(`scripts/run_all.sh --rounds 5`). Memory is computed from the configurations "
            "for 2, 16, 64 and 256 CPUs: the bytes each mechanism needs to keep what the flight "
            "recorder's ring buffer keeps, when one CPU writes every record (each per-CPU buffer "
            "must hold it all) and when every CPU writes alike."]
    notes = sorted({r["note"] for r in rows if r["relay"] is not None and r["note"]})
    if notes:
        out += [""] + [f"- {n}" for n in notes]
    detail = [r for r in rows if r["relay"] is not None and not r.get("headline")]
    if detail:
        out += ["", "### Every comparison", "", *HEAD]
        out += [_row_line(r) for r in detail]
    return "\n".join(out) + "\n"


def verdict_doc(rows, rfc, kfunc=None):
    """verdict.json: the rule, the decision rows, the RFC rows and the
    kfunc's cost against the helper."""
    def clean(v):
        if isinstance(v, float) and not math.isfinite(v):
            return "inf" if v > 0 else "-inf"
        if isinstance(v, dict):
            return {k: clean(u) for k, u in v.items()}
        if isinstance(v, list):
            return [clean(u) for u in v]
        return v
    return clean({"rule": {"margin": MARGIN, "min_rounds": MIN_ROUNDS, "level": stats.LEVEL,
                           "seed": stats.SEED, "resamples": stats.RESAMPLES},
                  "decision": rows, "rfc": rfc, "kfunc": kfunc or []})


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


def main_decide(argv):
    """decide RESULT-DIR: the decision table, markdown on stdout; exit 2 on
    bad input."""
    if len(argv) != 1 or argv[0].startswith("-"):
        print("usage: python3 -m analysis decide RESULT-DIR", file=sys.stderr)
        return 2
    d = argv[0].rstrip("/") or "/"
    try:
        _, results = load_dir("result", d)
        lines = load_overhead(d)
    except BadInput as e:
        print(f"decide: {e}", file=sys.stderr)
        return 2
    sys.stdout.write(render_decision(decision_rows(results, lines)))
    return 0
