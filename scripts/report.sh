#!/usr/bin/env bash
# scripts/report.sh RESULT_DIR: write RESULT_DIR/report.md from
# results.jsonl, meta.json and the plots scripts/plot.sh drew (run it first):
#   - the headline table: per place (native, vm) and scenario, each bench's
#     throughput, producer ns/event, loss and p99 latency, as values and as
#     ratios to the ring buffer measured alongside (ringbuf-libbpf, else
#     another ringbuf bench); snapshot scenarios get retention and freshness;
#   - with rfc-modes results, the RFC's claims beside the measured ratios
#     (python3 -m analysis rfc);
#   - every plot in plots/, with one sentence on how to read it;
#   - the metadata: meta.json and what each place's results recorded.
# Written to report.md.tmp and renamed, so a report is never half written.
# Exit: 0, 2 on bad input, 1 when report.md cannot be written.
set -euo pipefail

usage() {
	echo "usage: scripts/report.sh RESULT_DIR" >&2
	exit 2
}
die() {
	echo "report: $1" >&2
	exit "${2:-2}"
}

[ $# -eq 1 ] || usage
case $1 in -*) die "unknown option '$1'" ;; esac
dir=${1%/}
[ -d "$dir" ] || die "result directory '$dir' not found"
results=$dir/results.jsonl
meta=$dir/meta.json
for f in "$results" "$meta"; do
	[ -f "$f" ] && [ -r "$f" ] || die "cannot read $f"
done
jq -e -s 'all(type == "object")' "$results" >/dev/null 2>&1 || die "$results is not json lines"
jq -e 'type == "object"' "$meta" >/dev/null 2>&1 || die "$meta is not a json object"
out=$dir/report.md
tmp=$out.tmp
trap 'rm -f "$tmp"' EXIT
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# One sentence per plot kind on how to read it.
sentence() {
	case $1 in
	throughput_vs_producers-*) echo "Each line is one bench and higher is better; a line that stays flat as producer threads are added means the mechanism does not scale across CPUs (bars: min to max over iterations)." ;;
	throughput_vs_size-*) echo "Left, records per second; right, the bytes they carry: a mechanism that copies or frames more per record drops faster on the left as records grow." ;;
	latency_cdf-*) echo "The further left and the steeper a curve, the sooner records reach the consumer; where a curve crosses a vertical line is the fraction delivered within that latency, and the top right is the tail." ;;
	loss_vs_rate-*) echo "The offered rate at which a line leaves zero is where that mechanism's consumer stops keeping up with its buffer." ;;
	producer_cpu-*) echo "The BPF program's own run time per record, the cost a traced application pays; the dashed line is the percpu floor (the same producer writing a per-CPU array), so the height above it is the mechanism's cost." ;;
	overwrite-*) echo "Top: how much of the buffer's capacity a late reader recovers and whether the newest record survived; bottom: the age of the newest and oldest recovered records when the producers stopped, so a fresh snapshot has a short green bar." ;;
	subbuf_heatmap-*) echo "Each cell is one relay sub-buffer size and count; colour is loss on a log scale (green 0.01 % or less, red 100 %), the text gives loss, p99 latency and memory per CPU, and the smallest green cell whose p99 meets the target is the one to pick." ;;
	*) echo "See results/SCHEMA.md for the data behind it." ;;
	esac
}

# Values formatted by awk from jq's TSV: rate, ns, %, ratio.
FMT='
function si(x) {
	if (x == "" || x == "null") return "n/a"
	if (x >= 1e9) return sprintf("%.2f G", x / 1e9)
	if (x >= 1e6) return sprintf("%.2f M", x / 1e6)
	if (x >= 1e3) return sprintf("%.1f k", x / 1e3)
	return sprintf("%.0f", x)
}
function ns(x) {
	if (x == "" || x == "null") return "n/a"
	if (x >= 1e9) return sprintf("%.2f s", x / 1e9)
	if (x >= 1e6) return sprintf("%.2f ms", x / 1e6)
	if (x >= 1e3) return sprintf("%.1f µs", x / 1e3)
	return sprintf("%.0f ns", x)
}
function pct(x) { return (x == "" || x == "null") ? "n/a" : sprintf("%.2f %%", x) }
function ratio(x) { return (x == "" || x == "null") ? "" : sprintf(" (%.2f×)", x) }
'

# The headline rows: per (where, scenario) the configuration and policy of
# the first ringbuf result (else the first result), and per bench its first
# result at those common params and that policy (the floor at any).
JQ_HEADLINE='
def scen: .scenario // "stream";
def mech: .mechanism // (.bench | sub("-.*"; ""));
def common: .params | {producers, consumers, record_size, batch, rate, trigger, count_only,
	producer_work: (.producer_work // 0)};
# Mechanisms compare under one notification policy; the floor has no reader.
def same_policy($ref): mech == "percpu" or (.policy // "") == ($ref.policy // "");
def ref_rank: if .bench == "ringbuf-libbpf" then 0 elif mech == "ringbuf" then 1 else 2 end;
def mech_rank: {"relay": 0, "ringbuf": 1, "perfbuf": 2, "percpu": 3}[mech] // 4;
def scen_rank: {"stream": 0, "high-rate": 1, "latency": 2, "overwrite": 3, "no-reader": 4}[scen] // 5;
def div($a; $b): if $a == null or $b == null or $b == 0 then null else $a / $b end;
to_entries | map(.value + {_i: .key})
# the RFC modes have a section of their own (analysis/decision.py)
| map(select(scen != "rfc-modes"))
| group_by([.meta.where, scen_rank, scen]) | .[]
| . as $scen_results
| ([.[] | select(mech != "percpu") | .policy // ""] | unique | if . == [] then [""] else . end)[] as $pol
| $scen_results | map(select(mech == "percpu" or (.policy // "") == $pol))
| (sort_by([ref_rank, ._i]) | .[0]) as $ref
| map(select(common == ($ref | common) and same_policy($ref))) | group_by([.bench, (.params.overwrite // false)])
| map(sort_by(._i) | .[0])
| sort_by([mech_rank, .bench, (.params.overwrite // false | not)])
| (if ($ref | mech) == "ringbuf" then $ref else null end) as $rb
| .[] | {where: .meta.where, scenario: scen, ref: ($rb.bench // ""),
	bench: (.bench + (if .params.overwrite then " --overwrite" else "" end)),
	size: .params.record_size, producers: .params.producers, rate: .params.rate,
	ev: .throughput.events_per_s.median, ev_r: div(.throughput.events_per_s.median; $rb.throughput.events_per_s.median),
	ns: .cpu.producer_ns_per_event.median, ns_r: div(.cpu.producer_ns_per_event.median; $rb.cpu.producer_ns_per_event.median),
	loss: (if .loss.produced > 0 then 100 * (.loss.dropped + .loss.lost) / .loss.produced else null end),
	p99: (if .latency_ns.count > 0 then .latency_ns.p99 else null end),
	p99_r: (if .latency_ns.count > 0 then div(.latency_ns.p99; (if $rb.latency_ns.count > 0 then $rb.latency_ns.p99 else null end)) else null end),
	snap: .snapshot, policy: (if ($ref | mech) == "percpu" then "" else ($ref.policy // "") end),
	cons: .cpu.consumer_cpu_pct.median, cs: .cpu.consumer_ctx_switches_per_s.median,
	buf: ($ref.memory.buffer_bytes // 0)}'

{
	echo "# relaybench report"
	echo
	echo "Generated by \`scripts/report.sh\` from \`results.jsonl\` ($(jq -s length "$results") results) and \`meta.json\`; fields and units are in \`results/SCHEMA.md\`."
	echo "Ratios compare each bench to the ring buffer measured in the same place (native or VM), scenario and configuration: above 1 means more throughput, more CPU per record or a longer p99 than the ring buffer."
	echo "Native and VM figures are never compared with each other: the VM is a TCG emulation."
	echo
	echo "## Headline"
	jq -s -r "$JQ_HEADLINE | [.where, .scenario, .bench, .ref, .size, .producers, .rate,
		.ev, .ev_r, .ns, .ns_r, .loss, .p99, .p99_r, (.snap != null),
		(.snap.retention // \"\"), (.snap.newest_present // \"\"), (.snap.newest_age_ns // \"\"),
		(.snap.oldest_age_ns // \"\"), .policy, .cons, .cs, .buf, (.snap.recovered // \"\")]
		| map(tostring) | @tsv" "$results" |
	awk -F'\t' "$FMT"'
	# relay keeps its n - 1 full sub-buffers and the one being written,
	# about half full on average: it loses about 1/(2n) of its capacity
	function relay_note() {
		if (relay_snap)
			print "\n_relay keeps its whole sub-buffers and the one being written, on average half full: with n sub-buffers per CPU it loses about 1/(2n) of its capacity (1/16 with the default 8)._"
		relay_snap = 0
	}
	# percpu is no flight recorder: it keeps one slot per record in flight
	$15 == "true" && $3 == "percpu" { next }
	{
		head = $1 " / " $2 ($20 == "" ? "" : " / " $20)
		if (head != last) {
			relay_note()
			print ""
			printf "### %s (%s-byte records, %s producer%s, %s, %s of buffer)\n\n", head, $5, $6,
				$6 == 1 ? "" : "s", $7 == 0 ? "unlimited rate" : $7 " triggers/s per producer",
				($23 >= 1048576 ? sprintf("%.3g MiB", $23 / 1048576) : sprintf("%.3g KiB", $23 / 1024))
			if ($15 == "true") {
				print "| bench | retention | records kept | time window | newest record | newest age | oldest age | producer ns/record |"
				print "|---|---|---|---|---|---|---|---|"
			} else {
				printf "| bench | throughput (records/s) | producer ns/record | loss | p99 latency | reader CPU | reader context switches/s |\n"
				print "|---|---|---|---|---|---|---|"
			}
			if ($4 == "") note = 1
			last = head
		}
		if ($15 == "true") {
			printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", $3, pct($16 * 100), si($24),
				($19 == "" || $18 == "") ? "n/a" : ns($19 - $18),
				$17 == "true" ? "kept" : "lost", ns($18), ns($19), ns($10) ratio($11)
			if ($3 ~ /^relay/) relay_snap = 1
		}
		else
			printf "| %s | %s%s | %s%s | %s | %s%s | %s | %s |\n", $3, si($8), ratio($9), ns($10), ratio($11),
				pct($12), ns($13), ratio($14), $3 == "percpu" ? "n/a" : pct($21),
				$3 == "percpu" ? "n/a" : si($22)
	}
	END {
		relay_note()
		if (note) { print ""; print "_Groups without a ringbuf result show values only._" }
	}'
	if jq -e -s 'any(.scenario == "rfc-modes" and .mechanism == "relay")' "$results" >/dev/null; then
		echo
		echo "## The RFC's claims"
		echo
		PYTHONPATH=$ROOT PYTHONDONTWRITEBYTECODE=1 python3 -m analysis rfc "$dir" ||
			die "cannot compare the run with the RFC's claims"
	fi
	echo
	echo "## Plots"
	# in the order scripts/plot.sh draws them, then anything else
	shopt -s nullglob
	pngs=()
	for kind in producer_cpu throughput_vs_producers throughput_vs_size latency_cdf loss_vs_rate \
		overwrite subbuf_heatmap; do
		pngs+=("$dir"/plots/"$kind"-*.png)
	done
	for png in "$dir"/plots/*.png; do
		[[ " ${pngs[*]} " == *" $png "* ]] || pngs+=("$png")
	done
	if [ ${#pngs[@]} -eq 0 ]; then
		echo
		echo "No plots: run \`scripts/plot.sh $dir\` before this script."
	fi
	for png in "${pngs[@]}"; do
		name=$(basename "$png" .png)
		echo
		echo "### $name"
		echo
		echo "![$name](plots/$name.png)"
		[ -f "$dir/plots/$name.svg" ] && echo "([SVG](plots/$name.svg))"
		echo
		sentence "$name"
	done
	echo
	echo "## Metadata"
	echo
	echo "\`meta.json\`:"
	echo
	echo '| key | value |'
	echo '|---|---|'
	jq -r 'paths(scalars) as $p | "| \($p | map(tostring) | join(".")) | \(getpath($p) | tostring | gsub("\\|"; "\\|")) |"' "$meta"
	echo
	echo "Recorded by the bench with every result, per place:"
	echo
	echo '| where | kernel | config sha256 | cpu | nproc | hypervisor | relay map | git rev | results |'
	echo '|---|---|---|---|---|---|---|---|---|'
	jq -s -r 'group_by([.meta.where, .meta.kernel, .meta.config_sha256, .meta.cpu_model, .meta.git_rev])[]
		| "| \(.[0].meta.where) | \(.[0].meta.kernel) | \(.[0].meta.config_sha256[0:12]) | \(.[0].meta.cpu_model) | \(.[0].meta.nproc) | \(.[0].meta.hypervisor) | \(.[0].meta.relay_map) | \(.[0].meta.git_rev) | \(length) |"' "$results"
	echo
	echo "Timing: $(jq -s -r 'map("-w \(.params.warmup_s) -d \(.params.duration_s) -i \(.params.iterations)") | unique | join(", ")' "$results") (warm-up seconds, seconds per iteration, iterations; medians over iterations)."
} >"$tmp" || die "cannot write $tmp" 1
mv "$tmp" "$out" || die "cannot write $out" 1
echo "report: $out" >&2
