#!/usr/bin/env bash
# tests/vm/soak.sh [--minutes N] [--kernel BZIMAGE]: the relay map soak
# (tests/vm/relay_soak.c) for N minutes (default 10) in the debug kernel
# VM (KASAN, lockdep, kmemleak; or another image with --kernel).  Fails on
# a slab or relay-buffer leak, a broken record, a kernel report, or a
# kmemleak finding (scripts/vm.sh scans after the run).  Not part of
# make test: run it with make soak.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
minutes=10
kernel=(--debug)

usage() {
	echo "usage: tests/vm/soak.sh [--minutes N] [--kernel BZIMAGE]" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--minutes)
		if [ $# -lt 2 ] || ! [[ $2 =~ ^[1-9][0-9]*$ ]]; then
			usage
		fi
		minutes=$2
		shift
		;;
	--kernel)
		[ $# -ge 2 ] || usage
		kernel=(--kernel "$2")
		shift
		;;
	*) usage ;;
	esac
	shift
done

tools=$("$ROOT/kernel/build.sh" path tools)
make -s -C "$ROOT/tests/vm" BUILD="$BUILD" TOOLS_DIR="$tools"

echo "== relay soak: $minutes min in the ${kernel[*]} kernel VM"
# Boot, settling and the kmemleak scans take a few minutes on top.
"$ROOT/scripts/vm.sh" "${kernel[@]}" --smp 2 --timeout $((minutes * 60 + 900)) -- \
	"$BUILD/vmtests/relay_soak" --seconds $((minutes * 60))
