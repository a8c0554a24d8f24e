#!/usr/bin/env bash
# scripts/tune_subbuf.sh: which relay sub-buffer size and count does a given
# load need?  Sweeps relay sub-buffer size x count, and the ring buffer and
# perf buffer sizes that use the same memory, in the patched-kernel VM (the
# relay map exists only there; one boot for the whole sweep), and reports
# loss, p99 latency and memory per configuration; recommends, per mechanism,
# the configuration with the least memory that meets the targets; draws the
# heatmap with scripts/plot.sh.
#
# usage: scripts/tune_subbuf.sh --rate R --size S [--max-loss PCT] [--max-p99 US]
#            [--subbufs LIST] [--counts LIST] [--relay-bench NAME] [--quick] [--out DIR]
#   --rate R        offered records per second (one producer, batch 1)
#   --size S        record size in bytes, 24-byte header included (24..4096)
#   --max-loss PCT  loss target, % of produced records (default 0.1)
#   --max-p99 US    p99 latency target in microseconds (default: none)
#   --subbufs LIST  sub-buffer sizes, bytes, page multiples (default 4096,16384,65536,262144)
#   --counts LIST   sub-buffers per CPU, 2..1024 (default 2,4,8,16)
#   --relay-bench   relay-read (default): a live reader that consumes, in
#                   no-overwrite mode; or relay-mmap, run in overwrite mode
#                   (an mmap reader does not consume: kernel/README.md)
#   --quick         shorter runs (-w 0.5 -d 0.5 -i 2 instead of -w 1 -d 1 -i 3)
#   --out DIR       result directory inside the repository (default
#                   results/tune-<date>-<rev>); written as DIR.partial first
# Memory is per mechanism as the bench reports it (memory.buffer_bytes, all
# CPUs).  The same memory for the others: ringbuf --rb-size = sub-buffer x
# count x CPUs, perfbuf --pb-pages = sub-buffer x count / 4096 per CPU, each
# rounded up to a power of two as those maps require.
# Output: DIR/results.jsonl, meta.json, tune.json (results/SCHEMA.md), plots/.
# Exit: 0; 2 on bad input (one line); 1 when the environment fails.
set -euo pipefail
PROG=tune_subbuf
# lib.sh before anything that forks: see its supervision
# shellcheck source=scripts/lib.sh
. "${BASH_SOURCE[0]%/*}/lib.sh"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
usage() {
	echo "usage: scripts/tune_subbuf.sh --rate R --size S [--max-loss PCT] [--max-p99 US] [--subbufs LIST] [--counts LIST] [--relay-bench NAME] [--quick] [--out DIR]" >&2
	exit 2
}
bad() { lib_bad "$*"; }
die() { lib_die "$*"; }
number() { [[ $2 =~ ^[0-9]+([.][0-9]+)?$ ]] || bad "invalid value for $1: '$2'"; }
integer() { [[ $2 =~ ^[1-9][0-9]*$ ]] || bad "invalid value for $1: '$2'"; }

rate=""
size=""
max_loss=0.1
max_p99=""
subbufs=4096,16384,65536,262144
counts=2,4,8,16
relay_bench=relay-read
timing=(-w 1 -d 1 -i 3)
out=""
cmdline="scripts/tune_subbuf.sh $*"
while [ $# -gt 0 ]; do
	case $1 in
	--rate|--size|--max-loss|--max-p99|--subbufs|--counts|--relay-bench|--out)
		[ $# -ge 2 ] || bad "$1 needs a value"
		case $1 in
		--rate) integer "$1" "$2"; rate=$2 ;;
		--size) integer "$1" "$2"; size=$2 ;;
		--max-loss) number "$1" "$2"; max_loss=$2 ;;
		--max-p99) number "$1" "$2"; max_p99=$2 ;;
		--subbufs) subbufs=$2 ;;
		--counts) counts=$2 ;;
		--relay-bench) relay_bench=$2 ;;
		--out) out=$2 ;;
		esac
		shift
		;;
	--quick) timing=(-w 0.5 -d 0.5 -i 2) ;;
	-h|--help) usage ;;
	*) bad "unknown option '$1'" ;;
	esac
	shift
done
[ -n "$rate" ] || bad "--rate is required"
[ -n "$size" ] || bad "--size is required"
[ "$rate" -le 1000000000 ] || bad "invalid value for --rate: '$rate' (at most 1000000000)"
[ "$size" -ge 24 ] && [ "$size" -le 4096 ] || bad "invalid value for --size: '$size' (24..4096 bytes)"
awk -v p="$max_loss" 'BEGIN { exit !(p <= 100) }' || bad "invalid value for --max-loss: '$max_loss' (0..100)"
case $relay_bench in relay-mmap|relay-read) ;; *) bad "invalid value for --relay-bench: '$relay_bench' (relay-read or relay-mmap)" ;; esac
IFS=, read -r -a subbuf_list <<<"$subbufs"
IFS=, read -r -a count_list <<<"$counts"
[ ${#subbuf_list[@]} -gt 0 ] || bad "invalid value for --subbufs: '$subbufs'"
[ ${#count_list[@]} -gt 0 ] || bad "invalid value for --counts: '$counts'"
for s in "${subbuf_list[@]}"; do
	[[ $s =~ ^[1-9][0-9]*$ ]] && [ $((s % 4096)) -eq 0 ] && [ "$s" -le $((64 << 20)) ] ||
		bad "invalid value for --subbufs: '$s' (a page multiple up to 64 MiB)"
done
for c in "${count_list[@]}"; do
	[[ $c =~ ^[1-9][0-9]*$ ]] && [ "$c" -ge 2 ] && [ "$c" -le 1024 ] ||
		bad "invalid value for --counts: '$c' (2..1024)"
done

rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -n "$out" ] || out=$ROOT/results/tune-$(date -u +%Y%m%d-%H%M%S)-$rev
out=$(realpath -m "$out")
[ "${out#"$ROOT"/}" != "$out" ] || bad "--out must be inside $ROOT: the VM writes through the repository share"
[ ! -e "$out" ] || bad "$out already exists"
[ "$(id -u)" -eq 0 ] || die "must run as root (qemu, BPF)"

cd "$ROOT"
make -s bench
make -s kernel
partial=$out.partial
mkdir -p "$(dirname "$out")" 2>/dev/null || die "cannot create $(dirname "$out")"
lib_partial "$out"

SMP=2
pow2() {	# smallest power of two >= $1
	local v=1
	while [ "$v" -lt "$1" ]; do v=$((v * 2)); done
	echo "$v"
}
BENCH=$ROOT/build/bench
common=("${timing[@]}" -p 1 -s "$size" --rate "$rate" --json)
script=$partial/tune-runs.sh
relay_extra=""
[ "$relay_bench" = relay-read ] || relay_extra=" --overwrite"
declare -A per_cpu_seen=()
{
	echo "# generated by scripts/tune_subbuf.sh; runs inside the VM"
	echo "out='$partial/results.jsonl'"
	echo "run() { echo \"[vm] \$*\" >&2; '$BENCH' \"\$@\" ${common[*]} >>\"\$out\" || echo \"[vm] failed (\$?): \$*\" >&2; }"
	for s in "${subbuf_list[@]}"; do
		for c in "${count_list[@]}"; do
			echo "run $relay_bench --relay-subbuf $s --relay-nsubbufs $c$relay_extra"
			per_cpu_seen[$((s * c))]=1
		done
	done
	for m in $(printf '%s\n' "${!per_cpu_seen[@]}" | sort -n); do
		echo "run ringbuf-libbpf --rb-size $(pow2 $((m * SMP)))"
		echo "run perfbuf-libbpf --pb-pages $(pow2 $(((m + 4095) / 4096)))"
	done
} >"$script"
nruns=$(grep -c '^run ' "$script")
echo "tune_subbuf: $nruns runs in one VM boot (${timing[*]}, rate $rate/s, $size-byte records)" >&2
"$ROOT/scripts/vm.sh" --smp "$SMP" --timeout $((nruns * 60 + 120)) -- sh "$script" ||
	die "the VM run failed (exit $?)"
rm -f "$script"
[ -s "$partial/results.jsonl" ] || die "no results came back from the VM"

jq -n --arg host "$(hostname)" --arg kernel "$(uname -r)" --arg rev "$rev" --arg cmd "$cmdline" \
	--arg qemu "$(qemu-system-x86_64 --version | head -1)" \
	'{schema_version: 2, host: $host, host_kernel: $kernel, git_rev: $rev, where: "vm",
	  command: $cmd, tools: {qemu: $qemu}}' >"$partial/meta.json"

# The recommendation (analysis/tune.py): per configuration memory, loss,
# p99 and whether the targets hold; per mechanism the least memory that
# meets them (then the lower p99).  It writes tune.json and prints the table.
tune_args=(--rate "$rate" --size "$size" --max-loss "$max_loss")
[ -z "$max_p99" ] || tune_args+=(--max-p99 "$max_p99")
table=$(PYTHONPATH=$ROOT${PYTHONPATH:+:$PYTHONPATH} PYTHONDONTWRITEBYTECODE=1 \
	python3 -P -m analysis tune "$partial" "${tune_args[@]}") || die "no recommendation (analysis tune failed)"

"$ROOT/scripts/plot.sh" "$partial" 2>&1 | grep -E 'subbuf_heatmap|plots in' >&2 || true

printf '%s\n' "$table"
lib_publish
echo "tune_subbuf: results in $out" >&2
