#!/usr/bin/env bash
# scripts/overhead.sh: what tracing costs the traced application.  hyperfine
# times a fixed syscall-heavy workload (build/rlb_workload: N getpgid calls)
# with no tracer, then with each mechanism's producer attached to every
# process (`bench --external`), once with its reader running and once with
# nobody reading (the overwrite scenario: no consumer until the end).
# Writes one JSON object per configuration to OUT: mean, stddev, median,
# min, max of the workload's wall time, and the overhead against no tracer.
#   scripts/overhead.sh --out FILE [--calls N] [--runs R] [--benchs "B ..."]
#                       [--where native|vm]
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
if [ -z "$benchs" ]; then
	# each mechanism's first variant in the bench's table, where this
	# kernel runs it (a variant for the patched kernel is tried first);
	# a here-string, not <(...): the guest has no /dev/fd
	while read -r b kernel; do
		if [ "$kernel" = patched ] &&
			! "$bench" "$b" --overwrite -w 0 -d 0.01 -i 1 >/dev/null 2>&1; then
			continue
		fi
		benchs+=" $b"
	done <<<"$("$bench" --list --json | jq -r 'reduce .[] as $v ({seen: {}, out: []};
		if .seen[$v.mechanism] then . else .seen[$v.mechanism] = true | .out += [$v] end)
		| .out[] | "\(.name) \(.kernel)"')"
	[ -n "$benchs" ] || die "cannot list the bench's variants"
fi

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

# measure NAME MECH READER: one hyperfine run, appended to $out
measure() {
	hyperfine -N --warmup 2 --runs "$runs" --export-json "$tmp/h.json" \
		"$workload $calls" >/dev/null 2>"$tmp/h.err" || die "hyperfine failed: $(tail -1 "$tmp/h.err")"
	jq -c --arg name "$1" --arg mech "$2" --arg reader "$3" --argjson calls "$calls" \
		--arg kernel "$(uname -r)" --arg where "$where" \
		'.results[0] | {config: $name, mechanism: $mech, reader: $reader, calls: $calls,
		 kernel: $kernel, where: $where, runs: (.times | length), mean_s: .mean, stddev_s: .stddev,
		 median_s: .median, min_s: .min, max_s: .max}' "$tmp/h.json" >>"$out"
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

# each bench's mechanism, and whether a reader runs beside its producers
variants=$("$bench" --list --json) || die "cannot list the bench's variants"
variant() { jq -r --arg b "$1" '.[] | select(.name == $b) | "\(.mechanism) \(.live_consumer)"' <<<"$variants"; }
for b in $benchs; do
	[ -n "$(variant "$b")" ] || lib_bad "unknown bench '$b' (try $bench --list)"
done

echo "overhead: $runs runs of $calls getpgid calls per configuration" >&2
measure none none none
for b in $benchs; do
	read -r mech live <<<"$(variant "$b")"
	extra=()
	[ "$mech" != relay ] || extra=(--overwrite)	# mmap streams in overwrite mode
	if [ "$live" = true ]; then
		echo "overhead: $b with its reader" >&2
		attach "$b" "${extra[@]}"
		measure "$b" "$mech" yes
		detach
	fi
	echo "overhead: $b with nobody reading" >&2
	attach "$b" "${extra[@]}" --scenario overwrite
	measure "$b no reader" "$mech" no
	detach
done
# overhead against the untraced workload, with the spread of both
jq -sc '(.[0]) as $base | .[] | . + {overhead_pct: ((.mean_s / $base.mean_s - 1) * 100),
	overhead_spread_pct: (((.stddev_s / .mean_s) + ($base.stddev_s / $base.mean_s)) * 100)}' \
	"$out" >"$tmp/o.json" && mv "$tmp/o.json" "$out"
jq -r '"  \(.config): \(.mean_s * 1000 | floor) ms ± \(.stddev_s * 1000 | floor), overhead \(.overhead_pct | floor) % ± \(.overhead_spread_pct | floor)"' "$out" >&2
