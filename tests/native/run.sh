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
# check WHAT CMD...: CMD's stdout is discarded, so callers need no redirection
check() { local what=$1; shift; if "$@" >/dev/null; then ok "$what"; else nok "$what"; fi; }
quiet() { "$@" >/dev/null; }	# (check already hides CMD's stdout)

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

# ---- the variant table, as scripts read it ----
"$BENCH" --list --json >"$TMP/list.json" 2>/dev/null
check "--list --json: one object per variant of --list, with its fields" jq -e --argjson n "$("$BENCH" --list | wc -l)" '
	length == $n and ([.[].name] | unique | length) == $n and
	all(.[]; (.mechanism | length) > 0 and (.mechanism as $m | .name | startswith($m)) and
		(.reader | length) > 0 and (.overwrite | type) == "boolean" and
		(.kernel | IN("any", "patched"))) and
	([.[] | select(.kernel == "patched") | .mechanism] | unique) == ["relay"]' "$TMP/list.json"
# The policies each variant takes, as a run accepts or refuses them.
check "--list --json: each variant's policies, as the option parser decides" jq -e '
	map({(.name): [.policies, .overwrite_policies]}) | add |
	.["ringbuf-libbpf"] == [["every", "batch", "none", "busy"], null] and
	.["ringbuf-busy"] == [["busy"], null] and
	.["ringbuf-custom"] == [["every", "batch", "none", "busy"], ["every", "batch", "none", "busy"]] and
	.["perfbuf-custom"] == [["every", "batch", "none", "busy"], ["none", "busy"]] and
	.["relay-mmap"] == [["batch", "none", "busy"], ["batch", "none", "busy"]] and
	.["relay-cat"] == [["none"], ["none"]] and
	.["percpu"] == [["none"], null]' "$TMP/list.json"
for v in "relay-mmap every" "percpu busy" "perfbuf-custom --overwrite batch:65536" "ringbuf-busy none"; do
	set -- $v
	pol=${*: -1}
	check "--list --json agrees with a run: ${*:1:$#-1} refuses --policy $pol" \
		bash -c '"$1" --policy "$2" "${@:3}" -w 0 -d 0.05 -i 1 >/dev/null 2>&1; [ $? -eq 2 ]' \
		_ "$BENCH" "$pol" "${@:1:$#-1}"
done

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
# every variant the host kernel has, as the table says
mapfile -t NATIVE < <(jq -r '.[] | select(.kernel == "any") | .name' "$TMP/list.json")
check "the table has variants for the host kernel" [ "${#NATIVE[@]}" -gt 0 ]
for b in "${NATIVE[@]}"; do
	out=$TMP/$b.json
	"$BENCH" "$b" -w 0.2 -d 0.4 -i 2 --json >"$out" 2>"$TMP/$b.err"
	rc=$?
	check "$b exits 0" [ "$rc" -eq 0 ]
	check "$b prints one json line" [ "$(wc -l <"$out")" -eq 1 ]
	check "$b invariants and metadata" jq -e "$JQ_ASSERT" "$out"
	check "$b no violation on stderr" bash -c "! grep -q 'LOSS ACCOUNTING VIOLATION' '$TMP/$b.err'"
done
# latency is measured where there is a consumer
check "ringbuf-libbpf has latency samples" jq -e '.latency_ns.count > 0 and .latency_ns.p99 >= .latency_ns.p50' "$TMP/ringbuf-libbpf.json"
# the CDF is the histogram: rising, ends at 1, and p99 is its first point >= 0.99
check "ringbuf-libbpf latency cdf agrees with p99" jq -e '.latency_ns as $l | $l.cdf as $c |
	($c | length) > 0 and $c[-1][1] == 1 and
	([range(1; $c | length) | select($c[.][0] <= $c[. - 1][0] or $c[.][1] <= $c[. - 1][1])] | length) == 0 and
	([$c[] | select(.[1] >= 0.99)][0][0] == $l.p99) and
	$l.p99_per_iteration.median > 0 and $l.p99_per_iteration.min <= $l.p99_per_iteration.max' \
	"$TMP/ringbuf-libbpf.json"
check "percpu has no latency and an empty cdf" jq -e '.latency_ns.count == 0 and .latency_ns.cdf == [] and
	.latency_ns.p99_per_iteration.median == null' "$TMP/percpu.json"
# The floor copies every record: after a run, the last record of each CPU
# that produced sits whole (header, seq, payload) in the floor's slot.  The
# bench counts any other as corrupt, which fails the loss check.
for total in 64 4096; do
	"$BENCH" percpu -w 0.1 -d 0.3 -i 1 -s $((total - 24)) --json >"$TMP/floor.json" 2>"$TMP/floor.err"
	check "percpu floor, $total B records: loss ok, nothing corrupt" \
		jq -e --argjson t "$total" '.loss.ok and .loss.corrupt == 0 and .params.record_size == $t' "$TMP/floor.json"
	check "percpu floor, $total B records: the last record of every CPU that produced is whole" \
		grep -qE "^floor: the last record is whole on ([1-9][0-9]*) of \\1 CPUs \\($total bytes\\)$" "$TMP/floor.err"
done
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
# a live backward reader: a small ring far past capacity loses records to the
# writer (lost) and to its own pauses (dropped), and accounts for every one
"$BENCH" perfbuf-custom --overwrite -w 0.1 -d 0.3 -i 2 -s 1024 --pb-pages 2 --poll-ms 5 \
	--json >"$TMP/pb-ow.json" 2>/dev/null
check "perfbuf-custom --overwrite streams live, loss accounted" quiet jq -e '
	.params.overwrite and .loss.ok and .loss.consumed > 0 and .loss.lost > 0 and
	.loss.corrupt == 0 and .loss.produced == .loss.consumed + .loss.dropped + .loss.lost' "$TMP/pb-ow.json"

# the policy label names the ring buffer policy ("avail" was once "default")
"$BENCH" ringbuf-libbpf --rb-notify avail --rb-sample 16 -w 0.1 -d 0.3 -i 1 --json \
	>"$TMP/avail.json" 2>/dev/null
check "ringbuf-libbpf --rb-notify avail: json policy avail/16" quiet jq -e '
	.policy == "avail/16" and .params.rb_notify == "avail" and .params.rb_sample == 16 and
	.loss.ok' "$TMP/avail.json"
"$BENCH" ringbuf-libbpf --rb-notify avail --rb-sample 16 -w 0.1 -d 0.3 -i 1 >"$TMP/avail.txt" 2>/dev/null
check "ringbuf-libbpf --rb-notify avail: text summary names policy avail/16" \
	grep -q '^Summary ringbuf-libbpf, policy avail/16 ' "$TMP/avail.txt"

# ---- --policy: every ring and perf buffer reader under each policy ----
# At an offered 20 k records/s a reader may sleep at most as often as its
# policy wakes it plus its poll timeouts (its context switches per second
# bound that, with room for the scheduler), and a busy reader spins.
POLICY_RATE=20000
for b in ringbuf-libbpf ringbuf-custom perfbuf-libbpf perfbuf-custom; do
	for pol in every batch:16384 none busy; do
		"$BENCH" "$b" --policy "$pol" --rate "$POLICY_RATE" -w 0.2 -d 1 -i 1 --json \
			>"$TMP/policy.json" 2>/dev/null
		check "$b --policy $pol: loss holds, wakeups within the policy's bound" \
			jq -e --arg pol "$pol" --argjson rate "$POLICY_RATE" '
			(1000 / .params.poll_ms) as $timeouts |
			(.params.record_size + 16) as $framed |
			.cpu.consumer_ctx_switches_per_s.median as $sleeps |
			.policy == $pol and .params.policy == $pol and
			.loss.ok and .loss.consumed > 0 and
			if $pol == "every" then $sleeps <= 1.5 * ($rate + $timeouts) + 50
			elif $pol == "none" then $sleeps <= 2 * $timeouts + 50
			elif $pol == "busy" then .cpu.consumer_cpu_pct.median >= 20
			else $sleeps <= 1.5 * ($rate * $framed / 16384 + $timeouts) + 50
			end' "$TMP/policy.json"
	done
done

# ---- placement: a consumer gets its own CPU while there is one ----
"$BENCH" ringbuf-libbpf -a -p 1 -w 0 -d 0.1 -i 1 --json >"$TMP/place1.json" 2>/dev/null
check "-a -p 1: the consumer has a CPU of its own" \
	jq -e '.params.placement == "dedicated"' "$TMP/place1.json"
"$BENCH" ringbuf-libbpf -a -p "$(nproc)" -w 0 -d 0.1 -i 1 --json >"$TMP/placeN.json" 2>/dev/null
check "-a -p $(nproc): the consumer shares a producer's CPU, and says so" \
	jq -e '.params.placement == "shared"' "$TMP/placeN.json"

# ---- --compat: the kernel bench's settings, briefly, every mode ----
# Timing options given explicitly must win; everything else follows the mode.
# Every trigger writes a batch of 500.  Back-to-back: the producer thread
# fires one batch and the consumer the rest, one batch in flight at a time,
# so more than one batch arrives and nothing is dropped.
JQ_COMPAT='
	.params.compat == $mode and .loss.ok and .loss.consumed > 0 and
	.loss.produced == .loss.consumed + .loss.dropped + .loss.lost + .loss.in_buffer and
	.loss.produced % 500 == 0 and
	.params.warmup_s == 0.2 and .params.iterations == 2 and
	.params.producers == 1 and .params.consumers == 1 and .params.affinity and
	.params.batch == 500 and .params.payload_size == 16 and .params.record_size == 40 and
	.params.rb_size == 524288 and .params.pb_pages == 128 and
	(if ($mode | endswith("sampled")) then .params.rb_notify == "avail" and
		.params.rb_sample == 500 and .params.pb_wakeup == 500
	 else .params.rb_notify == "default" and .params.pb_wakeup == 1 end) and
	.policy == (if .mechanism == "perfbuf" then "wakeup/\(.params.pb_wakeup)"
		elif ($mode | endswith("sampled")) then "avail/500" else "default" end) and
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
# --kernel-record: the kernel bench's bare 8-byte record, counted only
"$BENCH" ringbuf-custom --compat b2b --kernel-record -w 0.2 -d 0.3 -i 2 --json >"$TMP/kr.json" 2>/dev/null
check "ringbuf-custom --compat b2b --kernel-record: 8-byte records, all accounted" quiet jq -e '
	.params.kernel_record and .params.count_only and .params.record_size == 8 and
	.loss.ok and .loss.consumed > 500 and .loss.dropped == 0 and
	(.throughput.mb_per_s.median * 1e6 / .throughput.events_per_s.median - 8 | fabs) < 0.01' "$TMP/kr.json"

# ---- the kernel's own bench, rebuilt with a tracepoint trigger ----
# Only that it builds and its rb-libbpf producer fires; speed is not checked.
if kbench=$("$ROOT/scripts/kernel_bench.sh" build 2>"$TMP/kbench.err"); then
	ok "scripts/kernel_bench.sh builds the kernel bench"
	"$kbench" -w1 -d1 -a -c1 rb-libbpf >"$TMP/kbench.out" 2>&1
	rc=$?
	hits=$(sed -nE 's/^Summary: hits +([0-9.]+) .*/\1/p' "$TMP/kbench.out")
	check "kernel bench rb-libbpf runs on the tracepoint trigger (rc $rc, hits ${hits:-none} M/s)" \
		awk -v rc="$rc" -v h="${hits:-0}" 'BEGIN { exit !(rc == 0 && h > 0) }'
	# --fix-busy: a second binary; its rb-custom reader differs by one line
	if kfix=$("$ROOT/scripts/kernel_bench.sh" --fix-busy build 2>"$TMP/kfix.err"); then
		check "kernel_bench.sh --fix-busy builds a binary of its own" [ "$kfix" != "$kbench" ]
		diff "$(dirname "$kbench")/bench_ringbufs.c" "$(dirname "$kfix")/bench_ringbufs.c" \
			>"$TMP/kfix.diff"
		check "--fix-busy changes one line of the reader: return becomes break at a busy record" \
			[ "$(grep -c '^[<>]' "$TMP/kfix.diff")" -eq 2 -a \
			"$(grep -cP '^< \t+return;$' "$TMP/kfix.diff")" -eq 1 -a \
			"$(grep -cP '^> \t+break;$' "$TMP/kfix.diff")" -eq 1 ]
		"$kfix" -w1 -d1 -a -c1 rb-custom >"$TMP/kfix.out" 2>&1
		rc=$?
		hits=$(sed -nE 's/^Summary: hits +([0-9.]+) .*/\1/p' "$TMP/kfix.out")
		check "fixed kernel bench rb-custom runs (rc $rc, hits ${hits:-none} M/s)" \
			awk -v rc="$rc" -v h="${hits:-0}" 'BEGIN { exit !(rc == 0 && h > 0) }'
	else
		nok "scripts/kernel_bench.sh --fix-busy did not build:"
		sed 's/^/     /' "$TMP/kfix.err"
	fi
else
	nok "scripts/kernel_bench.sh did not build the kernel bench:"
	sed 's/^/     /' "$TMP/kbench.err"
fi
# bad input: usage on one line, exit 2
"$ROOT/scripts/kernel_bench.sh" --fix-busy bogus >/dev/null 2>"$TMP/kb.err"
rc=$?
check "kernel_bench.sh --fix-busy bogus -> exit 2, one line: $(cat "$TMP/kb.err")" \
	[ "$rc" -eq 2 -a "$(wc -l <"$TMP/kb.err")" -eq 1 ]


# ---- scenarios: snapshot readers on the host's mechanisms ----
pins_left() { ls -d /sys/fs/bpf/relaybench-* 2>/dev/null | wc -l; }
snap() {	# snap NAME BENCH ARGS...: run a scenario, JSON into $TMP/NAME.json
	local name=$1; shift
	"$BENCH" "$@" -w 0.2 -d 0.4 -i 2 --json >"$TMP/$name.json" 2>"$TMP/$name.err"
	check "$name exits 0" [ $? -eq 0 ]
}
# A full no-overwrite ring keeps the oldest records, whole and in order, and
# says the newest were refused.
snap ow-ringbuf ringbuf-custom --scenario overwrite --rb-size 65536
check "ringbuf overwrite scenario keeps the oldest, full, intact" jq -e '
	.scenario == "overwrite" and .mechanism == "ringbuf" and .loss.ok and
	.snapshot.recovered == .loss.consumed and .snapshot.oldest_seq == 1 and
	.snapshot.recovered == .snapshot.capacity_records and
	.snapshot.newest_present == false and .snapshot.newest_dropped > 0 and
	.loss.dropped > 0 and .snapshot.torn == 0 and .snapshot.duplicates == 0 and
	.snapshot.seq_breaks == 0' "$TMP/ow-ringbuf.json"
# A backward perf ring keeps the newest records.
snap ow-perfbuf perfbuf-custom --scenario overwrite --overwrite --pb-pages 8
check "perfbuf backward keeps the newest, intact" jq -e '
	.loss.ok and .loss.dropped == 0 and .snapshot.recovered > 0 and
	.snapshot.newest_present and .snapshot.newest_seq == .snapshot.last_seq and
	.snapshot.oldest_seq > 1 and .snapshot.torn == 0 and .snapshot.duplicates == 0 and
	.snapshot.seq_breaks == 0 and .loss.lost == .loss.produced - .snapshot.recovered' \
	"$TMP/ow-perfbuf.json"
# no-reader: the pinned ring survives its loader; the perf buffer does not.
snap nr-ringbuf ringbuf-libbpf --scenario no-reader --rb-size 65536
check "ringbuf no-reader recovers from the pinned ring" jq -e '
	.scenario == "no-reader" and .loss.ok and .snapshot.recovered > 0 and
	.snapshot.oldest_seq == 1 and .snapshot.torn == 0' "$TMP/nr-ringbuf.json"
snap nr-perfbuf perfbuf-custom --scenario no-reader
check "perfbuf no-reader recovers nothing, every record refused" jq -e '
	.loss.ok and .loss.produced > 0 and .snapshot.recovered == 0 and
	.loss.dropped == .loss.produced' "$TMP/nr-perfbuf.json"
snap nr-percpu percpu --scenario no-reader -p 2 -a
check "percpu no-reader: the newest record of each CPU" jq -e '
	.loss.ok and .snapshot.recovered == .snapshot.capacity_records and
	.snapshot.newest_present' "$TMP/nr-percpu.json"
check "no pins left after no-reader runs" [ "$(pins_left)" -eq 0 ]

# ---- traced-application overhead: --external traces another process ----
"$BENCH" percpu --external -w 0.5 -d 1 -i 1 --json >"$TMP/ext.json" 2>/dev/null &
pid=$!
sleep 0.3
"$BUILD/rlb_workload" 20000
wait "$pid"
check "--external counts another process's triggers" jq -e '
	.params.external and .loss.produced >= 20000' "$TMP/ext.json"
if command -v hyperfine >/dev/null; then
	"$ROOT/scripts/overhead.sh" --out "$TMP/ovh.jsonl" --runs 2 --calls 2000 --benchs percpu 2>/dev/null
	check "overhead.sh: no tracer and the percpu tracer (nobody reading, policy none), timed" jq -se '
		length == 2 and .[0].config == "none" and .[1].config == "percpu no reader" and
		.[1].reader == "no" and .[1].policy == "none" and
		all(.runs == 2 and (.times_s | length) == 2 and .median_s > 0)' \
		"$TMP/ovh.jsonl"
	# Its own choice of benchs: every streamer under the batch policy (the
	# policies come from the variant table), every recorder writing; a
	# flight recorder this kernel lacks is skipped, not a failure.
	"$ROOT/scripts/overhead.sh" --out "$TMP/ovh-all.jsonl" --runs 2 --calls 2000 2>"$TMP/ovh-all.err"
	ovh_rc=$?
	check "overhead.sh with its own choice exits 0 on this kernel (rc $ovh_rc)" [ "$ovh_rc" -eq 0 ]
	check "overhead.sh: the streamers with readers under batch, the floor with nobody reading" jq -se '
		(map(select(.reader == "yes")) | length >= 2 and all(.policy | startswith("batch:"))) and
		any(.config == "percpu no reader" and .policy == "none")' "$TMP/ovh-all.jsonl"
	check "overhead.sh: a flight recorder the kernel lacks is skipped or measured, never fails" \
		bash -c '! grep -q "no variant table" "$1" &&
			{ grep -q "ringbuf-custom skipped with nobody reading" "$1" ||
				jq -se "any(.config == \"ringbuf-custom no reader\" and .overwrite)" "$2" >/dev/null; }' \
		_ "$TMP/ovh-all.err" "$TMP/ovh-all.jsonl"
fi
expect_ovh() { "$ROOT/scripts/overhead.sh" "$@" >/dev/null 2>&1; [ $? -eq 2 ]; }
check "overhead.sh: bad input exits 2" expect_ovh --runs x --out "$TMP/x"

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
expect 2 "unknown scenario" percpu --scenario sideways
expect 2 "libbpf ring buffer cannot overwrite" ringbuf-libbpf --overwrite
expect 2 "the percpu floor has no overwrite mode" percpu --overwrite
expect 2 "libbpf perf buffer cannot read backward" perfbuf-libbpf --overwrite
expect 2 "count-only snapshot" ringbuf-custom --scenario overwrite --count-only
expect 2 "a relay option on a ring buffer bench" ringbuf-libbpf --relay-subbuf 8192
expect 2 "a ring buffer option on the floor" percpu --rb-size 65536
if ! "$BENCH" ringbuf-custom --overwrite -w 0.1 -d 0.1 -i 1 >/dev/null 2>&1; then
	# the host ring buffer lacks the 6.19 overwrite mode: one line, exit 1
	expect 1 "ring buffer overwrite on a kernel without it" ringbuf-custom --overwrite -w 0.1 -d 0.1 -i 1
fi
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

# ---- meta.git_rev follows the tree it was built from ----
# A repository of its own holding today's benchs/ and progs/, built apart:
# a commit or an edit there must rebuild meta.o, and only a change may.
if [ -d "${TOOLS_DIR:-}" ] && command -v git >/dev/null; then
	repo=$TMP/rev
	mkdir -p "$repo"
	cp -r "$ROOT/benchs" "$ROOT/progs" "$repo/"
	g() { git -C "$repo" -c user.name=relaybench -c user.email=relaybench@localhost "$@"; }
	# MAKEFLAGS cleared: the checks read the compile lines, which -s hides
	rmake() { MAKEFLAGS='' make -C "$repo/benchs" BUILD="$TMP/rev-build" TOOLS_DIR="$TOOLS_DIR" "$@" 2>&1; }
	rev_of() { "$TMP/rev-build/bench" percpu -w 0.1 -d 0.1 -i 1 --json 2>/dev/null | jq -r .meta.git_rev; }
	g init -q && g add -A && g commit -qm one
	check "git_rev: the first build reports the commit" \
		[ "$(rmake >"$TMP/rev.log"; rev_of)" = "$(g rev-parse --short HEAD)" ]
	echo "/* an edit */" >>"$repo/benchs/json.c"
	rmake >"$TMP/rev.log"
	check "git_rev: an edit rebuilds meta.o" grep -q 'meta\.c' "$TMP/rev.log"
	check "git_rev: an edit makes it -dirty" [ "$(rev_of)" = "$(g rev-parse --short HEAD)-dirty" ]
	g commit -qam two
	rmake >"$TMP/rev.log"
	check "git_rev: a commit rebuilds meta.o" grep -q 'meta\.c' "$TMP/rev.log"
	check "git_rev: a commit reports the new revision" [ "$(rev_of)" = "$(g rev-parse --short HEAD)" ]
	rmake >"$TMP/rev.log"
	check "git_rev: no change compiles nothing" bash -c "! grep -q -- ' -c -o ' '$TMP/rev.log'"
	rm -rf "$repo/.git"
	rmake "$TMP/rev-build/gen/git_rev.h" >/dev/null
	check "git_rev: unknown outside git" grep -q '"unknown"' "$TMP/rev-build/gen/git_rev.h"
else
	nok "git or TOOLS_DIR missing: cannot check meta.git_rev"
fi

# ---- SIGINT mid-run leaves nothing behind ----
# The BPF objects a process holds, from its fdinfo ("prog 12", "map 7", ...).
# Ids, not names: other benches may run on the same machine meanwhile.
held_ids() {
	grep -hoE '^(prog_id|map_id|link_id):[[:space:]]*[0-9]+' /proc/"$1"/fdinfo/* 2>/dev/null |
		sed -E 's/_id:[[:space:]]*/ /' | sort -u
}
# How many of those objects still exist.
still_there() {
	local kind id n=0
	while read -r kind id; do
		[ -n "$kind" ] || continue
		"$BPFTOOL" "$kind" show id "$id" >/dev/null 2>&1 && n=$((n + 1))
	done <<<"$1"
	echo "$n"
}
if [ -x "$BPFTOOL" ]; then
	for b in ringbuf-libbpf perfbuf-custom percpu "ringbuf-custom --scenario no-reader"; do
		# shellcheck disable=SC2086 # the scenario rides in $b on purpose
		"$BENCH" $b -w 1 -d 5 -i 3 >/dev/null 2>"$TMP/int.err" &
		pid=$!
		sleep 1.5
		during=$(held_ids "$pid")
		kill -INT "$pid"
		wait "$pid"
		rc=$?
		check "$b: SIGINT exits non-zero (rc $rc)" [ "$rc" -ne 0 ]
		check "$b: held programs and maps while running ($(wc -l <<<"$during"))" \
			grep -q '^prog ' <<<"$during"
		check "$b: none of them left after SIGINT" [ "$(still_there "$during")" -eq 0 ]
	done
	check "no pins left after SIGINT" [ "$(pins_left)" -eq 0 ]
	# SIGKILL cannot be cleaned up by the victim: the next run removes its pins.
	"$BENCH" percpu --scenario no-reader -w 1 -d 5 -i 3 >/dev/null 2>&1 &
	pid=$!
	sleep 1.5
	during=$(held_ids "$pid")
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	check "SIGKILL leaves pins behind" [ "$(pins_left)" -eq 1 ]
	"$BENCH" percpu --scenario no-reader -w 0.1 -d 0.1 -i 1 >/dev/null 2>"$TMP/stale.err"
	check "the next no-reader run removes stale pins" grep -q "removing stale pins" "$TMP/stale.err"
	check "nothing of the killed run left after the stale cleanup" \
		[ "$(still_there "$during")" -eq 0 ] && [ "$(pins_left)" -eq 0 ]
else
	nok "bpftool not found (set TOOLS_DIR): cannot check for leftovers"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
