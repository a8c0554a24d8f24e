#!/usr/bin/env bash
# scripts/run_all.sh: the main job.  Installs what is missing, builds the
# tools, the bench and (for the VM part) the patched kernel, then runs the
# mechanism comparison and writes results/<date>-<kernel>-<rev>/:
#   results.jsonl  one bench JSON object per line, with its metadata
#   results.csv    the headline columns of every result
#   meta.json      host, kernel, CPU, tool versions, git rev, command line
# The directory is written as DIR.partial and renamed only on success.
#
# This first version runs the headline comparison (every mechanism, one
# configuration); the scenarios, plots and report come with their issues.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
usage() {
	echo "usage: scripts/run_all.sh [--quick|--full] [--native|--vm|--both] [--out DIR]" >&2
	exit 2
}
die() {
	echo "run_all: $*" >&2
	exit 1
}

cmdline="scripts/run_all.sh $*"
mode=quick
where=both
out=""
while [ $# -gt 0 ]; do
	case $1 in
	--quick) mode=quick ;;
	--full) mode=full ;;
	--native) where=native ;;
	--vm) where=vm ;;
	--both) where=both ;;
	--out) [ $# -ge 2 ] || usage; out=$2; shift ;;
	*) usage ;;
	esac
	shift
done
[ "$(id -u)" -eq 0 ] || die "must run as root (BPF, debugfs, qemu)"

case $mode in
quick) timing=(-w 1 -d 1 -i 3) ;;
full) timing=(-w 2 -d 3 -i 7) ;;
esac

cd "$ROOT"
make -s bench
if [ "$where" != native ]; then
	make -s kernel
fi

rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -z "$out" ]; then
	out=results/$(date -u +%Y%m%d-%H%M%S)-$(uname -r)-$rev
fi
out=$(realpath -m "$out")
partial=$out.partial
if [ "$where" != native ] && [ "${out#"$ROOT"/}" = "$out" ]; then
	die "--out must be inside $ROOT: the VM writes its results through the repo share"
fi
mkdir -p "$(dirname "$out")" || die "cannot create $(dirname "$out")"
[ ! -e "$out" ] || die "$out already exists"
rm -rf "$partial"
mkdir "$partial" 2>/dev/null || die "cannot write $partial"
touch "$partial/results.jsonl" || die "cannot write $partial"

cleanup() {
	local rc=$?
	if [ $rc -ne 0 ]; then
		rm -rf "$partial"
		echo "run_all: failed or interrupted; removed $partial" >&2
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench=$ROOT/build/bench
native_benches=(ringbuf-libbpf ringbuf-custom perfbuf-libbpf perfbuf-custom percpu)
vm_benches=(relay-read relay-mmap relay-cat ringbuf-libbpf ringbuf-custom perfbuf-libbpf perfbuf-custom percpu)
total=0
[ "$where" = vm ] || total=$((total + ${#native_benches[@]}))
[ "$where" = native ] || total=$((total + ${#vm_benches[@]}))
step=0
started=$(date +%s)

progress() {
	local now eta=""
	step=$((step + 1))
	now=$(date +%s)
	if [ "$step" -gt 1 ]; then
		eta=" ETA $(((now - started) * (total - step + 1) / (step - 1)))s"
	fi
	echo "[$step/$total] $*$eta" >&2
}

if [ "$where" != vm ]; then
	for b in "${native_benches[@]}"; do
		progress "native $b"
		"$bench" "$b" "${timing[@]}" --json >>"$partial/results.jsonl"
	done
fi

if [ "$where" != native ]; then
	# One boot runs every VM bench; the guest writes into the shared repo.
	script=$partial/vm-benches.sh
	{
		echo "set -e"
		for b in "${vm_benches[@]}"; do
			extra=""
			[ "$b" = relay-mmap ] && extra="--overwrite"
			echo "echo '[vm] $b' >&2"
			echo "'$bench' $b ${timing[*]} $extra --json >> '$partial/results.jsonl'"
		done
	} >"$script"
	progress "vm: ${vm_benches[*]} (one boot)"
	step=$((step + ${#vm_benches[@]} - 1))
	"$ROOT/scripts/vm.sh" --smp 2 --timeout 3000 -- sh "$script"
	rm -f "$script"
fi

jq -r '[.bench, .meta.where, .params.record_size, .params.batch,
	.throughput.events_per_s.median, .throughput.events_per_s.stddev,
	.latency_ns.p50, .latency_ns.p99, .loss.produced, .loss.consumed,
	.loss.dropped, .loss.lost, .cpu.producer_ns_per_event.median,
	.memory.buffer_bytes] | @csv' "$partial/results.jsonl" |
	{
		echo "bench,where,record_size,batch,events_per_s_median,events_per_s_stddev,lat_p50_ns,lat_p99_ns,produced,consumed,dropped,lost,producer_ns_per_event,buffer_bytes"
		cat
	} >"$partial/results.csv"

jq -n --arg host "$(hostname)" --arg kernel "$(uname -r)" \
	--arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" \
	--argjson nproc "$(nproc)" --arg rev "$rev" --arg mode "$mode" --arg where "$where" \
	--arg cmdline "$cmdline" \
	--arg vm_kernel "$([ "$where" = native ] || cat "$("$ROOT/kernel/build.sh" path kernel)/.config" | sha256sum | cut -c1-64)" \
	--arg clang "$(clang-19 --version | head -1)" --arg qemu "$(qemu-system-x86_64 --version | head -1)" \
	'{host: $host, host_kernel: $kernel, cpu: $cpu, nproc: $nproc, git_rev: $rev,
	  mode: $mode, where: $where, command: $cmdline, vm_kernel_config_sha256: $vm_kernel,
	  tools: {clang: $clang, qemu: $qemu}}' >"$partial/meta.json"

mv "$partial" "$out"
echo "run_all: results in $out" >&2
