#!/bin/sh
# tests/vm/suite.sh BUILD BPFTOOL all|kernel|ONLY: runs inside the
# patched-kernel VM (tests/vm/run.sh).  "all": the relay selftests, a short
# bpf(2) fuzz run (RELAYBENCH_FUZZ_SEED, RELAYBENCH_FUZZ_ITERATIONS) and
# every bench variant; "kernel" (for the debug kernel): the selftests, the
# fuzz run and a short soak (RELAYBENCH_SOAK_SECONDS, default 60; it needs
# the debug kernel's /proc/slabinfo); anything else: the selftests whose
# names contain it.  Exit status: 1 if any of them failed.
if [ "$#" -ne 3 ]; then
	echo "usage: tests/vm/suite.sh BUILD BPFTOOL all|kernel|ONLY" >&2
	exit 2
fi
build=$1
bpftool=$2
what=$3
here=$(dirname "$0")
rc=0

if [ "$what" != all ] && [ "$what" != kernel ]; then
	BPFTOOL=$bpftool "$build/vmtests/relay_selftest" "$what"
	exit
fi
BPFTOOL=$bpftool "$build/vmtests/relay_selftest" || rc=1
echo "== bpf(2) fuzz"
"$build/vmtests/relay_fuzz" --seed "${RELAYBENCH_FUZZ_SEED:-1}" \
	--iterations "${RELAYBENCH_FUZZ_ITERATIONS:-10000}" || rc=1
if [ "$what" = all ]; then
	echo "== bench variants"
	"$here/bench_smoke.sh" "$build/bench" || rc=1
else
	echo "== soak"
	"$build/vmtests/relay_soak" --seconds "${RELAYBENCH_SOAK_SECONDS:-60}" || rc=1
fi
exit $rc
