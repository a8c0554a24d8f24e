#!/usr/bin/env bash
# scripts/plot.sh RESULT_DIR: draw the plots of a result directory with
# gnuplot, as PNG and SVG, into RESULT_DIR/plots/ (see results/SCHEMA.md).
#
# One set of plots per place the results were measured (native, vm): a VM
# timing is never drawn on the same axes as a native one.  Each plot is drawn
# only when its data exists -- a sweep needs at least two points of one
# configuration -- and is skipped with a note on stderr otherwise:
#   throughput_vs_producers-W   events/s against producer threads, per bench
#   throughput_vs_size-W        events/s and MB/s against record size
#   latency_cdf-W               latency CDF per bench and notification policy
#   loss_vs_rate-W              loss against offered rate (--rate sweeps)
#   producer_cpu-W              producer ns/event per bench, percpu floor marked
#   overwrite-W                 retention and freshness of snapshot reads
#   subbuf_heatmap-W-BENCH      relay loss and p99 over sub-buffer size x count
# Exit: 0 (also when nothing could be drawn), 2 on bad input, 1 when gnuplot
# is missing or fails.
set -euo pipefail

usage() {
	echo "usage: scripts/plot.sh RESULT_DIR" >&2
	exit 2
}
die() {
	echo "plot: $1" >&2
	exit "${2:-1}"
}

[ $# -eq 1 ] || usage
case $1 in -*) die "unknown option '$1'" 2 ;; esac
dir=${1%/}
[ -d "$dir" ] || die "result directory '$dir' not found" 2
results=$dir/results.jsonl
[ -f "$results" ] && [ -r "$results" ] || die "cannot read $results" 2
jq -e -s 'all(type == "object")' "$results" >/dev/null 2>&1 || die "$results is not json lines" 2
command -v gnuplot >/dev/null || die "gnuplot not found (scripts/deps.sh installs gnuplot-nox)"

plots=$dir/plots
mkdir -p "$plots" 2>/dev/null && [ -w "$plots" ] || die "cannot write $plots" 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Only our own outputs are replaced, so a rerun never leaves a stale plot.
rm -f "$plots"/*.png "$plots"/*.svg

if gnuplot -e 'set terminal pngcairo' >/dev/null 2>&1; then
	png_term="pngcairo size %s enhanced font 'sans,11' linewidth 1.5"
else
	png_term="png size %s enhanced font 'sans,11'"
fi
svg_term="svg size %s dynamic enhanced font 'sans,12' linewidth 1.5 background rgb 'white'"

# Settings every plot shares.
cat >"$work/common.gp" <<'EOF'
set datafile separator "\t"
set grid lc rgb '#dddddd'
set key noenhanced
set border lw 1
# one colour per bench in every plot (bench_style below): relay reds,
# ringbuf blues, perfbuf greens, the percpu floor grey
set style line 1 lc rgb '#d62728' pt 7 ps 1
set style line 2 lc rgb '#ff7f0e' pt 5 ps 1
set style line 3 lc rgb '#8c564b' pt 9 ps 1.2
set style line 4 lc rgb '#1f77b4' pt 11 ps 1.2
set style line 5 lc rgb '#17becf' pt 13 ps 1.2
set style line 6 lc rgb '#393b79' pt 6 ps 1
set style line 7 lc rgb '#2ca02c' pt 4 ps 1
set style line 8 lc rgb '#bcbd22' pt 8 ps 1
set style line 9 lc rgb '#7f7f7f' pt 10 ps 1
set style line 10 lc rgb '#9467bd' pt 12 ps 1
EOF
# bench_style BENCH: its line style in common.gp
bench_style() {
	case $1 in
	relay-read) echo 1 ;; relay-mmap) echo 2 ;; relay-cat) echo 3 ;;
	ringbuf-libbpf) echo 4 ;; ringbuf-custom) echo 5 ;; ringbuf-busy) echo 6 ;;
	perfbuf-libbpf) echo 7 ;; perfbuf-custom) echo 8 ;; percpu) echo 9 ;;
	*) echo 10 ;;
	esac
}

# Helpers shared by every extraction below.
JQLIB='
# placement follows from producers (and nproc), and the wakeup knobs from
# the policy, which names them all (with --policy or without): not settings
# of their own
def cfg: (.params | del(.warmup_s, .duration_s, .iterations, .payload_size, .placement,
	.policy, .rb_notify, .rb_sample, .pb_wakeup, .pb_watermark)) + {policy: (.policy // "")};
def scen: .scenario // "stream";
def mech: .mechanism // (.bench | sub("-.*"; ""));
# the bench variant, "ow" marking its overwrite mode
def variant: .bench + (if .params.overwrite then " ow" else "" end);
# .label for each series {r: a result, ...}: the bench, the scenario when it
# is not stream, and the params (but $skip) that differ between series of
# the same bench.
def labelled($skip):
	(group_by(.r.bench) | map({key: .[0].r.bench, value:
		([.[] | .r | cfg | del(.[$skip[]], .overwrite) | to_entries[]] | group_by(.key)
		 | map(select((map(.value) | unique | length) > 1) | .[0].key))}) | from_entries) as $vary
	| map(. + {label: ((.r | variant)
		+ (if (.r | scen) != "stream" then " " + (.r | scen) else "" end)
		+ ([$vary[.r.bench][] as $k | " \($k)=\(.r.params[$k])"] | join("")))});
# series of one configuration in which param $x takes at least two values
def sweep($x):
	group_by([.bench, scen, (cfg | del(.[$x]))])
	| map(select((map(.params[$x]) | unique | length) >= 2) | {r: .[0], rows: sort_by(.params[$x])})
	| labelled([$x]);
'

# series NAME JSON: writes each series of JSON ([{label, rows}]) to
# $work/NAME.I.dat and prints "I<tab>label" lines.
series() {
	local name=$1 json=$2 n i
	n=$(jq 'length' <<<"$json")
	for ((i = 0; i < n; i++)); do
		jq -r ".[$i].rows[] | @tsv" <<<"$json" >"$work/$name.$i.dat"
		printf '%s\t%s\n' "$i" "$(jq -r ".[$i].label" <<<"$json" | tr -d "'\"")"
	done
}

made=()
# render NAME [WIDTH,HEIGHT]: $work/NAME.gp to NAME.png and NAME.svg
render() {
	local name=$1 size=${2:-1000,620} t term
	for t in png svg; do
		[ $t = png ] && term=$png_term || term=$svg_term
		{
			# shellcheck disable=SC2059 # the terminal strings are formats
			printf "set terminal $term\n" "$size"
			echo "set output '$plots/$name.$t'"
			cat "$work/common.gp" "$work/$name.gp"
		} | gnuplot 2>"$work/gnuplot.err" || die "gnuplot failed on $name: $(head -1 "$work/gnuplot.err")"
	done
	made+=("$name")
	echo "plot: $plots/$name.png" >&2
}
skip() { echo "plot: skip $1: $2" >&2; }

# line_plot_cmd NAME JSON USING STYLE: a plot command for every series,
# with USING columns; a bench keeps its colour, its further series get
# other dash patterns
line_plot_cmd() {
	local name=$1 json=$2 using=$3 style=$4 sep="plot " i label bench
	local -A seen=()
	while IFS=$'\t' read -r i label; do
		bench=${label%% *}
		seen[$bench]=$((${seen[$bench]:-0} + 1))
		printf "%s'%s' using %s with %s ls %s dt %s title '%s'" "$sep" "$work/$name.$i.dat" "$using" \
			"$style" "$(bench_style "$bench")" "${seen[$bench]}" "$label"
		sep=", \\"$'\n'"     "
	done < <(series "$name" "$json")
	echo
}

wheres=$(jq -r -s 'map(.meta.where // "unknown") | unique[]' "$results")
[ -n "$wheres" ] || skip all "no results in $results"
for where in $wheres; do
	sel="[.[] | select((.meta.where // \"unknown\") == \"$where\")]"

	# ---- throughput against producers ----
	name=throughput_vs_producers-$where
	json=$(jq -s "$JQLIB $sel | map(select(scen | IN(\"stream\", \"high-rate\"))) | sweep(\"producers\")
		| map({label: .label, rows: [.rows[] | [.params.producers, .throughput.events_per_s.median,
			.throughput.events_per_s.min, .throughput.events_per_s.max]]})" "$results")
	if [ "$(jq length <<<"$json")" -gt 0 ]; then
		{
			echo "set title 'Throughput against producer threads ($where)'"
			echo "set xlabel 'producer threads'"
			echo "set ylabel 'records consumed per second (median, min-max bars)'"
			echo "set logscale y; set format y '%.0s%c'; set xtics 1; set autoscale xfix; set offsets 0.3, 0.3, 0, 0"
			echo "set key outside right top"
			line_plot_cmd "$name" "$json" "1:2:3:4" "yerrorlines"
		} >"$work/$name.gp"
		render "$name"
	else
		skip "$name" "no stream result measured at two or more producer counts"
	fi

	# ---- throughput against record size ----
	name=throughput_vs_size-$where
	json=$(jq -s "$JQLIB $sel | map(select(scen | IN(\"stream\", \"high-rate\"))) | sweep(\"record_size\")
		| map({label: .label, rows: [.rows[] | [.params.record_size, .throughput.events_per_s.median,
			.throughput.events_per_s.min, .throughput.events_per_s.max,
			.throughput.mb_per_s.median, .throughput.mb_per_s.min, .throughput.mb_per_s.max]]})" "$results")
	if [ "$(jq length <<<"$json")" -gt 0 ]; then
		{
			echo "set multiplot layout 1,2 title 'Throughput against record size ($where)'"
			echo "set xlabel 'record size incl. 24-byte header (bytes)'"
			echo "set logscale x 2; set logscale y; set format y '%.0s%c'"
			echo "set title 'records per second'; set key off"
			echo "set ylabel 'records consumed per second'"
			line_plot_cmd "$name" "$json" "1:2:3:4" "yerrorlines"
			echo "set title 'megabytes per second'; set key bottom right"
			echo "set ylabel 'MB/s consumed'; set format y '%g'"
			line_plot_cmd "$name" "$json" "1:5:6:7" "yerrorlines"
			echo "unset multiplot"
		} >"$work/$name.gp"
		render "$name"
	else
		skip "$name" "no stream result measured at two or more record sizes"
	fi

	# ---- latency CDF per bench and notification policy ----
	# One configuration: the latency scenario if measured, else stream; of
	# its groups (equal but for notification and buffer params), the one
	# with the most bench/policy lines.
	name=latency_cdf-$where
	json=$(jq -s "$JQLIB $sel | map(select((.latency_ns.cdf // []) | length > 0))
		| (if any(scen == \"latency\") then map(select(scen == \"latency\"))
		   else map(select(scen == \"stream\")) end)
		| def policy: \" \" + (.policy // \"\");
		  to_entries | map(.value + {_i: .key})
		| group_by([scen, (cfg | del(.policy, .rb_notify, .rb_sample, .pb_wakeup, .pb_watermark,
			.rb_size, .pb_pages, .relay_subbuf, .relay_nsubbufs))])
		| map(unique_by(.bench + policy) | sort_by(._i))
		| (sort_by([-length, .[0]._i]) | .[0] // [])
		| map({label: (.bench + policy), rows: [.latency_ns.cdf[] | [.[0] / 1000, .[1]]],
			rate: .params.rate})" "$results")
	if [ "$(jq length <<<"$json")" -gt 0 ]; then
		rate=$(jq -r '.[0].rate' <<<"$json")
		[ "$rate" = 0 ] && rate="unlimited rate" || rate="$rate triggers/s per producer"
		{
			echo "set title 'Latency CDF, producer timestamp to consumer ($where, $rate)'"
			echo "set xlabel 'latency (log scale)'"
			echo "set ylabel 'fraction of records delivered within'"
			echo "set logscale x; set yrange [0:1.02]; set ytics 0.1; set key below"
			echo "set xtics ('100 ns' 0.1, '1 µs' 1, '10 µs' 10, '100 µs' 100, '1 ms' 1e3, '10 ms' 1e4, '100 ms' 1e5, '1 s' 1e6, '10 s' 1e7)"
			line_plot_cmd "$name" "$json" "1:2" "lines"
		} >"$work/$name.gp"
		render "$name"
	else
		skip "$name" "no result with latency samples"
	fi

	# ---- loss against offered rate ----
	name=loss_vs_rate-$where
	json=$(jq -s "$JQLIB $sel | map(select(.params.rate > 0 and .snapshot == null and .loss.produced > 0))
		| sweep(\"rate\")
		| map({label: .label, rows: [.rows[] | [.params.rate * .params.producers * .params.batch,
			100 * (.loss.dropped + .loss.lost) / .loss.produced]]})" "$results")
	if [ "$(jq length <<<"$json")" -gt 0 ]; then
		ymax=$(jq '[.[].rows[][1]] | max | if . < 1 then 1 else . * 1.1 end' <<<"$json")
		{
			echo "set title 'Loss against offered rate ($where)'"
			echo "set xlabel 'offered records per second (rate x producers x batch, log scale)'"
			echo "set ylabel 'records dropped or lost (% of produced)'"
			echo "set logscale x; set format x '%.0s%c'; set offsets graph 0.04, graph 0.04, 0, 0"
			echo "set yrange [-$ymax * 0.03:$ymax]  # lines at 0 stay visible above the axis"
			if jq -e 'all(.[].rows[]; .[1] == 0)' <<<"$json" >/dev/null; then
				echo "set label 'no record lost or dropped at any rate measured' at graph 0.5, graph 0.5 center"
			fi
			echo "set key outside right top"
			line_plot_cmd "$name" "$json" "1:2" "linespoints"
		} >"$work/$name.gp"
		render "$name"
	else
		skip "$name" "no configuration measured at two or more --rate values"
	fi

	# ---- producer CPU per record, percpu floor included ----
	# The headline configuration: stream or the high-rate base point, 1
	# producer, batch 1, unlimited rate, no injected work; per bench (and
	# overwrite mode) the 64-byte (else smallest) record, 1 MiB of buffer,
	# under the batch policy (none where a reader has no other).
	name=producer_cpu-$where
	json=$(jq -s "$JQLIB $sel | map(select((scen | IN(\"stream\", \"high-rate\")) and .params.producers == 1
			and .params.batch == 1 and .params.rate == 0 and (.params.count_only | not)
			and (.params.producer_work // 0) == 0
			and .cpu.producer_ns_per_event.median != null))
		| group_by([.bench, .params.overwrite])
		| map(sort_by([(if .params.record_size == 64 then 0 else .params.record_size end),
			.memory.buffer_bytes != 1048576,
			(if (.policy // \"\") | startswith(\"batch:\") then 0
			 elif .policy == \"none\" then 1 else 2 end)]) | .[0])
		| sort_by(.cpu.producer_ns_per_event.median)
		| [{label: \"bars\", rows: [.[] | [variant,
			.cpu.producer_ns_per_event.median,
			.cpu.producer_ns_per_event.min, .cpu.producer_ns_per_event.max, .params.record_size]]}]" "$results")
	if [ "$(jq '.[0].rows | length' <<<"$json")" -gt 0 ]; then
		series "$name" "$json" >/dev/null
		floor=$(jq -r '[.[0].rows[] | select(.[0] == "percpu") | .[1]][0] // empty' <<<"$json")
		size=$(jq -r '[.[0].rows[][4]] | unique | map(tostring) | join("/")' <<<"$json")
		{
			echo "set title 'Producer CPU per record: BPF program run time ($where, 1 producer, $size-byte records, batch policy)'"
			echo "set ylabel 'ns per record (median, min-max bars)'"
			echo "set style fill solid 0.6 border -1; set boxwidth 0.6; set yrange [0:*]; set offsets 0, 0, graph 0.08, 0"
			echo "set xtics rotate by -25 noenhanced; set key top left"
			if [ -n "$floor" ]; then
				echo "set arrow from graph 0, first $floor to graph 1, first $floor nohead dt 2 lc rgb '#444444'"
				echo "set label 'percpu floor' at graph 0.99, first $floor right offset 0,0.6 font ',10'"
			fi
			echo "plot '$work/$name.0.dat' using 0:2:xtic(1) with boxes lc rgb '#4c78a8' notitle, \\"
			echo "     '' using 0:2:3:4 with yerrorbars lc rgb '#222222' pt 7 ps 0 notitle, \\"
			echo "     '' using 0:4:(sprintf('%.0f', \$2)) with labels offset 0,0.8 notitle"
		} >"$work/$name.gp"
		render "$name"
	else
		skip "$name" "no headline stream result (1 producer, batch 1, unlimited rate) with producer ns/event"
	fi

	# ---- overwrite / no-reader: retention and freshness ----
	name=overwrite-$where
	# percpu is no flight recorder: it keeps a slot per record in flight
	json=$(jq -s "$JQLIB $sel | map(select(.snapshot != null and mech != \"percpu\")) | map({r: .}) | labelled([])
		| [{label: \"bars\", rows: [.[] | [.label, 100 * .r.snapshot.retention,
			.r.snapshot.newest_age_ns / 1e6, .r.snapshot.oldest_age_ns / 1e6,
			(if .r.snapshot.newest_present then \"newest kept\" else \"newest lost\" end)]]}]" "$results")
	if [ "$(jq '.[0].rows | length' <<<"$json")" -gt 0 ]; then
		series "$name" "$json" >/dev/null
		{
			echo "set multiplot title 'What a late reader recovers from a full buffer ($where)'"
			echo "set lmargin at screen 0.13; set rmargin at screen 0.8"
			echo "set style fill solid 0.6 border -1; set boxwidth 0.6; set xrange [-0.5:$(jq '.[0].rows | length - 0.5' <<<"$json")]"
			echo "set origin 0, 0.6; set size 1, 0.35; set tmargin 1; set bmargin 0.5"
			echo "set ylabel 'recovered (% of capacity)'; set yrange [0:125]; set ytics 0, 25, 100"
			echo "set xtics 1 format ''; set key off"
			echo "set label 1 'retention' at graph 0.01, graph 0.92"
			echo "plot '$work/$name.0.dat' using 0:2 with boxes lc rgb '#4c78a8', \\"
			# upright inside each bar: side by side they overlap
			echo "     '' using 0:(4):5 with labels rotate by 90 left font ',9'"
			echo "unset label 1"
			echo "set origin 0, 0; set size 1, 0.6; set tmargin 1.5; set bmargin 11"
			echo "set label 1 'freshness' at graph 0.01, graph 0.92"
			# steep and right-aligned: with 19 bars, gentler labels overlap
			echo "set xtics rotate by 40 right format '%g' noenhanced font ',9'"
			echo "set ylabel 'record age when producers stopped (ms)'; set logscale y; set yrange [*:*]; set ytics auto; set format y '%g'"
			echo "set key outside right top"
			echo "set style data histograms; set style histogram clustered gap 1"
			echo "plot '$work/$name.0.dat' using (\$3 > 0 ? \$3 : NaN):xtic(1) title 'newest record' lc rgb '#2ca02c', \\"
			echo "     '' using (\$4 > 0 ? \$4 : NaN) title 'oldest record' lc rgb '#d62728'"
			echo "unset multiplot"
		} >"$work/$name.gp"
		render "$name" 1000,780
	else
		skip "overwrite-$where" "no overwrite or no-reader (snapshot) result"
	fi

	# ---- relay sub-buffer size x count heatmap ----
	# Per relay bench, the largest group of results equal but for
	# relay_subbuf and relay_nsubbufs, if it spans a grid of 2 x 2 or more.
	json=$(jq -s "$JQLIB $sel | map(select(mech == \"relay\" and .snapshot == null and .loss.produced > 0))
		| group_by([.bench, scen, (cfg | del(.relay_subbuf, .relay_nsubbufs))])
		| map(select((map(.params.relay_subbuf) | unique | length) >= 2
			and (map(.params.relay_nsubbufs) | unique | length) >= 2))
		| group_by(.[0].bench) | map(sort_by(-length) | .[0])
		| map((map(.params.relay_subbuf) | unique) as \$xs | (map(.params.relay_nsubbufs) | unique) as \$ys
			| {label: .[0].bench, rate: .[0].params.rate, size: .[0].params.record_size, xs: \$xs, ys: \$ys,
			   rows: [.[] | [(.params.relay_subbuf as \$v | \$xs | index(\$v)),
				(.params.relay_nsubbufs as \$v | \$ys | index(\$v)),
				100 * (.loss.dropped + .loss.lost) / .loss.produced,
				(if .latency_ns.count > 0 then .latency_ns.p99 / 1000 else \"NaN\" end),
				(.params.relay_subbuf * .params.relay_nsubbufs / 1024)]]})" "$results")
	n=$(jq length <<<"$json")
	[ "$n" -gt 0 ] || skip "subbuf_heatmap-$where" "no relay results over a grid of sub-buffer sizes and counts"
	for ((h = 0; h < n; h++)); do
		one=$(jq "[.[$h]]" <<<"$json")
		b=$(jq -r '.[0].label' <<<"$one")
		name=subbuf_heatmap-$where-$b
		series "$name" "$one" >/dev/null
		xt=$(jq -r '[.[0].xs | to_entries[] | "\"\(if .value >= 1048576 then "\(.value / 1048576) MiB" else "\(.value / 1024) KiB" end)\" \(.key)"] | join(", ")' <<<"$one")
		yt=$(jq -r '[.[0].ys | to_entries[] | "\"\(.value)\" \(.key)"] | join(", ")' <<<"$one")
		rate=$(jq -r '.[0].rate' <<<"$one")
		[ "$rate" = 0 ] && rate="unlimited rate" || rate="$rate triggers/s"
		{
			echo "set title '$b: loss and p99 latency by sub-buffer size and count ($where, $rate, $(jq -r '.[0].size' <<<"$one")-byte records)' noenhanced"
			echo "set xlabel 'sub-buffer size'; set ylabel 'sub-buffers per CPU'"
			echo "set xtics ($xt); set ytics ($yt); set grid noxtics noytics"
			echo "set xrange [-0.5:$(jq '.[0].xs | length - 0.5' <<<"$one")]; set yrange [-0.5:$(jq '.[0].ys | length - 0.5' <<<"$one")]"
			# loss on a log colour scale: 0.01 % and less is green, 100 % red
			echo "set palette defined (0 '#1a9850', 0.5 '#fee08b', 1 '#d73027')"
			echo "set logscale cb; set cbrange [0.01:100]; set format cb '%g'"
			echo "set cblabel 'records dropped or lost (% of produced, log scale; 0 shown as 0.01)'"
			echo "p99(us) = us != us ? 'no samples' : us >= 1000 ? sprintf('p99 %.1f ms', us / 1000) : sprintf('p99 %.0f µs', us)"
			echo "plot '$work/$name.0.dat' using 1:2:(0.5):(0.5):(\$3 < 0.01 ? 0.01 : \$3) with boxxyerror fs solid 1.0 border lc rgb 'white' fc palette notitle, \\"
			echo "     '' using 1:2:(sprintf('loss %.2g%%\\n%s\\n%g KiB/CPU', \$3, p99(\$4), \$5)) with labels font ',10' notitle"
		} >"$work/$name.gp"
		render "$name"
	done
done
echo "plot: ${#made[@]} plots in $plots" >&2
