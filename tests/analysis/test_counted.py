"""The report's instructions section: results of a guest whose clock
counts instructions (meta.time_base icount) get a section of their own and
never enter a wall-time table (synthetic results, never measurements)."""

import os
import tempfile
import unittest

from analysis import report
from helpers import result, write_dir


def counted(bench, ns, size=64, overwrite=False):
    return result(ns, 0.1, **{"bench": bench, "scenario": "producer-only",
                              "mechanism": bench.split("-")[0], "meta.where": "vm",
                              "meta.time_base": "icount", "params.record_size": size,
                              "params.overwrite": overwrite, "params.policy": "none"})


def wall(bench, ns):
    return result(ns, 1.0, **{"bench": bench, "scenario": "high-rate",
                              "mechanism": bench.split("-")[0], "meta.where": "vm",
                              "params.policy": "batch:65536", "params.overwrite": False,
                              "memory.buffer_bytes": 1 << 20})


class Counted(unittest.TestCase):
    def build(self, results):
        with tempfile.TemporaryDirectory() as tmp:
            d = write_dir(os.path.join(tmp, "run"), results)
            text, _ = report.build(d)
        return text

    def test_own_section_with_the_ratio_to_the_floor(self):
        text = self.build([counted("percpu", 200.0), counted("relay-mmap", 300.0, overwrite=True),
                           counted("ringbuf-libbpf", 250.0),
                           wall("percpu", 1000.0), wall("relay-mmap", 1500.0)])
        sec = text.split("## Instructions per record", 1)[1].split("\n## ", 1)[0]
        self.assertIn("| relay-mmap --overwrite | overwrites | 64 | 1 | 300.0 [299.8, 300.2] "
                      "| 1.50x | 1.5 µs (1.50x) |", sec)
        self.assertIn("| ringbuf-libbpf | drops into a full buffer | 64 | 1 | 250.0", sec)
        self.assertIn("| percpu | no reader (floor) | 64 | 1 | 200.0", sec)

    def test_counted_figures_stay_out_of_wall_tables(self):
        # a counted relay result at what looks like the base point
        odd = counted("relay-mmap", 7777.0)
        odd["scenario"] = "high-rate"
        odd["params"]["policy"] = "batch:65536"
        odd["memory"] = {"buffer_bytes": 1 << 20}
        text = self.build([wall("percpu", 1000.0), wall("relay-mmap", 1500.0), odd])
        before = text.split("## Instructions per record", 1)[0]
        detail = text.split("## Detail", 1)[1]
        self.assertNotIn("7.78 µs", before + detail)

    def test_none_says_so(self):
        text = self.build([wall("percpu", 1000.0)])
        self.assertIn("Not measured in this run: no results from a guest whose clock counts", text)


if __name__ == "__main__":
    unittest.main()
