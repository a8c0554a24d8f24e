#!/usr/bin/env bash
# scripts/run_all.sh: the main job.  From a fresh machine: installs what is
# missing (apt), builds the tools, the bench and (for the VM part) the patched
# kernel, runs every scenario (scripts/scenarios/) for every mechanism, and
# writes results/<date>-<kernel>-<rev>/ (layout and fields: results/SCHEMA.md):
#   results.jsonl  one bench JSON object per measurement
#   results.csv    the headline columns of every measurement
#   meta.json      host, kernels, config hash, CPU, tool versions, git rev,
#                  command line, schema_version
#   overhead.jsonl traced-application overhead (hyperfine), per mechanism
#   plots/, report.md   when scripts/plot.sh and scripts/report.sh exist
# The directory is written as DIR.partial and renamed only when complete;
# Ctrl-C removes the .partial directory (and the guest, and its pins).
#
# Where: the relay map exists only in the patched kernel, so --vm runs the
# full comparison (relay, ringbuf, perfbuf, percpu floor) in its qemu guest;
# --native runs what the host kernel has (ringbuf, perfbuf, percpu).  The
# default, --both, does both.  Compare mechanisms only within one place.
#
# --rounds N measures every configuration N times, the whole selection over
# again each round, so a slow spell of a shared machine hits one round and
# not one configuration.  A CI gate (scripts/compare.sh) wants N >= 3 on
# both sides: it then judges the spread between rounds.
#
# Instructions: with the VM, the producer-only scenario also runs in a
# one-vCPU guest whose clock counts instructions (scripts/vm.sh --icount),
# once: its figures (meta.time_base icount) are guest instructions per
# record, which repeat to ~0.1 % on any host.  It runs only there, and only
# when --only names it or is not given.
set -euo pipefail
PROG=run_all
# lib.sh before anything that forks: see its supervision
# shellcheck source=scripts/lib.sh
. "${BASH_SOURCE[0]%/*}/lib.sh"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
usage() {
	echo "usage: scripts/run_all.sh [--smoke|--quick|--full] [--native|--vm|--both] [--out DIR] [--only SCENARIO,...] [--mechanisms MECH,...] [--rounds N]" >&2
	exit 2
}
die() { lib_die "$*"; }

cmdline="scripts/run_all.sh $*"
mode=quick
where=both
out=""
only=""
mechs=""
rounds=1
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) mode=smoke ;;
	--quick) mode=quick ;;
	--full) mode=full ;;
	--native) where=native ;;
	--vm) where=vm ;;
	--both) where=both ;;
	--out) [ $# -ge 2 ] || usage; out=$2; shift ;;
	--only) [ $# -ge 2 ] || usage; only=$2; shift ;;
	--mechanisms) [ $# -ge 2 ] || usage; mechs=$2; shift ;;
	--rounds) [ $# -ge 2 ] || usage; rounds=$2; shift ;;
	*) usage ;;
	esac
	shift
done
[ "$(id -u)" -eq 0 ] || die "must run as root (BPF, debugfs, qemu)"
lib_check_scenarios "$only"
lib_posint --rounds "$rounds" 99

cd "$ROOT"
rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
# as the bench records it (meta.git_rev): -dirty when the tree is modified
described=$(git describe --always --dirty 2>/dev/null || echo unknown)
if [ -z "$out" ]; then
	out=results/$(date -u +%Y%m%d-%H%M%S)-$(uname -r)-$rev
fi
out=$(realpath -m "$out")
partial=$out.partial
if [ "$where" != native ] && [ "${out#"$ROOT"/}" = "$out" ]; then
	die "--out must be inside $ROOT: the VM writes its results through the repo share"
fi
[ ! -e "$out" ] || die "$out already exists"
mkdir -p "$(dirname "$out")" 2>/dev/null || die "cannot create $(dirname "$out")"
lib_partial "$out"
touch "$partial/results.jsonl" 2>/dev/null || die "cannot write $partial"

# What a first-time user waits for, stage by stage (each scenario step then
# prints its own [k/N] progress with an ETA).
# producer-only runs in the counted guest alone; the other scenarios
# selected (all by default) run in wall time
wall_only=${only//producer-only/}
wall_only=$(tr -s ',' <<<"$wall_only" | sed 's/^,//; s/,$//')
counted=0
if [ "$where" != native ] && { [ -z "$only" ] || [[ ",$only," == *",producer-only,"* ]]; }; then
	counted=1
fi
wall=1
[ -z "$only" ] || [ -n "$wall_only" ] || wall=0
nstages=2	# build, the report
[ "$wall" = 0 ] || nstages=$((nstages + 1))
[ "$wall" = 0 ] || [ "$where" != both ] || nstages=$((nstages + 1))
[ "$counted" = 0 ] || nstages=$((nstages + 1))
[ -n "$only$mechs" ] || nstages=$((nstages + 1))	# overhead
stage_no=0
stage() {
	stage_no=$((stage_no + 1))
	echo "run_all: [stage $stage_no/$nstages] $*" >&2
}
what="packages, tools, bench"
[ "$where" = native ] || what+=", patched kernel"
stage "build: $what (the first time about 15 min on 2 cores, then cached in ~/.cache/relaybench)"
make -s bench
lib_check_mechanisms "$ROOT/build/bench" "$mechs"
if [ "$where" != native ]; then
	make -s kernel
fi

bench=$ROOT/build/bench
runner=$ROOT/scripts/scenarios/run.sh
args=(--bench "$bench" --mode "$mode")
[ -z "$mechs" ] || args+=(--mechanisms "$mechs")
counted_args=("${args[@]}" --only producer-only)
[ -z "$wall_only" ] || args+=(--only "$wall_only")
[ "$rounds" -eq 1 ] || args+=(--rounds "$rounds")
failed=0

if [ "$wall" = 1 ] && [ "$where" != vm ]; then
	stage "native run on $(uname -r): relay runs only if this kernel has the relay map"
	"$runner" "${args[@]}" --out "$partial/native.jsonl" || { rc=$?; [ $rc -eq 3 ] || exit $rc; failed=1; }
fi
if [ "$wall" = 1 ] && [ "$where" != native ]; then
	stage "VM run on the patched kernel (qemu, KVM if usable, else TCG; $(nproc) vCPUs): every mechanism"
	rc=0
	"$ROOT/scripts/vm.sh" --timeout 5400 -- \
		"$runner" "${args[@]}" --out "$partial/vm.jsonl" || rc=$?
	case $rc in 0) ;; 3) failed=1 ;; *) exit "$rc" ;; esac
fi
if [ "$counted" = 1 ]; then
	stage "instructions: producer-only in a one-vCPU guest whose clock counts them (vm.sh --icount), one round"
	rc=0
	"$ROOT/scripts/vm.sh" --icount --smp 1 --timeout 3600 -- \
		"$runner" "${counted_args[@]}" --out "$partial/icount.jsonl" || rc=$?
	case $rc in 0) ;; 3) failed=1 ;; *) exit "$rc" ;; esac
fi
# Traced-application overhead (hyperfine), where each mechanism runs.
if [ -z "$only" ] && [ -z "$mechs" ]; then
	stage "traced-application overhead (hyperfine)"
	runs=10
	[ "$mode" != full ] || runs=30
	if [ "$where" != vm ]; then
		"$ROOT/scripts/overhead.sh" --out "$partial/overhead-native.jsonl" --runs "$runs" --where native
	fi
	if [ "$where" != native ]; then
		"$ROOT/scripts/vm.sh" --timeout 1800 -- \
			"$ROOT/scripts/overhead.sh" --out "$partial/overhead-vm.jsonl" --runs "$runs" --where vm
	fi
	cat "$partial"/overhead-*.jsonl >"$partial/overhead.jsonl"
	rm -f "$partial"/overhead-*.jsonl
fi
stage "CSV, metadata, plots and report"
cat "$partial"/native.jsonl "$partial"/vm.jsonl "$partial"/icount.jsonl 2>/dev/null \
	>"$partial/results.jsonl" || true
rm -f "$partial"/native.jsonl "$partial"/vm.jsonl "$partial"/icount.jsonl
[ -s "$partial/results.jsonl" ] || die "no results were produced"

vm_config="" vm_smp=0 vm_accel=none
if [ "$where" != native ]; then
	vm_config=$(sha256sum <"$("$ROOT/kernel/build.sh" path kernel)/.config" | cut -c1-64)
	# what the guest itself recorded (scripts/vm.sh picks KVM or TCG)
	vm_smp=$(jq -s '[.[] | select(.meta.where == "vm" and (.meta.time_base // "wall") == "wall")][0].meta.nproc // 0' "$partial/results.jsonl")
	vm_accel=$(jq -rs '[.[] | select(.meta.where == "vm" and (.meta.time_base // "wall") == "wall")][0].meta.accelerator // "none"' \
		"$partial/results.jsonl")
fi
jq -n --arg host "$(hostname)" --arg kernel "$(uname -r)" \
	--arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" \
	--argjson nproc "$(nproc)" --arg rev "$described" --arg mode "$mode" --arg where "$where" \
	--arg cmdline "$cmdline" --arg vm_config "$vm_config" \
	--argjson vm_smp "$vm_smp" --arg vm_accel "$vm_accel" \
	--arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	--arg clang "$(clang-19 --version | head -1)" --arg qemu "$(qemu-system-x86_64 --version | head -1)" \
	--arg gcc "$(gcc --version | head -1)" --arg gnuplot "$(gnuplot --version 2>/dev/null || echo none)" \
	'{schema_version: 2, date: $date, host: $host, host_kernel: $kernel, cpu: $cpu, nproc: $nproc,
	  git_rev: $rev, mode: $mode, where: $where, command: $cmdline,
	  vm: {kernel_config_sha256: $vm_config, smp: $vm_smp, accel: $vm_accel},
	  tools: {clang: $clang, gcc: $gcc, qemu: $qemu, gnuplot: $gnuplot}}' >"$partial/meta.json"

# After meta.json: the module reads a result directory whole.  The CSV and
# every later reader check results.jsonl against results/schema/.
PYTHONPATH=$ROOT PYTHONDONTWRITEBYTECODE=1 python3 -P -m analysis csv "$partial" ||
	die "results.jsonl does not follow results/schema/, or results.csv cannot be written"

if [ -x "$ROOT/scripts/plot.sh" ]; then
	"$ROOT/scripts/plot.sh" "$partial" || die "plotting failed"
fi
if [ -x "$ROOT/scripts/report.sh" ]; then
	"$ROOT/scripts/report.sh" "$partial" || die "report failed"
fi

lib_publish
echo "run_all: results in $out" >&2
[ ! -f "$out/report.md" ] || echo "run_all: read $out/report.md first (plots in $out/plots/)" >&2
if [ "$failed" -ne 0 ]; then
	echo "run_all: some measurements failed (see the log above and loss.ok in results.jsonl)" >&2
	exit 3
fi
