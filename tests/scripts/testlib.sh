# shellcheck shell=bash
# tests/scripts/testlib.sh: what every tests/scripts/test_*.sh shares.
# Source it after setting NAME (the test's name, for messages).  Counts
# checks in $passed/$failed; finish with `summary`, whose status is the
# test's.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH=${BUILD:-$ROOT/build}/bench
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
nok() { failed=$((failed + 1)); echo "FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else nok "$what"; fi; }
q() { "$@" >/dev/null; }	# check "..." q jq -e ...: no jq output

# need_bench: root and a built bench, or a one-line error and exit 1
need_bench() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "$NAME: must be run as root (the bench loads BPF)" >&2
		exit 1
	fi
	[ -x "$BENCH" ] || { echo "$NAME: $BENCH missing; run make bench" >&2; exit 1; }
}

summary() {
	echo "$NAME: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
