#!/usr/bin/env bash
# tests/native/run.sh: native (host kernel) checks of the bench binary.
# Needs root.  Runs ringbuf-*, perfbuf-*, percpu for ~1 s each with --json and
# checks the loss invariant, consumption and metadata; checks bad input exit
# codes; interrupts a run and checks with bpftool that nothing of ours stays.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
BENCH=$BUILD/bench
if [ -z "${TOOLS_DIR:-}" ]; then
	TOOLS_DIR=$("$ROOT/kernel/build.sh" path tools 2>/dev/null || true)
fi
BPFTOOL=${TOOLS_DIR:+$TOOLS_DIR/bin/bpftool}
[ -x "${BPFTOOL:-}" ] || BPFTOOL=$(command -v bpftool || true)

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
nok() { failed=$((failed + 1)); echo "FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what"; fi; }
quiet() { "$@" >/dev/null; }	# check "..." quiet CMD: CMD's output hidden, not the verdict

if [ "$(id -u)" -ne 0 ]; then
	echo "tests/native/run.sh: must be run as root" >&2
	exit 1
fi
if [ ! -x "$BENCH" ]; then
	echo "tests/native/run.sh: $BENCH missing; run make bench" >&2
	exit 1
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# ---- each native bench, ~1 s, JSON ----
JQ_ASSERT='
	.loss.ok == true and
	.loss.produced == .loss.consumed + .loss.dropped + .loss.lost + .loss.in_buffer and
	.loss.consumed > 0 and
	.throughput.events_per_s.median > 0 and
	(.meta.kernel | length) > 0 and
	(.meta.config_sha256 | test("^([0-9a-f]{64}|unknown)$")) and
	(.meta.cpu_model | length) > 0 and
	.meta.nproc >= 1 and
	(.meta.where == "native" or .meta.where == "vm") and
	(.meta.git_rev | length) > 0 and
	.params.record_size == 64 and
	.params.payload_size == 40 and
	.memory.buffer_bytes > 0 and
	(.wakeups_per_s.median | type) == "number"'
for b in ringbuf-libbpf ringbuf-busy ringbuf-custom perfbuf-libbpf perfbuf-custom percpu; do
	out=$TMP/$b.json
	"$BENCH" "$b" -w 0.2 -d 0.4 -i 2 --json >"$out" 2>"$TMP/$b.err"
	rc=$?
	check "$b exits 0" [ "$rc" -eq 0 ]
	check "$b prints one json line" [ "$(wc -l <"$out")" -eq 1 ]
	check "$b invariants and metadata" jq -e "$JQ_ASSERT" "$out" >/dev/null
	check "$b no violation on stderr" bash -c "! grep -q 'LOSS ACCOUNTING VIOLATION' '$TMP/$b.err'"
done
# latency is measured where there is a consumer
check "ringbuf-libbpf has latency samples" jq -e '.latency_ns.count > 0 and .latency_ns.p99 >= .latency_ns.p50' "$TMP/ringbuf-libbpf.json" >/dev/null
# batch and raw_tp paths
"$BENCH" ringbuf-custom -w 0.1 -d 0.3 -i 1 -b 8 -s 256 --raw-tp --json >"$TMP/opt.json" 2>/dev/null
check "raw-tp + batch 8 + 256 B payload" quiet jq -e '.loss.ok and .loss.consumed > 0 and .params.batch == 8 and
	.params.payload_size == 256 and .params.record_size == 280 and
	(.throughput.mb_per_s.median * 1e6 / .throughput.events_per_s.median - 280 | fabs) < 0.5' "$TMP/opt.json"
# the smallest and largest payloads reach the consumer whole
for s in 16 4096; do
	"$BENCH" perfbuf-custom -w 0.1 -d 0.3 -i 1 -s "$s" --json >"$TMP/size.json" 2>/dev/null
	check "perfbuf-custom with a $s B payload" quiet jq -e --argjson s "$s" '.loss.ok and .loss.consumed > 0 and
		.loss.corrupt == 0 and .params.payload_size == $s and .params.record_size == $s + 24' "$TMP/size.json"
done

# ---- --compat: the kernel bench's settings, briefly, every mode ----
# Timing options given explicitly must win; everything else follows the mode.
# Every trigger writes a batch of 500.  Back-to-back: the producer thread
# fires one batch and the consumer the rest, one batch in flight at a time,
# so more than one batch arrives and nothing is dropped.
JQ_COMPAT='
	.compat == $mode and .loss.ok and .loss.consumed > 0 and
	.loss.produced == .loss.consumed + .loss.dropped + .loss.lost + .loss.in_buffer and
	.loss.produced % 500 == 0 and
	.params.warmup_s == 0.2 and .params.iterations == 2 and
	.params.producers == 1 and .params.consumers == 1 and .params.affinity and
	.params.batch == 500 and .params.payload_size == 16 and .params.record_size == 40 and
	.params.rb_size == 524288 and .params.pb_pages == 128 and
	(if ($mode | endswith("sampled")) then .params.rb_notify == "avail" and
		.params.rb_sample == 500 and .params.pb_wakeup == 500
	 else .params.rb_notify == "default" and .params.pb_wakeup == 1 end) and
	(if ($mode | startswith("b2b")) then .loss.consumed > 500 and .loss.dropped == 0
	 else true end)'
for mode in parallel sampled b2b b2b-sampled; do
	for b in ringbuf-libbpf ringbuf-custom perfbuf-libbpf perfbuf-custom; do
		out=$TMP/compat.json
		"$BENCH" "$b" --compat "$mode" -w 0.2 -d 0.3 -i 2 --json >"$out" 2>"$TMP/compat.err"
		rc=$?
		check "$b --compat $mode exits 0 with one json line" \
			[ "$rc" -eq 0 -a "$(wc -l <"$out")" -eq 1 ]
		check "$b --compat $mode settings and loss invariant" \
			quiet jq -e --arg mode "$mode" "$JQ_COMPAT" "$out"
	done
done

# ---- the kernel's own bench, rebuilt with a tracepoint trigger ----
# Only that it builds and its rb-libbpf producer fires; speed is not checked.
if kbench=$("$ROOT/scripts/kernel_bench.sh" build 2>"$TMP/kbench.err"); then
	ok "scripts/kernel_bench.sh builds the kernel bench"
	"$kbench" -w1 -d1 -a -c1 rb-libbpf >"$TMP/kbench.out" 2>&1
	rc=$?
	hits=$(sed -nE 's/^Summary: hits +([0-9.]+) .*/\1/p' "$TMP/kbench.out")
	check "kernel bench rb-libbpf runs on the tracepoint trigger (rc $rc, hits ${hits:-none} M/s)" \
		awk -v rc="$rc" -v h="${hits:-0}" 'BEGIN { exit !(rc == 0 && h > 0) }'
else
	nok "scripts/kernel_bench.sh: $(tail -n 3 "$TMP/kbench.err")"
fi

# ---- bad input: exit code and exactly one line on stderr ----
expect() {
	local want=$1 what=$2; shift 2
	"$BENCH" "$@" >/dev/null 2>"$TMP/err"
	local rc=$? lines
	lines=$(wc -l <"$TMP/err")
	if [ "$rc" -eq "$want" ] && [ "$lines" -eq 1 ] && ! grep -q '^[A-Z]' "$TMP/err"; then
		ok "$what -> exit $want: $(cat "$TMP/err")"
	else
		nok "$what: rc $rc (want $want), $lines stderr lines: $(head -c 300 "$TMP/err")"
	fi
}
expect 2 "unknown bench" no-such-bench
expect 2 "bad number" percpu -d abc
expect 2 "payload too small" percpu -s 15
expect 2 "payload too large" percpu -s 4097
expect 2 "unknown compat mode" ringbuf-libbpf --compat fast
expect 2 "compat on a bench the kernel bench lacks" percpu --compat parallel
expect 2 "unknown option" percpu --bogus
expect 2 "two consumers on ringbuf" ringbuf-libbpf -c 2
if ! "$BENCH" --list | grep -q . ; then nok "--list prints benches"; else ok "--list prints benches"; fi
# --help prints usage and exits 0 without running anything, wherever it is
if out=$(timeout 5 "$BENCH" ringbuf-libbpf --help) && grep -q "^Usage: bench" <<<"$out" &&
	! grep -q "^Iter" <<<"$out"; then ok "--help after a bench name prints usage"; else nok "--help after a bench name prints usage"; fi
# a kernel without the relay map (the host) must refuse relay benches
if ! grep -q relay <(bpftool feature probe 2>/dev/null | grep -i relay_map || true); then
	expect 1 "relay bench without relay map" relay-read -w 0.1 -d 0.1 -i 1
fi
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$BENCH" percpu >/dev/null 2>"$TMP/err"
	rc=$?
	if [ "$rc" -eq 1 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ]; then ok "not root -> exit 1: $(cat "$TMP/err")"
	else nok "not root: rc $rc, $(cat "$TMP/err")"; fi
fi

# ---- SIGINT mid-run leaves nothing behind ----
ours() {
	{ "$BPFTOOL" prog show; "$BPFTOOL" map show; "$BPFTOOL" link show; } 2>/dev/null |
		grep -cE 'name (rb_|rb_ringb|rb_perfb|rb_percp|rb_relay)' || true
}
if [ -x "$BPFTOOL" ]; then
	before=$(ours)
	for b in ringbuf-libbpf perfbuf-custom percpu; do
		"$BENCH" "$b" -w 1 -d 5 -i 3 >/dev/null 2>"$TMP/int.err" &
		pid=$!
		sleep 1.5
		during=$(ours)
		kill -INT "$pid"
		wait "$pid"
		rc=$?
		after=$(ours)
		check "$b: SIGINT exits non-zero (rc $rc)" [ "$rc" -ne 0 ]
		check "$b: objects existed while running ($during)" [ "$during" -gt "$before" ]
		check "$b: nothing left after SIGINT ($after vs $before before)" [ "$after" -eq "$before" ]
	done
else
	nok "bpftool not found (set TOOLS_DIR): cannot check for leftovers"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
