#!/bin/sh
# tests/vm/suite.sh BUILD BPFTOOL [ONLY]: runs inside the patched-kernel VM
# (tests/vm/run.sh): the relay selftests, a short bpf(2) fuzz run
# (RELAYBENCH_FUZZ_SEED, RELAYBENCH_FUZZ_ITERATIONS) and every bench
# variant.  With ONLY, just the selftests whose names contain it.
# Exit status: 1 if any of them failed.
if [ "$#" -lt 2 ] || [ "$#" -gt 3 ]; then
	echo "usage: tests/vm/suite.sh BUILD BPFTOOL [ONLY]" >&2
	exit 2
fi
build=$1
bpftool=$2
only=${3:-}
here=$(dirname "$0")
rc=0

if [ -n "$only" ]; then
	BPFTOOL=$bpftool "$build/vmtests/relay_selftest" "$only"
	exit
fi
BPFTOOL=$bpftool "$build/vmtests/relay_selftest" || rc=1
echo "== bench variants"
"$here/bench_smoke.sh" "$build/bench" || rc=1
exit $rc
