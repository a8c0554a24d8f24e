#!/usr/bin/env bash
# tests/vm/run.sh [--debug|--kernel BZIMAGE] [--only NAME]: boots the
# patched kernel (the release one, or with --debug the KASAN + lockdep +
# kmemleak one) and runs tests/vm/suite.sh inside it: the relay map and
# ringbuf overwrite-mode selftests, with NMIs injected from here through
# QMP while the nmi_injected selftest runs, a short bpf(2) fuzz run and, on
# the debug kernel, a one-minute soak (tests/vm/relay_soak.c).  On the
# release kernel it then runs every bench variant and every scenario in
# its short mode, each in its own boot (they test user space, and the
# debug kernel is about 15x slower).  --only NAME runs the selftests whose
# name contains NAME and nothing else.  --kernel boots another image (a
# debug one if a .config with KASAN lies beside it, see scripts/vm.sh).
# Exit status: the suite's, or non-zero if the guest console shows a
# kernel warning, BUG or splat (or, on the debug kernel, a kmemleak report).
#
# Environment: RELAYBENCH_FUZZ_ITERATIONS, RELAYBENCH_FUZZ_SEED (the fuzz
# run; defaults below), RELAYBENCH_NMI_COUNT (NMIs to inject, default 200).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
flavour=()
only=""

usage() {
	echo "usage: tests/vm/run.sh [--debug|--kernel BZIMAGE] [--only NAME]" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--debug) flavour=(--debug) ;;
	--kernel)
		[ $# -ge 2 ] || usage
		flavour=(--kernel "$2")
		shift
		;;
	--only)
		[ $# -ge 2 ] || usage
		only=$2
		shift
		;;
	*) usage ;;
	esac
	shift
done

suite=release
if [ ${#flavour[@]} -gt 0 ]; then
	suite=debug
fi
if [ -n "$only" ]; then
	suite=$only
fi

tools=$("$ROOT/kernel/build.sh" path tools)
make -s -C "$ROOT/tests/vm" BUILD="$BUILD" TOOLS_DIR="$tools"

# A fuzz iteration costs about 0.3 ms on the release kernel, 3 ms on the
# debug one.
if [ ${#flavour[@]} -eq 0 ]; then
	fuzz_iterations=${RELAYBENCH_FUZZ_ITERATIONS:-100000}
else
	fuzz_iterations=${RELAYBENCH_FUZZ_ITERATIONS:-20000}
fi
export RELAYBENCH_FUZZ_ITERATIONS=$fuzz_iterations
export RELAYBENCH_FUZZ_SEED=${RELAYBENCH_FUZZ_SEED:-1}

# The NMI handshake directory must be on the share; the QMP socket need not
# (and a socket path has to stay short).
mkdir -p "$BUILD"
nmi_dir=$(mktemp -d "$BUILD/vm-nmi.XXXXXX")
qmp_dir=$(mktemp -d "${TMPDIR:-/tmp}/relaybench-qmp.XXXXXX")
injector=""
# shellcheck disable=SC2317 # invoked from the EXIT trap
cleanup() {
	if [ -n "$injector" ]; then
		kill "$injector" 2>/dev/null || true
		wait "$injector" 2>/dev/null || true
	fi
	rm -rf "$nmi_dir" "$qmp_dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$ROOT/tests/vm/nmi_inject.sh" "$qmp_dir/qmp.sock" "$nmi_dir" \
	"${RELAYBENCH_NMI_COUNT:-200}" 0.025 &
injector=$!
export RELAYBENCH_NMI_DIR=$nmi_dir

echo "== relay tests in the ${flavour[*]:-release} kernel VM"
rc=0
# Every injected NMI that no handler claims prints three lines on the
# console, and every fuzzed dirname that debugfs already has prints one;
# they are expected here, so keep them out of the output (the console log
# that vm.sh checks for splats still has them).
"$ROOT/scripts/vm.sh" "${flavour[@]}" --smp 2 --timeout 1500 \
	--qmp "$qmp_dir/qmp.sock" -- \
	"$ROOT/tests/vm/suite.sh" "$BUILD" "$tools/bin/bpftool" "$suite" |
	grep -v --line-buffered -e 'NMI received for unknown reason' \
		-e 'Dazed and confused, but trying to continue' \
		-e 'Do you have a strange power saving mode enabled' \
		-e "^debugfs: Directory '" -e "with parent '/' already present" ||
	rc=${PIPESTATUS[0]}
if [ "$rc" = 0 ] && [ ! -e "$nmi_dir/done" ] && [ -z "$only" ]; then
	echo "run.sh: the NMI injector never ran" >&2
	rc=1
fi
if [ "$suite" = release ]; then
	echo "== every bench variant in the release kernel VM"
	"$ROOT/scripts/vm.sh" --smp 2 --timeout 900 -- \
		"$ROOT/tests/vm/bench_smoke.sh" "$BUILD/bench" || rc=$?
	echo "== every scenario, short, in the release kernel VM"
	"$ROOT/scripts/vm.sh" --smp 2 --timeout 900 -- \
		"$ROOT/tests/vm/scenarios.sh" "$BUILD/bench" || rc=$?
fi
exit "$rc"
