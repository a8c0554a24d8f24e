"""analysis.pooled: figures from every result of a configuration, rounds,
ratios from pairs or both sides, and what makes mechanisms comparable."""

import os
import re
import unittest

from analysis import pooled, results
from helpers import result

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def floor(ns, rnd=None, **kw):
    r = result(ns, **{"bench": "percpu", "scenario": "high-rate", **kw})
    if rnd is not None:
        r["round"] = rnd
    return r


class Figure(unittest.TestCase):
    def test_duplicates_in_one_run_are_pooled_never_the_first(self):
        # the reference run's floor: 1486, 771 and 740 ns in one run
        rs = [floor(1486), floor(771), floor(740)]
        f = pooled.figure(rs, "producer", pooled.assign_rounds(rs))
        self.assertEqual(f["median"], 771)
        self.assertEqual(f["n"], 3)
        self.assertLessEqual(f["lo"], 771)
        self.assertGreaterEqual(f["hi"], 771)

    def test_known_median_of_five(self):
        rs = [floor(v, i + 1) for i, v in enumerate((5, 1, 4, 2, 3))]
        f = pooled.figure(rs, "producer", pooled.assign_rounds(rs))
        self.assertEqual((f["median"], f["n"], f["rounds"]), (3, 5, 5))

    def test_two_results_pool_their_iterations_without_an_interval(self):
        rs = [floor(100, **{"params.iterations": 3}), floor(200, **{"params.iterations": 1})]
        f = pooled.figure(rs, "producer")
        self.assertEqual(f["median"], 100)      # weighted by iterations: 100 100 100 200
        self.assertIsNone(f["lo"])

    def test_same_input_same_interval(self):
        rs = [floor(v) for v in (10, 12, 9, 15, 11, 10, 13)]
        self.assertEqual(pooled.figure(rs, "producer"), pooled.figure(rs, "producer"))

    def test_not_measured_is_not_zero(self):
        r = result(**{"latency_ns.count": 0, "latency_ns.p99": 0})
        self.assertIsNone(pooled.figure([r], "p99"))
        snap = result(**{"snapshot": {"recovered": 0, "newest_age_ns": 0, "oldest_age_ns": 0}})
        self.assertIsNone(pooled.value(snap, "newest_age"))
        self.assertIsNone(pooled.value(snap, "window"))
        self.assertEqual(pooled.value(snap, "recovered"), 0)


class Rounds(unittest.TestCase):
    def test_tags_win(self):
        rs = [floor(1, 2), floor(2, 1)]
        self.assertEqual([pooled.assign_rounds(rs)[id(r)] for r in rs], [2, 1])

    def test_inferred_when_the_first_configuration_comes_again(self):
        a = lambda: floor(1)                                   # noqa: E731
        b = lambda: floor(1, **{"params.record_size": 256})   # noqa: E731
        rs = [a(), b(), a(), b(), a(), b(), floor(1, **{"meta.where": "vm"})]
        got = [pooled.assign_rounds(rs)[id(r)] for r in rs]
        self.assertEqual(got, [1, 1, 2, 2, 3, 3, 1])


class Ratio(unittest.TestCase):
    def test_pairs_cancel_a_slow_round(self):
        relay = [floor(v, i + 1, bench="relay-mmap") for i, v in enumerate((50, 75, 51))]
        rb = [floor(v, i + 1, bench="ringbuf-libbpf") for i, v in enumerate((100, 150, 102))]
        rounds = pooled.assign_rounds(relay + rb)
        q = pooled.ratio(relay, rb, "producer", rounds)
        self.assertEqual(q["method"], "pairs")
        self.assertAlmostEqual(q["ratio"], 0.5)
        self.assertLess(q["hi"] - q["lo"], 0.01)

    def test_unmatched_rounds_bootstrap_both_sides(self):
        relay = [floor(v, i + 1, bench="relay-mmap") for i, v in enumerate((50, 75, 51, 52))]
        rb = [floor(v, i + 1, bench="ringbuf-libbpf") for i, v in enumerate((100, 150, 102))]
        q = pooled.ratio(relay, rb, "producer", pooled.assign_rounds(relay + rb))
        self.assertEqual(q["method"], "bootstrap")
        self.assertLess(q["lo"], q["hi"])

    def test_one_round_no_interval(self):
        q = pooled.ratio([floor(50)], [floor(100)], "producer", {})
        self.assertEqual((q["ratio"], q["lo"], q["method"]), (0.5, None, None))


class Matching(unittest.TestCase):
    def test_mechanism_knobs_do_not_split_policy_and_rate_do(self):
        a = result(**{"params.policy": "busy", "params.rb_size": 1 << 20, "memory.buffer_bytes": 1 << 20})
        b = result(**{"params.policy": "busy", "params.pb_pages": 128, "memory.buffer_bytes": 1056768})
        self.assertEqual(pooled.match_key(a), pooled.match_key(b))
        c = result(**{"params.policy": "batch:65536", "memory.buffer_bytes": 1 << 20})
        self.assertNotEqual(pooled.match_key(a), pooled.match_key(c))
        self.assertNotEqual(pooled.match_key(a), pooled.match_key(result(**{"params.rate": 1000})))

    def test_latency_rates_key_as_matched(self):
        def lat(rate):
            return result(**{"scenario": "latency", "params.rate": rate})
        self.assertEqual(results.config_key(lat(190430)), results.config_key(lat(906534)))
        self.assertNotEqual(results.config_key(lat(10000)), results.config_key(lat(50000)))
        self.assertEqual(results.config_params(lat(190430))["rate"], "sustained")
        # only in the latency scenario: a high-rate sweep keeps its rates
        self.assertNotEqual(results.config_key(result(**{"params.rate": 190430})),
                            results.config_key(result(**{"params.rate": 906534})))

    def test_fixed_rates_are_latency_sh_s(self):
        with open(os.path.join(ROOT, "scripts", "scenarios", "latency.sh")) as f:
            m = re.search(r"^LATENCY_RATES=\(([0-9 ]+)\)", f.read(), re.M)
        self.assertEqual(tuple(int(v) for v in m.group(1).split()), results.LATENCY_RATES)


if __name__ == "__main__":
    unittest.main()
