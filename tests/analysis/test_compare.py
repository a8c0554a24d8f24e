"""analysis.compare: pooling instead of the first result, intervals from
pairs or from both sides, reproducible output, and exit codes."""

import json
import os
import tempfile
import unittest

from analysis import compare
from helpers import result, run_main, write_dir


def run(*argv):
    """(exit status, stdout, stderr) of `compare ARGV`."""
    return run_main(compare.main, [str(a) for a in argv])


def row(doc, metric):
    rows = [r for r in doc["rows"] if r["metric"] == metric]
    assert len(rows) == 1, rows
    return rows[0]


class Base(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.name

    def d(self, name, rs, **kw):
        return write_dir(os.path.join(self.tmp, name), rs, **kw)

    def json(self, *argv, want=None):
        rc, out, err = run(*argv, "--json")
        if want is not None:
            self.assertEqual(rc, want, err)
        return json.loads(out)


class Pooling(Base):
    def test_duplicates_are_pooled_not_the_first(self):
        # new has the unchanged result first and two slow ones after it: the
        # first row alone would say "same"
        base = self.d("b", [result(100), result(100)])
        new = self.d("n", [result(100), result(130), result(130)])
        doc = self.json(base, new, want=1)
        p = row(doc, "producer")
        self.assertEqual(p["rounds"], {"base": 2, "new": 3})
        self.assertEqual((p["base"]["n"], p["new"]["n"]), (10, 15))
        self.assertEqual((p["new"]["results"], p["new"]["median"]), (3, 130))
        self.assertEqual((p["new"]["min"], p["new"]["max"]), (98, 132))
        self.assertEqual(p["verdict"], "regression")
        self.assertEqual(doc["configurations"], 1)

    def test_a_contradicting_result_is_not_ignored(self):
        base = self.d("b", [result(100)])
        slow_first = self.d("n", [result(130), result(95)])
        p = row(self.json(base, slow_first, want=0), "producer")
        self.assertEqual(p["verdict"], "noise")
        self.assertGreater(p["new"]["sd"], 10)

    def test_order_does_not_matter(self):
        base = self.d("b", [result(100), result(101), result(99), result(100)])
        a = self.d("n1", [result(110), result(95), result(130)])
        b = self.d("n2", [result(130), result(110), result(95)])
        ra, rb = row(self.json(base, a), "producer"), row(self.json(base, b), "producer")
        for k in ("base", "new", "change", "z", "verdict", "interval"):
            self.assertEqual(ra[k], rb[k], k)


class Intervals(Base):
    def swings(self, name, values, tag):
        rs = []
        for i, v in enumerate(values):
            r = result(v, v / 100)  # best iteration 0.98 v
            if tag:
                r["ab"] = {"pair": i + 1, "side": name, "first": i % 2 == 0}
            rs.append(r)
        return self.d(name, rs)

    def test_pairs_vs_unpaired(self):
        # every pair +10 % through 50 % swings between pairs
        base_v = [100, 140, 90, 110, 95, 130, 85]
        new_v = [v * 1.1 for v in base_v]
        b, n = self.swings("b", base_v, True), self.swings("n", new_v, True)
        paired = row(self.json(b, n, want=1), "producer")
        iv = paired["interval"]
        self.assertEqual((iv["method"], iv["stat"]), ("pairs", "ratio"))
        self.assertGreater(iv["lo"], 1.05)
        self.assertLess(iv["hi"], 1.15)
        self.assertAlmostEqual(iv["estimate"], 1.1, places=6)
        unpaired = row(self.json(b, n, "--no-pairs"), "producer")
        iv2 = unpaired["interval"]
        self.assertEqual(iv2["method"], "bootstrap")
        self.assertLess(iv2["lo"], 1)
        self.assertGreater(iv2["hi"] - iv2["lo"], 3 * (iv["hi"] - iv["lo"]))
        # each side's median and its interval (of the rounds' best iterations)
        self.assertEqual(iv2["base"]["n"], 7)
        self.assertLessEqual(iv2["base"]["lo"], iv2["base"]["median"])
        self.assertLessEqual(iv2["base"]["median"], iv2["base"]["hi"])

    def test_reruns_print_the_same(self):
        b = self.swings("b", [100, 120, 90, 105, 98], False)
        n = self.swings("n", [104, 99, 118, 93, 101], False)
        first = run(b, n, "--json")
        self.assertEqual(first, run(b, n, "--json"))
        self.assertIsNotNone(row(json.loads(first[1]), "producer")["interval"])

    def test_too_few_rounds_no_interval(self):
        b = self.d("b", [result(100), result(101)])
        n = self.d("n", [result(100), result(101)])
        self.assertIsNone(row(self.json(b, n, want=0), "producer")["interval"])

    def test_loss_interval_is_a_difference(self):
        lossy = {"throughput.dropped_per_s": {"median": 5e4, "stddev": 1e3, "min": 4.8e4, "max": 5.2e4},
                 "loss.dropped": 250000}
        b = self.d("b", [result(100) for _ in range(3)])
        n = self.d("n", [result(100, **lossy) for _ in range(3)])
        iv = row(self.json(b, n, want=1), "loss")["interval"]
        self.assertEqual((iv["stat"], iv["estimate"], iv["lo"], iv["hi"]), ("difference", 5, 5, 5))


class ExitCodes(Base):
    def test_verdicts(self):
        base = self.d("b", [result(100)])
        self.assertEqual(run(base, self.d("same", [result(100.5)]))[0], 0)
        rc, out, _ = run(base, self.d("slow", [result(130)]))
        self.assertEqual(rc, 1)
        self.assertRegex(out, r"producer .* regression")
        self.assertEqual(run(self.d("fast", [result(70)]), base)[0], 1)
        self.assertEqual(run(base, self.d("fast2", [result(70)]))[0], 0)

    def bad(self, pattern, *argv):
        rc, out, err = run(*argv)
        self.assertEqual(rc, 2)
        self.assertEqual(out, "")
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertRegex(err, pattern)

    def test_bad_input(self):
        base = self.d("b", [result(100)])
        self.bad("^usage: ", base)
        self.bad("^usage: ", base, base, base)
        self.bad("unknown option '--bogus'", base, base, "--bogus")
        for v in ("ten", "0", "0.0", "-1", ""):
            self.bad("invalid value for --sigma", base, base, "--sigma", v)
        self.bad("--threshold needs a value", base, base, "--threshold")
        self.bad("new directory '.*nope' not found", base, os.path.join(self.tmp, "nope"))
        self.bad(r"schema mismatch: .* schema_version 2, .* 3", base,
                 self.d("v3", [result()], meta={"schema_version": 3}))
        self.bad("no configuration of .* is in", base,
                 self.d("other", [result(**{"params.record_size": 256})]))
        self.bad("not json lines", base, self.d("garbled", [], raw="{"))

    def test_trailing_slash(self):
        base = self.d("b", [result(100)])
        doc = self.json(base + "/", base, want=0)
        self.assertEqual(doc["base"], base)

    def test_no_spread_warns(self):
        one = {"params.iterations": 1}
        rc, _, err = run(self.d("b", [result(100, 0, **one)]), self.d("n", [result(200, 0, **one)]))
        self.assertEqual(rc, 0)
        self.assertIn("fewer than 2 iterations", err)

    def test_json_has_no_infinities(self):
        # no spread on either side: z is infinite, printed as null
        b = self.d("b", [result(100, 0)])
        n = self.d("n", [result(130, 0)])
        rc, out, _ = run(b, n, "--json")
        self.assertNotIn("Infinity", out)
        self.assertIsNone(row(json.loads(out), "producer")["z"])
        self.assertEqual(rc, 1)


class Machines(Base):
    def slow(self, **kw):
        return [result(130, **kw)]

    def test_another_cpu_is_reported_not_judged(self):
        b = self.d("b", [result(100, **{"meta.cpu_model": "A"})])
        n = self.d("n", [result(130, **{"meta.cpu_model": "B"})])
        rc, out, _ = run(b, n, "--json")
        doc = json.loads(out)
        self.assertEqual(rc, 0)
        self.assertFalse(doc["machines"]["same"])
        self.assertIn("native cpu_model", doc["machines"]["differences"][0])
        self.assertEqual(row(doc, "producer")["verdict"], "other-machine")
        self.assertNotEqual(row(doc, "loss")["verdict"], "other-machine")
        rc, out, _ = run(b, n, "--json", "--judge-across-machines")
        self.assertEqual(rc, 1)
        self.assertEqual(row(json.loads(out), "producer")["verdict"], "regression")

    def test_meta_json_host(self):
        b = self.d("b", [result(100)], meta={"schema_version": 2, "host": "a"})
        n = self.d("n", [result(130)], meta={"schema_version": 2, "host": "b"})
        rc, out, _ = run(b, n)
        self.assertEqual(rc, 0)
        self.assertIn("different machines (meta.json host: a / b)", out)

    def test_counted_instructions_are_judged_on_another_machine(self):
        # an icount guest's figures are instructions: the host does not matter
        b = self.d("b", [result(100, **{"meta.cpu_model": "A", "meta.time_base": "icount"})])
        n = self.d("n", [result(130, **{"meta.cpu_model": "B", "meta.time_base": "icount"})])
        rc, out, _ = run(b, n, "--json")
        doc = json.loads(out)
        self.assertFalse(doc["machines"]["same"])
        self.assertEqual(row(doc, "producer")["verdict"], "regression")
        self.assertEqual(rc, 1)

    def test_time_bases_never_pair(self):
        b = self.d("b", [result(100)])
        n = self.d("n", [result(130, **{"meta.time_base": "icount"})])
        rc, _, err = run(b, n, "--json")
        self.assertEqual(rc, 2)
        self.assertIn("no configuration of", err)

    def test_same_machine_is_judged(self):
        b = self.d("b", [result(100, **{"meta.cpu_model": "A"})])
        n = self.d("n", [result(130, **{"meta.cpu_model": "A"})])
        self.assertEqual(run(b, n)[0], 1)


class Junit(Base):
    def test_one_case_per_configuration_and_metric(self):
        import xml.etree.ElementTree as ET
        b = self.d("b", [result(100), result(100, **{"params.record_size": 256})])
        n = self.d("n", [result(130), result(100, **{"params.record_size": 256})])
        path = os.path.join(self.tmp, "junit.xml")
        rc, _, _ = run(b, n, "--junit", path)
        self.assertEqual(rc, 1)
        suite = ET.parse(path).getroot().find("testsuite")
        cases = suite.findall("testcase")
        self.assertEqual(len(cases), 8)
        failed = [c for c in cases if c.find("failure") is not None]
        self.assertEqual([(c.get("name")) for c in failed], ["producer"])
        self.assertEqual(suite.get("failures"), "1")

    def test_needs_a_file(self):
        rc, _, err = run("a", "b", "--junit")
        self.assertEqual(rc, 2)
        self.assertIn("--junit needs a file", err)


class LatencyRates(Base):
    def test_derived_rates_pair_up_across_runs(self):
        def lat(rate, ns):
            return result(ns, **{"scenario": "latency", "params.rate": rate})
        b = self.d("b", [lat(190430, 100), lat(10000, 100)])
        n = self.d("n", [lat(906534, 100), lat(10000, 100)])
        rc, out, _ = run(b, n, "--json")
        doc = json.loads(out)
        self.assertEqual(doc["configurations"], 2)
        self.assertEqual(doc["only_in_base"], [])


if __name__ == "__main__":
    unittest.main()
