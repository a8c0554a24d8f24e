"""analysis.report: DIR/report.md and DIR/verdict.json from a result
directory (scripts/report.sh runs it).

  python3 -m analysis report RESULT-DIR

report.md, in this order:
  ## Decision      per use case relay against the ring buffer and the perf
                   buffer, ratios with 95 % intervals and verdicts
                   (analysis/decision.py, which states the rule);
  ## The RFC's claims   beside the ratios measured in the kernel bench's
                   modes (rfc-modes), or why there are none;
  ## Caveats       what limits the reading: TCG against native with the
                   transfer check, the CPU count, the host being a VM, the
                   rounds, provenance, the series' known limits, data the
                   run lacks;
  ## Detail        per place the tables behind the decision, each figure
                   pooled over every result of its configuration: the
                   streaming base point per policy, latency per policy and
                   rate, the snapshots, the traced-application overhead
                   reconciled with the bench's producer cost;
  ## Plots         every plot in plots/ with how to read it;
  ## Metadata      meta.json and what each place's results recorded.
verdict.json holds the decision rows and the RFC rows (numbers in full
precision; infinite ratios as "inf").  Both are written to a temporary
file and renamed.  Exit 0, 2 on bad input, 1 when a file cannot be
written.
"""

import glob
import json
import os
import re
import sys

from . import decision, overhead, pooled
from .decision import fmt, fmt_fig, x
from .results import BadInput, load_dir, load_overhead, mechanism, scenario, time_base, to_json

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MECH_RANK = {"relay": 0, "ringbuf": 1, "perfbuf": 2, "percpu": 3}
REFERENCE_BENCH = "ringbuf-libbpf"

# One sentence per plot kind on how to read it (scripts/plot.sh draws them).
PLOTS = [
    ("producer_cpu", "The BPF program's own run time per record, the cost a traced application "
     "pays, on a log scale; the grey band is the percpu floor (the same producer copying the record "
     "into per-CPU memory) from its pooled results, so the height above it is the mechanism's own "
     "cost. Bars: 95 % interval over the rounds, or min-max over one result's iterations."),
    ("throughput_vs_producers", "One point per producer count and bench with its 95 % interval "
     "(min-max with one round); a hollow point shares a CPU with the consumer (placement shared), "
     "so it measures contention, not scaling."),
    ("throughput_vs_size", "Left, records per second; right, the bytes they carry: a mechanism "
     "that copies or frames more per record drops faster on the left as records grow."),
    ("latency_cdf", "One panel per offered rate, every mechanism at the same rate and policy: the "
     "further left and the steeper a curve, the sooner records reach the consumer."),
    ("latency_tail", "The tail (p99 to max) of the same distributions on a log scale: where a "
     "mechanism's worst records land."),
    ("loss_vs_rate", "Delivered over offered records against the offered rate measured "
     "(`produced_per_s`): 1 is no loss; colour is the mechanism, dash the policy. A line that leaves "
     "1 is past that mechanism's capacity. A circled point did not reach the rate requested (under "
     "95 %, saturated): the producer, not the buffer, set its offered rate, so a point near 1 there "
     "is no evidence of capacity."),
    ("overwrite", "Per flight recorder, records kept (top, % of what fits) and the time window "
     "they span (bottom: newest to oldest record age when the producers stopped, a range per bench): "
     "a fresh snapshot starts near 0 and a long bar keeps more history."),
    ("subbuf_heatmap", "Each cell is one relay sub-buffer size and count; colour is loss on a log "
     "scale (green 0.01 % or less, red 100 %), the text gives loss, p99 latency and memory per "
     "CPU; the boxed cell is tune_subbuf.sh's recommendation, the least memory that meets the "
     "targets."),
]


def _rank(r):
    return (MECH_RANK.get(mechanism(r), 9), r["bench"], bool((r.get("params") or {}).get("overwrite")))


# ---- detail tables ------------------------------------------------------------

def _ratio_text(q):
    if q is None:
        return ""
    s = x(q["ratio"])
    if q["lo"] is not None and q["lo"] != q["hi"]:
        s += f" [{x(q['lo'])}, {x(q['hi'])}]"
    return f" ({s})"


def _group_by_variant(results):
    out = {}
    for r in sorted(results, key=_rank):
        out.setdefault(pooled.variant(r), []).append(r)
    return out


def _buffer(rs):
    b = sorted({pooled.get(r, ("memory", "buffer_bytes")) for r in rs} - {None})
    return decision._bytes(pooled.pow2_class(b[0])) if b else "n/a"


def streaming_tables(results, where, rounds):
    """The high-rate base point per policy: values and ratios to the ring
    buffer of the same table; the floor beside every policy."""
    base = [r for r in results if r["meta"]["where"] == where and decision.is_base_point(r)]
    floor = [r for r in base if r["bench"] == "percpu"]
    out = []
    pols = sorted({pooled.policy(r) for r in base if r["bench"] != "percpu"} - {None},
                  key=lambda p: (not p.startswith("batch"), p))
    for pol in pols:
        rs = [r for r in base if pooled.policy(r) == pol and r["bench"] != "percpu"]
        groups = _group_by_variant(rs + floor)
        ref = groups.get(REFERENCE_BENCH)
        out += ["", f"#### {where} / high-rate base point / {pol}", "",
                f"1 producer, 64-byte records, batch 1, no rate limit, {_buffer(rs)} of buffer; "
                f"ratios to `{REFERENCE_BENCH}` in this table"
                + ("" if ref else f" (none: `{REFERENCE_BENCH}` was not measured here)") + ".", "",
                "| bench | records/s | producer ns/record | loss | p99 latency | reader CPU "
                "| wakeups/s | results |",
                "|---|---|---|---|---|---|---|---|"]
        for name, g in groups.items():
            floor_row = name == "percpu"
            cells = []
            for metric in ("throughput", "producer"):
                f = pooled.figure(g, metric, rounds)
                q = pooled.ratio(g, ref, metric, rounds) if ref and g is not ref else None
                cells.append(fmt_fig(f, pooled.unit(metric)) + _ratio_text(q))
            loss = pooled.figure(g, "loss", rounds)
            p99 = pooled.figure(g, "p99", rounds)
            cpu = pooled.figure(g, "consumer_cpu", rounds)
            wk = pooled.figure(g, "wakeups", rounds)
            label = "percpu (floor, no reader)" if floor_row else name
            out.append(f"| {label} | {cells[0]} | {cells[1]} | {fmt_fig(loss, '%')} "
                       f"| {'n/a' if floor_row else fmt_fig(p99, 'ns')} "
                       f"| {'n/a' if floor_row else fmt_fig(cpu, '%')} "
                       f"| {'n/a' if floor_row else fmt_fig(wk, '1/s')} | {len(g)} |")
    return out


def latency_tables(results, where, rounds):
    lat = [r for r in results if r["meta"]["where"] == where and scenario(r) == "latency"]
    out = []
    for pol in sorted({pooled.policy(r) for r in lat} - {None}, key=lambda p: (not p.startswith("batch"), p)):
        rs = [r for r in lat if pooled.policy(r) == pol]
        out += ["", f"#### {where} / latency / {pol}", "",
                "Every mechanism at the same offered rates; \"saturated\": under 95 % of the "
                "offered records delivered, so its latency is that of a full buffer.", "",
                "| offered records/s | bench | delivered / offered | p50 | p99 | max | reader CPU "
                "| results |", "|---|---|---|---|---|---|---|---|"]
        rates = sorted({(r.get("params") or {}).get("rate") or 0 for r in rs})
        for rate in rates:
            at = [r for r in rs if ((r.get("params") or {}).get("rate") or 0) == rate]
            for name, g in _group_by_variant(at).items():
                off = [pooled.get(r, ("throughput", "offered_per_s")) or rate for r in g]
                dl = [pooled.value(r, "throughput") for r in g]
                share = [d / o for d, o in zip(dl, off) if d is not None and o]
                sat = any((r.get("throughput") or {}).get("saturated") for r in g)
                deliv = (f"{100 * pooled.stats.median(share):.1f} %" if share else "n/a") + \
                    (" saturated" if sat else "")
                out.append(f"| {fmt(rate, '')} | {name} | {deliv} "
                           f"| {fmt_fig(pooled.figure(g, 'p50', rounds), 'ns')} "
                           f"| {fmt_fig(pooled.figure(g, 'p99', rounds), 'ns')} "
                           f"| {fmt_fig(pooled.figure(g, 'max', rounds), 'ns')} "
                           f"| {fmt_fig(pooled.figure(g, 'consumer_cpu', rounds), '%')} | {len(g)} |")
    return out


def snapshot_tables(results, where, rounds):
    out = []
    for scen, what in (("overwrite", "flight recorder: producers on every CPU write far past "
                        "capacity, nobody reads, no wakeups; then one snapshot read"),
                       ("no-reader", "the loader pinned link, counters and buffer and exited; "
                        "a reader recovered from the pins later")):
        rs = [r for r in results if r["meta"]["where"] == where and scenario(r) == scen
              and mechanism(r) != "percpu"]
        if not rs:
            continue
        out += ["", f"#### {where} / {scen}", "",
                f"{what}; percpu is no flight recorder and is left out.", "",
                "| bench | retention | records kept | time window | newest record | newest age "
                "| oldest age | producer ns/record | results |",
                "|---|---|---|---|---|---|---|---|---|"]
        relay_seen = False
        for name, g in _group_by_variant(rs).items():
            present = [bool((r.get("snapshot") or {}).get("newest_present")) for r in g]
            newest = ("kept" if all(present) else "lost" if not any(present)
                      else f"kept in {sum(present)} of {len(present)}")
            nothing = all(pooled.nothing_recovered(r) for r in g)
            age = "n/a (nothing recovered)" if nothing else None
            out.append(f"| {name} | {fmt_fig(pooled.figure(g, 'retention', rounds), 'fraction')} "
                       f"| {fmt_fig(pooled.figure(g, 'recovered', rounds), '')} "
                       f"| {age or fmt_fig(pooled.figure(g, 'window', rounds), 'ns')} | {newest} "
                       f"| {age or fmt_fig(pooled.figure(g, 'newest_age', rounds), 'ns')} "
                       f"| {age or fmt_fig(pooled.figure(g, 'oldest_age', rounds), 'ns')} "
                       f"| {fmt_fig(pooled.figure(g, 'producer', rounds), 'ns')} | {len(g)} |")
            relay_seen |= mechanism(g[0]) == "relay"
        if relay_seen:
            out += ["", "_relay keeps its whole sub-buffers and the one being written, on average "
                    "half full: with n sub-buffers per CPU it loses about 1/(2n) of its capacity "
                    "(1/16 with 8)._"]
    return out


def overhead_table(lines, results, rounds):
    if lines is None:
        return ["", "No `overhead.jsonl` in this run: the traced-application overhead was not "
                "measured (`scripts/run_all.sh` without `--only`/`--mechanisms` measures it)."]
    rows = overhead.reconcile(lines, results, rounds)
    out = ["", "### Traced-application overhead", "",
           "hyperfine timed `rlb_workload` (getpgid() calls) untraced and with each producer "
           "attached to every process. Medians of the runs with bootstrap 95 % intervals; per "
           "call: (traced - untraced) / calls. Beside it the bench's own producer cost of the "
           "same bench (BPF program run time per record): the difference is what a traced call "
           "pays outside the program (the tracepoint's dispatch and BPF_ENABLE_STATS's clock "
           "reads; with a reader, whatever the reader makes the caller wait for). The floor "
           "(percpu) shows dispatch alone.", "",
           "| where | configuration | wall time | overhead | per traced call | bench producer cost "
           "| rest of the call |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        prod = (f"{fmt_fig(r['producer'], 'ns')} ({r['source']})" if r["producer"]
                else f"n/a ({r['source']})")
        rest = fmt(r["rest"], "ns") if r["rest"] is not None else "n/a"
        out.append(f"| {r['where']} | {r['config']} | {fmt_fig(r['wall'], 's')} "
                   f"| {fmt_fig(r['pct'], '%')} | {fmt_fig(r['per_call'], 'ns')} | {prod} | {rest} |")
    if any(not r["intervals"] for r in rows):
        out += ["", "_This overhead.jsonl has no per-run times (written before `times_s`): "
                "medians without intervals._"]
    if any(r["reader"] == "yes" and not r["policy"] for r in rows):
        out += ["", "_Its readers ran under each bench's default notification (a wakeup per "
                "record for the ring and perf buffers), not a matched policy: the \"reader "
                "running\" overhead measures wakeups more than the mechanisms._"]
    return out


# ---- caveats ------------------------------------------------------------------

def _places(results):
    out = {}
    for r in results:
        out.setdefault(r["meta"]["where"], []).append(r)
    return out


def transfer_check(results, rounds):
    """{where: ratio of the floor's producer cost over the ring buffer's
    at the base point under batch}."""
    out = {}
    for where, rs in _places(results).items():
        base = [r for r in rs if decision.is_base_point(r)]
        floor = [r for r in base if r["bench"] == "percpu"]
        rb = [r for r in base if r["bench"] == REFERENCE_BENCH
              and pooled.policy_kind(r) == "batch" and not (r.get("params") or {}).get("overwrite")]
        if floor and rb:
            out[where] = pooled.ratio(floor, rb, "producer", rounds)
    return out


def known_limits(path=None):
    """The kernel series' known limits, as kernel/README.md's "Known limits"
    section states them: the report repeats them and never keeps its own."""
    path = path or os.path.join(ROOT, "kernel", "README.md")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        text = ""
    m = re.search(r"^##+ Known limits[^\n]*\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    if not m:
        return ["- not stated: [`kernel/README.md`](../../kernel/README.md) has no \"Known limits\" section"]
    return m.group(1).strip().splitlines() + [
        "", "(from [`kernel/README.md`](../../kernel/README.md), \"Known limits\")"]


def caveats(meta, results, lines, rounds):
    out = ["## Caveats", ""]
    places = _places(results)
    for where, rs in sorted(places.items()):
        m = rs[0]["meta"]
        accel = {r["meta"].get("accelerator") for r in rs} - {None}
        nproc = sorted({r["meta"].get("nproc") for r in rs} - {None})
        hyp = any(r["meta"].get("hypervisor") for r in rs)
        what = (f"- **{where}**: kernel {m.get('kernel', 'unknown')}, {m.get('cpu_model', 'unknown CPU')}, "
                f"{'/'.join(map(str, nproc)) or 'unknown'} CPUs")
        if where == "vm":
            a = "/".join(sorted(accel)) or "unknown"
            what += f", accelerator {a}"
            if "tcg" in accel:
                what += (": TCG emulates the CPU instruction by instruction, so its costs are not a "
                         "machine's, and ratios between mechanisms can differ from native (see the "
                         "transfer check)")
        elif hyp:
            what += (": the host is itself a virtual machine (the CPU reports a hypervisor), so "
                     "native timings include its virtualisation (an IPI, hence every wakeup, "
                     "costs a VM exit)")
        out.append(what + ".")
    tc = transfer_check(results, rounds)
    if tc:
        parts = [f"{w} {x(q['ratio'])}" + (f" [{x(q['lo'])}, {x(q['hi'])}]" if q["lo"] is not None else "")
                 for w, q in sorted(tc.items())]
        line = ("- **Transfer check**: the percpu floor's producer cost over the ring buffer's "
                "(base point, batch policy), measured in both places of this run: " + ", ".join(parts) + ".")
        if len(tc) == 2:
            q = tc["vm"]["ratio"] / tc["native"]["ratio"]
            line += (f" The guest's ratio is {x(q)} the native one: "
                     + ("ratios measured in the guest carry over to native within 10 %." if 0.9 <= q <= 1.1
                        else "ratios between mechanisms measured in the guest do not carry over to "
                        "native as they are; read the VM's verdicts as the guest's."))
        else:
            line += " Only one place measured both: no comparison."
        out.append(line)
    else:
        out.append("- **Transfer check**: not possible: this run lacks the floor or the ring buffer "
                   "at the base point in a place.")
    ncpu = max((r["meta"].get("nproc") or 0 for r in results), default=0)
    shared = sum(1 for r in results if (r.get("params") or {}).get("placement") == "shared")
    out.append(f"- **CPU count**: {ncpu} CPUs. Scaling across many CPUs cannot be seen here; "
               f"{shared} results ran with more threads than CPUs (placement `shared`: a consumer "
               "shares a producer's CPU), and the memory row is computed, not measured, for larger "
               "machines. A many-core KVM host or a host booted into the patched kernel "
               "(README) measures scaling.")
    nrounds = max(rounds.values(), default=0)
    tagged = all(isinstance(r.get("round"), int) for r in results)
    timing = sorted({(p.get("warmup_s"), p.get("duration_s"), p.get("iterations"))
                     for p in (r.get("params") or {} for r in results)})
    t = ", ".join(f"-w {a} -d {b} -i {c}" for a, b, c in timing)
    out.append(f"- **Rounds**: {nrounds} ({'tagged' if tagged else 'inferred: the results carry no `round`'}); "
               f"timing {t}. "
               + ("Below 3 rounds there are no intervals and no verdicts: the ratios say where to "
                  "look, not what to conclude." if nrounds < 3 else ""))
    revs = sorted({r["meta"].get("git_rev") for r in results} - {None})
    prov = f"- **Provenance**: meta.json names revision {meta.get('git_rev', 'unknown')}, the results " \
           f"{', '.join(revs) or 'none'}"
    if revs != [meta.get("git_rev")]:
        prov += ": they disagree, so the bench that measured is not exactly the revision named"
    if any(v.endswith("-dirty") for v in revs):
        prov += "; `-dirty`: built from a modified tree"
    out.append(prov + ".")
    lacking = []
    if not tagged:
        lacking.append("`round` (rounds inferred from the order)")
    if not any(scenario(r) == "rfc-modes" for r in results):
        lacking.append("rfc-modes results (no RFC comparison)")
    if lines is None:
        lacking.append("overhead.jsonl")
    elif not all(overhead.times(o) for o in lines):
        lacking.append("overhead.jsonl `times_s` (no intervals on the overhead)")
    if lines is not None and not all(o.get("policy") for o in lines if o["mechanism"] != "none"):
        lacking.append("overhead.jsonl `policy` (readers under each bench's default notification)")
    if lacking:
        out.append("- **This run lacks**: " + "; ".join(lacking) + ". Rows that need them say so.")
    out += ["- **Known limits of the kernel series**:", ""]
    out += ["  " + line if line else "" for line in known_limits()]
    return out


# ---- metadata ---------------------------------------------------------------------

def _flat(d, prefix=""):
    for k, v in d.items():
        if isinstance(v, dict):
            yield from _flat(v, f"{prefix}{k}.")
        else:
            yield f"{prefix}{k}", v


def metadata(meta, results):
    out = ["## Metadata", "", "`meta.json`:", "", "| key | value |", "|---|---|"]
    for k, v in _flat(meta):
        out.append(f"| {k} | {str(v if not isinstance(v, bool) else str(v).lower()).replace('|', chr(92) + '|')} |")
    out += ["", "Recorded by the bench with every result, per place:", "",
            "| where | kernel | config sha256 | cpu | nproc | hypervisor | accelerator | relay map "
            "| git rev | results |", "|---|---|---|---|---|---|---|---|---|---|"]
    groups = {}
    for r in results:
        m = r["meta"]
        key = (m.get("where"), m.get("kernel"), m.get("config_sha256"), m.get("cpu_model"), m.get("git_rev"))
        groups.setdefault(key, []).append(m)
    for (where, kernel, sha, cpu, rev), ms in sorted(groups.items(), key=lambda kv: str(kv[0])):
        m = ms[0]
        out.append(f"| {where} | {kernel} | {(sha or '')[:12]} | {cpu} | {m.get('nproc')} "
                   f"| {str(m.get('hypervisor')).lower()} | {m.get('accelerator', 'n/a')} "
                   f"| {str(m.get('relay_map')).lower()} | {rev} | {len(ms)} |")
    return out


def plots_section(d):
    out = ["## Plots"]
    pngs = sorted(glob.glob(os.path.join(d, "plots", "*.png")))
    if not pngs:
        return out + ["", f"No plots: run `scripts/plot.sh {d}` before this."]
    order = {k: i for i, (k, _) in enumerate(PLOTS)}

    def kind(p):
        name = os.path.basename(p)[:-4]
        return next((k for k, _ in PLOTS if name.startswith(k + "-")), None)

    for p in sorted(pngs, key=lambda p: (order.get(kind(p), 99), p)):
        name = os.path.basename(p)[:-4]
        out += ["", f"### {name}", "", f"![{name}](plots/{name}.png)"]
        if os.path.exists(os.path.join(d, "plots", name + ".svg")):
            out.append(f"([SVG](plots/{name}.svg))")
        k = kind(p)
        out += ["", dict(PLOTS).get(k, "See results/SCHEMA.md for the data behind it.")]
    return out


# ---- the whole report ------------------------------------------------------------------

def counted_section(counted, wall, rounds):
    """Guest instructions per record (scripts/vm.sh --icount, the
    producer-only scenario) beside the wall-time producer cost of the same
    run, and why the two can disagree."""
    out = ["## Instructions per record", ""]
    if not counted:
        return out + ["Not measured in this run: no results from a guest whose clock counts "
                      "instructions (`scripts/run_all.sh` runs the producer-only scenario in "
                      "one, `scripts/vm.sh --icount --smp 1`)."]

    def key(r):
        p = r.get("params") or {}
        return (p.get("record_size"), p.get("batch"))
    floor = {}
    for r in counted:
        if r["bench"] == "percpu":
            floor.setdefault(key(r), []).append(r)
    wall_base = {}
    for r in wall:
        if r["meta"]["where"] == "vm" and decision.is_base_point(r) \
                and pooled.policy_kind(r) == "batch":
            wall_base.setdefault(pooled.variant(r), []).append(r)
    wall_floor = [r for r in wall if r["meta"]["where"] == "vm" and decision.is_base_point(r)
                  and r["bench"] == "percpu"]
    out += ["One producer on the guest's only vCPU writes with no reader and no wakeups "
            "(producer-only scenario); the guest's clock counts instructions, so its "
            "ns/record are guest instructions per record: the bench's timer and the BPF "
            "program's run time both read that clock. Each figure is the median over the "
            "run's iterations, with their min-max (two runs agree to about 0.1 %). The "
            "ratio is to the percpu floor at the same record size and batch. Beside it, "
            "the same run's emulated wall time at the high-rate base point (64-byte records, "
            "batch policy, a reader on the other vCPU).", "",
            "| bench | how it writes | record bytes | batch | instructions/record [min, max] "
            "| over the floor | wall ns/record at the base point (over the floor) |",
            "|---|---|---|---|---|---|---|"]
    groups = {}
    for r in sorted(counted, key=lambda r: (_rank(r), key(r))):
        groups.setdefault((pooled.variant(r), key(r)), []).append(r)
    for (name, (size, batch)), g in groups.items():
        f = pooled.figure(g, "producer", rounds)
        lo = min(pooled.get(r, ("cpu", "producer_ns_per_event", "min")) or f["median"] for r in g)
        hi = max(pooled.get(r, ("cpu", "producer_ns_per_event", "max")) or f["median"] for r in g)
        fl = floor.get((size, batch))
        ff = pooled.figure(fl, "producer", rounds) if fl else None
        is_floor = g[0]["bench"] == "percpu"
        over = x(f["median"] / ff["median"]) if ff and not is_floor else "-"
        how = ("overwrites" if "--overwrite" in name else
               "no reader (floor)" if is_floor else "drops into a full buffer")
        wall_cell = ""
        wb = (wall_floor if is_floor else
              wall_base.get(name) or wall_base.get(name.replace(" --overwrite", "")))
        # a refusal has no wall-time counterpart: the base point writes
        if size == 64 and batch == 1 and wb and how != "drops into a full buffer":
            wf = pooled.figure(wb, "producer", rounds)
            wff = pooled.figure(wall_floor, "producer", rounds) if wall_floor else None
            wall_cell = fmt_fig(wf, "ns")
            if wff and not is_floor:
                wall_cell += f" ({x(wf['median'] / wff['median'])})"
        out.append(f"| {name} | {how} | {size} | {batch} | {f['median']:.1f} [{lo:.1f}, {hi:.1f}] "
                   f"| {over} | {wall_cell} |")
    out += ["", "What an instruction count is not: it has no cache misses, no contention "
            "between CPUs, and no real cost of atomics, memory barriers, IPIs or wakeups; "
            "under TCG those cost far more wall time than their instruction count (an atomic "
            "or a barrier is a call into the emulator, a wakeup an IPI between host threads). "
            "So a mechanism whose wall-time ratio to the floor is much larger than its "
            "instruction ratio spends the difference on synchronisation and notification, not "
            "on instructions; which of the two predicts real hardware depends on how costly "
            "those operations are there, which a TCG guest cannot tell. A variant that drops "
            "into a full buffer measures the refusal path, which is cheaper than a write. Use "
            "the instruction figures to catch regressions (they repeat on any host: "
            "`scripts/ab.sh --icount`), and neither figure alone as a native cost."]
    return out


def build(d):
    """(report.md text, verdict.json document) of result directory d."""
    meta, results = load_dir("result", d)
    # figures in counted instructions are never pooled, plotted or
    # tabulated with wall-time ones: they get their own section
    counted = [r for r in results if time_base(r) != "wall"]
    results = [r for r in results if time_base(r) == "wall"]
    lines = load_overhead(d)
    rounds = pooled.assign_rounds(results)
    rows = decision.decision_rows(results, lines, rounds)
    rfc = decision.rfc_rows(results, rounds)
    out = ["# relaybench report", "",
           f"Generated by `scripts/report.sh` (`python3 -m analysis report`) from `results.jsonl` "
           f"({len(results)} results), `meta.json`"
           + (", `overhead.jsonl`" if lines is not None else "")
           + "; fields and units in `results/SCHEMA.md`, the decision's rule in "
           "`analysis/decision.py`, the figures in `verdict.json` beside this file. Native and VM "
           "figures are never compared with each other.", "",
           "## Decision", "", decision.render_decision(rows).rstrip("\n"), "",
           "## The RFC's claims", ""]
    if rfc:
        out.append(decision.render_rfc(rfc).rstrip("\n"))
    else:
        out.append("Not measured in this run: no rfc-modes results of relay and ringbuf-libbpf "
                   "(the RFC claims relay 2.3x ringbuf-libbpf with sampled wakeups, 1.8x back to "
                   "back; `scripts/run_all.sh --vm --only rfc-modes` measures them).")
    kfunc = decision.kfunc_rows(results, rounds)
    out += ["", "## The upstreamable form: a kfunc", ""]
    if kfunc:
        out.append(decision.render_kfunc(kfunc).rstrip("\n"))
    else:
        out.append("Not measured in this run: no relay-mmap-kfunc beside relay-mmap in the "
                   "high-rate scenario (`scripts/run_all.sh --vm --only high-rate` measures it).")
    out += [""] + counted_section(counted, results, pooled.assign_rounds(counted) if counted else {})
    out += [""] + caveats(meta, results, lines, rounds)
    out += ["", "## Detail", "",
            "Each figure is the median over every result of its configuration (rounds and "
            "repetitions pooled), with its bootstrap 95 % interval from 3 results on; ratios in "
            "brackets."]
    for where in sorted(_places(results)):
        out += ["", f"### {where}"]
        out += streaming_tables(results, where, rounds)
        out += latency_tables(results, where, rounds)
        out += snapshot_tables(results, where, rounds)
    out += overhead_table(lines, results, rounds)
    out += [""] + plots_section(d)
    out += [""] + metadata(meta, results)
    return "\n".join(out) + "\n", decision.verdict_doc(rows, rfc, kfunc)


def _write(path, text):
    tmp = path + ".tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise OSError(f"cannot write {path}: {e.strerror}") from None


def main(argv):
    if len(argv) != 1 or argv[0].startswith("-"):
        if argv and argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
            print(f"report: unknown option '{argv[0]}'", file=sys.stderr)
        else:
            print("usage: scripts/report.sh RESULT_DIR", file=sys.stderr)
        return 2
    d = argv[0].rstrip("/") or "/"
    try:
        text, doc = build(d)
    except BadInput as e:
        print(f"report: {e}", file=sys.stderr)
        return 2
    try:
        _write(os.path.join(d, "verdict.json"), to_json(doc, indent=2) + "\n")
        _write(os.path.join(d, "report.md"), text)
    except OSError as e:
        print(f"report: {e}", file=sys.stderr)
        return 1
    print(f"report: {d}/report.md", file=sys.stderr)
    return 0
