#!/usr/bin/env bash
# kernel/build.sh: cached builds of the patched linux-source-6.12 tree, its
# user-space tools (libbpf, bpftool, libperf) and the test kernels.
#
#   kernel/build.sh tools                  patched source + tools
#   kernel/build.sh kernel [--debug]       patched source + bzImage
#   kernel/build.sh all                    tools + release kernel
#   kernel/build.sh path tools|kernel|src [--debug]
#                                          print a cache directory, build nothing
#
# Cache root: ${RELAYBENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/relaybench}
#   src-<key>/            extracted tarball with kernel/patches/*.patch applied
#   tools-<key>/          bin/ lib/ include/ (same key as src)
#   kernel-<key>/         bzImage .config vmlinux build.log build-seconds
#   kernel-debug-<key>/   same, with kernel/config/debug.config merged too
#   lock                  flock(1) held while building
# Every entry is built in <entry>.tmp.<pid> and renamed on success.
#
# Environment:
#   RELAYBENCH_PATCHES_DIR   patch directory (default kernel/patches)
#   RELAYBENCH_JOBS          make -j (default nproc)
set -euo pipefail
export LC_ALL=C

SELF=$(readlink -f "${BASH_SOURCE[0]}")
KDIR=$(dirname "$SELF")
PATCHES_DIR=${RELAYBENCH_PATCHES_DIR:-$KDIR/patches}
CONFIG_DIR=$KDIR/config
CACHE=${RELAYBENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/relaybench}
TARBALL=/usr/src/linux-source-6.12.tar.xz
SRC_PKG=linux-source-6.12
JOBS=${RELAYBENCH_JOBS:-$(nproc)}

usage() {
	echo "usage: kernel/build.sh tools | kernel [--debug] | all | path tools|kernel|src [--debug]" >&2
	exit 2
}

die() {
	echo "build.sh: $*" >&2
	exit 1
}

say() {
	local tag=$1
	shift
	echo "[$tag] $*" >&2
}

sha() {
	sha256sum | cut -c1-64
}

# ---------------------------------------------------------------- cache keys

patch_files() {
	local f
	[ -d "$PATCHES_DIR" ] || return 0
	for f in "$PATCHES_DIR"/*.patch; do
		[ -f "$f" ] && printf '%s\n' "$f"
	done
	return 0
}

src_key() {
	local ver f
	ver=$(dpkg-query -W -f='${Version}' "$SRC_PKG" 2>/dev/null) ||
		die "$SRC_PKG is not installed (run make deps)"
	[ -n "$ver" ] || die "$SRC_PKG is not installed (run make deps)"
	{
		printf 'package %s %s\n' "$SRC_PKG" "$ver"
		while IFS= read -r f; do
			printf 'patch %s %s\n' "$(basename "$f")" "$(sha <"$f")"
		done < <(patch_files)
		printf 'script %s\n' "$(sha <"$SELF")"
	} | sha
}

# Fragments merged for a flavour, in merge order.
fragments() {
	printf '%s\n' "$CONFIG_DIR/release.config"
	if [ "$1" = debug ]; then
		printf '%s\n' "$CONFIG_DIR/debug.config"
	fi
}

kernel_key() {
	local skey=$1 flavour=$2 f
	{
		printf 'src %s\nflavour %s\n' "$skey" "$flavour"
		while IFS= read -r f; do
			[ -f "$f" ] || die "missing config fragment ${f#"$KDIR"/}"
			printf 'fragment %s %s\n' "$(basename "$f")" "$(sha <"$f")"
		done < <(fragments "$flavour")
		printf 'script %s\n' "$(sha <"$SELF")"
	} | sha
}

src_dir() { printf '%s/src-%s\n' "$CACHE" "${1:0:12}"; }
tools_dir() { printf '%s/tools-%s\n' "$CACHE" "${1:0:12}"; }
kernel_dir() {
	if [ "$2" = debug ]; then
		printf '%s/kernel-debug-%s\n' "$CACHE" "${1:0:12}"
	else
		printf '%s/kernel-%s\n' "$CACHE" "${1:0:12}"
	fi
}

# ------------------------------------------------------------------ locking

LOCKED=0
take_lock() {
	[ "$LOCKED" = 1 ] && return 0
	mkdir -p "$CACHE"
	exec 9>"$CACHE/lock"
	if ! flock -n 9; then
		say cache "waiting for another build to finish ($CACHE/lock)"
		flock 9
	fi
	LOCKED=1
	# Every builder holds the lock, so any *.tmp.* left now is stale.
	local t
	for t in "$CACHE"/*.tmp.*; do
		[ -e "$t" ] || continue
		say cache "removing stale $(basename "$t")"
		rm -rf "$t"
	done
}

# Current temporary directory, removed if we die half-way.
TMP=""
cleanup() {
	if [ -n "$TMP" ] && [ -e "$TMP" ]; then
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Print the tail of a log and die.
fail_log() {
	local log=$1 msg=$2
	if [ -f "$log" ]; then
		echo "----- last lines of $log -----" >&2
		tail -n 40 "$log" >&2
		echo "-----" >&2
	fi
	die "$msg"
}

# ------------------------------------------------------------------- source

ensure_src() {
	local skey=$1 dir f n=0
	dir=$(src_dir "$skey")
	[ -f "$dir/.relaybench-src-ok" ] && return 0
	take_lock
	[ -f "$dir/.relaybench-src-ok" ] && return 0
	[ -f "$TARBALL" ] || die "$TARBALL not found (run make deps)"
	rm -rf "$dir"
	TMP=$dir.tmp.$$
	mkdir -p "$TMP"
	say kernel "extracting $(basename "$TARBALL") into $(basename "$dir")…"
	tar -xJf "$TARBALL" -C "$TMP" --strip-components=1 ||
		die "cannot extract $TARBALL"
	while IFS= read -r f; do
		n=$((n + 1))
		say kernel "applying $(basename "$f")"
		if ! (cd "$TMP" && patch -p1 --forward --batch -s <"$f") >"$TMP/.patch.log" 2>&1; then
			cat "$TMP/.patch.log" >&2
			die "patch $(basename "$f") does not apply"
		fi
	done < <(patch_files)
	rm -f "$TMP/.patch.log"
	find "$TMP" \( -name '*.orig' -o -name '*.rej' \) -newer "$TMP/Makefile" -delete 2>/dev/null || true
	say kernel "source ready ($n patches)"
	touch "$TMP/.relaybench-src-ok"
	mv "$TMP" "$dir"
	TMP=""
}

# -------------------------------------------------------------------- tools

tools_ok() {
	local d=$1
	[ -x "$d/bin/bpftool" ] && [ -f "$d/lib/libbpf.a" ] &&
		[ -f "$d/lib/libperf.a" ] && [ -f "$d/lib/libapi.a" ] &&
		[ -f "$d/include/bpf/bpf_helper_defs.h" ] &&
		[ -f "$d/include/perf/core.h" ] &&
		[ -f "$d/include/uapi/linux/bpf.h" ]
}

ensure_tools() {
	local skey=$1 src dir obj log start h
	dir=$(tools_dir "$skey")
	tools_ok "$dir" && return 0
	ensure_src "$skey"
	take_lock
	tools_ok "$dir" && return 0
	src=$(src_dir "$skey")
	rm -rf "$dir"
	TMP=$dir.tmp.$$
	obj=$TMP/obj
	log=$TMP/build.log
	mkdir -p "$obj/libbpf" "$obj/bpftool" "$obj/perf" "$TMP/bin" "$TMP/lib"
	start=$(date +%s)

	# Make variables shared by the tools builds: install into $TMP with
	# lib/ (not lib64/), objects in $obj, nothing written into $src.
	local common=(DESTDIR="$TMP" prefix= libdir_relative=lib)

	say tools "building libbpf…"
	make -C "$src/tools/lib/bpf" -j"$JOBS" OUTPUT="$obj/libbpf/" \
		"${common[@]}" BUILD_STATIC_ONLY=1 \
		install install_headers >>"$log" 2>&1 ||
		fail_log "$log" "libbpf build failed"

	say tools "building libperf + libapi…"
	make -C "$src/tools/lib/perf" -j"$JOBS" OUTPUT="$obj/perf/" \
		"${common[@]}" install_lib install_headers >>"$log" 2>&1 ||
		fail_log "$log" "libperf build failed"
	# Static only: a lib*.so next to the .a would win over it at link time.
	rm -f "$TMP"/lib/*.so*
	cp "$obj/perf/libapi.a" "$TMP/lib/libapi.a" ||
		fail_log "$log" "libapi.a was not built"

	say tools "building bpftool…"
	# feature-llvm=0: its probe can find another LLVM's headers (a machine
	# with llvm-14-dev) and then compile against llvm-config-19, which has
	# none; the JIT disassembler is not needed, libbfd or nothing will do.
	make -C "$src/tools/bpf/bpftool" -j"$JOBS" OUTPUT="$obj/bpftool/" \
		CLANG=clang-19 LLVM_STRIP=llvm-strip-19 LLVM_CONFIG=llvm-config-19 \
		feature-llvm=0 \
		>>"$log" 2>&1 ||
		fail_log "$log" "bpftool build failed"
	install -m 755 "$obj/bpftool/bpftool" "$TMP/bin/bpftool"

	mkdir -p "$TMP/include/uapi/linux"
	for h in bpf.h bpf_common.h btf.h perf_event.h; do
		cp "$src/tools/include/uapi/linux/$h" "$TMP/include/uapi/linux/$h" ||
			die "missing tools/include/uapi/linux/$h in the source tree"
	done

	tools_ok "$TMP" || fail_log "$log" "tools build finished but artefacts are missing"
	rm -rf "$obj"
	echo $(($(date +%s) - start)) >"$TMP/build-seconds"
	mv "$TMP" "$dir"
	TMP=""
	say tools "ready in $(cat "$dir/build-seconds") s: $dir"
}

# ------------------------------------------------------------------- kernel

kernel_ok() {
	[ -f "$1/bzImage" ] && [ -f "$1/.config" ]
}

# Check that every option asked for in the fragments came out as asked.
verify_config() {
	local src=$1 cfg=$2 frag line sym want got bad=0
	while IFS= read -r frag; do
		while IFS= read -r line; do
			if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
				sym=${BASH_REMATCH[1]}
				want=${BASH_REMATCH[2]}
			elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set ]]; then
				sym=${BASH_REMATCH[1]}
				want=n
			else
				continue
			fi
			got=$(grep -E "^$sym=" "$cfg" | tail -n1 | cut -d= -f2- || true)
			[ -z "$got" ] && got=n
			[ "$want" = "$got" ] && continue
			if ! grep -rqsE --include='Kconfig*' "^[[:space:]]*(menu)?config[[:space:]]+${sym#CONFIG_}[[:space:]]*$" "$src"; then
				say kernel "warning: $sym is not in this tree's Kconfig, skipped"
				continue
			fi
			printf '  %s: %s wanted %s, got %s\n' "${frag##*/}" "$sym" "$want" "$got" >&2
			bad=1
		done <"$frag"
	done < <(fragments "$3")
	[ "$bad" = 0 ]
}

ensure_kernel() {
	local skey=$1 flavour=$2 kkey src dir bld log start secs
	kkey=$(kernel_key "$skey" "$flavour")
	dir=$(kernel_dir "$kkey" "$flavour")
	kernel_ok "$dir" && return 0
	ensure_src "$skey"
	take_lock
	kernel_ok "$dir" && return 0
	src=$(src_dir "$skey")
	rm -rf "$dir"
	TMP=$dir.tmp.$$
	bld=$TMP/obj
	log=$TMP/build.log
	mkdir -p "$bld"
	start=$(date +%s)

	say kernel "configuring $flavour kernel (tinyconfig + fragments)…"
	local frags=()
	mapfile -t frags < <(fragments "$flavour")
	{
		make -C "$src" O="$bld" tinyconfig &&
			(cd "$src" && scripts/kconfig/merge_config.sh -m -O "$bld" "$bld/.config" "${frags[@]}") &&
			make -C "$src" O="$bld" olddefconfig
	} >>"$log" 2>&1 || fail_log "$log" "kernel configuration failed"
	if ! verify_config "$src" "$bld/.config" "$flavour"; then
		die "config options above did not come out as asked (missing dependency?)"
	fi

	if [ "$flavour" = debug ]; then
		say kernel "building bzImage (debug, cold, ~15 min)…"
	else
		say kernel "building bzImage (cold, ~10 min)…"
	fi
	make -C "$src" O="$bld" -j"$JOBS" bzImage >>"$log" 2>&1 ||
		fail_log "$log" "kernel build failed (log: $log)"

	cp "$bld/arch/x86/boot/bzImage" "$TMP/bzImage"
	cp "$bld/.config" "$TMP/.config"
	cp "$bld/vmlinux" "$TMP/vmlinux"
	rm -rf "$bld"
	secs=$(($(date +%s) - start))
	echo "$secs" >"$TMP/build-seconds"
	mv "$TMP" "$dir"
	TMP=""
	say kernel "bzImage ready in $secs s: $dir/bzImage"
}

# --------------------------------------------------------------------- main

[ "$#" -ge 1 ] || usage
cmd=$1
shift

case $cmd in
path)
	[ "$#" -ge 1 ] || usage
	what=$1
	shift
	flavour=release
	if [ "$#" -gt 0 ]; then
		if [ "$#" -ne 1 ] || [ "$1" != --debug ] || [ "$what" != kernel ]; then
			usage
		fi
		flavour=debug
	fi
	skey=$(src_key)
	case $what in
	src) src_dir "$skey" ;;
	tools) tools_dir "$skey" ;;
	kernel) kernel_dir "$(kernel_key "$skey" "$flavour")" "$flavour" ;;
	*) usage ;;
	esac
	;;
tools)
	[ "$#" -eq 0 ] || usage
	ensure_tools "$(src_key)"
	;;
kernel)
	flavour=release
	if [ "$#" -gt 0 ]; then
		if [ "$#" -ne 1 ] || [ "$1" != --debug ]; then
			usage
		fi
		flavour=debug
	fi
	ensure_kernel "$(src_key)" "$flavour"
	;;
all)
	[ "$#" -eq 0 ] || usage
	skey=$(src_key)
	ensure_tools "$skey"
	ensure_kernel "$skey" release
	;;
-h | --help | help)
	usage
	;;
*)
	usage
	;;
esac
