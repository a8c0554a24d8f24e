"""analysis.pooled: figures of a configuration from all of its results,
and mechanisms matched with each other.

Rounds
------
`run_all.sh --rounds N` runs the whole selection N times and tags each
result with its `round`.  Older results have no tag: then, per place, a
round begins wherever the place's first configuration comes again (each
round runs the selection in the same order).  Two mechanisms' results of
the same round ran minutes apart at most, and a slow spell of a shared
machine tends to hit both: their ratio is taken per round, as a pair.

A figure
--------
figure(results, metric) describes one configuration: every result of it
(every round, and every repetition inside a round, e.g. the high-rate base
point that several sweeps share) is a sample, the result's median over its
iterations.  The figure is the median of the samples with a seeded
bootstrap 95 % interval when there are at least MIN_SAMPLES of them, else
the pool of the results' iterations (stats.pool: the iteration-weighted
median of their medians) with no interval.  Never the first result.

A ratio
-------
ratio(a, b, metric) is figure a over figure b.  When both have at least
MIN_SAMPLES rounds and the same rounds, each round's figures (the median
of the round's samples) make a pair and the interval is the bootstrap over
the pairs (stats.ratio_paired); otherwise both sides are resampled apart
(stats.ratio_unpaired); below MIN_SAMPLES on a side, no interval.

Matching
--------
match_key(r) is what two mechanisms must share to be compared: place,
scenario, notification policy, producers, consumers, record size, batch,
offered rate, trigger, compat mode, and buffer bytes to a power of two
(a perf ring counts its header page per CPU, relay its sub-buffers);
not the mechanism's own knobs (rb_*, pb_*, relay_*, poll_ms), its
reader's overwrite mode, or what follows from the rest (placement).
"""

import math

from . import stats
from .results import config_key, matched_rate, scenario

MIN_SAMPLES = 3

# name: (path in a result, higher is better, unit)
METRICS = {
    "throughput": (("throughput", "events_per_s", "median"), True, "records/s"),
    "offered": (("throughput", "produced_per_s", "median"), True, "records/s"),
    "producer": (("cpu", "producer_ns_per_event", "median"), False, "ns/record"),
    "consumer_cpu": (("cpu", "consumer_cpu_pct", "median"), False, "%"),
    "ctx_switches": (("cpu", "consumer_ctx_switches_per_s", "median"), False, "1/s"),
    "wakeups": (("wakeups_per_s", "median"), False, "1/s"),
    "p50": (("latency_ns", "p50"), False, "ns"),
    "p99": (("latency_ns", "p99"), False, "ns"),
    "max": (("latency_ns", "max"), False, "ns"),
    "recovered": (("snapshot", "recovered"), True, "records"),
    "retention": (("snapshot", "retention"), True, "fraction"),
    "newest_age": (("snapshot", "newest_age_ns"), False, "ns"),
    "oldest_age": (("snapshot", "oldest_age_ns"), True, "ns"),
}


def get(r, path):
    """The number at path in r, or None (missing, null, not a number)."""
    for k in path:
        if not isinstance(r, dict):
            return None
        r = r.get(k)
    if isinstance(r, bool) or not isinstance(r, (int, float)):
        return None
    return r if math.isfinite(r) else None


def nothing_recovered(r):
    snap = r.get("snapshot")
    return isinstance(snap, dict) and not snap.get("recovered")


def loss_pct(r):
    loss = r.get("loss") or {}
    p, d, l = get(loss, ("produced",)), get(loss, ("dropped",)), get(loss, ("lost",))
    if not p or d is None or l is None:
        return None
    return 100 * (d + l) / p


def window_ns(r):
    """The time the recovered records span (oldest age - newest age)."""
    if nothing_recovered(r):
        return None
    o, n = get(r, ("snapshot", "oldest_age_ns")), get(r, ("snapshot", "newest_age_ns"))
    return None if o is None or n is None else o - n


DERIVED = {"loss": (loss_pct, False, "%"), "window": (window_ns, True, "ns")}


def value(r, metric):
    """One result's figure for metric (its median over its iterations), or
    None where it was not measured.  Ages of a snapshot that recovered
    nothing are not measured (the bench writes 0)."""
    if metric in DERIVED:
        return DERIVED[metric][0](r)
    if metric in ("newest_age", "oldest_age") and nothing_recovered(r):
        return None
    if metric in ("p50", "p99", "max") and not get(r, ("latency_ns", "count")):
        return None
    return get(r, METRICS[metric][0])


def higher_better(metric):
    return (DERIVED.get(metric) or METRICS[metric])[1]


def unit(metric):
    return (DERIVED.get(metric) or METRICS[metric])[2]


def assign_rounds(results):
    """{id(result): round} for every result: its `round` tag, else inferred
    (see the module's documentation)."""
    out, first, current = {}, {}, {}
    for r in results:
        tag = r.get("round")
        if isinstance(tag, int) and not isinstance(tag, bool):
            out[id(r)] = tag
            continue
        where = (r.get("meta") or {}).get("where")
        key = config_key(r)
        if where not in first:
            first[where], current[where] = key, 1
        elif key == first[where]:
            current[where] += 1
        out[id(r)] = current[where]
    return out


class Figure(dict):
    """{median, lo, hi, n, rounds}: lo and hi are None without an interval;
    n is the number of samples (results), rounds the rounds among them."""


def _samples(results, metric):
    return [(r, v) for r in results for v in [value(r, metric)] if v is not None]


def figure(results, metric, rounds=None):
    """The figure of one configuration's results (see the module's
    documentation), or None when no result measured the metric."""
    s = _samples(results, metric)
    if not s:
        return None
    vals = [v for _, v in s]
    nrounds = len({rounds.get(id(r)) for r, _ in s}) if rounds else len(s)
    if len(vals) >= MIN_SAMPLES:
        mid, lo, hi = stats.bootstrap_median(vals)
        return Figure(median=mid, lo=lo, hi=hi, n=len(vals), rounds=nrounds)
    iters = [max(1, int(get(r, ("params", "iterations")) or 1)) for r, _ in s]
    mid = stats.weighted_median(list(zip(vals, iters)))
    return Figure(median=mid, lo=None, hi=None, n=len(vals), rounds=nrounds)


def per_round(results, metric, rounds):
    """{round: the median of that round's samples}."""
    by = {}
    for r, v in _samples(results, metric):
        by.setdefault(rounds[id(r)], []).append(v)
    return {k: stats.median(v) for k, v in by.items()}


class Ratio(dict):
    """{ratio, lo, hi, n, method}: method "pairs" (n rounds paired),
    "bootstrap" (both sides resampled apart; n the smaller side) or None
    (no interval: fewer than MIN_SAMPLES on a side)."""


def ratio(a, b, metric, rounds):
    """Figure of results a over figure of results b (see the module's
    documentation), or None when a side has no positive figure."""
    if not rounds or any(id(r) not in rounds for r in a + b):
        rounds = assign_rounds(a + b)
    fa, fb = figure(a, metric, rounds), figure(b, metric, rounds)
    if fa is None or fb is None or fb["median"] <= 0 or fa["median"] < 0:
        return None
    ra, rb = per_round(a, metric, rounds), per_round(b, metric, rounds)
    common = sorted(set(ra) & set(rb))
    if (len(common) >= MIN_SAMPLES and len(common) == len(ra) == len(rb)
            and all(ra[k] > 0 and rb[k] > 0 for k in common)):
        est, lo, hi = stats.ratio_paired([rb[k] for k in common], [ra[k] for k in common])
        return Ratio(ratio=est, lo=lo, hi=hi, n=len(common), method="pairs")
    va = [v for _, v in _samples(a, metric)]
    vb = [v for _, v in _samples(b, metric)]
    n = min(len(va), len(vb))
    if n >= MIN_SAMPLES and min(va) > 0 and min(vb) > 0:
        est, lo, hi = stats.ratio_unpaired(vb, va)
        return Ratio(ratio=est, lo=lo, hi=hi, n=n, method="bootstrap")
    return Ratio(ratio=fa["median"] / fb["median"], lo=None, hi=None, n=n, method=None)


def pow2_class(b):
    """Buffer bytes to the nearest power of two (None stays None)."""
    if not b or b <= 0:
        return None
    return 1 << round(math.log2(b))


def policy(r):
    p = (r.get("params") or {}).get("policy")
    return p if isinstance(p, str) else r.get("policy")


def policy_kind(r):
    """every, batch, none or busy: the policy without its byte count."""
    return (policy(r) or "").split(":", 1)[0]


MATCH_PARAMS = ("producers", "consumers", "record_size", "batch", "trigger", "compat",
                "kernel_record", "count_only", "lat_every")


def match_key(r, with_policy=True, with_buffer=True):
    """What two mechanisms' results must share to be compared (see the
    module's documentation), as a tuple."""
    p = r.get("params") or {}
    key = [r.get("meta", {}).get("where"), scenario(r), matched_rate(r)]
    key += [repr(p.get(k)) for k in MATCH_PARAMS]
    if with_policy:
        key.append(policy(r))
    if with_buffer:
        key.append(pow2_class(get(r, ("memory", "buffer_bytes"))))
    return tuple(key)


def variant(r):
    """The bench as the tables name it: "ringbuf-custom --overwrite"."""
    return r["bench"] + (" --overwrite" if (r.get("params") or {}).get("overwrite") else "")
