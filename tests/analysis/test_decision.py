"""analysis.decision: the verdict rule on synthetic ratios, and the RFC
table from synthetic rfc-modes results (made up, never measurements)."""

import os
import tempfile
import unittest

from analysis import decision, overhead, results
from helpers import result, run_main, write_dir


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
                     "round": rnd + 1})


class RfcRows(unittest.TestCase):
    def runs(self, relay, base, mode="sampled", bench="relay-mmap"):
        out = []
        for i, (a, b) in enumerate(zip(relay, base)):
            out += [rfc_result(bench, mode, a, i), rfc_result("ringbuf-libbpf", mode, b, i)]
        out += [rfc_result(bench, mode, a, len(base) + i) for i, a in enumerate(relay[len(base):])]
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
        return run_main(decision.main, argv)

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
            self.assertIn("| native | sampled | relay-mmap | 2.30x | 2.00x [2.00x, 2.00x] | 3 | relay better | no |", out)




def stream_result(bench, policy, events, producer_ns, rnd=1, **changes):
    fields = {"bench": bench, "scenario": "high-rate", "mechanism": bench.split("-")[0],
              "params.policy": policy, "params.record_size": 64, "params.rate": 0,
              "params.batch": 1, "params.producers": 1, "params.overwrite": False,
              "memory.buffer_bytes": 1 << 20, "meta.where": "vm", "round": rnd,
              "throughput.events_per_s.median": events,
              "cpu.producer_ns_per_event.median": producer_ns}
    fields.update(changes)
    return result(**fields)


def rounds(n, **per_bench):
    """n rounds, each with one result per bench: bench=(policy, events, ns);
    a slow spell in round 2 hits every bench alike."""
    out = []
    for i in range(n):
        slow = 1.5 if i == 1 else 1 + i / 100
        for bench, (pol, ev, ns) in per_bench.items():
            out.append(stream_result(bench.replace("_", "-"), pol, ev / slow, ns * slow, i + 1))
    return out


def by_condition(rows, use, metric):
    return [r for r in rows if r["use_case"] == use and r["metric"] == metric]


class DecisionRows(unittest.TestCase):
    def test_streaming_ratios_and_verdicts(self):
        res = rounds(5, relay_mmap=("batch:65536", 2e6, 500),
                     ringbuf_libbpf=("batch:65536", 1e6, 1000),
                     perfbuf_libbpf=("batch:65536", 2e6, 500))
        rows = decision.decision_rows(res)
        thr = by_condition(rows, "streaming", "throughput")[0]
        rb, pb = thr["rivals"]["ringbuf"], thr["rivals"]["perfbuf"]
        self.assertAlmostEqual(rb["ratio"], 2.0)
        self.assertEqual(rb["method"], "pairs")       # the slow round cancels out of its pair
        self.assertAlmostEqual(rb["lo"], 2.0)
        self.assertEqual(rb["verdict"], "relay better")
        self.assertEqual(pb["verdict"], "no difference shown")
        cost = by_condition(rows, "streaming", "producer")[0]
        # half the producer cost: better, though the ratio is below 1
        self.assertAlmostEqual(cost["rivals"]["ringbuf"]["ratio"], 0.5)
        self.assertEqual(cost["rivals"]["ringbuf"]["verdict"], "relay better")
        self.assertTrue(thr["headline"] and cost["headline"])

    def test_places_are_never_mixed(self):
        res = rounds(3, relay_mmap=("busy", 2e6, 500), ringbuf_libbpf=("busy", 1e6, 1000))
        res += [stream_result("ringbuf-libbpf", "busy", 9e9, 1, i + 1, **{"meta.where": "native"})
                for i in range(3)]
        thr = by_condition(decision.decision_rows(res), "streaming", "throughput")[0]
        self.assertEqual(thr["where"], "vm")
        self.assertAlmostEqual(thr["rivals"]["ringbuf"]["ratio"], 2.0)

    def test_policies_are_never_mixed(self):
        res = rounds(3, relay_mmap=("batch:65536", 2e6, 500), ringbuf_libbpf=("busy", 1e6, 1000))
        thr = by_condition(decision.decision_rows(res), "streaming", "throughput")[0]
        self.assertEqual(thr["rivals"]["ringbuf"], {"missing": "not measured", "bench": None})

    def test_sweep_points_stay_out(self):
        res = rounds(3, relay_mmap=("busy", 2e6, 500), ringbuf_libbpf=("busy", 1e6, 1000))
        for path, v in (("memory.buffer_bytes", 1 << 22), ("params.record_size", 4120),
                        ("params.producers", 2)):
            res.append(stream_result("ringbuf-libbpf", "busy", 9e9, 1, 1, **{path: v}))
        thr = by_condition(decision.decision_rows(res), "streaming", "throughput")[0]
        self.assertAlmostEqual(thr["rivals"]["ringbuf"]["ratio"], 2.0)

    def test_a_perf_ring_header_page_is_still_1_mib(self):
        pb = stream_result("perfbuf-libbpf", "busy", 1, 1, **{"memory.buffer_bytes": 1056768})
        self.assertTrue(decision.is_base_point(pb))
        pb = stream_result("perfbuf-libbpf", "busy", 1, 1, **{"memory.buffer_bytes": 270336})
        self.assertFalse(decision.is_base_point(pb))

    def test_too_few_rounds_no_verdict(self):
        res = rounds(2, relay_mmap=("busy", 2e6, 500), ringbuf_libbpf=("busy", 1e6, 1000))
        rb = by_condition(decision.decision_rows(res), "streaming", "throughput")[0]["rivals"]["ringbuf"]
        self.assertIsNone(rb["lo"])
        self.assertEqual(rb["verdict"], "no interval")

    def test_missing_use_cases_say_so(self):
        res = rounds(3, relay_mmap=("busy", 2e6, 500), ringbuf_libbpf=("busy", 1e6, 1000))
        rows = decision.decision_rows(res)
        missing = {r["use_case"]: r["note"] for r in rows if r["relay"] is None}
        self.assertIn("not measured", missing["latency"])
        self.assertIn("not measured", missing["flight recorder"])
        self.assertIn("no overhead.jsonl", missing["traced-application overhead"])
        self.assertIn("not computed", missing["memory"])

    def test_no_relay_anywhere(self):
        rows = decision.decision_rows([result()])
        self.assertEqual({r["use_case"] for r in rows},
                         {"streaming", "latency", "flight recorder", "no-reader persistence",
                          "memory", "traced-application overhead"})
        self.assertTrue(all(r["relay"] is None and "no relay result" in r["note"] for r in rows))

    def test_saturated_latency_is_not_judged(self):
        res = []
        for i in range(3):
            for b, sat in (("relay-mmap", True), ("ringbuf-libbpf", False)):
                res.append(result(**{"bench": b, "scenario": "latency", "round": i + 1,
                                     "meta.where": "vm", "params.rate": 100000,
                                     "params.policy": "busy", "params.producers": 1,
                                     "latency_ns.count": 10, "latency_ns.p99": 5000 + i,
                                     "throughput.saturated": sat}))
        row = by_condition(decision.decision_rows(res), "latency", "p99")[0]
        self.assertEqual(row["rivals"]["ringbuf"]["verdict"], "saturated")
        self.assertIn("saturated at this rate: relay", row["note"])

    def test_a_rival_that_recovers_nothing(self):
        res = []
        for i in range(3):
            for b, rec in (("relay-mmap", 1000), ("perfbuf-custom", 0), ("ringbuf-custom", 1000)):
                res.append(result(**{"bench": b, "scenario": "no-reader", "round": i + 1,
                                     "meta.where": "vm", "params.overwrite": True,
                                     "snapshot": {"recovered": rec, "retention": rec / 1000}}))
        row = by_condition(decision.decision_rows(res), "no-reader persistence", "recovered")[0]
        self.assertEqual(row["rivals"]["perfbuf"]["verdict"], "relay better")
        self.assertEqual(row["rivals"]["ringbuf"]["verdict"], "no difference shown")


class KfuncRows(unittest.TestCase):
    def test_the_kfunc_against_the_helper_at_the_same_point(self):
        res = rounds(5, relay_mmap=("batch:65536", 2e6, 500),
                     relay_mmap_kfunc=("batch:65536", 2e6, 600),
                     ringbuf_libbpf=("batch:65536", 1e6, 1000))
        # a 4 KiB point only the helper ran: no kfunc row for it
        res.append(stream_result("relay-mmap", "batch:65536", 1e6, 900, 1,
                                 **{"params.record_size": 4096}))
        rows = decision.kfunc_rows(res)
        self.assertEqual([(r["metric"], r["record_size"]) for r in rows],
                         [("producer", 64), ("throughput", 64)])
        cost = rows[0]
        self.assertAlmostEqual(cost["ratio"], 1.2)
        self.assertEqual(cost["method"], "pairs")
        self.assertEqual(cost["verdict"], "relay worse")   # read for the kfunc: it costs more
        self.assertEqual(rows[1]["verdict"], "no difference shown")
        text = decision.render_kfunc(rows)
        self.assertIn("| vm | batch:65536 | 64 | producer ns/record | 1.20x", text)
        self.assertIn("kfunc worse", text)

    def test_nothing_without_the_kfunc(self):
        res = rounds(3, relay_mmap=("busy", 2e6, 500))
        self.assertEqual(decision.kfunc_rows(res), [])


class Memory(unittest.TestCase):
    def test_per_cpu_buffers_grow_with_the_cpus(self):
        m = decision.memory_for(1 << 20, 256, one_cpu=True)
        self.assertEqual(m["ringbuf"], 1 << 20)
        self.assertEqual(m["perfbuf"], 256 * (256 + 1) * 4096)
        self.assertEqual(m["relay"], 256 * 17 * 65536)      # 16.5 sub-buffers hold 1 MiB

    def test_even_load(self):
        m = decision.memory_for(1 << 20, 2, one_cpu=False)
        self.assertEqual(m["perfbuf"], 2 * (128 + 1) * 4096)
        self.assertEqual(m["relay"], 2 * 9 * 65536)

    def test_rows_are_exact_and_judged(self):
        res = [result(**{"bench": "ringbuf-custom", "scenario": "overwrite", "meta.where": "vm",
                         "params.rb_size": 1 << 20}),
               result(**{"bench": "relay-mmap", "scenario": "overwrite", "meta.where": "vm"})]
        rows = [r for r in decision.decision_rows(res) if r["use_case"] == "memory"]
        self.assertEqual(len(rows), 8)
        big = [r for r in rows if r["cpus"] == 256 and r["one_cpu"]][0]
        self.assertEqual(big["rivals"]["ringbuf"]["verdict"], "relay worse")
        self.assertEqual(big["rivals"]["ringbuf"]["lo"], big["rivals"]["ringbuf"]["hi"])


class Overhead(unittest.TestCase):
    def lines(self, times=True):
        def line(config, mech, reader, med, **kw):
            o = {"config": config, "mechanism": mech, "reader": reader, "calls": 1000,
                 "where": "vm", "runs": 5, "median_s": med}
            if times:
                o["times_s"] = [med * f for f in (0.98, 0.99, 1.0, 1.01, 1.02)]
            o.update(kw)
            return o
        return [line("none", "none", "none", 0.001),
                line("relay-mmap no reader", "relay", "no", 0.003, bench="relay-mmap", overwrite=True),
                line("ringbuf-custom no reader", "ringbuf", "no", 0.005, bench="ringbuf-custom",
                     overwrite=True),
                line("perfbuf-custom no reader", "perfbuf", "no", 0.003, bench="perfbuf-custom",
                     overwrite=True)]

    def test_per_call_overhead_from_medians(self):
        rows = {r["config"]: r for r in overhead.rows(self.lines())}
        self.assertAlmostEqual(rows["relay-mmap no reader"]["per_call"]["median"], 2000)
        self.assertAlmostEqual(rows["relay-mmap no reader"]["pct"]["median"], 200)

    def test_ratio_of_excess_and_verdict(self):
        row = [r for r in decision.overhead_rows(self.lines(), "vm") if r["condition"] == "nobody reading"][0]
        rb = row["rivals"]["ringbuf"]
        self.assertAlmostEqual(rb["ratio"], 0.5)
        self.assertEqual(rb["verdict"], "relay better")
        self.assertEqual(row["rivals"]["perfbuf"]["verdict"], "no difference shown")

    def test_a_config_timed_twice_is_pooled_not_picked(self):
        # a second overhead.sh run appended, relay much slower this time:
        # the first line alone would say 2000 ns per call
        again = [o for o in self.lines() if o["config"] == "relay-mmap no reader"][0]
        again = dict(again, median_s=0.009, times_s=[0.009] * 7, runs=7, min_s=0.0085)
        lines = self.lines() + [again]
        pooled = [o for o in results.pool_overhead(lines) if o["config"] == "relay-mmap no reader"]
        self.assertEqual(len(pooled), 1)
        self.assertEqual((pooled[0]["runs"], len(pooled[0]["times_s"])), (12, 12))
        self.assertAlmostEqual(pooled[0]["median_s"], 0.009)      # 7 of the 12 runs
        self.assertEqual(pooled[0]["min_s"], 0.0085)
        rows = {r["config"]: r for r in overhead.rows(lines)}
        self.assertAlmostEqual(rows["relay-mmap no reader"]["per_call"]["median"], 8000)
        row = [r for r in decision.overhead_rows(lines, "vm") if r["condition"] == "nobody reading"][0]
        self.assertAlmostEqual(row["relay"]["figure"]["median"], 8000)
        self.assertAlmostEqual(row["rivals"]["ringbuf"]["ratio"], 2.0)   # 8000 / 4000 ns

    def test_pooling_lines_of_different_calls_is_refused(self):
        lines = self.lines() + [dict(self.lines()[1], calls=5000)]
        with self.assertRaisesRegex(results.BadInput, "vm 'relay-mmap no reader' was timed with "
                                                      "different calls per run"):
            results.pool_overhead(lines)

    def test_older_files_give_no_interval(self):
        row = [r for r in decision.overhead_rows(self.lines(times=False), "vm")
               if r["condition"] == "nobody reading"][0]
        self.assertIsNone(row["rivals"]["ringbuf"]["lo"])
        self.assertEqual(row["rivals"]["ringbuf"]["verdict"], "no interval")
        self.assertIn("older format", row["note"])


class Render(unittest.TestCase):
    def test_headline_table_and_every_comparison(self):
        res = rounds(3, relay_mmap=("busy", 2e6, 500), ringbuf_libbpf=("busy", 1e6, 1000))
        res += rounds(3, relay_mmap=("batch:65536", 2e6, 500), ringbuf_libbpf=("batch:65536", 1e6, 1000))
        text = decision.render_decision(decision.decision_rows(res))
        first = text.split("### Every comparison")[0]
        self.assertIn("| streaming | vm | batch:65536, 1 producer", first)
        self.assertNotIn("| streaming | vm | busy", first)
        self.assertIn("| streaming | vm | busy", text.split("### Every comparison")[1])
        # paired rounds where relay is exactly twice as fast: a narrow
        # interval, still shown
        self.assertIn("| 2.00x [2.00x, 2.00x] | relay better |", first)
        self.assertIn("| latency | vm | matched offered rates | p99 latency | not measured", first)

    def test_every_measured_headline_ratio_has_its_interval(self):
        """A run of 3 rounds with every use case the bench measures: each
        headline ratio but the computed memory carries [lo, hi]."""
        res = rounds(3, relay_mmap=("batch:65536", 2e6, 500), ringbuf_libbpf=("batch:65536", 1e6, 1000),
                     perfbuf_libbpf=("batch:65536", 1.5e6, 700))
        for i in range(3):
            for b, p99 in (("relay-mmap", 4000), ("ringbuf-libbpf", 5000), ("perfbuf-libbpf", 6000)):
                res.append(result(**{"bench": b, "scenario": "latency", "round": i + 1,
                                     "meta.where": "vm", "params.rate": 100000,
                                     "params.policy": "batch:65536", "params.producers": 1,
                                     "latency_ns.count": 10, "latency_ns.p99": p99 + 10 * i,
                                     "throughput.saturated": False}))
            for b, rec in (("relay-mmap", 900), ("ringbuf-custom", 1000), ("perfbuf-custom", 950)):
                for scen in ("overwrite", "no-reader"):
                    res.append(result(**{"bench": b, "scenario": scen, "round": i + 1,
                                         "meta.where": "vm", "params.overwrite": True,
                                         "params.rb_size": 1 << 20,
                                         "snapshot": {"recovered": rec + i, "retention": rec / 1000,
                                                      "newest_age_ns": 1000 + i,
                                                      "oldest_age_ns": 9000 + 10 * i}}))
        first = decision.render_decision(decision.decision_rows(res)).split("### Every comparison")[0]
        rows = [line for line in first.splitlines() if line.startswith("| ") and "---" not in line][1:]
        uses = [line.split(" | ")[0][2:] for line in rows]
        self.assertEqual(sorted(set(uses)), ["flight recorder", "latency", "memory", "no-reader persistence",
                                             "streaming", "traced-application overhead"])
        for line in rows:
            cells = line.split(" | ")
            if cells[0] in ("| memory", "| traced-application overhead"):
                continue    # computed exactly; not measured here (no overhead.jsonl)
            self.assertRegex(cells[5], r"^[0-9.]+x \[[0-9.]+x, [0-9.]+x\]$", line)
            self.assertRegex(cells[7], r"^([0-9.]+x \[[0-9.]+x, [0-9.]+x\]|∞)$", line)
            self.assertNotEqual(cells[6], "no interval", line)

    def test_verdict_json_has_no_infinity(self):
        doc = decision.verdict_doc([{"x": float("inf")}], [])
        self.assertEqual(doc["decision"][0]["x"], "inf")
        self.assertEqual(doc["rule"]["margin"], 0.05)


if __name__ == "__main__":
    unittest.main()
