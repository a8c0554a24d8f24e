#!/usr/bin/env bash
# scripts/compat.sh: the fidelity check.  Runs the kernel's own bench
# (scripts/kernel_bench.sh) and ours (bench --compat MODE) side by side on
# this machine, interleaved, and prints per mode and bench the kernel figure,
# ours, and their ratio.
#
#   scripts/compat.sh [--repeats N] [--modes "parallel sampled b2b b2b-sampled"]
#                     [--benches "rb-libbpf rb-custom pb-libbpf pb-custom"]
#                     [--count-only] [--wait-quiet] [--quick] [--out DIR]
#
# Kernel side: bench -w3 -d10 -a -c1 [--rb-sampled] [--rb-b2b] NAME, the
# command of run_bench_ringbufs.sh.  Ours, twice: bench NAME --compat MODE
# --kernel-record (the kernel bench's bare 8-byte record, only counted: the
# harnesses compared like for like, "fidelity"), then bench NAME --compat
# MODE (our 40-byte record with its timestamp, fully accounted: what a
# relaybench figure costs on top).  Both --json, 3 s warm-up, ten 1-s
# iterations.  A run's figure is the median of its
# 1-s samples after warm-up (records consumed per second: the kernel bench's
# "hits", our events_per_s).  Repeats go round every mode and bench before
# the next repeat, kernel then ours, so slow drifts of the machine spread
# over every row.  --count-only adds ours with --count-only as a fourth
# column: the accounting overhead.  --wait-quiet first waits (up to 20 min)
# for a 1-min load below 0.5 with no compiler running.  --quick: short runs
# (-w1 -d3), to try the script, not to report.
#
# Output: the table on stdout and in DIR/table.txt; DIR/runs.tsv has one line
# per run, DIR/kernel/*.txt the kernel bench's output, DIR/ours.jsonl our
# JSON.  DIR (default build/compat-<date>) is written as DIR.partial and
# renamed when complete.
set -euo pipefail
PROG=compat.sh
# lib.sh before anything that forks: see its supervision
# shellcheck source=scripts/lib.sh
. "${BASH_SOURCE[0]%/*}/lib.sh"
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
usage() {
	echo "usage: scripts/compat.sh [--repeats N] [--modes LIST] [--benches LIST] [--count-only] [--wait-quiet] [--quick] [--out DIR]" >&2
	exit 2
}
die() { lib_die "$*"; }

repeats=5
modes="parallel sampled b2b b2b-sampled"
benches="rb-libbpf rb-custom pb-libbpf pb-custom"
count_only=0
wait_quiet=0
quick=0
out=""
while [ $# -gt 0 ]; do
	case $1 in
	--repeats) [ $# -ge 2 ] || usage; repeats=$2; shift ;;
	--modes) [ $# -ge 2 ] || usage; modes=$2; shift ;;
	--benches) [ $# -ge 2 ] || usage; benches=$2; shift ;;
	--count-only) count_only=1 ;;
	--wait-quiet) wait_quiet=1 ;;
	--quick) quick=1 ;;
	--out) [ $# -ge 2 ] || usage; out=$2; shift ;;
	*) usage ;;
	esac
	shift
done
[[ $repeats =~ ^[1-9][0-9]*$ ]] || usage
for m in $modes; do
	case $m in parallel | sampled | b2b | b2b-sampled) ;; *) usage ;; esac
done
for b in $benches; do
	case $b in rb-libbpf | rb-custom | pb-libbpf | pb-custom) ;; *) usage ;; esac
done
[ "$(id -u)" -eq 0 ] || die "must run as root (BPF)"

# Our name for each of the kernel bench's.
ours_name() {
	case $1 in
	rb-libbpf) echo ringbuf-libbpf ;;
	rb-custom) echo ringbuf-custom ;;
	pb-libbpf) echo perfbuf-libbpf ;;
	pb-custom) echo perfbuf-custom ;;
	esac
}

kernel_mode_flags() {
	case $1 in
	parallel) ;;
	sampled) echo --rb-sampled ;;
	b2b) echo --rb-b2b ;;
	b2b-sampled) echo --rb-sampled --rb-b2b ;;
	esac
}

if [ "$quick" -eq 1 ]; then
	kwarm=1 kdur=3 ours_timing=(-w 1 -d 1 -i 3)
else
	kwarm=3 kdur=10 ours_timing=()	# --compat's own: 3 s, 10 x 1 s
fi

cd "$ROOT"
make -s bench >&2
kbench=$(scripts/kernel_bench.sh build)
bench=$ROOT/build/bench

if [ -z "$out" ]; then
	out=build/compat-$(date -u +%Y%m%d-%H%M%S)
fi
out=$(realpath -m "$out")
partial=$out.partial
[ ! -e "$out" ] || die "$out already exists"
lib_partial "$out"
mkdir -p "$partial/kernel" || die "cannot create $partial"

load1() { cut -d' ' -f1 /proc/loadavg; }

# The kernel bench's producer has no pid filter: every getpgid() on the host
# fires it, and other helpers' benches call getpgid() in a loop.  Before each
# run, wait (up to a minute with --wait-quiet) until no other bench runs, and
# record how many did.
others() { pgrep -x bench | wc -l; }
before_run() {
	local t=0
	while [ "$wait_quiet" -eq 1 ] && [ "$(others)" -gt 0 ] && [ $t -lt 60 ]; do
		sleep 2
		t=$((t + 2))
	done
	echo "$(load1) $(others)"
}

if [ "$wait_quiet" -eq 1 ]; then
	deadline=$(($(date +%s) + 1200))
	while :; do
		l=$(load1)
		cc=$(pgrep -c cc1 || true)
		if awk -v l="$l" 'BEGIN { exit !(l < 0.5) }' && [ "$cc" -eq 0 ]; then
			echo "compat.sh: machine quiet (load $l, no cc1)" >&2
			break
		fi
		if [ "$(date +%s)" -ge "$deadline" ]; then
			echo "compat.sh: still busy after 20 min (load $l, $cc cc1); measuring anyway" >&2
			break
		fi
		sleep 15
	done
fi
start_load=$(cat /proc/loadavg)

# One run's figure: median of the post-warm-up 1-s samples, and drops.
kernel_run() {	# bench mode repeat -> "events drops" in M/s
	local log=$partial/kernel/$2-$1-$3.txt
	# shellcheck disable=SC2046
	"$kbench" -w"$kwarm" -d"$kdur" -a -c1 $(kernel_mode_flags "$2") "$1" >"$log" 2>&1 ||
		die "kernel bench $1 $2 failed: $(tail -n 3 "$log")"
	# n starts at 0: an unset n would file the first sample under "" and
	# leave a[0] empty, i.e. a 0 in the median in place of the first sample.
	awk -v warm="$kwarm" '
		BEGIN { n = 0 }
		/^Iter/ && $2 + 0 >= warm {
			for (i = 1; i <= NF; i++) {
				if ($i == "hits") h[n] = $(i + 1) + 0
				if ($i == "drops") d[n] = $(i + 1) + 0
			}
			n++
		}
		function median(a, n,   i, j, t) {
			for (i = 1; i < n; i++)
				for (j = i; j > 0 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
			return n % 2 ? a[(n - 1) / 2] : (a[n / 2 - 1] + a[n / 2]) / 2
		}
		END { if (!n) exit 1; printf "%.4f %.4f\n", median(h, n), median(d, n) }' "$log" ||
		die "no samples in $log"
}

ours_run() {	# bench mode [extra...] -> "events drops" in M/s
	local b=$1 m=$2 line
	shift 2
	line=$("$bench" "$(ours_name "$b")" --compat "$m" "${ours_timing[@]}" "$@" --json) ||
		die "bench $(ours_name "$b") --compat $m $* failed"
	echo "$line" >>"$partial/ours.jsonl"
	jq -r '"\(.throughput.events_per_s.median / 1e6) \(.throughput.dropped_per_s.median / 1e6)"' <<<"$line"
}

printf 'mode\tbench\tside\trepeat\tevents_mps\tdrops_mps\tload1_before\tother_benches\n' >"$partial/runs.tsv"
record() {	# mode bench side repeat "load others" "events drops"
	local ev dr load oth
	read -r ev dr <<<"$6"
	read -r load oth <<<"$5"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$ev" "$dr" "$load" "$oth" \
		>>"$partial/runs.tsv"
}

nmodes=$(wc -w <<<"$modes")
nbenches=$(wc -w <<<"$benches")
sides=$((3 + count_only))
total=$((repeats * nmodes * nbenches * sides))
step=0
for r in $(seq 1 "$repeats"); do
	for m in $modes; do
		for b in $benches; do
			step=$((step + 1))
			echo "[$step/$total] repeat $r $m $b: kernel" >&2
			l=$(before_run); res=$(kernel_run "$b" "$m" "$r")
			record "$m" "$b" kernel "$r" "$l" "$res"
			step=$((step + 1))
			echo "[$step/$total] repeat $r $m $b: ours --kernel-record" >&2
			l=$(before_run); res=$(ours_run "$b" "$m" --kernel-record)
			record "$m" "$b" kernel-record "$r" "$l" "$res"
			step=$((step + 1))
			echo "[$step/$total] repeat $r $m $b: ours" >&2
			l=$(before_run); res=$(ours_run "$b" "$m")
			record "$m" "$b" ours "$r" "$l" "$res"
			if [ "$count_only" -eq 1 ]; then
				step=$((step + 1))
				echo "[$step/$total] repeat $r $m $b: ours --count-only" >&2
				l=$(before_run); res=$(ours_run "$b" "$m" --count-only)
				record "$m" "$b" count-only "$r" "$l" "$res"
			fi
		done
	done
done
end_load=$(cat /proc/loadavg)

# Median and range over the repeats of each (mode, bench, side).
table() {
	awk -F'\t' -v co="$count_only" '
	NR == 1 { next }
	{
		k = $1 SUBSEP $2 SUBSEP $3
		v[k, n[k]++] = $5; dr[k, nd[k]++] = $6
		if (!($1 SUBSEP $2 in seen)) { seen[$1 SUBSEP $2] = 1; order[no++] = $1 SUBSEP $2 }
		if (min_load == "" || $7 < min_load) min_load = $7
		if ($7 > max_load) max_load = $7
		if ($8 > 0) crowded++
	}
	function med(k, arr, cnt,   a, i, j, t, m) {
		m = cnt[k]
		for (i = 0; i < m; i++) a[i] = arr[k, i]
		for (i = 1; i < m; i++)
			for (j = i; j > 0 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		lo = a[0]; hi = a[m - 1]
		return m % 2 ? a[(m - 1) / 2] : (a[m / 2 - 1] + a[m / 2]) / 2
	}
	function cell(k,   m) {
		m = med(k, v, n)
		return sprintf("%7.3f [%.3f-%.3f]", m, lo, hi)
	}
	END {
		printf "%-11s %-9s | %-24s %-7s | %-24s %-7s %-8s | %-24s %-7s %-6s", "mode", "bench",
			"kernel M/s [min-max]", "drops", "ours, kernel rec M/s", "drops", "fidelity",
			"ours, our rec M/s", "drops", "ratio"
		if (co) printf " | %-24s %-8s", "count-only M/s", "acct cost"
		printf "\n"
		for (i = 0; i < no; i++) {
			split(order[i], p, SUBSEP)
			kk = order[i] SUBSEP "kernel"; ko = order[i] SUBSEP "ours"; kc = order[i] SUBSEP "count-only"
			kr = order[i] SUBSEP "kernel-record"
			kc_cell = cell(kk); km = med(kk, v, n); kd = med(kk, dr, nd)
			kr_cell = cell(kr); rm = med(kr, v, n); rd = med(kr, dr, nd)
			oc_cell = cell(ko); om = med(ko, v, n); od = med(ko, dr, nd)
			printf "%-11s %-9s | %-24s %7.3f | %-24s %7.3f %8.3f | %-24s %7.3f %6.3f", p[1], p[2],
				kc_cell, kd, kr_cell, rd, (km > 0 ? rm / km : 0),
				oc_cell, od, (km > 0 ? om / km : 0)
			if (co) {
				cc_cell = cell(kc); cm = med(kc, v, n)
				printf " | %-24s %+7.1f%%", cc_cell, (cm > 0 ? (1 - om / cm) * 100 : 0)
			}
			printf "\n"
		}
		printf "\nruns per cell: %d; 1-min load at the start of each run: %s to %s; " \
			"runs that started with another bench process on the host: %d\n",
			n[kk], min_load, max_load, crowded + 0
	}' "$partial/runs.tsv"
}

{
	echo "compat: kernel bench $kbench (-w$kwarm -d$kdur -a -c1) vs $bench --compat MODE ${ours_timing[*]}"
	echo "host $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) CPUs, rev $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "loadavg at start: $start_load; at end: $end_load"
	echo "figures: records consumed per second, median of each run's 1-s samples; cells: median [min-max] over runs"
	echo "fidelity = ours with the kernel bench's 8-byte record, counted only / kernel (like for like)"
	echo "ratio = ours with our 40-byte record, fully accounted / kernel; acct cost = 1 - ours / ours --count-only"
	echo
	table
} | tee "$partial/table.txt"

lib_publish
echo "compat.sh: results in $out" >&2
