#!/usr/bin/env bash
# scripts/ab.sh: the CI regression gate, measured in A/B pairs.  Runs the
# scenarios with two bench builds on this machine, every measurement twice
# back to back (base and new, which goes first alternating), then judges
# NEW against BASE with scripts/compare.sh pair by pair: a slow spell of a
# shared machine hits both halves of a pair and cancels out of their ratio,
# where two separate runs would each see a different spell.
#
# usage: scripts/ab.sh BASE NEW [--smoke|--quick|--full] [--native|--vm|--icount]
#                      [--only SCENARIO,...] [--mechanisms MECH,...]
#                      [--rounds N] [--out DIR] [-- COMPARE-OPTIONS]
#
#   BASE, NEW   a bench binary; a git revision, checked out and built once
#               under build/ab/<commit>/; or "." for this tree (make bench)
#   --rounds N  measure every configuration N times (default 9, what met
#               the targets in validate_compare.sh; compare.sh judges pairs
#               once there are 3)
#   --native    (default) on the running kernel; --vm in the patched
#               kernel's guest, the only place with the relay map (the
#               binaries run from copies in DIR.partial/bin: the guest covers
#               /tmp with its own tmpfs)
#   --icount    in a one-vCPU guest whose clock counts instructions
#               (scripts/vm.sh --icount): ns/record are then instructions
#               per record, the same on any host and under any load, so
#               the defaults become --rounds 1, --only producer-only (the
#               runs of every mechanism) and compare.sh --threshold 1
#               (scripts/validate_compare.sh --icount: what that catches)
#   --smoke, --quick (default), --full: the scenario timing (run_all.sh's)
#   --only, --mechanisms: as run_all.sh
#
# Writes DIR (default build/ab-<date>) as DIR.partial, renamed when done:
#   base/, new/     result directories (results.jsonl, meta.json), each
#                   result tagged {ab: {pair, side, first}}
#   compare.json, compare.txt   scripts/compare.sh's verdict
# Exit: compare.sh's, 0 (no regression) or 1 (a regression); 2 on bad
# input; 3 when measurements failed (then nothing is judged); 1 on other
# errors.  Ctrl-C removes DIR.partial.
set -euo pipefail
PROG=ab
# lib.sh before anything that forks: see its supervision
# shellcheck source=scripts/lib.sh
. "${BASH_SOURCE[0]%/*}/lib.sh"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
usage() {
	echo "usage: scripts/ab.sh BASE NEW [--smoke|--quick|--full] [--native|--vm|--icount] [--only SCENARIO,...] [--mechanisms MECH,...] [--rounds N] [--out DIR] [-- COMPARE-OPTIONS]" >&2
	exit 2
}
die() { lib_die "$@"; }	# MESSAGE [STATUS]

cmdline="scripts/ab.sh $*"
mode=quick
where=native
only=""
mechs=""
rounds=""
out=""
sides=()
compare_opts=()
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) mode=smoke ;;
	--quick) mode=quick ;;
	--full) mode=full ;;
	--native) where=native ;;
	--vm) where=vm ;;
	--icount) where=icount ;;
	--only) [ $# -ge 2 ] || usage; only=$2; shift ;;
	--mechanisms) [ $# -ge 2 ] || usage; mechs=$2; shift ;;
	--rounds) [ $# -ge 2 ] || usage; rounds=$2; shift ;;
	--out) [ $# -ge 2 ] || usage; out=$2; shift ;;
	--) shift; compare_opts=("$@"); break ;;
	-*) die "unknown option '$1'" 2 ;;
	*) sides+=("$1") ;;
	esac
	shift
done
[ ${#sides[@]} -eq 2 ] || usage
if [ "$where" = icount ]; then
	: "${rounds:=1}" "${only:=producer-only}"
	[ ${#compare_opts[@]} -gt 0 ] || compare_opts=(--threshold 1)
fi
: "${rounds:=9}"
lib_posint --rounds "$rounds" 99
lib_check_scenarios "$only"
[ "$(id -u)" -eq 0 ] || die "must run as root (BPF, debugfs, qemu)"

cd "$ROOT"
# bench_of SIDE: the bench binary a side names, built if it is a revision.
bench_of() {
	local side=$1 sha wt
	if [ "$side" = . ]; then
		make -s bench >&2 || die "cannot build the bench of this tree"
		echo "$ROOT/build/bench"
	elif [ -f "$side" ]; then
		[ -x "$side" ] || die "'$side' is not executable" 2
		realpath "$side"
	else
		sha=$(git rev-parse --verify -q "$side^{commit}") ||
			die "'$side' is neither a bench binary nor a git revision" 2
		wt=$ROOT/build/ab/$sha
		if [ ! -x "$wt/build/bench" ]; then
			rm -rf "$wt"
			git worktree prune
			git worktree add -q --detach "$wt" "$sha" >&2 || die "cannot check out $side"
			echo "ab: building the bench of $side ($sha)" >&2
			make -s -C "$wt" bench BUILD="$wt/build" >&2 || die "cannot build the bench of $side"
		fi
		echo "$wt/build/bench"
	fi
}
base_bench=$(bench_of "${sides[0]}")
new_bench=$(bench_of "${sides[1]}")
"$new_bench" --list >/dev/null 2>&1 || die "$new_bench does not run (--list failed)"
"$base_bench" --list >/dev/null 2>&1 || die "$base_bench does not run (--list failed)"
lib_check_mechanisms "$new_bench" "$mechs"

[ -n "$out" ] || out=build/ab-$(date -u +%Y%m%d-%H%M%S)
out=$(realpath -m "$out")
partial=$out.partial
if [ "$where" != native ] && [ "${out#"$ROOT"/}" = "$out" ]; then
	die "--out must be inside $ROOT: the VM writes its results through the repo share" 2
fi
[ ! -e "$out" ] || die "$out already exists" 2
mkdir -p "$(dirname "$out")" 2>/dev/null || die "cannot create $(dirname "$out")" 2
lib_partial "$out"
mkdir -p "$partial/base" "$partial/new" 2>/dev/null || die "cannot write $partial" 2

run_base=$base_bench run_new=$new_bench
if [ "$where" != native ]; then
	# The guest sees the host's / read-only but covers /tmp and /run with
	# tmpfs: run copies from the share (the binaries are static).
	mkdir -p "$partial/bin"
	cp "$base_bench" "$partial/bin/base-bench" && cp "$new_bench" "$partial/bin/new-bench" ||
		die "cannot copy the bench binaries into $partial/bin"
	run_base=$partial/bin/base-bench run_new=$partial/bin/new-bench
fi
args=(--bench "$run_new" --out "$partial/new/results.jsonl" --mode "$mode" --rounds "$rounds"
	--base-bench "$run_base" --base-out "$partial/base/results.jsonl")
[ -z "$only" ] || args+=(--only "$only")
[ -z "$mechs" ] || args+=(--mechanisms "$mechs")
echo "ab: $where, $mode, $rounds rounds: base $base_bench, new $new_bench" >&2
rc=0
if [ "$where" = native ]; then
	"$ROOT/scripts/scenarios/run.sh" "${args[@]}" || rc=$?
else
	make -s kernel
	vm_args=(--timeout 5400)
	[ "$where" = vm ] || vm_args+=(--icount --smp 1)
	"$ROOT/scripts/vm.sh" "${vm_args[@]}" -- "$ROOT/scripts/scenarios/run.sh" "${args[@]}" || rc=$?
fi
if [ "$rc" -eq 3 ]; then
	lib_keep_partial
	die "some measurements failed: nothing judged (results kept in $partial)" 3
fi
[ "$rc" -eq 0 ] || exit "$rc"
[ -s "$partial/new/results.jsonl" ] || die "no results were produced (nothing of the selection runs here?)"

for side in base new; do
	bin=$base_bench name=${sides[0]}
	[ "$side" = base ] || { bin=$new_bench; name=${sides[1]}; }
	jq -n --arg side "$side" --arg name "$name" --arg bin "$bin" --arg where "$where" \
		--arg mode "$mode" --argjson rounds "$rounds" --arg cmdline "$cmdline" \
		--arg host "$(hostname)" --arg kernel "$(uname -r)" --argjson nproc "$(nproc)" \
		--arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" \
		--arg rev "$(jq -r -s '.[0].meta.git_rev // "unknown"' "$partial/$side/results.jsonl")" \
		--arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
		'{schema_version: 2, date: $date, host: $host, host_kernel: $kernel, cpu: $cpu,
		  nproc: $nproc, git_rev: $rev, mode: $mode, where: $where, command: $cmdline,
		  ab: {side: $side, given: $name, bench: $bin, rounds: $rounds}}' >"$partial/$side/meta.json"
done

rc=0
"$ROOT/scripts/compare.sh" "$partial/base" "$partial/new" --json "${compare_opts[@]}" \
	>"$partial/compare.json" || rc=$?
[ "$rc" -le 1 ] || die "compare.sh failed (exit $rc)"
"$ROOT/scripts/compare.sh" "$partial/base" "$partial/new" "${compare_opts[@]}" \
	>"$partial/compare.txt" 2>/dev/null || true
cat "$partial/compare.txt"
rm -rf "${partial:?}/bin"
lib_publish
echo "ab: results in $out" >&2
exit "$rc"
