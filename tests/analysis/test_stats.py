"""analysis.stats: known inputs give known answers; the bootstrap is
reproducible and covers what it claims; pairs beat separate samples when a
disturbance hits both halves of a pair."""

import math
import random
import statistics
import unittest

from analysis import stats


class Median(unittest.TestCase):
    def test_known(self):
        self.assertEqual(stats.median([3, 1, 2]), 2)
        self.assertEqual(stats.median([4, 1, 3, 2]), 2.5)
        self.assertEqual(stats.median([7]), 7)
        with self.assertRaises(ValueError):
            stats.median([])

    def test_weighted_is_the_median_of_the_expanded_list(self):
        rng = random.Random(3)
        for _ in range(200):
            pairs = [(rng.randint(0, 50), rng.randint(1, 4)) for _ in range(rng.randint(1, 6))]
            expanded = [v for v, w in pairs for _ in range(w)]
            self.assertEqual(stats.weighted_median(pairs), statistics.median(expanded))

    def test_robust_sd_ignores_one_wild_value(self):
        self.assertAlmostEqual(stats.robust_sd([9, 10, 10, 11, 1000]), 1.4826 * 1)
        rng = random.Random(5)
        xs = [rng.gauss(0, 2) for _ in range(20000)]
        self.assertAlmostEqual(stats.robust_sd(xs), 2, delta=0.06)


class Pool(unittest.TestCase):
    @staticmethod
    def summary(xs):
        return {"median": statistics.median(xs), "sd": statistics.stdev(xs),
                "min": min(xs), "max": max(xs), "n": len(xs)}

    def test_one_result_is_itself(self):
        s = self.summary([1, 2, 4])
        self.assertEqual(stats.pool([s]), s)

    def test_symmetric_results_pool_to_their_union(self):
        # with median == mean in each result, the pooled sd is exactly the
        # sd of all iterations together
        a, b, c = [1, 2, 3], [11, 12, 13], [5, 6, 7, 8, 9]
        p = stats.pool([self.summary(a), self.summary(b), self.summary(c)])
        u = a + b + c
        self.assertAlmostEqual(p["sd"], statistics.stdev(u))
        self.assertEqual((p["min"], p["max"], p["n"]), (1, 13, 11))
        # the medians 2 (x3), 12 (x3), 7 (x5): the 6th of 11 is 7
        self.assertEqual(p["median"], 7)

    def test_disagreeing_results_widen_the_spread(self):
        tight = self.summary([99, 100, 101])
        slow = self.summary([129, 130, 131])
        self.assertGreater(stats.pool([tight, slow])["sd"], 10 * tight["sd"])
        self.assertAlmostEqual(stats.pool([tight, tight])["sd"], tight["sd"], delta=0.2)


class Bootstrap(unittest.TestCase):
    def test_same_seed_same_interval(self):
        xs = [random.Random(1).lognormvariate(0, 1) for _ in range(15)]
        self.assertEqual(stats.bootstrap_median(xs), stats.bootstrap_median(xs))
        self.assertEqual(stats.ratio_unpaired(xs, xs[::-1]), stats.ratio_unpaired(xs, xs[::-1]))
        est, lo, hi = stats.bootstrap_median(xs)
        self.assertEqual(est, statistics.median(xs))
        self.assertLessEqual(lo, est)
        self.assertLessEqual(est, hi)

    def test_coverage_of_a_known_distribution(self):
        # 95 % intervals of the median of N(10, 1) samples of 31 contain 10
        # about 95 % of the time (the percentile bootstrap of a median runs
        # a little under or over with small samples)
        rng = random.Random(2024)
        trials, hit = 200, 0
        for t in range(trials):
            xs = [rng.gauss(10, 1) for _ in range(31)]
            _, lo, hi = stats.bootstrap_median(xs, seed=t, resamples=400)
            hit += lo <= 10 <= hi
        self.assertGreaterEqual(hit / trials, 0.88)
        self.assertLessEqual(hit / trials, 0.995)

    def test_more_data_narrower_interval(self):
        rng = random.Random(7)
        small = [rng.gauss(0, 1) for _ in range(9)]
        large = [rng.gauss(0, 1) for _ in range(400)]
        _, a, b = stats.bootstrap_median(small, resamples=500)
        _, c, d = stats.bootstrap_median(large, resamples=500)
        self.assertLess(d - c, (b - a) / 2)


class Ratio(unittest.TestCase):
    def swings(self, effect, n=9, seed=11):
        """rounds with a common slowdown per pair (0.7x to 1.6x) and 1 %
        noise; new is `effect` times base in every pair"""
        rng = random.Random(seed)
        base, new = [], []
        for _ in range(n):
            s = rng.uniform(0.7, 1.6)
            base.append(100 * s * rng.gauss(1, 0.01))
            new.append(100 * effect * s * rng.gauss(1, 0.01))
        return base, new

    def test_pairs_see_through_common_swings(self):
        base, new = self.swings(1.10)
        r, lo, hi = stats.ratio_paired(base, new)
        self.assertAlmostEqual(r, 1.10, delta=0.02)
        self.assertGreater(lo, 1.05)
        self.assertLess(hi, 1.15)
        # the same numbers as two separate samples: the swings hide it
        r2, lo2, hi2 = stats.ratio_unpaired(base, new)
        self.assertLess(lo2, 1)
        self.assertGreater(hi2 - lo2, 5 * (hi - lo))

    def test_no_change_contains_one(self):
        base, new = self.swings(1.0)
        for f in (stats.ratio_paired, stats.ratio_unpaired):
            _, lo, hi = f(base, new)
            self.assertLessEqual(lo, 1)
            self.assertGreaterEqual(hi, 1)

    def test_direction(self):
        base, new = self.swings(0.8)
        _, lo, hi = stats.ratio_paired(base, new)
        self.assertLess(hi, 0.85)
        r, lo, hi = stats.ratio_unpaired([100] * 5, [50] * 5)
        self.assertEqual((r, lo, hi), (0.5, 0.5, 0.5))

    def test_differences(self):
        d, lo, hi = stats.difference_paired([1, 2, 3, 4, 5], [3, 4, 5, 6, 7])
        self.assertEqual((d, lo, hi), (2, 2, 2))
        d, lo, hi = stats.difference_unpaired([0, 0, 0], [5, 5, 5])
        self.assertEqual(d, 5)

    def test_bad_input(self):
        with self.assertRaises(ValueError):
            stats.ratio_paired([1, 0, 2], [1, 1, 1])
        with self.assertRaises(ValueError):
            stats.ratio_unpaired([1, 2, 3], [1, -1, 1])
        with self.assertRaises(ValueError):
            stats.ratio_paired([1, 2], [1, 2, 3])
        self.assertTrue(math.isfinite(stats.ratio_paired([1, 2, 3], [2, 4, 6])[0]))


if __name__ == "__main__":
    unittest.main()
