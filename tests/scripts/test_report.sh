#!/usr/bin/env bash
# tests/scripts/test_report.sh: scripts/plot.sh and scripts/report.sh on a
# short real native run (root, build/bench), shaped like the scenarios'
# results: the plots whose data exists are drawn as PNG and SVG, the others
# are skipped with a note; report.md opens with the decision, embeds every
# plot file that exists and has the detail tables; verdict.json has a row per
# use case; bad input gets one line and exit 2.
set -uo pipefail

NAME=test_report
# shellcheck source=tests/scripts/testlib.sh
. "$(dirname "$0")/testlib.sh"
PLOT=$ROOT/scripts/plot.sh
REPORT=$ROOT/scripts/report.sh
need_bench
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# ---- a small real result dir, as the scenarios write it: the high-rate base
# point, two producer counts, two sizes, two rates; a latency rate; snapshots ----
run_dir=$TMP/run
mkdir -p "$run_dir"
T=(-w 0.1 -d 0.2 -i 2)
HR=(--scenario high-rate)
{
	for b in ringbuf-libbpf percpu; do
		pol=batch:65536
		[ "$b" != percpu ] || pol=none	# the floor has no reader
		"$BENCH" "$b" "${T[@]}" "${HR[@]}" --policy "$pol" -p 1 --json
		"$BENCH" "$b" "${T[@]}" "${HR[@]}" --policy "$pol" -p 2 --json
		"$BENCH" "$b" "${T[@]}" "${HR[@]}" --policy "$pol" -s 256 --json
	done
	"$BENCH" ringbuf-libbpf "${T[@]}" "${HR[@]}" --policy batch:65536 --rate 2000 --json
	"$BENCH" ringbuf-libbpf "${T[@]}" "${HR[@]}" --policy batch:65536 --rate 20000 --json
	"$BENCH" ringbuf-libbpf "${T[@]}" --scenario latency --policy batch:65536 --rate 10000 --json
	"$BENCH" perfbuf-libbpf "${T[@]}" --scenario latency --policy batch:65536 --rate 10000 --json
	"$BENCH" percpu "${T[@]}" --scenario no-reader --json
	"$BENCH" ringbuf-libbpf "${T[@]}" --scenario no-reader --policy none --json
	"$BENCH" perfbuf-custom "${T[@]}" --overwrite --scenario overwrite --policy none --json
	"$BENCH" ringbuf-libbpf "${T[@]}" --scenario rfc-modes --compat sampled --kernel-record --json
} >"$run_dir/results.jsonl" 2>"$TMP/bench.err"
check "bench runs for the test data" [ "$(wc -l <"$run_dir/results.jsonl")" -eq 14 ]
echo '{"schema_version": 2, "where": "native", "command": "tests/scripts/test_report.sh"}' >"$run_dir/meta.json"

"$PLOT" "$run_dir" 2>"$TMP/plot.err"
check "plot.sh exits 0" [ $? -eq 0 ]
# one plot per place, the latency plots per place and policy
for p in producer_cpu-native throughput_vs_producers-native throughput_vs_size-native \
	latency_cdf-native-batch latency_tail-native-batch loss_vs_rate-native overwrite-native; do
	png=$run_dir/plots/$p.png
	svg=$run_dir/plots/$p.svg
	check "$p drawn as png" bash -c "[ \"\$(head -c 8 '$png' | od -An -tx1 | tr -d ' \n')\" = 89504e470d0a1a0a ]"
	check "$p drawn as svg" grep -q '<svg' "$svg"
done
check "the relay heatmap is skipped natively, with a note" grep -q 'skip subbuf_heatmap-native' "$TMP/plot.err"
check "producer plot is titled and marks the percpu floor as a band" \
	bash -c "grep -q 'Producer cost per record' '$run_dir/plots/producer_cpu-native.svg' && grep -q 'percpu floor [0-9.]*ns to [0-9.]*ns' '$run_dir/plots/producer_cpu-native.svg'"
check "latency CDF: both mechanisms in the panel of their matched rate" \
	bash -c "grep -q '>10 k records/s<' '$run_dir/plots/latency_cdf-native-batch.svg' &&
		grep -q '>ringbuf-libbpf' '$run_dir/plots/latency_cdf-native-batch.svg' &&
		grep -q '>perfbuf-libbpf' '$run_dir/plots/latency_cdf-native-batch.svg'"

"$REPORT" "$run_dir" 2>"$TMP/report.err"
check "report.sh exits 0" [ $? -eq 0 ]
md=$run_dir/report.md
missing=0
for f in "$run_dir"/plots/*; do
	grep -qF "(plots/$(basename "$f"))" "$md" || { missing=1; echo "     report.md does not reference $(basename "$f")"; }
done
check "report.md references every plot file that exists" [ "$missing" -eq 0 ]
check "report.md opens with the decision" bash -c "sed -n '/^## /{p;q}' '$md' | grep -qx '## Decision'"
check "natively every use case has its row, saying relay was not measured" \
	bash -c "[ \"\$(grep -c '^| [a-z -]* | - |  | .* | not measured: this run has no relay result' '$md')\" -eq 6 ]"
check "verdict.json holds the decision rows, one per use case" \
	bash -c "jq -e '[.decision[].use_case] | unique | length == 6' '$run_dir/verdict.json' >/dev/null"
check "the RFC's claims, the kfunc's cost, instructions, natively not measured, then the caveats" \
	bash -c "grep '^## ' '$md' | head -5 | tr '\n' '|' |
		grep -qx \"## Decision|## The RFC's claims|## The upstreamable form: a kfunc|## Instructions per record|## Caveats|\" &&
		grep -q '^Not measured in this run: no rfc-modes results' '$md' &&
		grep -q '^Not measured in this run: no relay-mmap-kfunc' '$md' &&
		grep -q '^Not measured in this run: no results from a guest whose clock counts instructions' '$md'"
# The RFC section from relay results: a VM run's, with the bench's fields,
# here a native ring buffer result renamed (test data, not a measurement).
rfc_dir=$TMP/rfc
mkdir -p "$rfc_dir"
cp "$run_dir/meta.json" "$rfc_dir/"
for _ in 1 2 3; do
	jq -c 'select(.scenario == "rfc-modes")' "$run_dir/results.jsonl"
	jq -c 'select(.scenario == "rfc-modes") | .bench = "relay-mmap" | .mechanism = "relay"
		| .throughput.events_per_s.median *= 2' "$run_dir/results.jsonl"
done >"$rfc_dir/results.jsonl"
"$REPORT" "$rfc_dir" 2>"$TMP/report.err"
check "report.sh with relay rfc-modes results exits 0" [ $? -eq 0 ]
check "the RFC section puts the claim beside the measured ratio" \
	grep -q '^| native | sampled | relay-mmap | 2.30x | 2.00x \[2.00x, 2.00x\] | 3 | relay better | no |' "$rfc_dir/report.md"
check "report.md references no plot that does not exist" bash -c "
	for r in \$(grep -o 'plots/[^)]*' '$md'); do [ -f '$run_dir'/\$r ] || exit 1; done"
check "detail: the base point's table says its reference bench" \
	bash -c "grep -A2 '^#### native / high-rate base point / batch:65536' '$md' | grep -q 'ratios to \`ringbuf-libbpf\` in this table'"
check "detail: the reference bench's row has no ratio, the floor's has" \
	bash -c "grep -qE '^\| ringbuf-libbpf \| [0-9.]+ [kM]? \| [0-9.]+ [nµ]?s \|' '$md' &&
		grep -qE '^\| percpu \(floor, no reader\) \| [0-9.]+ [kM]? \([0-9.]+x\) \|' '$md'"
check "detail: the latency table marks a matched rate" grep -qE '^\| 10 k \| ringbuf-libbpf \|' "$md"
check "headline: the no-reader snapshot table" grep -q '^| bench | retention' "$md"
check "headline: percpu is no flight recorder, not in the snapshot table" \
	bash -c "! grep -A4 '^| bench | retention' '$md' | grep -q '^| percpu'"
check "metadata: meta.json command and the bench's kernel" \
	bash -c "grep -q 'tests/scripts/test_report.sh' '$md' && grep -q \"| native | $(uname -r) |\" '$md'"
check "no report.md.tmp left" [ ! -e "$md.tmp" ]

# ---- less data: stale plots go, the missing ones are skipped ----
sed -n 4p "$run_dir/results.jsonl" >"$TMP/one.jsonl"	# percpu, the base point
mv "$TMP/one.jsonl" "$run_dir/results.jsonl"
"$PLOT" "$run_dir" 2>"$TMP/plot.err"
check "one result: only the producer plot remains" \
	bash -c "[ \"\$(cd '$run_dir/plots' && ls | tr '\n' ' ')\" = 'producer_cpu-native.png producer_cpu-native.svg ' ]"
check "one result: the sweeps are skipped with a note" \
	bash -c "[ \"\$(grep -c '^plot: skip' '$TMP/plot.err')\" -eq 6 ]"
"$REPORT" "$run_dir" 2>/dev/null
check "report.md follows the plots that exist" \
	bash -c "grep -q 'plots/producer_cpu-native.png' '$md' && ! grep -q 'throughput_vs_producers' '$md'"

# ---- bad input: exit 2, one lower-case line ----
expect_error() {
	local what=$1 pat=$2 rc
	shift 2
	"$@" >/dev/null 2>"$TMP/err"
	rc=$?
	if [ "$rc" -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q -- "$pat" "$TMP/err" &&
		! grep -q '^[A-Z]' "$TMP/err"; then
		ok "$what -> exit 2: $(cat "$TMP/err")"
	else
		nok "$what: rc $rc, $(head -c 300 "$TMP/err")"
	fi
}
expect_error "plot: missing dir" "not found" "$PLOT" "$TMP/nope"
expect_error "plot: unknown option" "unknown option" "$PLOT" --svg-only
expect_error "plot: no argument" "usage" "$PLOT"
mkdir -p "$TMP/empty"
expect_error "plot: no results.jsonl" "cannot read" "$PLOT" "$TMP/empty"
echo 'not json' >"$TMP/empty/results.jsonl"
echo '{"schema_version": 2}' >"$TMP/empty/meta.json"
expect_error "plot: garbage results" "not json lines" "$PLOT" "$TMP/empty"
expect_error "report: missing dir" "not found" "$REPORT" "$TMP/nope"
rm "$run_dir/meta.json"
expect_error "report: no meta.json" "cannot read .*meta.json" "$REPORT" "$run_dir"

summary
