"""analysis.plotdata: what scripts/plot.sh draws, as data files and gnuplot
scripts; gnuplot renders them (PNG and SVG).

  python3 -m analysis plot RESULT-DIR WORK-DIR

writes WORK-DIR/NAME.gp (every command but the terminal and the output)
with its data files beside it, and WORK-DIR/plots.list, one line
"NAME<TAB>WIDTH,HEIGHT" per plot; a plot whose data is missing is
skipped with "plot: skip NAME: why" on stderr.  Per place (native, vm):

  producer_cpu-W             producer ns/record per bench at the high-rate
                             base point, log axis, the floor as a band
  throughput_vs_producers-W  records/s per producer count with intervals,
                             points on a shared CPU marked
  throughput_vs_size-W       records/s and MB/s against record size
  latency_cdf-W-POLICY       a CDF panel per matched offered rate, every
                             mechanism
  latency_tail-W-POLICY      the same tails, p99 to max, log scales
  loss_vs_rate-W             delivered / offered against the measured
                             offered rate (produced_per_s), colour per
                             mechanism, dash per policy
  overwrite-W                flight recorders: records kept, and the window
                             the kept records span as a range
  subbuf_heatmap-W-BENCH     relay loss and p99 over sub-buffer size x
                             count, tune_subbuf.sh's recommendation marked

Every figure is pooled over the results of its configuration
(analysis/pooled.py); error bars are the 95 % interval from 3 results on,
else min-max over the pooled iterations.  Exit 0, 2 on bad input.
"""

import json
import math
import os
import sys

from . import decision, pooled, stats
from .results import BadInput, config_params, load_dir, mechanism, scenario, time_base, to_json

STYLE = {  # bench: (colour, point type)
    "relay-read": ("#d62728", 7), "relay-mmap": ("#ff7f0e", 5), "relay-cat": ("#8c564b", 9),
    "ringbuf-libbpf": ("#1f77b4", 11), "ringbuf-custom": ("#17becf", 13),
    "ringbuf-busy": ("#393b79", 6), "perfbuf-libbpf": ("#2ca02c", 4),
    "perfbuf-custom": ("#bcbd22", 8), "percpu": ("#7f7f7f", 10),
}
OTHER = ("#9467bd", 12)
DASH = {"batch": 1, "busy": 2, "every": 3, "none": 4}

COMMON = """set datafile separator "\\t"
set grid lc rgb '#dddddd'
set key noenhanced
set border lw 1
"""


def style(bench):
    return STYLE.get(bench, OTHER)


def q(path):
    """A file name in a gnuplot string."""
    return "'" + path.replace("'", "''") + "'"


def tsv(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write("\t".join("NaN" if v is None else (repr(v) if isinstance(v, float) else str(v))
                              for v in row) + "\n")


def bars(results, metric, rounds):
    """(median, low, high) of a configuration: the interval, else the
    extremes of the pooled iterations (min/max of every result)."""
    f = pooled.figure(results, metric, rounds)
    if f is None:
        return None
    if f["lo"] is not None:
        return f["median"], f["lo"], f["hi"]
    path = pooled.METRICS[metric][0][:-1]
    los = [pooled.get(r, path + ("min",)) for r in results]
    his = [pooled.get(r, path + ("max",)) for r in results]
    los, his = [v for v in los if v is not None], [v for v in his if v is not None]
    return f["median"], min(los, default=f["median"]), max(his, default=f["median"])


class Plots:
    def __init__(self, work):
        self.work = work
        self.list = []

    def path(self, name):
        return os.path.join(self.work, name)

    def add(self, name, body, size="1000,620"):
        with open(self.path(name + ".gp"), "w", encoding="utf-8") as f:
            f.write(COMMON + body)
        self.list.append((name, size))

    @staticmethod
    def skip(name, why):
        print(f"plot: skip {name}: {why}", file=sys.stderr)


def _policy_rank(r):
    k = pooled.policy_kind(r)
    return {"batch": 0, "none": 1, "busy": 2, "every": 3}.get(k, 4)


# ---- producer cost -----------------------------------------------------------

def producer_cpu(P, results, where, rounds):
    name = f"producer_cpu-{where}"
    base = [r for r in results if r["meta"]["where"] == where and decision.is_base_point(r)]
    by = {}
    for r in base:
        by.setdefault(pooled.variant(r), []).append(r)
    rows = []
    for v, rs in by.items():
        best = min(_policy_rank(r) for r in rs)
        rs = [r for r in rs if _policy_rank(r) == best]
        b = bars(rs, "producer", rounds)
        if b:
            rows.append((v, *b, pooled.policy(rs[0]) or ""))
    if not rows:
        return P.skip(name, "no result at the high-rate base point with producer ns/record")
    rows.sort(key=lambda t: t[1])
    floor = [t for t in rows if t[0] == "percpu"]
    tsv(P.path(name + ".dat"), [(f"{v}\\n{pol}" if v != "percpu" else "percpu (floor)", m, lo, hi)
                                for v, m, lo, hi, pol in rows])
    lo_all = min(t[2] for t in rows)
    hi_all = max(t[3] for t in rows)
    body = [f"set title \"Producer cost per record: BPF program run time\\n({where}, 1 producer, "
            "64-byte records, 1 MiB; each bench under batch where it has it)\" noenhanced",
            "set key top left reverse Left",
            "set ylabel 'ns per record (log scale)'",
            f"set logscale y; set yrange [{lo_all / 1.5}:{hi_all * 1.6}]",
            f"set ytics ({log_tics(lo_all / 1.5, hi_all * 1.6)})",
            f"set xrange [-0.6:{len(rows) - 0.4}]",
            "set xtics rotate by 25 right noenhanced font ',10'; set bmargin 8; set lmargin 12; set rmargin 4",
            ]
    if floor:
        _, m, flo, fhi, _ = floor[0]
        if flo == fhi:
            flo, fhi = m * 0.98, m * 1.02
        body += [f"set object 1 rect from graph 0, first {flo} to graph 1, first {fhi} "
                 "fc rgb '#bbbbbb' fs solid 0.4 noborder behind",
                 f"set label 1 'percpu floor {fmt_ns(flo)} to {fmt_ns(fhi)}' at graph 0.99, first {flo} "
                 "right offset 0,-0.8 font ',10' tc rgb '#555555'"]
    d = q(P.path(name + ".dat"))
    body += [f"plot {d} using 0:2:3:4:xtic(1) with yerrorbars lc rgb '#1f4e79' pt 7 ps 1.3 lw 1.5 "
             "title 'median, 95 % interval (min-max with fewer than 3 results)', \\",
             "     '' using 0:2:(sprintf('%.0f', $2)) with labels offset 3.2,0 font ',9' notitle"]
    P.add(name, "\n".join(body) + "\n", "1000,640")


def log_tics(lo, hi, unit="ns"):
    """1-2-5 tics between lo and hi, for a log axis."""
    out = []
    e = math.floor(math.log10(max(lo, 1e-9)))
    while 10 ** e <= hi * 10:
        for m in (1, 2, 5):
            v = m * 10 ** e
            if lo <= v <= hi:
                out.append(v)
        e += 1
    return ", ".join(f"'{decision.fmt(v, unit)}' {v}" for v in out)


def fmt_ns(v):
    return decision.fmt(v, "ns").replace(" ", "")


# ---- throughput sweeps ------------------------------------------------------------

def sweep(results, where, param, rounds):
    """{variant: [(x, rs)]}: high-rate results at the base point but for
    param, under batch, with at least two values of param."""
    other = {k: v for k, v in decision.BASE.items() if k != param}
    out = {}
    for r in results:
        p = r.get("params") or {}
        if (r["meta"]["where"] != where or scenario(r) != "high-rate" or p.get("compat")
                or any(p.get(k) != v for k, v in other.items())
                or _policy_rank(r) > 1):
            continue
        if r["bench"] != "percpu" and pooled.pow2_class(pooled.get(r, ("memory", "buffer_bytes"))) \
                != decision.BASE_BUFFER:
            continue
        out.setdefault(pooled.variant(r), {}).setdefault(p.get(param), []).append(r)
    return {v: sorted(d.items()) for v, d in out.items() if len(d) >= 2}


def _line(d, using, bench, title, extra=""):
    c, pt = style(bench.split(" ")[0])
    return f"{q(d)} using {using} with {extra or 'yerrorlines'} lc rgb '{c}' pt {pt} title '{title}'"


def throughput_vs_producers(P, results, where, rounds):
    name = f"throughput_vs_producers-{where}"
    sw = sweep(results, where, "producers", rounds)
    if not sw:
        return P.skip(name, "no high-rate result at two or more producer counts")
    plots, shared_any, ys = [], False, []
    for i, (v, pts) in enumerate(sorted(sw.items(), key=lambda kv: _rank(kv[0]))):
        rows = []
        for x, rs in pts:
            b = bars(rs, "throughput", rounds)
            shared = any((r.get("params") or {}).get("placement") == "shared" for r in rs)
            shared_any |= shared
            if b:
                rows.append((x, *b, b[0] if shared else None))
                ys += [b[1], b[2]]
        d = P.path(f"{name}.{i}.dat")
        tsv(d, rows)
        c, pt = style(v.split(" ")[0])
        plots.append(f"{q(d)} using 1:2:3:4 with yerrorlines lc rgb '{c}' pt {pt} title '{v}'")
        plots.append(f"{q(d)} using 1:5 with points lc rgb '{c}' pt 6 ps 2.6 notitle")
    if shared_any:
        plots.append("NaN with points lc rgb 'black' pt 6 ps 2.6 title 'consumer shares a CPU (placement shared)'")
    xs = sorted({x for pts in sw.values() for x, _ in pts})
    body = [f"set title 'Throughput against producer threads ({where}, batch policy, 64-byte records, "
            "1 MiB)' noenhanced",
            "set xlabel 'producer threads'",
            "set ylabel 'records consumed per second (log scale)'",
            f"set logscale y; set yrange [{min(ys) / 1.3}:{max(ys) * 1.3}]",
            f"set ytics ({log_tics(min(ys) / 1.3, max(ys) * 1.3, '')}); set xtics 1",
            f"set xrange [{xs[0] - 0.4}:{xs[-1] + 0.4}]",
            "set key outside below horizontal maxrows 3 font ',10' height 1.5",
            "plot " + ", \\\n     ".join(plots)]
    P.add(name, "\n".join(body) + "\n")


def throughput_vs_size(P, results, where, rounds):
    name = f"throughput_vs_size-{where}"
    sw = sweep(results, where, "record_size", rounds)
    if not sw:
        return P.skip(name, "no high-rate result at two or more record sizes")
    left, right = [], []
    for i, (v, pts) in enumerate(sorted(sw.items(), key=lambda kv: _rank(kv[0]))):
        rows = []
        for x, rs in pts:
            b = bars(rs, "throughput", rounds)
            if b:
                rows.append((x, *b, *(t * x / 1e6 for t in b)))
        d = P.path(f"{name}.{i}.dat")
        tsv(d, rows)
        left.append(_line(d, "1:2:3:4", v, v))
        right.append(_line(d, "1:5:6:7", v, v))
    body = [f"set multiplot layout 1,2 title 'Throughput against record size ({where}, batch policy, "
            "1 producer, 1 MiB)' noenhanced",
            "set xlabel 'record size incl. 24-byte header (bytes, log scale)'",
            "set logscale x 2; set logscale y; set format y '%.0s%c'",
            "set title 'records per second'; set key off",
            "set ylabel 'records consumed per second (log scale)'",
            "plot " + ", \\\n     ".join(left),
            "set title 'megabytes per second'; set key bottom right font ',9'",
            "set ylabel 'MB/s consumed (log scale)'; set format y '%g'",
            "plot " + ", \\\n     ".join(right),
            "unset multiplot"]
    P.add(name, "\n".join(body) + "\n", "1100,560")


# ---- latency -----------------------------------------------------------------

def pooled_cdf(results):
    """The CDF of every result's samples together: each result's CDF turned
    back into counts per bucket (its count times the step), summed."""
    counts = {}
    for r in results:
        lat = r.get("latency_ns") or {}
        n, cdf = lat.get("count") or 0, lat.get("cdf") or []
        prev = 0.0
        for upper, frac in cdf:
            counts[upper] = counts.get(upper, 0) + n * (frac - prev)
            prev = frac
    total = sum(counts.values())
    if total <= 0:
        return None, 0
    out, acc = [], 0.0
    for upper in sorted(counts):
        acc += counts[upper]
        out.append((upper, acc / total))
    return out, round(total)


def latency_groups(results, where):
    """{policy kind: {rate key: {bench: [results]}}} of the latency
    scenario's single-producer points with latency samples."""
    out = {}
    for r in results:
        p = r.get("params") or {}
        if (r["meta"]["where"] != where or scenario(r) != "latency" or p.get("producers") != 1
                or not pooled.get(r, ("latency_ns", "count"))):
            continue
        out.setdefault(pooled.policy_kind(r), {}).setdefault(pooled.matched_rate(r), {}) \
            .setdefault(r["bench"], []).append(r)
    return out


def _rate(v):
    return f"{v / 1e6:.3g} M" if v >= 1e6 else f"{v / 1e3:.3g} k"


def _rate_title(rate, rs):
    if rate == "sustained":
        offered = sorted({(r.get("params") or {}).get("rate") for rr in rs.values() for r in rr})
        return f"{_rate(offered[0])} records/s ({decision.SUSTAINED})"
    return f"{_rate(rate)} records/s"


def latency(P, results, where, rounds):
    groups = latency_groups(results, where)
    if not groups:
        P.skip(f"latency_cdf-{where}", "no latency-scenario result with latency samples")
        return
    for kind, by_rate in sorted(groups.items()):
        rates = sorted(by_rate, key=lambda k: math.inf if k == "sustained" else k)
        cols = 2 if len(rates) > 1 else 1
        rows_n = math.ceil(len(rates) / cols)
        cdf_panels, tail_panels = [], []
        for j, rate in enumerate(rates):
            cdf_lines, tail_lines, tail_x = [], [], []
            for i, (bench, rs) in enumerate(sorted(by_rate[rate].items(), key=lambda kv: _rank(kv[0]))):
                cdf, n = pooled_cdf(rs)
                if not cdf:
                    continue
                sat = any((r.get("throughput") or {}).get("saturated") for r in rs)
                title = bench + (" (saturated)" if sat else "")
                d = P.path(f"latency-{where}-{kind}.{j}.{i}.dat")
                tsv(d, [(u / 1000, f) for u, f in cdf])
                dt = tsv_tail(P.path(f"latency-{where}-{kind}.{j}.{i}.tail.dat"), cdf, n)
                c, _ = style(bench)
                cdf_lines.append(f"{q(d)} using 1:2 with steps lc rgb '{c}' lw 2 "
                                 f"dt {3 if sat else 1} title '{title}'")
                if dt:
                    tail_x += [v for v, _ in dt_rows(dt)]
                    tail_lines.append(f"{q(dt)} using 1:2 with steps lc rgb '{c}' lw 2 "
                                      f"dt {3 if sat else 1} title '{title}'")
            t = _rate_title(rate, by_rate[rate])
            if cdf_lines:
                cdf_panels.append((t, cdf_lines))
            if tail_lines:
                tail_panels.append((t, tail_lines, min(tail_x), max(tail_x)))
        size = f"1100,{max(1, rows_n) * 380 + 80}"
        xt = ("set xtics ('100 ns' 0.1, '1 µs' 1, '10 µs' 10, '100 µs' 100, '1 ms' 1e3, "
              "'10 ms' 1e4, '100 ms' 1e5, '1 s' 1e6)")
        if cdf_panels:
            body = [f"set multiplot layout {rows_n},{cols} title 'Latency CDF, producer timestamp to "
                    f"consumer ({where}, policy {kind}, 1 producer; dotted: saturated)' noenhanced",
                    "set logscale x; set yrange [0:1.02]; set ytics 0.25; set key top left opaque font ',9'",
                    xt, "set xlabel 'latency (log scale)' font ',10'",
                    "set ylabel 'fraction delivered within' font ',10'"]
            for t, lines in cdf_panels:
                body += [f"set title '{t}' noenhanced font ',11'", "plot " + ", \\\n     ".join(lines)]
            body.append("unset multiplot")
            P.add(f"latency_cdf-{where}-{kind}", "\n".join(body) + "\n", size)
        if tail_panels:
            body = [f"set multiplot layout {rows_n},{cols} title 'Latency tail, p99 to max ({where}, "
                    f"policy {kind}; dotted: saturated)' noenhanced",
                    "set logscale xy; set yrange [*:0.011]; set format y '%g'",
                    "set ytics ('p99' 0.01, 'p99.9' 0.001, 'p99.99' 1e-4, 'p99.999' 1e-5, 'p99.9999' 1e-6)",
                    "set key bottom left opaque font ',9'",
                    "set xlabel 'latency (log scale)' font ',10'",
                    "set ylabel 'percentile (records slower, log scale)' font ',10'"]
            for t, lines, lo, hi in tail_panels:
                lo, hi = lo / 1.5, hi * 1.5
                body += [f"set xrange [{lo}:{hi}]; set xtics ({us_tics(lo, hi)})",
                         f"set title '{t}' noenhanced font ',11'", "plot " + ", \\\n     ".join(lines)]
            body.append("unset multiplot")
            P.add(f"latency_tail-{where}-{kind}", "\n".join(body) + "\n", size)


def dt_rows(path):
    with open(path, encoding="utf-8") as f:
        return [tuple(float(v) for v in line.split("\t")) for line in f]


TIC_STEPS = ((1,), (1, 2, 5), (1, 2, 3, 5, 7), tuple(range(1, 10)), tuple(m / 2 for m in range(2, 20)))


def us_tics(lo, hi):
    """Tics for a log axis in µs, labelled in their unit: the coarsest of
    decades, 1-2-5 or finer steps that gives 3 to 7 of them (a tail plot's
    x spans from a fraction of a decade to several)."""
    found = []
    for steps in TIC_STEPS:
        out = []
        e = math.floor(math.log10(lo))
        while 10 ** e <= hi:
            out += [m * 10 ** e for m in steps if lo <= m * 10 ** e <= hi]
            e += 1
        found.append(out)
        if 3 <= len(out) <= 7:
            break
    else:
        out = next((o for o in found if len(o) >= 3), found[-1])
    return ", ".join(f"'{decision.fmt(v * 1000, 'ns')}' {v}" for v in out)


def tsv_tail(path, cdf, n):
    """The survival function 1 - F from the p99 bucket on; the last record
    plotted at 1/n (1 - F is 0 there, which a log axis cannot show)."""
    rows, prev = [], None
    floor = 1.0 / max(n, 1)
    for upper, frac in cdf:
        s = 1 - frac
        if s > 0.01:
            prev = (upper, s)
            continue
        if prev and not rows:
            rows.append((prev[0] / 1000, min(prev[1], 0.01)))
        rows.append((upper / 1000, max(s, floor)))
    if not rows:
        return None
    tsv(path, rows)
    return path


def _rank(bench):
    m = bench.split("-")[0]
    return ({"relay": 0, "ringbuf": 1, "perfbuf": 2, "percpu": 3}.get(m, 9), bench)


# ---- loss against the offered rate ---------------------------------------------------

def loss_vs_rate(P, results, where, rounds):
    name = f"loss_vs_rate-{where}"
    series = {}
    for r in results:
        p = r.get("params") or {}
        if (r["meta"]["where"] != where or not p.get("rate") or r.get("snapshot")
                or scenario(r) not in ("high-rate", "latency") or p.get("producers") != 1
                or p.get("batch") != 1 or p.get("record_size") != 64):
            continue
        series.setdefault((pooled.variant(r), pooled.policy_kind(r)), {}) \
            .setdefault(pooled.matched_rate(r), []).append(r)
    lines, benches, kinds, pts, any_sat = [], set(), set(), [], False
    for i, ((v, kind), by_rate) in enumerate(sorted(series.items(), key=lambda kv: (_rank(kv[0][0]), kv[0][1]))):
        rows = []
        for rs in by_rate.values():
            offered = pooled.figure(rs, "offered", rounds)
            deliv = [pooled.value(r, "throughput") / pooled.value(r, "offered") for r in rs
                     if pooled.value(r, "offered")]
            if offered and deliv:
                # the producer could not offer the requested rate: circled
                sat = any((r.get("throughput") or {}).get("saturated") for r in rs)
                y = stats.median(deliv)
                rows.append((offered["median"], y, y if sat else None))
        if len(rows) < 2:
            continue
        rows.sort()
        pts += rows
        d = P.path(f"{name}.{i}.dat")
        tsv(d, rows)
        c, pt = style(v.split(" ")[0])
        lines.append(f"{q(d)} using 1:2 with linespoints lc rgb '{c}' pt {pt} ps 0.8 "
                     f"dt {DASH.get(kind, 5)} notitle")
        if any(row[2] is not None for row in rows):
            any_sat = True
            lines.append(f"{q(d)} using 1:3 with points lc rgb '{c}' pt 6 ps 2.2 notitle")
        benches.add(v)
        kinds.add(kind)
    if not lines:
        return P.skip(name, "no configuration measured at two or more offered rates")
    legend = []
    for v in sorted(benches, key=lambda b: _rank(b.split(" ")[0])):
        c, pt = style(v.split(" ")[0])
        legend.append(f"NaN with linespoints lc rgb '{c}' pt {pt} title '{v}'")
    for k in sorted(kinds, key=lambda k: DASH.get(k, 5)):
        legend.append(f"NaN with lines lc rgb 'black' dt {DASH.get(k, 5)} title 'policy {k}'")
    if any_sat:
        legend.append("NaN with points lc rgb 'black' pt 6 ps 2.2 "
                      "title 'saturated: under 95 % of the requested rate'")
    body = [f"set title 'Delivered against offered rate ({where}, 1 producer, 64-byte records)' noenhanced",
            "set xlabel 'offered records per second, as measured (produced\\_per\\_s, log scale)'",
            "set ylabel 'delivered / offered records'",
            f"set logscale x; set xrange [{min(x for x, *_ in pts) / 1.4}:{max(x for x, *_ in pts) * 1.4}]",
            f"set xtics ({log_tics(min(x for x, *_ in pts) / 1.4, max(x for x, *_ in pts) * 1.4, '')})",
            f"set yrange [{max(0, min(y for _, y, *_ in pts) - 0.05)}:{max(1.05, max(y for _, y, *_ in pts) + 0.02)}]",
            "set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 3 lc rgb '#888888'",
            "set key bottom left opaque box font ',10'",
            "plot " + ", \\\n     ".join(lines + legend)]
    P.add(name, "\n".join(body) + "\n")


# ---- flight recorders ---------------------------------------------------------------

def overwrite(P, results, where, rounds):
    name = f"overwrite-{where}"
    rows = []
    for scen in ("overwrite", "no-reader"):
        by = {}
        for r in results:
            if (r["meta"]["where"] == where and scenario(r) == scen and r.get("snapshot")
                    and mechanism(r) != "percpu" and (r.get("params") or {}).get("overwrite")):
                by.setdefault(pooled.variant(r).replace(" --overwrite", ""), []).append(r)
        for v, rs in sorted(by.items(), key=lambda kv: _rank(kv[0])):
            kept = pooled.figure(rs, "retention", rounds)
            new = pooled.figure(rs, "newest_age", rounds)
            old = pooled.figure(rs, "oldest_age", rounds)
            label = f"{v} ({scen})"
            rows.append((label, 100 * kept["median"] if kept else None,
                         new["median"] / 1e6 if new else None, old["median"] / 1e6 if old else None,
                         "nothing recovered" if not old else "", v))
    if not rows:
        return P.skip(name, "no overwrite-mode snapshot result")
    d = P.path(name + ".dat")
    tsv(d, [(i, lab, k, n, o, (n + o) / 2 if n is not None and o is not None else None,
             (o - n) / 2 if n is not None and o is not None else None, note, style(v)[0])
            for i, (lab, k, n, o, note, v) in enumerate(rows)])
    n = len(rows)
    ymax = max((t[3] for t in rows if t[3] is not None), default=1)
    body = [f"set multiplot title 'Flight recorders: what a late reader recovers ({where}, overwrite "
            "mode, no wakeups)' noenhanced",
            "set lmargin at screen 0.30; set rmargin at screen 0.95",
            f"set yrange [{n - 0.4}:-0.6]; set ytics (" +
            ", ".join(f"'{t[0]}' {i}" for i, t in enumerate(rows)) + ") noenhanced font ',10'",
            "set style fill solid 0.6 border -1",
            "set origin 0, 0.52; set size 1, 0.42",
            "set xlabel 'records kept (% of the records that fit)'; set xrange [0:105]",
            "plot " + q(d) + " using ($3/2):1:($3/2):(0.35) with boxxyerror lc rgb '#4c78a8' notitle, \\",
            "     '' using (2):1:8 with labels left font ',9' notitle",
            "set origin 0, 0; set size 1, 0.52",
            f"set xlabel 'age when the producers stopped (ms): newest to oldest record kept'",
            f"set xrange [0:{ymax * 1.2}]",
            "plot " + q(d) + " using 6:1:7:(0.3) with boxxyerror lc rgb '#2ca02c' notitle, \\",
            "     '' using 5:1:(sprintf(' %.3g ms', $5)) with labels left font ',9' notitle, \\",
            f"     '' using ({ymax * 0.012}):1:8 with labels left font ',9' notitle",
            "unset multiplot"]
    P.add(name, "\n".join(body) + "\n", f"1000,{max(420, 90 + 60 * n)}")


# ---- the relay sub-buffer heatmap ---------------------------------------------------------

def load_tune(d):
    try:
        with open(os.path.join(d, "tune.json"), encoding="utf-8") as f:
            t = json.load(f)
        return t if isinstance(t, dict) else None
    except (OSError, ValueError):
        return None


def heatmap(P, results, where, rounds, tune):
    by = {}
    for r in results:
        p = r.get("params") or {}
        if (r["meta"]["where"] != where or mechanism(r) != "relay" or r.get("snapshot")
                or not pooled.get(r, ("loss", "produced")) or p.get("relay_subbuf") is None):
            continue
        rest = {k: v for k, v in config_params(r).items()
                if k not in ("relay_subbuf", "relay_nsubbufs", "policy")}
        key = (r["bench"], scenario(r), to_json(rest, sort_keys=True))
        by.setdefault(key, {}).setdefault((p["relay_subbuf"], p["relay_nsubbufs"]), []).append(r)
    # per bench, its largest grid of results equal but for the sub-buffers
    grids = {}
    for (bench, _, _), cells in by.items():
        nx, ny = len({k[0] for k in cells}), len({k[1] for k in cells})
        if nx >= 2 and ny >= 2 and len(cells) >= 0.75 * nx * ny:   # a grid, not a sweep's corners
            if len(cells) > len(grids.get(bench, {})):
                grids[bench] = cells
    done = False
    for bench, cells in sorted(grids.items()):
        xs = sorted({k[0] for k in cells})
        ys = sorted({k[1] for k in cells})
        if len(xs) < 2 or len(ys) < 2:
            continue
        name = f"subbuf_heatmap-{where}-{bench}"
        rows = []
        for (s, n), rs in cells.items():
            loss = pooled.figure(rs, "loss", rounds)
            p99 = pooled.figure(rs, "p99", rounds)
            rows.append((xs.index(s), ys.index(n), loss["median"] if loss else None,
                         p99["median"] / 1000 if p99 else None, s * n / 1024))
        d = P.path(name + ".dat")
        tsv(d, rows)
        rec = ((tune or {}).get("recommended") or {}).get("relay")
        targets = (tune or {}).get("targets") or {}
        mark = ""
        if rec and rec.get("relay_subbuf") in xs and rec.get("relay_nsubbufs") in ys:
            i, j = xs.index(rec["relay_subbuf"]), ys.index(rec["relay_nsubbufs"])
            mark = (f"set object 1 rect from {i - 0.47}, {j - 0.47} to {i + 0.47}, {j + 0.47} "
                    "front fs empty border lc rgb 'black' lw 4")
        tgt = ""
        if targets:
            tgt = (f", target loss <= {targets.get('max_loss_pct')} %"
                   + (f", p99 <= {targets['max_p99_us']} µs" if targets.get("max_p99_us") else ""))
        r0 = next(iter(cells.values()))[0]
        rate = (r0.get("params") or {}).get("rate") or 0
        xt = ", ".join(f"'{s // 1024} KiB' {i}" if s < 1 << 20 else f"'{s >> 20} MiB' {i}"
                       for i, s in enumerate(xs))
        yt = ", ".join(f"'{n}' {j}" for j, n in enumerate(ys))
        body = [f"set title \"{bench}: loss and p99 by sub-buffer size and count\\n({where}, "
                f"{'unlimited rate' if not rate else f'{rate} records/s'}, "
                f"{(r0.get('params') or {}).get('record_size')}-byte records{tgt}"
                f"{'; boxed: the recommendation' if mark else ''})\" noenhanced",
                "set xlabel 'sub-buffer size'; set ylabel 'sub-buffers per CPU'",
                f"set xtics ({xt}); set ytics ({yt}); set grid noxtics noytics",
                f"set xrange [-0.5:{len(xs) - 0.5}]; set yrange [-0.5:{len(ys) - 0.5}]",
                "set palette defined (0 '#1a9850', 0.5 '#fee08b', 1 '#d73027')",
                "set logscale cb; set cbrange [0.01:100]; set format cb '%g'",
                "set cblabel 'records dropped or lost (% of produced, log; 0 shown as 0.01)'",
                mark,
                "p99(us) = us != us ? 'no samples' : us >= 1000 ? sprintf('p99 %.1f ms', us / 1000) "
                ": sprintf('p99 %.0f µs', us)",
                f"plot {q(d)} using 1:2:(0.5):(0.5):($3 < 0.01 ? 0.01 : $3) with boxxyerror "
                "fs solid 1.0 border lc rgb 'white' fc palette notitle, \\",
                "     '' using 1:2:(sprintf('loss %.2g%%\\n%s\\n%g KiB/CPU', $3, p99($4), $5)) "
                "with labels font ',10' notitle"]
        P.add(name, "\n".join(body) + "\n", "1000,640")
        done = True
    if not done:
        P.skip(f"subbuf_heatmap-{where}", "no relay results over a grid of sub-buffer sizes and counts")


def build(d, work):
    _, results = load_dir("result", d)
    # wall time only: counted instructions are a different quantity (the
    # report's "Instructions per record" tabulates them)
    results = [r for r in results if time_base(r) == "wall"]
    rounds = pooled.assign_rounds(results)
    tune = load_tune(d)
    P = Plots(work)
    for where in sorted({r["meta"]["where"] for r in results}):
        producer_cpu(P, results, where, rounds)
        throughput_vs_producers(P, results, where, rounds)
        throughput_vs_size(P, results, where, rounds)
        latency(P, results, where, rounds)
        loss_vs_rate(P, results, where, rounds)
        overwrite(P, results, where, rounds)
        heatmap(P, results, where, rounds, tune)
    with open(os.path.join(work, "plots.list"), "w", encoding="utf-8") as f:
        for name, size in P.list:
            f.write(f"{name}\t{size}\n")
    return P.list


def main(argv):
    if len(argv) != 2 or any(a.startswith("-") for a in argv):
        bad = next((a for a in argv if a.startswith("-")), None)
        print(f"plot: unknown option '{bad}'" if bad else
              "usage: python3 -m analysis plot RESULT-DIR WORK-DIR", file=sys.stderr)
        return 2
    d = argv[0].rstrip("/") or "/"
    if not os.path.isdir(argv[1]):
        print(f"plot: work directory '{argv[1]}' not found", file=sys.stderr)
        return 2
    try:
        build(d, argv[1])
    except BadInput as e:
        print(f"plot: {e}", file=sys.stderr)
        return 2
    return 0
