"""analysis.plotdata: what the plots' users asked of them, on synthetic
results (gnuplot itself is exercised by tests/scripts/test_report.sh)."""

import os
import re
import tempfile
import unittest

from analysis import plotdata
from helpers import result


def tics(lo, hi):
    return [float(v) for v in re.findall(r"' ([0-9.e+-]+)", plotdata.us_tics(lo, hi))]


class Tics(unittest.TestCase):
    def test_three_to_seven_tics_whatever_the_span(self):
        for lo, hi in ((6000, 30000), (33, 60), (0.7, 5000), (9, 220), (4e4, 8e4), (0.1, 1e5)):
            t = tics(lo, hi)
            self.assertTrue(3 <= len(t) <= 7, (lo, hi, t))
            self.assertTrue(all(lo <= v <= hi for v in t), (lo, hi, t))

    def test_labelled_in_their_unit(self):
        self.assertIn("'10 ms' 10000", plotdata.us_tics(6000, 30000))


def rate_point(bench, rate, delivered, saturated, policy="batch:65536"):
    return result(**{"bench": bench, "mechanism": bench.split("-")[0], "scenario": "latency",
                     "params.rate": rate, "params.policy": policy,
                     "throughput.produced_per_s.median": delivered,
                     "throughput.events_per_s.median": delivered,
                     "throughput.saturated": saturated})


class LossVsRate(unittest.TestCase):
    def test_a_saturated_point_is_circled_and_explained(self):
        # delivered == produced: only the saturation flag tells that the
        # producer never reached the requested rate
        rs = [rate_point("relay-mmap", 10000, 10000.0, False),
              rate_point("relay-mmap", 190000, 148000.0, True)]
        with tempfile.TemporaryDirectory() as work:
            P = plotdata.Plots(work)
            plotdata.loss_vs_rate(P, rs, "native", None)
            self.assertEqual([n for n, _ in P.list], ["loss_vs_rate-native"])
            with open(os.path.join(work, "loss_vs_rate-native.gp")) as f:
                gp = f.read()
            data = [f for f in os.listdir(work) if f.endswith(".dat")]
            with open(os.path.join(work, data[0])) as f:
                rows = [line.rstrip("\n").split("\t") for line in f]
        self.assertEqual(rows, [["10000.0", "1.0", "NaN"], ["148000.0", "1.0", "1.0"]])
        self.assertIn("using 1:3 with points", gp)
        self.assertIn("title 'saturated: under 95 % of the requested rate'", gp)

    def test_nothing_saturated_no_circle_legend(self):
        rs = [rate_point("relay-mmap", 10000, 10000.0, False),
              rate_point("relay-mmap", 50000, 50000.0, False)]
        with tempfile.TemporaryDirectory() as work:
            P = plotdata.Plots(work)
            plotdata.loss_vs_rate(P, rs, "native", None)
            with open(os.path.join(work, "loss_vs_rate-native.gp")) as f:
                gp = f.read()
        self.assertNotIn("saturated", gp)


class RateTitle(unittest.TestCase):
    def test_derived_rate_says_what_it_is(self):
        rs = {"relay-mmap": [rate_point("relay-mmap", 906534, 9e5, False)]}
        self.assertEqual(plotdata._rate_title("sustained", rs),
                         "907 k records/s (90 % of the lowest base-point saturation)")
        self.assertEqual(plotdata._rate_title(1500000, rs), "1.5 M records/s")


if __name__ == "__main__":
    unittest.main()
