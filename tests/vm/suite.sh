#!/bin/sh
# tests/vm/suite.sh BUILD BPFTOOL release|debug|ONLY: runs inside the
# patched-kernel VM (tests/vm/run.sh) the kernel-side tests that share one
# boot: the relay map and ringbuf overwrite-mode selftests and a short
# bpf(2) fuzz run (RELAYBENCH_FUZZ_SEED, RELAYBENCH_FUZZ_ITERATIONS); with
# "debug" also a short soak (RELAYBENCH_SOAK_SECONDS, default 60; it needs
# the debug kernel's /proc/slabinfo); anything else: the selftests whose
# names contain it.  RT_REPEAT sizes the race tests, RT_HOTPLUG_ITERS
# (default 1000) and RT_HOTPLUG_SECONDS (default 60, whichever ends first)
# the CPU-hotplug one.  Exit status: 1 if any of them failed.
if [ "$#" -ne 3 ]; then
	echo "usage: tests/vm/suite.sh BUILD BPFTOOL release|debug|ONLY" >&2
	exit 2
fi
build=$1
bpftool=$2
what=$3
rc=0

if [ "$what" != release ] && [ "$what" != debug ]; then
	BPFTOOL=$bpftool "$build/vmtests/relay_selftest" "$what" || rc=1
	"$build/vmtests/ringbuf_ow_selftest" "$what" || rc=1
	exit $rc
fi
# Race tests repeat: the concurrent reader must pass 50 of 50 runs on the
# release kernel and 10 of 10 on the (16x slower) debug one.
if [ "$what" = debug ]; then
	repeat=${RT_REPEAT:-10}
else
	repeat=${RT_REPEAT:-50}
fi
echo "== relay selftests (race tests x$repeat)"
RT_REPEAT=$repeat BPFTOOL=$bpftool "$build/vmtests/relay_selftest" || rc=1
echo "== ringbuf overwrite-mode selftests"
"$build/vmtests/ringbuf_ow_selftest" || rc=1
echo "== bpf(2) fuzz"
"$build/vmtests/relay_fuzz" --seed "${RELAYBENCH_FUZZ_SEED:-1}" \
	--iterations "${RELAYBENCH_FUZZ_ITERATIONS:-10000}" || rc=1
if [ "$what" = debug ]; then
	echo "== soak"
	"$build/vmtests/relay_soak" --seconds "${RELAYBENCH_SOAK_SECONDS:-60}" || rc=1
fi
exit $rc
