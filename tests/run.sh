#!/usr/bin/env bash
# tests/run.sh: what `make test` runs.  Every stage in order, each through
# make (so each also works alone); a failed stage does not stop the later
# ones, so one run shows every failure.  At the end, a table of each
# stage's result and wall time, also written to build/test-times.tsv: on a
# fresh machine the kernel builds dominate, on a warm cache the VM tests.
# `check` runs the unit and analysis tests (make test-unit, test-analysis).
#
# usage: tests/run.sh [STAGE...]     (default: every stage below)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STAGES=(deps check tools bench kernel kernel-debug test-fuzz test-native
	test-kernel test-scripts test-vm test-vm-debug)

for s in "$@"; do
	[[ " ${STAGES[*]} " == *" $s "* ]] ||
		{ echo "tests/run.sh: unknown stage '$s' (${STAGES[*]})" >&2; exit 2; }
done
[ $# -eq 0 ] || STAGES=("$@")

mmss() { printf '%d:%02d' $(($1 / 60)) $(($1 % 60)); }

results=()
failed=0
start=$SECONDS
for s in "${STAGES[@]}"; do
	echo "== make $s" >&2
	t0=$SECONDS
	rc=0
	make -C "$ROOT" --no-print-directory "$s" || rc=$?
	# Ctrl-C: make died of the signal; stop here rather than start the next
	[ "$rc" -ne 130 ] && [ "$rc" -ne 143 ] || exit "$rc"
	result=ok
	[ "$rc" -eq 0 ] || { result="FAIL ($rc)"; failed=$((failed + 1)); }
	results+=("$s	$result	$((SECONDS - t0))")
done

mkdir -p "$ROOT/build"
{
	printf 'stage\tresult\tseconds\n'
	printf '%s\n' "${results[@]}"
} >"$ROOT/build/test-times.tsv"
{
	echo
	echo "make test: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg) at the end"
	printf '  %-14s %-10s %s\n' stage result "wall time"
	for r in "${results[@]}"; do
		IFS=$'\t' read -r s result secs <<<"$r"
		printf '  %-14s %-10s %s\n' "$s" "$result" "$(mmss "$secs")"
	done
	printf '  %-14s %-10s %s\n' total "$failed failed" "$(mmss $((SECONDS - start)))"
} >&2
[ "$failed" -eq 0 ]
