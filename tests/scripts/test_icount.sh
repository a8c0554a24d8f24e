#!/usr/bin/env bash
# tests/scripts/test_icount.sh: scripts/vm.sh --icount.  In one guest on one
# vCPU whose clock counts instructions, the bench records time_base icount,
# the clock advances, and two producer-only runs of the floor agree within
# 0.5 % (under wall-clock TCG they differ by tens of percent).  Then a relay
# producer in overwrite mode, which only the patched kernel has, and the
# gate, scripts/ab.sh --icount, on one build against itself.
set -uo pipefail

NAME=test_icount
# shellcheck source=tests/scripts/testlib.sh
. "$(dirname "$0")/testlib.sh"
need_bench
OUT=$ROOT/build/test-icount
trap 'rm -rf "$OUT"' EXIT
rm -rf "$OUT"
mkdir -p "$OUT"

run="$BENCH percpu -w 1 -d 1 -i 3 --json >$OUT/floor1.json &&
	$BENCH percpu -w 1 -d 1 -i 3 --json >$OUT/floor2.json &&
	$BENCH relay-mmap --overwrite --scenario overwrite -w 1 -d 1 -i 3 --json >$OUT/relay.json"
rc=0
"$ROOT/scripts/vm.sh" --icount --smp 1 --timeout 900 -- sh -c "$run" >"$OUT/vm.log" 2>&1 || rc=$?
check "the --icount guest ran the benches (vm.sh exit $rc)" [ "$rc" = 0 ]
[ "$rc" = 0 ] || tail -n 20 "$OUT/vm.log"

for f in floor1 floor2 relay; do
	check "$f: time_base icount, accelerator tcg, 1 CPU" \
		q jq -e '.meta.time_base == "icount" and .meta.accelerator == "tcg" and .meta.nproc == 1' \
		"$OUT/$f.json"
	check "$f: the clock advanced (records produced, cost above zero)" \
		q jq -e '.loss.produced > 0 and .cpu.producer_ns_per_event.median > 0' "$OUT/$f.json"
done
check "the two floor runs agree within 0.5 %" \
	q jq -s -e '(.[0].cpu.producer_ns_per_event.median - .[1].cpu.producer_ns_per_event.median | fabs)
		<= 0.005 * .[0].cpu.producer_ns_per_event.median' "$OUT/floor1.json" "$OUT/floor2.json"
check "relay overwrite: nothing dropped, every record counted" \
	q jq -e '.loss.dropped == 0 and .loss.ok' "$OUT/relay.json"

# The gate: one round of producer-only in the counted guest, the same build
# on both sides, judged (not merely reported) and passed at 1 %.
rc=0
"$ROOT/scripts/ab.sh" "$BENCH" "$BENCH" --icount --smoke --mechanisms percpu \
	--out "$OUT/ab" >"$OUT/ab.log" 2>&1 || rc=$?
check "ab.sh --icount, a build against itself: exit 0 (got $rc)" [ "$rc" = 0 ]
[ "$rc" = 0 ] || tail -n 20 "$OUT/ab.log"
check "ab.sh --icount: producer-only, one round, threshold 1 %, judged" \
	q jq -e '.threshold_pct == 1 and .regressions == 0 and ([.rows[] | select(.metric == "producer")
		| .scenario == "producer-only" and .rounds.base == 1 and .verdict != "other-machine"]
		| length > 0 and all)' "$OUT/ab/compare.json"
check "ab.sh --icount: its results are counted instructions" \
	q jq -e -s 'length > 0 and all(.meta.time_base == "icount")' "$OUT/ab/new/results.jsonl"
summary
