#!/usr/bin/env bash
# tests/vm/run.sh: boots the patched kernel (release, or --debug) and runs
# the relay map and ringbuf overwrite-mode selftests inside it.  Exit status:
# the selftests', or non-zero if the guest console shows a kernel warning,
# BUG or splat.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
flavour=()
filter=()

while [ $# -gt 0 ]; do
	case $1 in
	--debug) flavour=(--debug) ;;
	--only) filter=("$2"); shift ;;
	*) echo "usage: tests/vm/run.sh [--debug] [--only NAME]" >&2; exit 2 ;;
	esac
	shift
done

tools=$("$ROOT/kernel/build.sh" path tools)
make -s -C "$ROOT/tests/vm" BUILD="$BUILD" TOOLS_DIR="$tools"

echo "== relay selftests in the ${flavour[*]:-release} kernel VM"
rc=0
"$ROOT/scripts/vm.sh" "${flavour[@]}" --smp 2 --timeout 900 -- \
	env BPFTOOL="$tools/bin/bpftool" "$BUILD/vmtests/relay_selftest" "${filter[@]}" || rc=$?
echo "== ringbuf overwrite-mode selftests in the ${flavour[*]:-release} kernel VM"
"$ROOT/scripts/vm.sh" "${flavour[@]}" --smp 2 --timeout 900 -- \
	"$BUILD/vmtests/ringbuf_ow_selftest" "${filter[@]}" || rc=$?
if [ ${#filter[@]} -eq 0 ]; then
	echo "== every bench variant in the ${flavour[*]:-release} kernel VM"
	"$ROOT/scripts/vm.sh" "${flavour[@]}" --smp 2 --timeout 900 -- \
		"$ROOT/tests/vm/bench_smoke.sh" "$BUILD/bench" || rc=$?
	echo "== every scenario, short, in the ${flavour[*]:-release} kernel VM"
	"$ROOT/scripts/vm.sh" "${flavour[@]}" --smp 2 --timeout 900 -- \
		"$ROOT/tests/vm/scenarios.sh" "$BUILD/bench" || rc=$?
fi
exit $rc
