"""analysis.compare: compare two result directories metric by metric and
decide, noise-aware, whether NEW regressed against BASE.

usage: python3 -m analysis compare BASE NEW [--threshold PCT]
           [--loss-threshold PP] [--sigma K] [--round-sigma K]
           [--pair-sigma K] [--no-pairs] [--judge-across-machines]
           [--json] [--junit FILE]
(scripts/compare.sh runs it.)

Results are paired by configuration (analysis.results.config_key: place,
scenario, bench and every param but the timing ones, payload_size and
producer_work(_every); the latency scenario's rate that derives from each
run's own saturation keys as "sustained", so the two runs pair up).

Machines.  When the two sides' metadata say they ran on different
machines (meta.json host, cpu or nproc; or, per place, the results'
cpu_model, nproc or accelerator differ), wall-time figures (throughput,
producer, p99) cannot be judged against each other: those rows are
reported with the verdict "other-machine" and never gate, unless
--judge-across-machines.  Loss is still judged, and so is every figure
of a guest whose clock counted instructions (meta.time_base "icount",
scripts/vm.sh --icount): a count of guest instructions does not depend
on the host that emulated them.  The document's
"machines" says what differed.  Every result of one configuration in a directory
is a round of it (run_all.sh --rounds N measures each configuration N
times, interleaved); they are always all used.

Gated metrics and their bad direction:
  throughput    throughput.events_per_s              down is bad   relative
  producer      cpu.producer_ns_per_event            up is bad     relative
  p99 latency   latency_ns.p99_per_iteration         up is bad     relative
  loss          100*(dropped+lost)/produced, spread  up is bad     points
                from throughput.dropped_per_s (not gated in overwrite mode
                or the overwrite and no-reader scenarios, where losing
                records is the design)
Each is a per-iteration summary {median, stddev, min, max} over
n = params.iterations.

How a side of a configuration is summarised, the first that applies:

Pairs.  Rounds that scripts/ab.sh measured back to back, one of each side,
carry the same tag {ab: {pair}} on both sides.  When every round of a
configuration is tagged, the ids match and there are at least 3, the pairs
are judged: a slow spell long enough to cover a pair (seconds) raises both
halves, and their ratio cancels it.  Per pair d = ln(new / base) of the
rounds' figures (a round's figure is its best iteration: throughput max,
producer and p99 min; loss: its median, and d = new - base in points); the
change is the median d (as a %: 100 (e^d - 1)); its spread sd = 1.4826 x
the MAD of the d's, se = sd / sqrt(pairs).  Rule 1 applies to the change,
rule 2 with K = --pair-sigma (default 2) to change / se; rule 3 is dropped.
Each side is reported as the median, spread, min and max of its round
figures.  --no-pairs judges tagged rounds as plain rounds.

Rounds.  With at least 3 rounds on both sides each side is judged over its
rounds.  A slow spell only ever makes a cost higher and a rate lower, so a
side's value is the best of its round figures; the spread is 1.4826 x the
MAD of the round figures, n the number of rounds.  Rules 1 and 2 apply with
K = --round-sigma (default 2); rule 3 is dropped (one wild round would
stretch the range).

Pooled iterations.  Otherwise every result of the configuration on a side
is pooled (analysis.stats.pool): the side is one summary over all their
iterations, n their total, its spread including the disagreement between
the results.  (compare.sh before the analysis module took the first result
of each side and ignored the others.)

Decision.  A metric regressed when all three hold:
  1. it is worse by at least PCT % of the baseline median (loss: PP
     percentage points) -- the change is big enough to matter;
  2. the medians differ by at least K standard errors of the difference,
     se = sqrt(sd_base^2/n_base + sd_new^2/n_new) (Welch), K = --sigma
     (default 3) -- the change is unlikely to be iteration noise;
  3. the new median lies outside the baseline's [min, max] -- a
     distribution-free check that keeps one wild iteration or a stddev that
     underestimates the spread from deciding alone.
Mirrored, the same rule reports an improvement.  A change that passes 1 but
not 2 and 3 is "noise"; below 1 it is "same".  With fewer than 2 iterations
on either side there is no spread: the row is "no-spread" and never gates
(a warning says so).  scripts/validate_compare.sh measures the detection
and false-alarm rates of these defaults.

Interval.  With at least 3 rounds a side, every row also carries the
ratio new / base (loss: the difference in points) with a seeded bootstrap
95 % interval, and each side's median with its own: from the pairs' ln
ratios when the row is judged by pairs, else from a bootstrap of both
sides' round figures.  With fewer rounds it is null (the iterations behind
a result are not stored, so one result cannot be resampled).  The interval
describes; it does not change the verdict.

Outputs: the table, or --json the whole document (results/SCHEMA.md);
--junit FILE also writes a JUnit XML report, one test case per
configuration and metric (a regression fails, the rest pass, no-spread,
info and other-machine rows are skipped), for a CI's test view.

Exit: 1 when any metric regressed, 0 otherwise, 2 on bad input (one line on
stderr): unknown option, missing directory, unreadable or invalid file,
schema mismatch (different meta.json schema_version, or a file that does
not follow results/schema/), nothing in common.
"""

import math
import os
import re
import sys
import xml.etree.ElementTree as ET

from . import stats
from .results import (BadInput, canonical, config_params, group, group_key,
                      is_number, load_dir, rounds_of, scenario, text, time_base, to_json)

USAGE = ("usage: scripts/compare.sh BASE NEW [--threshold PCT] [--loss-threshold PP] "
         "[--sigma K] [--round-sigma K] [--pair-sigma K] [--no-pairs] "
         "[--judge-across-machines] [--json] [--junit FILE]")

METRICS = [
    {"metric": "throughput", "unit": "events/s", "better": "higher", "kind": "rel"},
    {"metric": "producer", "unit": "ns/event", "better": "lower", "kind": "rel"},
    {"metric": "p99", "unit": "ns", "better": "lower", "kind": "rel"},
    {"metric": "loss", "unit": "%", "better": "lower", "kind": "points"},
]

MIN_ROUNDS = 3  # rounds, pairs or results a side needs to be judged or bootstrapped over

VALUE_OPTIONS = {"--threshold": "threshold", "--loss-threshold": "loss_threshold",
                 "--sigma": "sigma", "--round-sigma": "round_sigma",
                 "--pair-sigma": "pair_sigma"}


class Usage(Exception):
    """The command line is not BASE NEW [options]: print USAGE, exit 2."""


def parse_args(argv):
    """The options as a dict; raises BadInput, or Usage."""
    opts = {"threshold": 5, "loss_threshold": 1, "sigma": 3, "round_sigma": 2,
            "pair_sigma": 2, "pairs": True, "json": False, "junit": None,
            "across_machines": False, "dirs": []}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in VALUE_OPTIONS:
            if i + 1 >= len(argv):
                raise BadInput(f"{a} needs a value")
            v = argv[i + 1]
            if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", v) or re.fullmatch(r"0+(\.0+)?", v):
                raise BadInput(f"invalid value for {a}: '{v}' (a positive number)")
            opts[VALUE_OPTIONS[a]] = canonical(float(v))
            i += 1
        elif a == "--json":
            opts["json"] = True
        elif a == "--junit":
            if i + 1 >= len(argv):
                raise BadInput("--junit needs a file")
            opts["junit"] = argv[i + 1]
            i += 1
        elif a == "--judge-across-machines":
            opts["across_machines"] = True
        elif a == "--no-pairs":
            opts["pairs"] = False
        elif a in ("-h", "--help"):
            raise Usage()
        elif a.startswith("-"):
            raise BadInput(f"unknown option '{a}'")
        else:
            opts["dirs"].append(a)
        i += 1
    if len(opts["dirs"]) != 2:
        raise Usage()
    return opts


def _summary(s, n):
    """A result's {median, stddev, min, max} as {median, sd, min, max, n}, or
    None when any of them was not measured."""
    if not isinstance(s, dict):
        return None
    v = {"median": s.get("median"), "sd": s.get("stddev"), "min": s.get("min"), "max": s.get("max")}
    if not all(is_number(x) for x in v.values()):
        return None
    v["n"] = n
    return v


def stat(r, metric):
    """The per-iteration summary of a metric in one result, or None."""
    n = r["params"]["iterations"]
    if metric == "throughput":
        return _summary(r["throughput"]["events_per_s"], n)
    if metric == "producer":
        return _summary(r["cpu"]["producer_ns_per_event"], n)
    if metric == "p99":
        return _summary(r["latency_ns"]["p99_per_iteration"], n)
    # loss, in % of the records produced; its spread from the drop rate
    produced = r["loss"]["produced"]
    rate = r["throughput"]["produced_per_s"]["median"]
    dropped, lost = r["loss"]["dropped"], r["loss"]["lost"]
    d = r["throughput"]["dropped_per_s"]
    if not all(is_number(x) for x in (produced, rate, dropped, lost)) or produced == 0 or rate <= 0:
        return None
    c = 100 * (dropped + lost) / produced
    if not all(is_number(d[k]) for k in ("stddev", "min", "max")):
        return None
    return {"median": c, "sd": 100 * d["stddev"] / rate,
            "min": min(c, 100 * d["min"] / rate), "max": max(c, 100 * d["max"] / rate), "n": n}


def round_figure(r, m):
    """The figure of one round: its best iteration; loss: its median."""
    s = stat(r, m["metric"])
    if s is None:
        return None
    if m["kind"] == "points":
        return s["median"]
    return s["min"] if m["better"] == "lower" else s["max"]


def _best(values, m):
    if m["kind"] == "points":
        return stats.median(values)
    return min(values) if m["better"] == "lower" else max(values)


def over_rounds(rounds, m):
    """A side judged over its rounds (see "Rounds"), or None."""
    v = [x for x in (round_figure(r, m) for r in rounds) if x is not None]
    if len(v) < MIN_ROUNDS:
        return None
    mid = stats.median(v)
    return {"median": _best(v, m), "sd": stats.robust_sd(v, mid), "min": min(v), "max": max(v),
            "n": len(v), "rounds": True}, v


def pooled(rounds, m):
    """A side as the pool of all its results' iterations, or None."""
    s = [x for x in (stat(r, m["metric"]) for r in rounds) if x is not None]
    if not s:
        return None
    p = stats.pool(s)
    p["results"] = len(s)
    return p, [x["median"] for x in s]


def _pair_id(r):
    ab = r.get("ab")
    return ab.get("pair") if isinstance(ab, dict) else None


def paired(rb, rn, use_pairs):
    """Every round of both sides is tagged, with the same pair ids on both
    sides, unique, and there are at least 3."""
    if not use_pairs or len(rb) < MIN_ROUNDS or len(rb) != len(rn):
        return False
    ids_b, ids_n = [_pair_id(r) for r in rb], [_pair_id(r) for r in rn]
    if not all(is_number(i) for i in ids_b + ids_n):
        return False
    return sorted(ids_b) == sorted(ids_n) and len(set(ids_b)) == len(ids_b)


def _side(v):
    mid = stats.median(v)
    return {"median": mid, "sd": stats.robust_sd(v, mid), "min": min(v), "max": max(v), "n": len(v)}


def over_pairs(rb, rn, m):
    """The pairs of a metric (see "Pairs"), or None when fewer than 3 have
    both figures."""
    by_id = {_pair_id(r): r for r in rn}
    b, n, d = [], [], []
    for r in rb:
        fb, fn = round_figure(r, m), round_figure(by_id[_pair_id(r)], m)
        if fb is None or fn is None:
            continue
        if m["kind"] == "points":
            dd = fn - fb
        elif fb > 0 and fn > 0:
            dd = math.log(fn / fb)
        else:
            continue
        b.append(fb)
        n.append(fn)
        d.append(dd)
    if len(d) < MIN_ROUNDS:
        return None
    est = stats.median(d)
    worse = sum(1 for x in d if (x < 0 if m["better"] == "higher" else x > 0))
    return {"n": len(d), "estimate": est, "sd": stats.robust_sd(d, est), "worse": worse,
            "base": _side(b), "new": _side(n), "base_values": b, "new_values": n}


def zscore(d, se):
    """A difference over its standard error (infinite when there is no spread)."""
    if se > 0:
        return d / se
    if d == 0:
        return 0.0
    return math.inf if d > 0 else -math.inf


def big(d, chg, m, opts):
    """Rule 1: the difference d (its % chg) is big enough to matter."""
    if m["kind"] == "points":
        return abs(d) >= opts["loss_threshold"]
    return chg is None or abs(chg) >= opts["threshold"]


def finite(x):
    return x if x is not None and math.isfinite(x) else None


def judge(b, w, m, opts):
    d = w["median"] - b["median"]
    worse = -d if m["better"] == "higher" else d
    if m["kind"] == "points":
        chg = d
    elif b["median"] != 0:
        chg = 100 * d / abs(b["median"])
    else:
        chg = 0.0 if d == 0 else None
    if b["n"] > 0 and w["n"] > 0:
        z = zscore(d, math.sqrt(b["sd"] ** 2 / b["n"] + w["sd"] ** 2 / w["n"]))
    else:
        z = None
    outside = w["median"] < b["min"] or w["median"] > b["max"]
    if b["n"] < 2 or w["n"] < 2:
        verdict = "no-spread"
    elif not big(d, chg, m, opts):
        verdict = "same"
    elif (abs(z) >= opts["round_sigma"] if b.get("rounds")
          else abs(z) >= opts["sigma"] and outside):
        verdict = "regression" if worse > 0 else "improvement"
    else:
        verdict = "noise"
    return {"change": finite(chg), "z": finite(z), "verdict": verdict}


def judge_pairs(p, m, opts):
    e = p["estimate"]
    worse = -e if m["better"] == "higher" else e
    chg = e if m["kind"] == "points" else 100 * (math.exp(e) - 1)
    z = zscore(e, p["sd"] / math.sqrt(p["n"]))
    if not big(e, chg, m, opts):
        verdict = "same"
    elif abs(z) >= opts["pair_sigma"]:
        verdict = "regression" if worse > 0 else "improvement"
    else:
        verdict = "noise"
    return {"change": finite(chg), "z": finite(z), "verdict": verdict}


def interval(vb, vn, m, paired_values):
    """The row's interval (see "Interval"), or None with fewer than 3
    values a side or, for a ratio, a value that is not positive."""
    if len(vb) < MIN_ROUNDS or len(vn) < MIN_ROUNDS:
        return None
    points = m["kind"] == "points"
    if not points and (min(vb) <= 0 or min(vn) <= 0):
        return None
    if paired_values:
        est, lo, hi = (stats.difference_paired if points else stats.ratio_paired)(vb, vn)
    else:
        est, lo, hi = (stats.difference_unpaired if points else stats.ratio_unpaired)(vb, vn)
    sides = {}
    for name, v in (("base", vb), ("new", vn)):
        med, mlo, mhi = stats.bootstrap_median(v)
        sides[name] = {"median": med, "lo": mlo, "hi": mhi, "n": len(v)}
    return {"stat": "difference" if points else "ratio", "estimate": est, "lo": lo, "hi": hi,
            "level": stats.LEVEL, "method": "pairs" if paired_values else "bootstrap",
            "base": sides["base"], "new": sides["new"]}


def varying_params(results):
    """{group key: [params that take more than one value in that group]}:
    the params that label a sweep."""
    seen = {}
    for r in results:
        g = seen.setdefault(group_key(r), {})
        for k, v in config_params(r).items():
            g.setdefault(k, set()).add(to_json(v, sort_keys=True))
    return {g: sorted(k for k, vals in ps.items() if len(vals) > 1) for g, ps in seen.items()}


def label(r, vary):
    p = config_params(r)
    return (f"{text(r['bench'])} [{text(scenario(r))}, {text(r['meta']['where'])}]"
            + "".join(f" {k}={text(p.get(k))}" for k in vary.get(group_key(r), [])))


WALL_TIME = ("throughput", "producer", "p99")


def machine_differences(meta_b, meta_n, results_b, results_n):
    """What the two sides' metadata say differs about their machines, one
    phrase each (empty: the same machine, as far as they tell)."""
    out = []
    for k in ("host", "cpu", "nproc"):
        if k in meta_b and k in meta_n and meta_b[k] != meta_n[k]:
            out.append(f"meta.json {k}: {text(meta_b[k])} / {text(meta_n[k])}")

    def per_place(results):
        seen = {}
        for r in results:
            m = r["meta"]
            for k in ("cpu_model", "nproc", "accelerator"):
                if k in m:
                    seen.setdefault((m["where"], k), set()).add(to_json(m[k]))
        return seen

    pb, pn = per_place(results_b), per_place(results_n)
    for key in sorted(set(pb) & set(pn)):
        if pb[key] != pn[key]:
            out.append(f"{key[0]} {key[1]}: {', '.join(sorted(pb[key]))} / {', '.join(sorted(pn[key]))}")
    return out


def compare(base, new, meta_b, results_b, results_n, opts, meta_n=None):
    """The comparison as one JSON-able document (see results/SCHEMA.md)."""
    diffs = machine_differences(meta_b, meta_n or meta_b, results_b, results_n)
    unjudged = bool(diffs) and not opts["across_machines"]
    B, N = rounds_of(results_b), rounds_of(results_n)
    vary = varying_params(results_b + results_n)
    rows = []
    for key, rb in B.items():
        rn = N.get(key)
        if rn is None:
            continue
        r = rb[0]
        by_rounds = len(rb) >= MIN_ROUNDS and len(rn) >= MIN_ROUNDS
        by_pairs = paired(rb, rn, opts["pairs"])
        for m in METRICS:
            p = over_pairs(rb, rn, m) if by_pairs else None
            if p is not None:
                bs, ws = dict(p["base"], pairs=True), dict(p["new"], pairs=True)
                vb, vn = p["base_values"], p["new_values"]
            else:
                sb = (over_rounds if by_rounds else pooled)(rb, m)
                sn = (over_rounds if by_rounds else pooled)(rn, m)
                if sb is None or sn is None:
                    continue
                (bs, vb), (ws, vn) = sb, sn
            row = {"config": label(r, vary), "where": r["meta"]["where"], "scenario": scenario(r),
                   "bench": r["bench"], "params": config_params(r),
                   "rounds": {"base": len(rb), "new": len(rn)},
                   "metric": m["metric"], "unit": m["unit"], "better": m["better"],
                   "base": bs, "new": ws}
            if p is not None:
                row["pairs"] = {k: p[k] for k in ("n", "estimate", "sd", "worse")}
                row.update(judge_pairs(p, m, opts))
            else:
                row.update(judge(bs, ws, m, opts))
            row["interval"] = interval(vb, vn, m, p is not None)
            if unjudged and m["metric"] in WALL_TIME and time_base(r) == "wall":
                row["verdict"] = "other-machine"
            ow = row["params"].get("overwrite")
            if m["metric"] == "loss" and (row["scenario"] in ("overwrite", "no-reader")
                                          or (ow is not None and ow is not False)):
                row["verdict"] = "info"
            rows.append(row)

    def count(v):
        return sum(1 for x in rows if x["verdict"] == v)

    return {"schema_version": meta_b["schema_version"], "base": base, "new": new,
            "threshold_pct": opts["threshold"], "loss_threshold_points": opts["loss_threshold"],
            "sigma": opts["sigma"], "round_sigma": opts["round_sigma"],
            "pair_sigma": opts["pair_sigma"],
            "configurations": len({x["config"] for x in rows}),
            "regressions": count("regression"), "improvements": count("improvement"),
            "no_spread": count("no-spread"),
            "machines": {"same": not diffs, "differences": diffs,
                         "wall_time_judged": not unjudged},
            "only_in_base": [label(v[0], vary) for k, v in B.items() if k not in N],
            "only_in_new": [label(v[0], vary) for k, v in N.items() if k not in B],
            "rows": rows}


def si(x):
    """A number in 3 significant digits with a k, M or G suffix."""
    a = abs(x)
    for lim, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if a >= lim:
            return "%.3g%s" % (x / lim, suffix)
    return "%.3g" % x


def _cells(*cells):
    """A table line, each cell padded to its width in bytes (as awk's printf
    did), so that every line lines up alike."""
    widths = (-10, -10, -22, -22, 9, 7)
    out = []
    for c, w in zip(cells, widths):
        pad = " " * max(0, abs(w) - len(c.encode("utf-8")))
        out.append(c + pad if w < 0 else pad + c)
    return "  " + " ".join(out) + "  " + cells[-1]


def render_text(rep):
    """The table compare.sh prints without --json."""
    out = [_cells("metric", "unit", "base median ± sd (n)", "new median ± sd (n)", "change", "z",
                  "verdict")]
    last = None
    for r in rep["rows"]:
        if r["config"] != last:
            out += ["", r["config"]]
            last = r["config"]
        b, w = r["base"], r["new"]
        chg = "inf" if r["change"] is None else "%+.1f%s" % (r["change"], "pt" if r["metric"] == "loss" else "%")
        z = "inf" if r["z"] is None else "%+.1f" % r["z"]
        out.append(_cells(r["metric"], r["unit"], f"{si(b['median'])} ± {si(b['sd'])} ({text(b['n'])})",
                          f"{si(w['median'])} ± {si(w['sd'])} ({text(w['n'])})", chg, z, r["verdict"]))
    out += ["", f"{rep['configurations']} configurations, {len(rep['rows'])} metrics: "
            f"{rep['regressions']} regressions, {rep['improvements']} improvements"
            f" (threshold {text(rep['threshold_pct'])}% / {text(rep['loss_threshold_points'])} loss points;"
            f" {text(rep['sigma'])} sigma and outside the baseline range, or over >= 3 rounds"
            f" {text(rep['round_sigma'])} sigma, or over >= 3 pairs {text(rep['pair_sigma'])} sigma)"]
    if rep["machines"]["differences"]:
        out.append("different machines (" + "; ".join(rep["machines"]["differences"]) + "): "
                   + ("wall-time figures judged anyway (--judge-across-machines)"
                      if rep["machines"]["wall_time_judged"]
                      else "throughput, producer and p99 reported, not judged (other-machine)"))
    out += [f"only in base: {x}" for x in rep["only_in_base"]]
    out += [f"only in new: {x}" for x in rep["only_in_new"]]
    return "\n".join(out) + "\n"


def junit(rep):
    """The comparison as JUnit XML text: one test case per configuration
    and metric."""
    suite = ET.Element("testsuite", name="relaybench compare", tests=str(len(rep["rows"])),
                       failures=str(rep["regressions"]))
    skipped = 0
    for r in rep["rows"]:
        case = ET.SubElement(suite, "testcase", classname=r["config"], name=r["metric"])
        chg = "inf" if r["change"] is None else "%+.2f%s" % (r["change"], "pt" if r["metric"] == "loss" else "%")
        what = (f"{r['metric']} {r['base']['median']!r} -> {r['new']['median']!r} {r['unit']} "
                f"({chg}): {r['verdict']}")
        if r["verdict"] == "regression":
            ET.SubElement(case, "failure", message=what, type="regression")
        elif r["verdict"] in ("no-spread", "info", "other-machine"):
            ET.SubElement(case, "skipped", message=what)
            skipped += 1
        ET.SubElement(case, "system-out").text = what
    suite.set("skipped", str(skipped))
    root = ET.Element("testsuites")
    root.append(suite)
    return ET.tostring(root, encoding="unicode") + "\n"


def write_junit(path, rep):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n' + junit(rep))
    os.replace(tmp, path)


def main(argv):
    """Runs compare; returns the exit status (0, 1 regression, 2 bad input)."""
    try:
        opts = parse_args(argv)
        # "dir/" and "dir" name the same directory (one trailing / dropped)
        base, new = (d[:-1] if d.endswith("/") else d for d in opts["dirs"])
        meta_b, res_b = load_dir("baseline", base)
        meta_n, res_n = load_dir("new", new)
        vb, vn = meta_b["schema_version"], meta_n["schema_version"]
        if vb != vn:
            raise BadInput(f"schema mismatch: {base} has schema_version {text(vb)}, {new} has {text(vn)}")
        rep = compare(base, new, meta_b, res_b, res_n, opts, meta_n)
        if rep["configurations"] == 0:
            raise BadInput(f"no configuration of {base} is in {new}")
    except Usage:
        print(USAGE, file=sys.stderr)
        return 2
    except BadInput as e:
        print(f"compare: {e}", file=sys.stderr)
        return 2
    if opts["junit"]:
        try:
            write_junit(opts["junit"], rep)
        except OSError as e:
            print(f"compare: cannot write {opts['junit']}: {e.strerror}", file=sys.stderr)
            return 2
    if opts["json"]:
        sys.stdout.write(to_json(rep, indent=2) + "\n")
    else:
        sys.stdout.write(render_text(rep))
    sys.stdout.flush()
    if rep["no_spread"]:
        print(f"compare: warning: {rep['no_spread']} metrics have fewer than 2 iterations on a side "
              "and were not judged", file=sys.stderr)
    return 1 if rep["regressions"] else 0
