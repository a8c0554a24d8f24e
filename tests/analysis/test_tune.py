"""tune_subbuf.sh's recommendation (analysis/tune.py): the targets, the
least memory that meets them, the table and tune.json (synthetic results,
never measurements)."""

import json
import os
import tempfile
import unittest

from analysis import tune
from helpers import result, run_main, write_dir


def relay(subbuf, n, dropped=0, p99=5000, count=100):
    return result(100.0, 1.0, **{"bench": "relay-read", "mechanism": "relay", "meta.where": "vm",
                                 "params.relay_subbuf": subbuf, "params.relay_nsubbufs": n,
                                 "memory.buffer_bytes": 2 * subbuf * n,
                                 "loss.produced": 10000, "loss.consumed": 10000 - dropped,
                                 "loss.dropped": dropped, "latency_ns.p99": p99,
                                 "latency_ns.count": count})


def ringbuf(size, dropped=0, p99=5000):
    return result(100.0, 1.0, **{"bench": "ringbuf-libbpf", "mechanism": "ringbuf", "meta.where": "vm",
                                 "params.rb_size": size, "memory.buffer_bytes": size,
                                 "loss.produced": 10000, "loss.dropped": dropped,
                                 "latency_ns.p99": p99, "latency_ns.count": 100})


class Recommendation(unittest.TestCase):
    def test_least_memory_that_meets_the_loss_target(self):
        t = tune.tune([relay(4096, 2, dropped=50), relay(4096, 4, dropped=5), relay(16384, 4)],
                      10000, 64, 0.1, None)
        self.assertEqual([c["meets"] for c in t["configs"]], [False, True, True])
        self.assertAlmostEqual(t["configs"][0]["loss_pct"], 0.5)
        rec = t["recommended"]["relay"]
        self.assertEqual((rec["relay_subbuf"], rec["relay_nsubbufs"]), (4096, 4))

    def test_the_p99_target_and_its_tie_break(self):
        t = tune.tune([relay(4096, 4, p99=900_000), relay(8192, 2, p99=200_000),
                       relay(16384, 2, p99=100_000)], 10000, 64, 0.1, 500)
        rec = t["recommended"]["relay"]
        self.assertEqual((rec["relay_subbuf"], rec["relay_nsubbufs"]), (8192, 2))
        self.assertEqual(rec["p99_us"], 200.0)
        # same memory: the lower p99 wins
        t = tune.tune([relay(8192, 2, p99=300_000), relay(4096, 4, p99=200_000)], 1, 64, 1, None)
        self.assertEqual(t["recommended"]["relay"]["relay_subbuf"], 4096)

    def test_no_latency_fails_a_p99_target_and_nothing_meets(self):
        t = tune.tune([relay(4096, 2, count=0), ringbuf(65536, dropped=9000)], 10000, 64, 0.1, 500)
        self.assertIsNone(t["configs"][0]["p99_us"])
        self.assertEqual(t["recommended"], {"relay": None, "ringbuf": None})
        text = tune.render(t)
        self.assertIn("recommended relay: none of the sizes tried meets the targets", text)
        self.assertIn("targets: loss <= 0.1 %, p99 <= 500 µs at 10000 records/s of 64 bytes", text)

    def test_the_table(self):
        text = tune.render(tune.tune([ringbuf(2 << 20), relay(4096, 2, dropped=1)], 10000, 64, 0.1, None))
        lines = text.splitlines()
        self.assertEqual(lines[0].split(), ["mechanism", "configuration", "memory", "loss", "%", "p99",
                                            "µs", "meets"])
        self.assertEqual(lines[1].split(), ["relay", "4", "KiB", "x", "2", "16", "KiB", "0.01", "5", "yes"])
        self.assertEqual(lines[2].split(), ["ringbuf", "rb-size", "2", "MiB", "2", "MiB", "0", "5", "yes"])
        self.assertIn("recommended ringbuf: rb-size 2 MiB (2 MiB): loss 0 %, p99 5 µs", text)


class CommandLine(unittest.TestCase):
    def run_main(self, argv):
        return run_main(tune.main, argv)

    def test_writes_tune_json_and_prints(self):
        with tempfile.TemporaryDirectory() as tmp:
            d = write_dir(os.path.join(tmp, "run"), [relay(4096, 2), relay(4096, 4)])
            rc, out, _ = self.run_main([d, "--rate", "10000", "--size", "64", "--max-loss", "0.1"])
            self.assertEqual(rc, 0)
            with open(os.path.join(d, "tune.json"), encoding="utf-8") as f:
                t = json.load(f)
            self.assertEqual(t["targets"], {"rate": 10000, "size": 64, "max_loss_pct": 0.1,
                                            "max_p99_us": None})
            self.assertEqual(t["recommended"]["relay"]["relay_nsubbufs"], 2)
            self.assertIn("recommended relay: 4 KiB x 2 (16 KiB)", out)
            self.assertFalse(os.path.exists(os.path.join(d, "tune.json.tmp")))

    def test_bad_input_exits_2_with_one_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            d = write_dir(os.path.join(tmp, "run"), [relay(4096, 2)])
            for argv in ([], [d], [d, "--rate", "1", "--size", "64"],
                         [d, "--rate", "x", "--size", "64", "--max-loss", "1"],
                         [d, "--rate", "1", "--size", "64", "--max-loss", "-1"],
                         [d, "--rate", "inf", "--size", "64", "--max-loss", "1"],
                         [d, "--speed", "1"], [os.path.join(tmp, "nope"), "--rate", "1", "--size", "1",
                                               "--max-loss", "1"]):
                rc, out, err = self.run_main(argv)
                self.assertEqual(rc, 2, argv)
                self.assertEqual(out, "")
                self.assertEqual(len(err.strip().splitlines()), 1, (argv, err))


if __name__ == "__main__":
    unittest.main()
