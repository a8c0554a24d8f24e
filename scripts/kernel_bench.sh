#!/usr/bin/env bash
# scripts/kernel_bench.sh: the kernel's own BPF `bench` (tools/testing/
# selftests/bpf, linux-source-6.12 as extracted by kernel/build.sh), built so
# that it runs on this host, for scripts/compat.sh to run next to ours.
#
#   scripts/kernel_bench.sh [--fix-busy] [build]   build unless cached; print the binary's path
#   scripts/kernel_bench.sh [--fix-busy] path      print the path; exit 1 if not built yet
#
# The host has no fentry, so the ringbuf and perfbuf producers
# (progs/ringbuf_bench.c, progs/perfbuf_bench.c) get the tracepoint our
# producers use; rewrite_producers() below is the only change to their code.
# Their program signature, int f(void *ctx), is valid for a tracepoint too,
# and bpf_perf_event_output() takes the tracepoint context as it took the
# fentry one.  The crypto bench does not build against the host's BTF and
# is left out of the binary (leave_out_crypto()).
#
# --fix-busy builds a second binary, cached under its own key, whose rb-custom
# reader (ringbuf_custom_process_ring() in benchs/bench_ringbufs.c) has one
# token changed (fix_busy_return()): at a record still being written it
# returns without storing the consumer position it advanced, so its next pass
# walks and counts those records again, and the producer's commit sees a
# stale consumer position (no wakeup).  With the fix it leaves the inner loop
# instead (`return` becomes `break`): the position reached is stored, as
# libbpf's reader and ours store it, and the outer loop ends.  Nothing else
# differs from the plain binary.
#
# Built with RELEASE=1, i.e. -O2 everywhere: the selftests default is -O0,
# libbpf included, while our bench links an -O2 libbpf.
#
# Cache: ${RELAYBENCH_CACHE:-~/.cache/relaybench}/kernel-bench-<key>/
#   bench, build.log, ringbuf_bench.c and perfbuf_bench.c as built, inputs
# key = hash of the copied sources, this script (the rewrite), the compilers
# and the host's BTF (vmlinux.h is generated from it).  Built in
# <entry>.building.<pid> outside the repo, renamed on success, under a lock.
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SELF=$(readlink -f "${BASH_SOURCE[0]}")
CACHE=${RELAYBENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/relaybench}
JOBS=${RELAYBENCH_JOBS:-$(nproc)}
[ "$JOBS" -le 2 ] || JOBS=2	# the machine is shared
BTF=/sys/kernel/btf/vmlinux
SELFTESTS=tools/testing/selftests/bpf
# What the selftests Makefile reads to build libbpf, bpftool and bench.
SOURCES=(tools/build tools/include tools/lib tools/scripts tools/arch tools/bpf
	tools/testing/selftests/lib.mk "$SELFTESTS" kernel/bpf/disasm.c
	kernel/bpf/disasm.h scripts/bpf_doc.py)

die() {
	echo "kernel_bench.sh: $*" >&2
	exit 1
}

usage() {
	echo "usage: scripts/kernel_bench.sh [--fix-busy] [build|path]" >&2
	exit 2
}

fix_busy=0
if [ "${1:-}" = --fix-busy ]; then
	fix_busy=1
	shift
fi
cmd=${1:-build}
[ $# -le 1 ] || usage
case $cmd in build | path) ;; *) usage ;; esac

src=$("$ROOT/kernel/build.sh" path src)
if [ ! -d "$src/$SELFTESTS" ]; then
	[ "$cmd" = build ] || die "kernel source not extracted yet (run make tools)"
	"$ROOT/kernel/build.sh" tools >&2
fi
[ -r "$BTF" ] || die "kernel btf missing ($BTF)"

key_inputs() {
	(cd "$src" && find "${SOURCES[@]}" -type f -print0 | sort -z | xargs -0 sha256sum)
	echo "script $(sha256sum <"$SELF" | cut -c1-64)"
	echo "btf $(sha256sum <"$BTF" | cut -c1-64)"
	echo "clang $(clang-19 --version | head -1)"
	echo "cc $(cc --version | head -1)"
	[ "$fix_busy" -eq 0 ] || echo "variant fix-busy"
}
key=$(key_inputs | sha256sum | cut -c1-12)
entry=$CACHE/kernel-bench-$key

if [ "$cmd" = path ]; then
	echo "$entry/bench"
	[ -x "$entry/bench" ]
	exit
fi

# fentry/<prefix>sys_getpgid -> the tracepoint our producers use, exactly
# once per file; anything else about the programs stays as it is.
rewrite_producers() {
	local f
	for f in progs/ringbuf_bench.c progs/perfbuf_bench.c; do
		[ "$(grep -c 'SEC("fentry/" SYS_PREFIX "sys_getpgid")' "$f")" -eq 1 ] ||
			die "$f: expected one fentry sys_getpgid section"
		sed -i 's|SEC("fentry/" SYS_PREFIX "sys_getpgid")|SEC("tp/syscalls/sys_enter_getpgid")|' "$f"
		grep -q 'SEC("tp/syscalls/sys_enter_getpgid")' "$f" || die "$f: rewrite failed"
		! grep -q fentry "$f" || die "$f: fentry left after the rewrite"
	done
}

# rb-custom's reader: `return` at a busy record becomes `break`, so the
# position it reached is stored; exactly that one line, checked.
fix_busy_return() {
	local f=benchs/bench_ringbufs.c busy='^\t\t\tif \(len & RINGBUF_BUSY_BIT\)$'
	[ "$(grep -cP "$busy" "$f")" -eq 1 ] || die "$f: expected one busy-bit check"
	[ "$(grep -A1 -P "$busy" "$f" | grep -cP '^\t\t\t\treturn;$')" -eq 1 ] ||
		die "$f: the busy-bit check is not followed by return"
	sed -i -E '/^\t\t\tif \(len & RINGBUF_BUSY_BIT\)$/{n;s/^\t\t\t\treturn;$/\t\t\t\tbreak;/}' "$f"
	[ "$(grep -A1 -P "$busy" "$f" | grep -cP '^\t\t\t\tbreak;$')" -eq 1 ] ||
		die "$f: busy-bit rewrite failed"
}

leave_out_crypto() {
	sed -i '/bench_crypto/d' bench.c
	sed -i '/^[[:space:]]*\$(OUTPUT)\/bench_bpf_crypto\.o \\$/d' Makefile
	! grep -q bench_crypto bench.c || die "bench.c: crypto bench still referenced"
	! grep -qE '^[[:space:]]+\$\(OUTPUT\)/bench_bpf_crypto\.o \\$' Makefile ||
		die "Makefile: crypto bench still linked"
}

# A make of its own, not a sub-make of ours (make test runs this script):
# the selftests' lib.mk sets OUTPUT only at MAKELEVEL 0, and an inherited
# level left it empty (objects written to /, skeletons not found).
make_bench() {
	env -u MAKELEVEL -u MAKEFLAGS -u MFLAGS -u MAKEOVERRIDES \
		make "$@" RELEASE=1 VMLINUX_BTF="$BTF" CLANG=clang-19 LLC=llc-19 \
		LLVM_STRIP=llvm-strip-19 bench
}

# The lines that say what went wrong, not make's "waiting for jobs" tail.
first_errors() {
	grep -m 8 -E 'error|Error|No such file|undefined reference' "$1" ||
		tail -n 8 "$1"
}

build() {
	local tmp=$1 log=$1/build.log start
	mkdir -p "$tmp/src"
	(cd "$src" && cp -a --parents "${SOURCES[@]}" "$tmp/src/")
	key_inputs >"$tmp/inputs"
	cd "$tmp/src/$SELFTESTS"
	rewrite_producers
	leave_out_crypto
	[ "$fix_busy" -eq 0 ] || fix_busy_return
	echo "kernel_bench.sh: building the kernel's bench (about a minute)..." >&2
	start=$(date +%s)
	# The selftests Makefile is not always safe in parallel: a failed -j
	# build is finished serially in the same tree before we give up.
	if ! make_bench -j"$JOBS" >"$log" 2>&1; then
		echo "kernel_bench.sh: parallel build failed; first errors:" >&2
		first_errors "$log" >&2
		echo "=== retrying with -j1" >>"$log"
		if ! make_bench -j1 >>"$log" 2>&1; then
			first_errors "$log" >&2
			die "build failed (log: $log)"
		fi
	fi
	echo "built in $(($(date +%s) - start)) s" >>"$log"
	cp bench progs/ringbuf_bench.c progs/perfbuf_bench.c benchs/bench_ringbufs.c "$tmp/"
	cd "$tmp"
	rm -rf "$tmp/src"
}

mkdir -p "$CACHE"
exec 9>"$CACHE/kernel-bench.lock"
flock 9
if [ ! -x "$entry/bench" ]; then
	# Not *.tmp.*: kernel/build.sh removes those as stale when it takes
	# its lock, which this build does not hold.  Under this lock, any
	# kernel-bench build directory left is stale.
	rm -rf "$CACHE"/kernel-bench-*.building.*
	tmp=$entry.building.$$
	trap 'rm -rf "$tmp"' EXIT
	trap 'exit 130' INT TERM
	rm -rf "$tmp"
	(build "$tmp")
	rm -rf "$entry"
	mv "$tmp" "$entry"
	trap - EXIT
fi
echo "$entry/bench"
