"""analysis.decision: the verdict rule on synthetic ratios, and the RFC
table from synthetic rfc-modes results (made up, never measurements)."""

import contextlib
import io
import os
import tempfile
import unittest

from analysis import decision
from helpers import result, write_dir


class Verdict(unittest.TestCase):
    def test_clearly_above(self):
        self.assertEqual(decision.verdict(1.5, 1.3, 1.7, 5), "relay better")

    def test_clearly_below(self):
        self.assertEqual(decision.verdict(0.6, 0.5, 0.7, 5), "relay worse")

    def test_straddling_one(self):
        self.assertEqual(decision.verdict(1.2, 0.9, 1.6, 5), "no difference shown")
        self.assertEqual(decision.verdict(1.0, 1.0, 1.0, 5), "no difference shown")

    def test_above_one_but_inside_the_margin(self):
        # the interval excludes 1 but not 1.05: too small to call
        self.assertEqual(decision.verdict(1.04, 1.02, 1.06, 5), "within 5 %")
        self.assertEqual(decision.verdict(0.97, 0.94, 0.99, 5), "within 5 %")

    def test_the_margin_is_strict(self):
        self.assertEqual(decision.verdict(1.1, 1.05, 1.2, 5), "within 5 %")
        self.assertEqual(decision.verdict(1.1, 1.0501, 1.2, 5), "relay better")

    def test_too_few_rounds_decide_nothing(self):
        self.assertEqual(decision.verdict(3.0, 2.9, 3.1, 2), "no interval")
        self.assertEqual(decision.verdict(3.0, None, None, 5), "no interval")


def rfc_result(bench, mode, events, rnd=0):
    return result(**{"bench": bench, "scenario": "rfc-modes",
                     "params.compat": mode, "params.record_size": 8,
                     "throughput.events_per_s.median": events,
                     "meta.round": rnd})


class RfcRows(unittest.TestCase):
    def runs(self, relay, base, mode="sampled", bench="relay-mmap"):
        out = []
        for i, (a, b) in enumerate(zip(relay, base)):
            out += [rfc_result(bench, mode, a, i), rfc_result("ringbuf-libbpf", mode, b, i)]
        out += [rfc_result(bench, mode, a) for a in relay[len(base):]]
        return out

    def test_paired_rounds_give_the_ratio_and_an_interval(self):
        rows = decision.rfc_rows(self.runs([2.0e6, 2.2e6, 2.1e6, 1.9e6, 2.0e6],
                                           [1.0e6, 1.1e6, 1.0e6, 1.0e6, 1.0e6]))
        self.assertEqual(len(rows), 1)
        r = rows[0]
        self.assertEqual((r["mode"], r["bench"], r["claim"], r["n"]), ("sampled", "relay-mmap", 2.3, 5))
        self.assertAlmostEqual(r["ratio"], 2.0)
        self.assertLessEqual(r["lo"], r["ratio"])
        self.assertGreaterEqual(r["hi"], r["ratio"])
        self.assertEqual(r["verdict"], "relay better")
        self.assertFalse(r["claim_inside"])   # 2.3 lies above every pair's ratio

    def test_a_claim_inside_the_interval_is_reproduced(self):
        rows = decision.rfc_rows(self.runs([1.7e6, 1.9e6, 1.8e6, 1.75e6, 1.85e6],
                                           [1e6] * 5, mode="b2b", bench="relay-read"))
        self.assertEqual(rows[0]["claim"], 1.8)
        self.assertTrue(rows[0]["claim_inside"])

    def test_one_round_gives_no_interval_and_no_verdict(self):
        r = decision.rfc_rows(self.runs([3e6], [1e6]))[0]
        self.assertAlmostEqual(r["ratio"], 3.0)
        self.assertIsNone(r["lo"])
        self.assertEqual(r["verdict"], "no interval")
        self.assertIsNone(r["claim_inside"])

    def test_unequal_rounds_are_bootstrapped_apart(self):
        r = decision.rfc_rows(self.runs([2e6, 2e6, 2e6, 2e6], [1e6, 1e6, 1e6]))[0]
        self.assertEqual(r["n"], 3)
        self.assertAlmostEqual(r["lo"], 2.0)
        self.assertAlmostEqual(r["hi"], 2.0)

    def test_parallel_has_no_claim(self):
        r = decision.rfc_rows(self.runs([1e6] * 3, [1e6] * 3, mode="parallel"))[0]
        self.assertIsNone(r["claim"])
        self.assertIn("| parallel | relay-mmap | none | 1.00x", decision.render_rfc([r]))

    def test_other_scenarios_and_modes_stay_out(self):
        other = result(**{"bench": "relay-mmap", "scenario": "high-rate",
                          "params.compat": "sampled"})
        self.assertEqual(decision.rfc_rows([other]), [])


class Main(unittest.TestCase):
    def run_main(self, argv):
        err, out = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            rc = decision.main(argv)
        return rc, out.getvalue(), err.getvalue()

    def test_a_run_without_rfc_modes_is_refused(self):
        with tempfile.TemporaryDirectory() as t:
            d = write_dir(os.path.join(t, "run"), [result()])
            rc, _, err = self.run_main([d])
            self.assertEqual(rc, 2)
            self.assertEqual(err.count("\n"), 1)
            self.assertIn("no rfc-modes results", err)

    def test_usage(self):
        self.assertEqual(self.run_main([])[0], 2)
        self.assertEqual(self.run_main(["--x"])[0], 2)

    def test_table(self):
        with tempfile.TemporaryDirectory() as t:
            runs = RfcRows().runs([2e6] * 3, [1e6] * 3)
            rc, out, _ = self.run_main([write_dir(os.path.join(t, "run"), runs)])
            self.assertEqual(rc, 0)
            self.assertIn("| sampled | relay-mmap | 2.30x | 2.00x [2.00x, 2.00x] | 3 | relay better | no |", out)


if __name__ == "__main__":
    unittest.main()
