"""analysis.schema and analysis.schemadoc: the reference run follows the
schemas, a bad file is refused naming the field, SCHEMA.md documents
exactly what the schemas hold."""

import csv
import io
import json
import os
import tempfile
import unittest

from analysis import csvout, schema, schemadoc
from analysis.results import BadInput, load_dir, load_overhead
from helpers import DELETE, result, write_dir

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REFERENCE = os.path.join(ROOT, "results", "reference")


class Reference(unittest.TestCase):
    def test_the_reference_run_passes(self):
        meta, results = load_dir("reference", REFERENCE)
        self.assertGreater(len(results), 100)
        self.assertIsNone(schema.problem(meta, "meta"))
        self.assertGreater(len(load_overhead(REFERENCE)), 0)


class Validator(unittest.TestCase):
    def test_a_missing_field_is_named_down_to_its_first_required_leaf(self):
        self.assertEqual(schema.problem(result(**{"cpu": DELETE}), "result"),
                         "lacks .cpu.producer_ns_per_event.median")
        self.assertEqual(schema.problem(result(**{"loss.lost": DELETE}), "result"), "lacks .loss.lost")

    def test_a_mistyped_field_is_named_with_what_it_holds(self):
        p = schema.problem(result(**{"params.record_size": "64"}), "result")
        self.assertEqual(p, '.params.record_size is not an integer (got "64")')
        p = schema.problem(result(**{"throughput.events_per_s.median": True}), "result")
        self.assertEqual(p, ".throughput.events_per_s.median is not a number or null (got true)")

    def test_integers_by_value_and_minimum(self):
        self.assertIsNone(schema.problem(result(**{"params.record_size": 64.0}), "result"))
        self.assertIn("is not an integer", schema.problem(result(**{"params.record_size": 64.5}), "result"))
        self.assertIn("is below 0", schema.problem(result(**{"loss.dropped": -1}), "result"))

    def test_nulls_where_not_measured(self):
        r = result(**{"latency_ns.p99": None,
                      "latency_ns.p99_per_iteration": {"median": None, "stddev": None,
                                                       "min": None, "max": None}})
        self.assertIsNone(schema.problem(r, "result"))

    def test_array_items(self):
        self.assertIsNone(schema.problem(result(**{"latency_ns.cdf": [[100, 0.5], [200, 1]]}), "result"))
        self.assertEqual(schema.problem(result(**{"latency_ns.cdf": [[100, 0.5], [200]]}), "result"),
                         ".latency_ns.cdf[1] has fewer than 2 items")

    def test_meta_and_overhead(self):
        self.assertEqual(schema.problem({"schema_version": 2, "nproc": "2"}, "meta"),
                         '.nproc is not an integer (got "2")')
        o = {"config": "none", "mechanism": "none", "reader": "none", "calls": 10,
             "where": "native", "runs": 3, "median_s": 0.1}
        self.assertIsNone(schema.problem(o, "overhead"))
        self.assertEqual(schema.problem(dict(o, times_s=[0.1, "x"]), "overhead"),
                         '.times_s[1] is not a number (got "x")')
        del o["runs"]
        self.assertEqual(schema.problem(o, "overhead"), "lacks .runs")

    def test_unknown_keywords_are_refused(self):
        with self.assertRaises(schema.SchemaError):
            schema._check_keywords({"type": "string", "pattern": "x"}, "test")


class Refused(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def refused(self, d, pattern, loader=load_dir):
        with self.assertRaises(BadInput) as e:
            loader("result", d) if loader is load_dir else loader(d)
        self.assertRegex(str(e.exception), pattern)

    def test_a_result_naming_the_field(self):
        d = write_dir(os.path.join(self.tmp.name, "a"),
                      [result(), result(**{"meta.where": 3})])
        self.refused(d, r"^schema mismatch: .*results.jsonl result 2: \.meta\.where is not a string")

    def test_meta_naming_the_field(self):
        d = write_dir(os.path.join(self.tmp.name, "b"), [result()],
                      meta={"schema_version": 2, "vm": {"smp": "two"}})
        self.refused(d, r"meta.json: \.vm\.smp is not an integer")

    def test_overhead_naming_the_line_and_field(self):
        d = write_dir(os.path.join(self.tmp.name, "c"), [result()])
        with open(os.path.join(d, "overhead.jsonl"), "w") as f:
            f.write(json.dumps({"config": "none"}) + "\n")
        self.refused(d, r"overhead.jsonl line 1: lacks \.mechanism", loader=load_overhead)


class Doc(unittest.TestCase):
    def test_schema_md_agrees_with_the_schemas(self):
        self.assertEqual(schemadoc.check(), [])

    def test_a_drifted_document_is_caught(self):
        with open(schemadoc.DOC, encoding="utf-8") as f:
            text = f.read()
        drifted = (text.replace("| `bench` **req** |", "| `bench` |")
                   .replace("| `poll_ms` |", "| `poll_msec` |"))
        with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False) as f:
            f.write(drifted)
        self.addCleanup(os.unlink, f.name)
        problems = schemadoc.check(f.name)
        self.assertIn("result: bench is required in the schema, not in SCHEMA.md", problems)
        self.assertIn("result: params.poll_ms is in the schema but not documented", problems)
        self.assertIn("result: params.poll_msec is documented but not in the schema", problems)


class Csv(unittest.TestCase):
    def test_schema_md_shows_the_header_written(self):
        with open(schemadoc.DOC, encoding="utf-8") as f:
            self.assertIn("`" + ",".join(csvout.HEADER) + "`", f.read())

    def test_not_measured_is_empty_and_precision_kept(self):
        floor = result(**{"latency_ns.count": 0, "latency_ns.p99": 0, "round": 2,
                          "cpu.consumer_cpu_pct": {"median": 0, "stddev": 0, "min": 0, "max": 0},
                          "cpu.producer_ns_per_event.median": 207.59812345678})
        rows = list(csv.DictReader(io.StringIO(csvout.render([floor]))))
        self.assertEqual(rows[0]["lat_p99_ns"], "")
        self.assertEqual(rows[0]["consumer_cpu_pct_median"], "")
        self.assertEqual(rows[0]["snapshot_recovered"], "")
        self.assertEqual(rows[0]["producer_ns_per_event_median"], "207.59812345678")
        self.assertEqual(rows[0]["round"], "2")
        self.assertEqual(rows[0]["loss_pct"], "0")


if __name__ == "__main__":
    unittest.main()
