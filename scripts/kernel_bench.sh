#!/usr/bin/env bash
# scripts/kernel_bench.sh: the kernel's own BPF `bench` (tools/testing/
# selftests/bpf, linux-source-6.12 as extracted by kernel/build.sh), built so
# that it runs on this host, for scripts/compat.sh to run next to ours.
#
#   scripts/kernel_bench.sh [build]   build unless cached; print the binary's path
#   scripts/kernel_bench.sh path      print the path; exit 1 if not built yet
#
# The host has no fentry, so the ringbuf and perfbuf producers
# (progs/ringbuf_bench.c, progs/perfbuf_bench.c) get the tracepoint our
# producers use; rewrite_producers() below is the only change to their code.
# Their program signature, int f(void *ctx), is valid for a tracepoint too,
# and bpf_perf_event_output() takes the tracepoint context as it took the
# fentry one.  The crypto bench does not build against the host's BTF and
# is left out of the binary (leave_out_crypto()).
#
# Built with RELEASE=1, i.e. -O2 everywhere: the selftests default is -O0,
# libbpf included, while our bench links an -O2 libbpf.
#
# Cache: ${RELAYBENCH_CACHE:-~/.cache/relaybench}/kernel-bench-<key>/
#   bench, build.log, ringbuf_bench.c and perfbuf_bench.c as built, inputs
# key = hash of the copied sources, this script (the rewrite), the compilers
# and the host's BTF (vmlinux.h is generated from it).  Built in
# <entry>.tmp.<pid> outside the repo, renamed on success, under a lock.
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
	echo "usage: scripts/kernel_bench.sh [build|path]" >&2
	exit 2
}

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

leave_out_crypto() {
	sed -i '/bench_crypto/d' bench.c
	sed -i '/^[[:space:]]*\$(OUTPUT)\/bench_bpf_crypto\.o \\$/d' Makefile
	! grep -q bench_crypto bench.c || die "bench.c: crypto bench still referenced"
	! grep -qE '^[[:space:]]+\$\(OUTPUT\)/bench_bpf_crypto\.o \\$' Makefile ||
		die "Makefile: crypto bench still linked"
}

build() {
	local tmp=$1 log=$1/build.log start
	mkdir -p "$tmp/src"
	(cd "$src" && cp -a --parents "${SOURCES[@]}" "$tmp/src/")
	key_inputs >"$tmp/inputs"
	cd "$tmp/src/$SELFTESTS"
	rewrite_producers
	leave_out_crypto
	echo "kernel_bench.sh: building the kernel's bench (about a minute)..." >&2
	start=$(date +%s)
	if ! make -j"$JOBS" RELEASE=1 VMLINUX_BTF="$BTF" CLANG=clang-19 LLC=llc-19 \
		LLVM_STRIP=llvm-strip-19 bench >"$log" 2>&1; then
		tail -n 20 "$log" >&2
		die "build failed (log: $log)"
	fi
	echo "built in $(($(date +%s) - start)) s" >>"$log"
	cp bench progs/ringbuf_bench.c progs/perfbuf_bench.c "$tmp/"
	cd "$tmp"
	rm -rf "$tmp/src"
}

mkdir -p "$CACHE"
exec 9>"$CACHE/kernel-bench.lock"
flock 9
if [ ! -x "$entry/bench" ]; then
	tmp=$entry.tmp.$$
	trap 'rm -rf "$tmp"' EXIT
	trap 'exit 130' INT TERM
	rm -rf "$tmp"
	(build "$tmp")
	rm -rf "$entry"
	mv "$tmp" "$entry"
	trap - EXIT
fi
echo "$entry/bench"
