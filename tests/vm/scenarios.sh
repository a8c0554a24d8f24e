#!/usr/bin/env bash
# tests/vm/scenarios.sh: runs inside the patched-kernel VM (tests/vm/run.sh).
# Every scenario in its short (smoke) mode, from the same definitions as the
# main job, then its invariants on the results:
#   - the loss accounting holds everywhere;
#   - overwrite modes keep the newest records, none torn or duplicated;
#   - no-overwrite modes keep the oldest, refuse the newest, fill the buffer;
#   - no-reader recovers from the pinned ring and the relay files, nothing
#     from the perf buffer, and leaves no pins or debugfs directories.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
bench=$1
out=$(mktemp)
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
nok() { failed=$((failed + 1)); echo "FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what"; show; fi; }
# what the results say, compactly, when a check fails
show() {
	jq -c '{scenario, bench, ow: .params.overwrite, loss: .loss | {produced, consumed, dropped, lost, ok},
		snap: (.snapshot // {} | {recovered, capacity_records, newest_present, oldest_seq,
		newest_seq, last_seq, torn, duplicates, seq_breaks})}' "$out" | sed 's/^/     /'
}
# q FILTER: true if FILTER holds for every selected result (and one exists)
q() { jq -se "$1" "$out" >/dev/null; }

"$ROOT/scripts/scenarios/run.sh" --bench "$bench" --out "$out" --mode smoke
check "every scenario measurement ran (exit $?)" [ $? -eq 0 ]
check "nothing skipped: relay and ring buffer overwrite exist here" \
	q '[.[] | select(.scenario == "overwrite")] | length == 8'
check "loss accounting holds in every result" q 'all(.loss.ok) and length > 0'
check "overwrite: overwrite modes keep the newest, whole and in order" q '
	[.[] | select(.scenario == "overwrite" and (.params.overwrite or .mechanism == "percpu"))] |
	length == 5 and all(.snapshot.recovered > 0 and .snapshot.newest_present and
		.snapshot.newest_seq == .snapshot.last_seq and .snapshot.torn == 0 and
		.snapshot.duplicates == 0 and .snapshot.seq_breaks == 0 and .loss.dropped == 0)'
check "overwrite: the producers really went past capacity" q '
	[.[] | select(.scenario == "overwrite" and .params.overwrite)] |
	all(.loss.lost > 0 and .snapshot.oldest_seq > 1)'
check "overwrite: no-overwrite modes keep the oldest and fill the buffer" q '
	[.[] | select(.scenario == "overwrite" and (.params.overwrite | not) and .mechanism != "percpu")] |
	length == 3 and all(.snapshot.oldest_seq == 1 and (.snapshot.newest_present | not) and
		.snapshot.newest_dropped > 0 and .snapshot.recovered == .snapshot.capacity_records and
		.snapshot.torn == 0 and .snapshot.duplicates == 0 and .snapshot.seq_breaks == 0)'
check "no-reader: relay files and the pinned ring buffer are recovered" q '
	[.[] | select(.scenario == "no-reader" and (.mechanism == "relay" or .mechanism == "ringbuf"))] |
	length == 7 and all(.snapshot.recovered > 0 and .snapshot.torn == 0 and .snapshot.duplicates == 0)'
check "no-reader: cat and mmap recover the same relay overwrite buffer" q '
	[.[] | select(.scenario == "no-reader" and .mechanism == "relay" and .params.overwrite)] |
	all(.snapshot.newest_present)'
check "no-reader: the perf buffer recovers nothing and refuses everything" q '
	[.[] | select(.scenario == "no-reader" and .mechanism == "perfbuf")] |
	length == 3 and all(.snapshot.recovered == 0 and .loss.dropped == .loss.produced and .loss.produced > 0)'
check "high-rate: every mechanism saturated and measured" q '
	[.[] | select(.scenario == "high-rate" and .params.rate == 0)] |
	(map(.mechanism) | unique | length) == 4 and all(.throughput.produced_per_s.median > 0)'
check "high-rate: the ring and perf buffer overwrite readers keep up live, loss accounted" q '
	[.[] | select(.scenario == "high-rate" and .params.overwrite and .mechanism != "relay")] |
	(map(.mechanism) | unique) == ["perfbuf", "ringbuf"] and
	all(.loss.ok and .loss.consumed > 0 and .loss.corrupt == 0)'
check "latency: rate-limited runs with latency samples" q '
	[.[] | select(.scenario == "latency")] | length > 0 and
	all(.latency_ns.count > 0 and .params.rate > 0)'
check "rfc-modes: relay, ring and perf buffer in every mode of the kernel bench" q '
	[.[] | select(.scenario == "rfc-modes")] | length == 12 and
	([.[] | .params.compat] | unique) == ["b2b", "parallel", "sampled"] and
	([.[] | .bench] | unique | length) == 4 and
	all(.params.record_size == 8 and .loss.ok and .loss.consumed > 0)'
check "no pins left in bpffs" [ -z "$(ls -d /sys/fs/bpf/relaybench-* 2>/dev/null)" ]
check "no relay debugfs directories left" [ -z "$(ls -d /sys/kernel/debug/rb_relay_* 2>/dev/null)" ]
rm -f "$out"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
