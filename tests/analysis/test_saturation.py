"""analysis.saturation and scripts/scenarios/common.sh's saturation_of: the
latency scenario's saturation is the pooled median of a bench's base
points, never the first of them."""

import json
import os
import subprocess
import tempfile
import unittest

from analysis import saturation
from analysis.results import BadInput
from helpers import result

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def base(rate, bench="relay-mmap", **changes):
    """A high-rate base point of bench under batch delivering rate records/s."""
    fields = {"bench": bench, "mechanism": bench.split("-")[0], "scenario": "high-rate",
              "params.policy": "batch:65536", "params.overwrite": False,
              "memory.buffer_bytes": 1 << 20, "throughput.events_per_s.median": rate}
    fields.update(changes)
    return result(**fields)


# The first result is the slowest: "the first row" would answer 100000.
ROUNDS = [base(100000.0, round=1), base(300000.0, round=2), base(200000.5, round=3),
          base(250000.0, round=4)]
# Not base points of relay-mmap under batch: each would move the median.
OTHERS = [base(9e6, **{"params.record_size": 4096}),
          base(9e6, **{"params.producers": 2}),
          base(9e6, **{"params.rate": 100000}),
          base(9e6, **{"params.batch": 10}),
          base(9e6, **{"memory.buffer_bytes": 1 << 22}),
          base(9e6, **{"params.policy": "busy"}),
          base(9e6, **{"params.overwrite": True}),
          base(9e6, scenario="latency"),
          base(9e6, bench="ringbuf-libbpf")]


class Saturation(unittest.TestCase):
    def test_pooled_median_over_rounds_not_the_first(self):
        self.assertEqual(saturation.saturation(ROUNDS + OTHERS, "relay-mmap"), 225000)

    def test_repeats_within_a_round_pool_too(self):
        rs = [base(100000.0, round=1), base(200000.0, round=1), base(400000.0, round=1)]
        self.assertEqual(saturation.saturation(rs, "relay-mmap"), 200000)

    def test_fewer_than_three_results_pool_their_iterations(self):
        # stats.weighted_median: 3 iterations at 100 k, 7 at 300 k
        rs = [base(100000.0, **{"params.iterations": 3}), base(300000.0, **{"params.iterations": 7})]
        self.assertEqual(saturation.saturation(rs, "relay-mmap"), 300000)

    def test_nothing_is_zero(self):
        self.assertEqual(saturation.saturation(OTHERS[:-1], "relay-mmap"), 0)
        self.assertEqual(saturation.saturation([], "relay-mmap"), 0)

    def test_two_places_refused(self):
        with self.assertRaisesRegex(BadInput, r"more than one place \(native, vm\)"):
            saturation.saturation([base(1e5), base(2e5, **{"meta.where": "vm"})], "relay-mmap")


class CommandLine(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.tmp.name, "vm.jsonl")

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, results):
        with open(self.out, "w") as f:
            for r in results:
                f.write(json.dumps(r) + "\n")

    def run_module(self, *args):
        env = dict(os.environ, PYTHONPATH=ROOT, PYTHONDONTWRITEBYTECODE="1")
        return subprocess.run(["python3", "-P", "-m", "analysis", "saturation", *args],
                              capture_output=True, text=True, env=env, cwd=self.tmp.name)

    def saturation_of(self, bench):
        """common.sh's saturation_of, sourced as scripts/scenarios/run.sh does."""
        env = dict(os.environ, OUT=self.out, MODE="quick")
        script = '. "$1/scripts/scenarios/common.sh" && saturation_of "$2"'
        return subprocess.run(["bash", "-c", script, "bash", ROOT, bench],
                              capture_output=True, text=True, env=env, cwd=self.tmp.name)

    def test_common_sh_asks_the_module(self):
        self.write(ROUNDS + OTHERS)
        p = self.saturation_of("relay-mmap")
        self.assertEqual((p.returncode, p.stdout), (0, "225000\n"), p.stderr)
        self.assertEqual(self.saturation_of("perfbuf-libbpf").stdout, "0\n")

    def test_common_sh_without_results_is_zero(self):
        self.assertEqual(self.saturation_of("relay-mmap").stdout, "0\n")

    def test_bad_result_refused_naming_the_field(self):
        bad = base(1e5)
        bad["throughput"]["events_per_s"]["median"] = "fast"
        self.write(ROUNDS + [bad])
        p = self.run_module(self.out, "relay-mmap")
        self.assertEqual((p.returncode, p.stdout), (2, ""))
        self.assertRegex(p.stderr, r"^saturation: schema mismatch: .* result 5: "
                                   r"\.throughput\.events_per_s\.median is not a number")
        # the scenario goes on (it measures the base point itself) and says why
        s = self.saturation_of("relay-mmap")
        self.assertEqual(s.stdout, "0\n")
        self.assertIn("events_per_s.median", s.stderr)

    def test_usage(self):
        self.assertEqual(self.run_module(self.out).returncode, 2)
        self.assertEqual(self.run_module("-h", "relay-mmap").returncode, 2)


if __name__ == "__main__":
    unittest.main()
