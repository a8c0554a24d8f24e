#!/usr/bin/env bash
# scripts/overhead.sh: what tracing costs the traced application.  hyperfine
# times a fixed syscall-heavy workload (build/rlb_workload: N getpgid calls)
# with no tracer, then with each mechanism's producer attached to every
# process (`bench --external`), with the buffer bytes and policy of the
# scenarios (1 MiB in all):
#   - reader running: the streaming bench (relay-mmap, ringbuf-libbpf,
#     perfbuf-libbpf) under the batch policy, as at the high-rate base point;
#   - nobody reading: the flight recorder (relay-mmap, ringbuf-custom and
#     perfbuf-custom in overwrite mode, the percpu floor) under policy none,
#     so that every mechanism writes all along (without overwrite a full
#     buffer would refuse, and refusing is cheaper than writing).
# Writes one JSON object per configuration to OUT (results/SCHEMA.md,
# overhead.jsonl): every run's wall time and their median, mean, stddev,
# min and max.  The statistics (medians with intervals, the overhead, the
# reconciliation with the bench's producer cost) are the analysis module's
# (python3 -m analysis report).
#   scripts/overhead.sh --out FILE [--calls N] [--runs R] [--benchs "B ..."]
#                       [--where native|vm]
# --benchs: these variants instead, each with its reader and, in overwrite
# mode where it has one, without.
set -euo pipefail
PROG=overhead
# lib.sh before anything that forks: see its supervision
# shellcheck source=scripts/lib.sh
. "${BASH_SOURCE[0]%/*}/lib.sh"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
usage() {
	echo "usage: scripts/overhead.sh --out FILE [--calls N] [--runs R] [--benchs \"BENCH ...\"] [--where native|vm]" >&2
	exit 2
}
die() { lib_die "$*"; }

out="" calls=200000 runs=10 benchs="" where=native
while [ $# -gt 0 ]; do
	case $1 in
	--out) [ $# -ge 2 ] || usage; out=$2; shift ;;
	--calls) if [ $# -lt 2 ] || ! [[ $2 =~ ^[1-9][0-9]*$ ]]; then usage; fi; calls=$2; shift ;;
	--runs) if [ $# -lt 2 ] || ! [[ $2 =~ ^[1-9][0-9]*$ ]]; then usage; fi; runs=$2; shift ;;
	--where) [ $# -ge 2 ] || usage; where=$2; shift ;;
	--benchs) [ $# -ge 2 ] || usage; benchs=$2; shift ;;
	*) usage ;;
	esac
	shift
done
[ -n "$out" ] || usage
[ "$(id -u)" -eq 0 ] || die "must run as root"
bench=$ROOT/build/bench
workload=$ROOT/build/rlb_workload
if [ ! -x "$bench" ] || [ ! -x "$workload" ]; then
	die "build/bench or build/rlb_workload missing: run make"
fi
command -v hyperfine >/dev/null || die "hyperfine missing: run scripts/deps.sh"
: >"$out" 2>/dev/null || die "cannot write $out"
# the variants, their mechanism and whether they take --overwrite, where
# this kernel runs them (a variant for the patched kernel is tried)
# a here-string, not <(...): the guest has no /dev/fd
variants=$("$bench" --list --json) || die "cannot list the bench's variants"
declare -A mech_of=() takes_ow=()
while read -r b m ow kernel; do
	if [ "$kernel" = patched ] && ! "$bench" "$b" -w 0 -d 0.01 -i 1 >/dev/null 2>&1; then
		continue
	fi
	mech_of[$b]=$m
	takes_ow[$b]=$ow
done <<<"$(jq -r '.[] | "\(.name) \(.mechanism) \(.overwrite) \(.kernel)"' <<<"$variants")"
[ ${#mech_of[@]} -gt 0 ] || die "cannot list the bench's variants"
if [ -n "$benchs" ]; then
	read -r -a with_reader <<<"$benchs"
	without_reader=("${with_reader[@]}")
else
	# From the variant table, per mechanism: the first variant with a live
	# reader streams; the first that overwrites (else the first) records.
	read -r -a with_reader <<<"$(jq -r '[group_by(.mechanism)[]
		| map(select(.live_consumer)) | select(length > 0) | .[0].name] | join(" ")' <<<"$variants")"
	read -r -a without_reader <<<"$(jq -r '[group_by(.mechanism)[]
		| ((map(select(.overwrite)) | .[0]) // .[0]) | .name] | join(" ")' <<<"$variants")"
fi
for b in "${with_reader[@]}" "${without_reader[@]}"; do
	[ -n "${mech_of[$b]:-}" ] || [[ $b == relay-* ]] || lib_bad "unknown bench '$b'"
done

# The scenarios' buffer and policy options (scripts/scenarios/common.sh),
# which reads the policies from BENCH's variant table.
NCPUS=$(nproc)
BENCH=$bench
# shellcheck source=scripts/scenarios/common.sh
. "$ROOT/scripts/scenarios/common.sh"
BUF=$((1 << 20))

lib_tmpdir
tmp=$LIB_TMP
tracer=""
# shellcheck disable=SC2317 # invoked from the exit handlers
stop_tracer() {
	if [ -n "$tracer" ] && kill -0 "$tracer" 2>/dev/null; then
		kill -INT "$tracer" 2>/dev/null || true
		wait "$tracer" 2>/dev/null || true
	fi
}
lib_on_exit stop_tracer

# measure NAME BENCH READER OVERWRITE POLICY: one hyperfine run, appended to $out
measure() {
	hyperfine -N --warmup 2 --runs "$runs" --export-json "$tmp/h.json" \
		"$workload $calls" >/dev/null 2>"$tmp/h.err" || die "hyperfine failed: $(tail -1 "$tmp/h.err")"
	jq -c --arg name "$1" --arg b "$2" --arg mech "${mech_of[$2]:-none}" --arg reader "$3" \
		--argjson ow "$4" --arg policy "$5" --argjson calls "$calls" \
		--arg kernel "$(uname -r)" --arg where "$where" \
		'.results[0] | {config: $name, mechanism: $mech, reader: $reader, calls: $calls,
		 kernel: $kernel, where: $where, runs: (.times | length), times_s: .times,
		 median_s: .median, mean_s: .mean, stddev_s: .stddev, min_s: .min, max_s: .max}
		 + (if $b == "none" then {} else {bench: $b, overwrite: $ow, policy: $policy} end)' \
		"$tmp/h.json" >>"$out"
}

# attach BENCH ARGS...: a tracer in the background, until measure is done
attach() {
	"$bench" "$@" --external -w 0 -d 3600 -i 1 >/dev/null 2>"$tmp/t.err" &
	tracer=$!
	sleep 3	# load and attach (slow under TCG)
	kill -0 "$tracer" 2>/dev/null || die "tracer $* exited: $(grep -v ^libbpf "$tmp/t.err" | tail -1)"
}

detach() {
	kill -INT "$tracer"
	wait "$tracer" 2>/dev/null || true
	tracer=""
}

echo "overhead: $runs runs of $calls getpgid calls per configuration" >&2
measure none none none false ""
for b in "${with_reader[@]}"; do
	[ -n "${mech_of[$b]:-}" ] && [ "${mech_of[$b]}" != percpu ] || continue
	pol=$(policy_args "$b" $BUF batch)
	echo "overhead: $b with its reader (${pol#--policy })" >&2
	# shellcheck disable=SC2046 # options are word lists
	attach "$b" $(buffer_args "$b" $BUF) $pol
	measure "$b" "$b" yes false "${pol#--policy }"
	detach
done
for b in "${without_reader[@]}"; do
	[ -n "${mech_of[$b]:-}" ] || continue
	ow=false extra=()
	if [ "${takes_ow[$b]}" = true ]; then ow=true extra=(--overwrite); fi
	# a kernel without the mode (the ring buffer's before 6.19) has no
	# flight recorder of this mechanism to measure
	if [ "$ow" = true ] && ! "$bench" "$b" --overwrite -w 0 -d 0.01 -i 1 >/dev/null 2>"$tmp/p.err" &&
		grep -q "has no overwrite mode" "$tmp/p.err"; then
		echo "overhead: $b skipped with nobody reading: $(grep -m1 "has no overwrite mode" "$tmp/p.err")" >&2
		continue
	fi
	echo "overhead: $b with nobody reading${extra[*]:+ (${extra[*]})}" >&2
	# shellcheck disable=SC2046 # options are word lists
	attach "$b" "${extra[@]}" $(buffer_args "$b" $BUF) --policy none --scenario overwrite
	measure "$b no reader" "$b" no "$ow" none
	detach
done
jq -r '"  \(.config): median \(.median_s * 1000 | floor) ms over \(.runs) runs"' "$out" >&2
