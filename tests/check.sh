#!/usr/bin/env bash
# tests/check.sh: `make check`, the fast lane.  No root, no kernel or tools
# build, under a minute on 2 cores once its kernel files are cached:
#   unit      the cmocka unit tests, against the series' uapi header
#   analysis  the analysis module's unit tests
#   shell     shellcheck -x -S warning on scripts/ and tests/
#   checkpatch  checkpatch.pl --no-tree on benchs/ and progs/
#   format    clang-format-19 with the kernel's .clang-format
# The kernel's own files (checkpatch.pl, .clang-format, the uapi bpf.h with
# the series' hunks applied) come from Debian's linux-source tarball, read
# once into ~/.cache/relaybench/check-<key> (about 30 s the first time).
# The steps run in parallel; their output comes in order at the end.
#
# usage: tests/check.sh [STEP...]
set -uo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
CACHE=${RELAYBENCH_CACHE:-$HOME/.cache/relaybench}
SRC_PKG=linux-source-6.12
TARBALL=/usr/src/$SRC_PKG.tar.xz
STEPS=(unit analysis shell checkpatch format)

die() {
	echo "check: $1" >&2
	exit "${2:-1}"
}
for s in "$@"; do
	[[ " ${STEPS[*]} " == *" $s "* ]] || die "unknown step '$s' (${STEPS[*]})" 2
done
[ $# -eq 0 ] || STEPS=("$@")

for tool in shellcheck clang-format-19 python3 gcc perl tar git; do
	command -v "$tool" >/dev/null || die "$tool missing: run scripts/deps.sh as root"
done
[ -f /usr/include/cmocka.h ] || die "libcmocka-dev missing: run scripts/deps.sh as root"
[ -f "$TARBALL" ] || die "$TARBALL missing: run scripts/deps.sh as root"

# The kernel files, keyed by the source package and the series.
kernel_files() {
	local key dir tmp top=$SRC_PKG
	key=$({
		dpkg-query -W -f='${Version}\n' "$SRC_PKG"
		cat "$ROOT"/kernel/patches/*.patch
	} | sha256sum | cut -c1-12)
	dir=$CACHE/check-$key
	if [ ! -f "$dir/done" ]; then
		mkdir -p "$CACHE" || return 1
		tmp=$(mktemp -d "$CACHE/check-$key.building.XXXXXX") || return 1
		echo "check: reading checkpatch, .clang-format and the uapi header from $TARBALL (once)" >&2
		if ! tar -xJf "$TARBALL" -C "$tmp" "$top/.clang-format" "$top/scripts/checkpatch.pl" \
			"$top/scripts/spelling.txt" "$top/scripts/const_structs.checkpatch" \
			"$top/include/uapi/linux/bpf.h" ||
			! git -C "$tmp/$top" apply --include=include/uapi/linux/bpf.h \
				"$ROOT"/kernel/patches/*.patch; then
			rm -rf "$tmp"
			return 1
		fi
		touch "$tmp/$top/done"
		rm -rf "$dir"
		mv "$tmp/$top" "$dir" && rmdir "$tmp"
	fi
	echo "$dir"
}

unit() {
	# TOOLS_DIR stands in for the tools build: its include/uapi holds the
	# series' bpf.h; the rest comes from the distro's headers.
	make -s -C "$ROOT/benchs" -j2 BUILD="$BUILD/check" TOOLS_DIR="$K" test-unit
}
analysis() { make -s -C "$ROOT" test-analysis; }
shell() {
	local files
	mapfile -t files < <(cd "$ROOT" && git ls-files -- 'scripts/*.sh' 'tests/*.sh')
	(cd "$ROOT" && shellcheck -x -S warning "${files[@]}")
}
# Rules off, each for a reason the kernel does not share: libbpf's
# `const volatile` rodata knobs must be initialised to land in .rodata;
# `volatile sig_atomic_t` is C's type for a signal flag; argp's parser
# returns positive errno values by its API.
checkpatch() {
	local cp=(perl "$K/scripts/checkpatch.pl" --no-tree --quiet --no-summary --terse --show-types -f) rc=0
	"${cp[@]}" --ignore VOLATILE,USE_NEGATIVE_ERRNO "$ROOT"/benchs/*.[ch] || rc=1
	"${cp[@]}" --ignore VOLATILE,GLOBAL_INITIALISERS "$ROOT"/progs/*.[ch] || rc=1
	return $rc
}
format() {
	clang-format-19 --style="file:$K/.clang-format" --dry-run -Werror \
		"$ROOT"/benchs/*.[ch] "$ROOT"/progs/*.[ch]
}

K=""
if [[ " ${STEPS[*]} " =~ \ (unit|checkpatch|format)\  ]]; then
	K=$(kernel_files) || die "cannot read the kernel files from $TARBALL"
fi

# The steps run side by side (the machine's cores are the limit, not one
# step), each into a log of its own, printed in order.
out=$(mktemp -d) || die "cannot create a temporary directory"
trap 'rm -rf "$out"' EXIT
start=$SECONDS
for s in "${STEPS[@]}"; do
	(
		t0=$SECONDS
		"$s" >"$out/$s.log" 2>&1
		echo "$? $((SECONDS - t0))" >"$out/$s.rc"
	) &
done
wait
failed=0
for s in "${STEPS[@]}"; do
	cat "$out/$s.log"
	read -r rc secs <"$out/$s.rc"
	if [ "$rc" -eq 0 ]; then
		printf 'check: %-10s ok    %3d s\n' "$s" "$secs" >&2
	else
		printf 'check: %-10s FAIL  %3d s\n' "$s" "$secs" >&2
		failed=$((failed + 1))
	fi
done
echo "check: $failed failed, $((SECONDS - start)) s" >&2
[ "$failed" -eq 0 ]
