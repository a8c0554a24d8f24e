#!/usr/bin/env bash
# scripts/plot.sh RESULT_DIR: draw the plots of a result directory with
# gnuplot, as PNG and SVG, into RESULT_DIR/plots/ (see results/SCHEMA.md).
#
# What to draw, and every figure in it, comes from `python3 -m analysis
# plot` (analysis/plotdata.py, which lists the plots): it writes a gnuplot
# script and its data per plot, pooled over the results of each
# configuration; this script only renders them.  One set of plots per place
# the results were measured (native, vm): a VM timing is never drawn on the
# same axes as a native one.  A plot whose data is missing is skipped with a
# note on stderr.
# Exit: 0 (also when nothing could be drawn), 2 on bad input, 1 when gnuplot
# is missing or fails.
set -uo pipefail

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
[ -f "$dir/results.jsonl" ] && [ -r "$dir/results.jsonl" ] || die "cannot read $dir/results.jsonl" 2
command -v gnuplot >/dev/null || die "gnuplot not found (scripts/deps.sh installs gnuplot-nox)"
command -v python3 >/dev/null || die "python3 not found (scripts/deps.sh installs it)"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

plots=$dir/plots
work=$(mktemp -d) || die "cannot create a temporary directory"
trap 'rm -rf "$work"' EXIT
PYTHONPATH=$ROOT${PYTHONPATH:+:$PYTHONPATH} PYTHONDONTWRITEBYTECODE=1 \
	python3 -P -m analysis plot "$dir" "$work" || exit $?
mkdir -p "$plots" 2>/dev/null && [ -w "$plots" ] || die "cannot write $plots" 2
# Only our own outputs are replaced, so a rerun never leaves a stale plot.
rm -f "$plots"/*.png "$plots"/*.svg

png_term="pngcairo size %s enhanced font 'sans,11' linewidth 1.5"
gnuplot -e 'set terminal pngcairo' >/dev/null 2>&1 || png_term="png size %s enhanced font 'sans,11'"
svg_term="svg size %s dynamic enhanced font 'sans,12' linewidth 1.5 background rgb 'white'"

made=0
while IFS=$'\t' read -r name size; do
	for t in png svg; do
		[ $t = png ] && term=$png_term || term=$svg_term
		{
			# shellcheck disable=SC2059 # the terminal strings are formats
			printf "set terminal $term\n" "$size"
			echo "set output '$plots/$name.$t'"
			cat "$work/$name.gp"
		} | gnuplot 2>"$work/gnuplot.err" || die "gnuplot failed on $name: $(head -1 "$work/gnuplot.err")"
	done
	made=$((made + 1))
	echo "plot: $plots/$name.png" >&2
done <"$work/plots.list"
echo "plot: $made plots in $plots" >&2
