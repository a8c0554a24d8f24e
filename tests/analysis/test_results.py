"""analysis.results: the configuration key, grouping into rounds, and the
checks on a result directory (each bad file refused naming the problem)."""

import os
import tempfile
import unittest

from analysis import results
from analysis.results import BadInput, config_key, load_dir, rounds_of
from helpers import DELETE, result, write_dir


class Key(unittest.TestCase):
    def test_timing_derived_and_fault_knobs_do_not_split(self):
        a = result()
        for path, v in (("params.warmup_s", 3), ("params.duration_s", 9), ("params.iterations", 7),
                        ("params.payload_size", 40), ("params.producer_work", 40),
                        ("params.producer_work_every", 8), ("cpu.producer_ns_per_event.median", 1),
                        ("meta.kernel", "other"), ("ab", {"pair": 1})):
            self.assertEqual(config_key(a), config_key(result(**{path: v})), path)

    def test_place_scenario_bench_and_params_split(self):
        a = result()
        for path, v in (("params.record_size", 256), ("params.rate", 1000), ("meta.where", "vm"),
                        ("scenario", "latency"), ("bench", "ringbuf-libbpf"),
                        ("params.overwrite", True), ("params.overwrite", False)):
            self.assertNotEqual(config_key(a), config_key(result(**{path: v})), path)

    def test_missing_scenario_is_stream(self):
        self.assertEqual(config_key(result()), config_key(result(scenario=DELETE)))
        self.assertEqual(config_key(result()), config_key(result(scenario=None)))

    def test_numbers_by_value_and_param_order(self):
        a = result(**{"params.rate": 1000})
        b = result(**{"params.rate": 1000.0})
        b["params"] = dict(reversed(list(b["params"].items())))
        self.assertEqual(config_key(a), config_key(b))
        # a bool is not a number
        self.assertNotEqual(config_key(result(**{"params.batch": True})), config_key(result()))

    def test_rounds_in_file_order(self):
        rs = [result(1), result(2, **{"params.record_size": 256}), result(3), result(4)]
        groups = rounds_of(rs)
        self.assertEqual(len(groups), 2)
        by_size = {g[0]["params"]["record_size"]: g for g in groups.values()}
        self.assertEqual([r["cpu"]["producer_ns_per_event"]["median"] for r in by_size[64]], [1, 3, 4])


class LoadDir(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def d(self, name, rs=None, **kw):
        return write_dir(os.path.join(self.tmp.name, name), [result()] if rs is None else rs, **kw)

    def refused(self, d, pattern):
        with self.assertRaises(BadInput) as e:
            load_dir("baseline", d)
        self.assertRegex(str(e.exception), pattern)
        self.assertNotIn("\n", str(e.exception))

    def test_good(self):
        meta, rs = load_dir("baseline", self.d("good", [result(), result(120)]))
        self.assertEqual((meta["schema_version"], len(rs)), (2, 2))

    def test_reference_run_passes(self):
        ref = os.path.join(os.path.dirname(__file__), "..", "..", "results", "reference")
        meta, rs = load_dir("baseline", ref)
        self.assertGreater(len(rs), 100)

    def test_missing(self):
        self.refused(os.path.join(self.tmp.name, "nope"), "^baseline directory '.*nope' not found$")
        d = self.d("nometa")
        os.remove(os.path.join(d, "meta.json"))
        self.refused(d, "cannot read .*meta.json")

    def test_meta(self):
        self.refused(self.d("list", meta=[1]), "meta.json is not a json object")
        self.refused(self.d("nover", meta={"where": "native"}), "schema mismatch: .* has no schema_version")
        self.refused(self.d("strver", meta={"schema_version": "2"}), "has no schema_version")

    def test_results_file(self):
        self.refused(self.d("garbled", raw='{"bench": 1}\n{"bench": '), "not json lines")
        self.refused(self.d("array", raw='[1, 2]\n'), "not json lines")
        self.refused(self.d("empty", raw=""), "has no results")

    def test_missing_field_named(self):
        self.refused(self.d("lacks", [result(), result(**{"cpu.producer_ns_per_event": DELETE})]),
                     r"result 2 lacks \.cpu\.producer_ns_per_event\.median$")
        self.refused(self.d("nowhere", [result(**{"meta.where": DELETE})]), r"lacks \.meta\.where")
        # present but null is allowed: not measured
        load_dir("new", self.d("null", [result(**{"latency_ns.p99": None})]))

    def test_mistyped_field_named(self):
        self.refused(self.d("str", [result(**{"throughput.events_per_s.median": "fast"})]),
                     r"result 1: \.throughput\.events_per_s\.median is not a number")
        self.refused(self.d("iters", [result(**{"params.iterations": None})]), r"\.params\.iterations")

    def test_canonical_numbers(self):
        self.assertEqual(results.text(5.0), "5")
        self.assertEqual(results.text(2.5), "2.5")
        self.assertEqual(results.text(True), "true")
        self.assertEqual(results.text("x"), "x")


if __name__ == "__main__":
    unittest.main()
