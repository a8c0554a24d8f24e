"""analysis.stats: the statistics every relaybench reader shares.

Everything here works on plain lists of floats and is deterministic: the
bootstrap draws from its own random.Random(seed), so the same data gives the
same interval on every run, whatever else the program did before.

  median(xs)                  the middle value (mean of the two middle ones)
  weighted_median(pairs)      the median of values repeated by their weights
  robust_sd(xs, mid)          1.4826 x the median absolute deviation from mid
  pool(summaries)             one {median, sd, min, max, n} from several
  bootstrap_median(xs)        the median with a percentile bootstrap interval
  ratio_paired(base, new)     new/base from matched pairs, with its interval
  ratio_unpaired(base, new)   new/base from two independent samples
  difference_paired/_unpaired the same for differences (loss in points)
  bootstrap_of_medians(fn, samples)  any statistic of several medians
"""

import math
import random

SEED = 15          # every bootstrap starts from this seed unless told
RESAMPLES = 1000   # bootstrap resamples (enough for a 95 % percentile interval)
LEVEL = 0.95       # interval coverage
MAD_TO_SD = 1.4826  # the MAD of a normal sample, scaled to its sd


def median(xs):
    """The median of a non-empty sequence of numbers."""
    s = sorted(xs)
    n = len(s)
    if n == 0:
        raise ValueError("median of nothing")
    mid = n // 2
    return s[mid] if n % 2 else (s[mid - 1] + s[mid]) / 2


def weighted_median(pairs):
    """The median of (value, weight) pairs, weights whole numbers >= 1: the
    median of the list where each value appears weight times."""
    items = sorted((v, int(w)) for v, w in pairs)
    total = sum(w for _, w in items)
    if total <= 0:
        raise ValueError("weighted median of nothing")

    def at(i):  # the i-th element (0-based) of the expanded list
        for v, w in items:
            if i < w:
                return v
            i -= w
        raise IndexError(i)

    if total % 2:
        return at(total // 2)
    return (at(total // 2 - 1) + at(total // 2)) / 2


def robust_sd(xs, mid=None):
    """A spread that one wild value cannot stretch: 1.4826 x the median of
    |x - mid| (mid defaults to the median), which estimates the standard
    deviation of normally distributed data."""
    if mid is None:
        mid = median(xs)
    return MAD_TO_SD * median([abs(x - mid) for x in xs])


def pool(summaries):
    """Pools per-result summaries of one configuration into one.

    Each summary is {median, sd, min, max, n} over n iterations of one result
    (a run of the bench); the iterations themselves are not stored.  The
    pooled summary describes all sum(n) iterations together:
      median  the n-weighted median of the results' medians (with equal n,
              the median of the medians);
      sd      the standard deviation of the union, from the law of total
              variance with each result's median standing for its mean:
              sqrt((sum (n_i - 1) sd_i^2 + sum n_i (m_i - m)^2) / (N - 1)),
              m the n-weighted mean of the medians; it grows when the
              results disagree, which is what a slow run looks like;
      min/max the extremes over all results;
      n       N = sum n_i.
    One summary is returned as it is (a copy)."""
    if not summaries:
        raise ValueError("pool of nothing")
    if len(summaries) == 1:
        return dict(summaries[0])
    total = sum(s["n"] for s in summaries)
    if total <= 0:
        raise ValueError("pool of results without iterations")
    mean = sum(s["n"] * s["median"] for s in summaries) / total
    within = sum((s["n"] - 1) * s["sd"] ** 2 for s in summaries if s["n"] > 1)
    between = sum(s["n"] * (s["median"] - mean) ** 2 for s in summaries)
    sd = math.sqrt((within + between) / (total - 1)) if total > 1 else 0.0
    return {
        "median": weighted_median([(s["median"], max(s["n"], 1)) for s in summaries]),
        "sd": sd,
        "min": min(s["min"] for s in summaries),
        "max": max(s["max"] for s in summaries),
        "n": total,
    }


def _percentile_interval(stats, level):
    """The central `level` interval of a list of bootstrap statistics."""
    s = sorted(stats)
    tail = (1 - level) / 2
    lo = s[int(math.floor(tail * len(s)))]
    hi = s[min(len(s) - 1, int(math.ceil((1 - tail) * len(s))) - 1)]
    return lo, hi


def _boot_medians(rng, xs, resamples):
    """The medians of `resamples` resamples of xs (len(xs) draws with
    replacement each).  xs is sorted once, so a resample's median is the
    value at the median of its drawn indices."""
    s = sorted(xs)
    n, h, draw = len(s), len(s) // 2, rng.random
    out = []
    for _ in range(resamples):
        idx = sorted([int(draw() * n) for _ in range(n)])
        out.append(s[idx[h]] if n % 2 else (s[idx[h - 1]] + s[idx[h]]) / 2)
    return out


def bootstrap_median(xs, seed=SEED, resamples=RESAMPLES, level=LEVEL):
    """(median, lo, hi): the median of xs and its percentile bootstrap
    interval (resampling xs with replacement `resamples` times)."""
    xs = list(xs)
    lo, hi = _percentile_interval(_boot_medians(random.Random(seed), xs, resamples), level)
    return median(xs), lo, hi


def _check_positive(xs, what):
    if any(x <= 0 for x in xs):
        raise ValueError(f"a ratio needs positive values ({what})")


def ratio_paired(base, new, seed=SEED, resamples=RESAMPLES, level=LEVEL):
    """(ratio, lo, hi) of new over base from matched pairs (base[i], new[i]
    measured together): the ratio is exp(median of ln(new_i / base_i)) and
    its interval the bootstrap over pairs of that median.  A disturbance
    that hits both halves of a pair cancels out of its ratio."""
    if len(base) != len(new):
        raise ValueError("pairs of unequal sides")
    _check_positive(base, "base")
    _check_positive(new, "new")
    d = [math.log(n / b) for b, n in zip(base, new)]
    est, lo, hi = bootstrap_median(d, seed, resamples, level)
    return math.exp(est), math.exp(lo), math.exp(hi)


def ratio_unpaired(base, new, seed=SEED, resamples=RESAMPLES, level=LEVEL):
    """(ratio, lo, hi) of median(new) / median(base) for two independent
    samples: each resample draws both sides anew."""
    base, new = list(base), list(new)
    _check_positive(base, "base")
    _check_positive(new, "new")
    rng = random.Random(seed)
    stats = [n / b for n, b in zip(_boot_medians(rng, new, resamples),
                                   _boot_medians(rng, base, resamples))]
    lo, hi = _percentile_interval(stats, level)
    return median(new) / median(base), lo, hi


def difference_paired(base, new, seed=SEED, resamples=RESAMPLES, level=LEVEL):
    """(difference, lo, hi): the median of new_i - base_i over matched
    pairs, with its bootstrap interval."""
    if len(base) != len(new):
        raise ValueError("pairs of unequal sides")
    return bootstrap_median([n - b for b, n in zip(base, new)], seed, resamples, level)


def difference_unpaired(base, new, seed=SEED, resamples=RESAMPLES, level=LEVEL):
    """(difference, lo, hi) of median(new) - median(base), two independent
    samples."""
    base, new = list(base), list(new)
    rng = random.Random(seed)
    stats = [n - b for n, b in zip(_boot_medians(rng, new, resamples),
                                   _boot_medians(rng, base, resamples))]
    lo, hi = _percentile_interval(stats, level)
    return median(new) - median(base), lo, hi


def bootstrap_of_medians(fn, samples, seed=SEED, resamples=RESAMPLES, level=LEVEL):
    """(fn(medians), lo, hi): a statistic of several independent samples'
    medians (fn takes one median per sample, in order) with its percentile
    bootstrap interval, each sample resampled on its own.  Resamples where
    fn is undefined (it returns None) are left out; None for lo and hi
    when more than half are."""
    samples = [list(s) for s in samples]
    est = fn(*[median(s) for s in samples])
    rng = random.Random(seed)
    boots = [_boot_medians(rng, s, resamples) for s in samples]
    stats = [v for v in (fn(*ms) for ms in zip(*boots)) if v is not None]
    if len(stats) < resamples / 2:
        return est, None, None
    lo, hi = _percentile_interval(stats, level)
    return est, lo, hi
