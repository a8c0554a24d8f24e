#!/usr/bin/env bash
# scripts/compare.sh: compare two result directories (scripts/run_all.sh
# output) metric by metric and decide, noise-aware, whether NEW regressed.
#
# usage: scripts/compare.sh BASE NEW [--threshold PCT] [--loss-threshold PP]
#                           [--sigma K] [--round-sigma K] [--pair-sigma K]
#                           [--no-pairs] [--json]
#
# Results are paired by configuration: where (native/vm), scenario, bench and
# every param except the timing ones (warmup_s, duration_s, iterations), the
# derived payload_size, and producer_work(_every) (a fault-injection knob that stands
# for a code change, see scripts/validate_compare.sh).  Every result of one
# configuration in a directory is a round of it (run_all.sh --rounds N
# measures each configuration N times, interleaved).
#
# Gated metrics and their bad direction:
#   throughput    throughput.events_per_s              down is bad   relative
#   producer      cpu.producer_ns_per_event            up is bad     relative
#   p99 latency   latency_ns.p99_per_iteration         up is bad     relative
#   loss          100*(dropped+lost)/produced, spread  up is bad     points
#                 from throughput.dropped_per_s (not gated in overwrite mode
#                 or the overwrite and no-reader scenarios, where losing
#                 records is the design)
# Each is a per-iteration summary {median, stddev, min, max} over
# n = params.iterations.
#
# Rounds.  Iterations are seconds apart, so they cannot see what changes
# between runs: on a shared machine a whole run, or two in a row, can come
# out 30 % slow.  With at least 3 rounds on both sides each side is judged
# over its rounds instead.  A slow spell only ever makes a cost higher and a
# rate lower, so a round's figure is its best iteration (throughput: max;
# producer and p99: min; loss: median) and a side's value the best of its
# rounds: the estimate a slow spell touches least.  The spread is between
# rounds, robustly: sd = 1.4826 x the median absolute deviation of the
# rounds' figures, n the number of rounds.  Rules 1 and 2 then apply with
# K = --round-sigma (default 2: 3 rounds give a rough spread), and rule 3
# is dropped (one wild round would stretch the range).  With fewer rounds
# the first result of each side is compared, iteration by iteration.
#
# Pairs.  Rounds that scripts/ab.sh measured back to back, one of each
# side, carry the same tag {ab: {pair}} on both sides.  When every round of
# a configuration is tagged, the ids match and there are at least 3, the
# pairs are judged instead of the rounds: a slow spell long enough to cover
# a pair (seconds) raises both halves, and their ratio cancels it, which no
# statistic over two separate runs can do.  Per pair d = ln(new / base) of
# the rounds' figures above (loss: new - base, in points); the change is the
# median d (as a %: 100 (e^d - 1)); its spread sd = 1.4826 x the MAD of the
# d's, se = sd / sqrt(pairs).  Rule 1 applies to the change, rule 2 with
# K = --pair-sigma (default 2) to change / se; rule 3 is dropped.  The
# figures of each side are reported beside it (median, min, max over the
# rounds).  --no-pairs judges tagged rounds as plain rounds.
#
# Decision.  A metric regressed when all three hold:
#   1. it is worse by at least PCT % of the baseline median (loss: PP
#      percentage points) -- the change is big enough to matter;
#   2. the medians differ by at least K standard errors of the difference,
#      se = sqrt(sd_base^2/n_base + sd_new^2/n_new) (Welch) -- the change is
#      unlikely to be iteration noise;
#   3. the new median lies outside the baseline's [min, max] over its
#      iterations -- a distribution-free check that keeps one wild iteration
#      or a stddev that underestimates the spread (few, quantised
#      iterations) from deciding alone.
# Mirrored, the same rule reports an improvement.  A change that passes 1 but
# not 2 and 3 is "noise"; below 1 it is "same".  With fewer than 2
# iterations on either side there is no spread: the row is "no-spread" and
# never gates (a warning says so).  1 keeps run-to-run drift that the
# within-run spread cannot see from firing; 2 and 3 keep a noisy metric from
# firing on a large but unsupported difference.  scripts/validate_compare.sh
# measures the detection and false-alarm rates of these defaults.
#
# Exit: 1 when any metric regressed, 0 otherwise, 2 on bad input (one line on
# stderr): unknown option, missing directory, unreadable or invalid file,
# schema mismatch (different meta.json schema_version, or a result without a
# required field), nothing in common.
set -uo pipefail

usage() {
	echo "usage: scripts/compare.sh BASE NEW [--threshold PCT] [--loss-threshold PP] [--sigma K] [--round-sigma K] [--pair-sigma K] [--no-pairs] [--json]" >&2
	exit 2
}
die() {
	echo "compare: $*" >&2
	exit 2
}

threshold=5
loss_threshold=1
sigma=3
round_sigma=2
pair_sigma=2
pairs=1
json=0
dirs=()
while [ $# -gt 0 ]; do
	case $1 in
	--threshold|--loss-threshold|--sigma|--round-sigma|--pair-sigma)
		[ $# -ge 2 ] || die "$1 needs a value"
		[[ $2 =~ ^[0-9]+([.][0-9]+)?$ ]] && [[ ! $2 =~ ^0+([.]0+)?$ ]] ||
			die "invalid value for $1: '$2' (a positive number)"
		case $1 in
		--threshold) threshold=$2 ;;
		--loss-threshold) loss_threshold=$2 ;;
		--sigma) sigma=$2 ;;
		--round-sigma) round_sigma=$2 ;;
		--pair-sigma) pair_sigma=$2 ;;
		esac
		shift
		;;
	--json) json=1 ;;
	--no-pairs) pairs=0 ;;
	-h|--help) usage ;;
	-*) die "unknown option '$1'" ;;
	*) dirs+=("$1") ;;
	esac
	shift
done
[ ${#dirs[@]} -eq 2 ] || usage
command -v jq >/dev/null || { echo "compare: jq not found (scripts/deps.sh installs it)" >&2; exit 2; }

# Every result must have these (paths; the value may be null where the bench
# could not measure it, e.g. no latency without a consumer).
REQUIRED='[["bench"],["params","iterations"],["meta","where"],
	["throughput","events_per_s","median"],["throughput","events_per_s","stddev"],
	["throughput","events_per_s","min"],["throughput","events_per_s","max"],
	["throughput","produced_per_s","median"],["throughput","dropped_per_s","median"],
	["throughput","dropped_per_s","stddev"],["throughput","dropped_per_s","min"],
	["throughput","dropped_per_s","max"],
	["cpu","producer_ns_per_event","median"],["cpu","producer_ns_per_event","stddev"],
	["cpu","producer_ns_per_event","min"],["cpu","producer_ns_per_event","max"],
	["latency_ns","p99"],["latency_ns","p99_per_iteration","median"],
	["latency_ns","p99_per_iteration","stddev"],["latency_ns","p99_per_iteration","min"],
	["latency_ns","p99_per_iteration","max"],
	["loss","produced"],["loss","dropped"],["loss","lost"]]'

# check_dir LABEL DIR: prints nothing, dies with one line on bad input.
check_dir() {
	local label=$1 dir=$2 f err
	[ -d "$dir" ] || die "$label directory '$dir' not found"
	for f in results.jsonl meta.json; do
		[ -f "$dir/$f" ] && [ -r "$dir/$f" ] || die "cannot read $dir/$f"
	done
	jq -e 'type == "object"' "$dir/meta.json" >/dev/null 2>&1 || die "$dir/meta.json is not a json object"
	jq -e '.schema_version | type == "number"' "$dir/meta.json" >/dev/null ||
		die "schema mismatch: $dir/meta.json has no schema_version"
	jq -e -s 'all(type == "object")' "$dir/results.jsonl" >/dev/null 2>&1 ||
		die "$dir/results.jsonl is not json lines (one object per line)"
	err=$(jq -r -s --argjson req "$REQUIRED" '
		def haspath($p): if ($p | length) == 0 then true
			else type == "object" and has($p[0]) and (.[$p[0]] | haspath($p[1:])) end;
		if length == 0 then "has no results" else
		[to_entries[] | .key as $i | .value as $r |
		 $req[] | select(. as $p | $r | haspath($p) | not) |
		 "result \($i + 1) lacks .\(join("."))"][0] // empty end' "$dir/results.jsonl") ||
		die "cannot parse $dir/results.jsonl"
	[ "$err" != "has no results" ] || die "$dir/results.jsonl has no results"
	[ -z "$err" ] || die "schema mismatch: $dir/results.jsonl $err"
}

base=${dirs[0]%/}
new=${dirs[1]%/}
check_dir baseline "$base"
check_dir new "$new"
vb=$(jq '.schema_version' "$base/meta.json")
vn=$(jq '.schema_version' "$new/meta.json")
[ "$vb" = "$vn" ] || die "schema mismatch: $base has schema_version $vb, $new has $vn"

# The comparison, as one JSON document; the table is printed from it.
report=$(jq -n --slurpfile b "$base/results.jsonl" --slurpfile n "$new/results.jsonl" \
	--argjson thr "$threshold" --argjson lthr "$loss_threshold" --argjson sigma "$sigma" \
	--argjson rsigma "$round_sigma" --argjson psigma "$pair_sigma" --argjson use_pairs "$pairs" \
	--argjson version "$vb" --arg base "$base" --arg new "$new" '
	def cfgparams: .params | del(.warmup_s, .duration_s, .iterations, .payload_size, .producer_work,
		.producer_work_every)
		| to_entries | sort_by(.key) | from_entries;
	def group: {where: .meta.where, scenario: (.scenario // "stream"), bench};
	def key: [group, cfgparams] | tojson;
	# the rounds of each configuration, in file order
	def rounds_of: to_entries | map(.value + {_i: .key, _k: (.value | key)})
		| group_by(._k) | map(sort_by(._i));
	def median: sort | if length % 2 == 1 then .[length / 2 | floor]
		else (.[length / 2 - 1] + .[length / 2]) / 2 end;
	def stat($m): . as $r |
		if $m == "throughput" then .throughput.events_per_s
		elif $m == "producer" then .cpu.producer_ns_per_event
		elif $m == "p99" then .latency_ns.p99_per_iteration
		else (.loss.produced) as $p | .throughput.produced_per_s.median as $rate |
			if $p == 0 or $rate == null or $rate <= 0 then null else
			(100 * (.loss.dropped + .loss.lost) / $p) as $c |
			.throughput.dropped_per_s as $d |
			{median: $c, stddev: (100 * $d.stddev / $rate),
			 min: ([$c, 100 * $d.min / $rate] | min), max: ([$c, 100 * $d.max / $rate] | max)}
			end
		end
		| if . == null or .median == null or .stddev == null or .min == null or .max == null
		  then null else {median, sd: .stddev, min, max, n: $r.params.iterations} end;
	# The figure of a round: its best iteration (see "Rounds"); loss: its median.
	def round_figure($m): stat($m.metric) | if . == null then null
		elif $m.kind == "points" then .median elif $m.better == "lower" then .min else .max end;
	# The robust spread of a list around $mid: 1.4826 x the median absolute deviation.
	def robust_sd($mid): 1.4826 * ([.[] | . - $mid | fabs] | median);
	# a metric over rounds (. is the list of rounds): see "Rounds" above
	def over_rounds($m): [.[] | round_figure($m) | select(. != null)] as $v
		| if ($v | length) < 3 then null else ($v | median) as $mid
		  | (if $m.kind == "points" then $mid elif $m.better == "lower" then ($v | min) else ($v | max) end) as $c
		  | {median: $c, sd: ($v | robust_sd($mid)),
		     min: ($v | min), max: ($v | max), n: ($v | length), rounds: true} end;
	# Paired rounds (see "Pairs"): every round of both sides is tagged, with
	# the same pair ids on both sides, and there are at least 3.
	def paired($rb; $rn): $use_pairs == 1 and ($rb | length) >= 3 and ($rb | length) == ($rn | length)
		and all($rb[], $rn[]; (.ab.pair | type) == "number")
		and ([$rb[].ab.pair] | sort) == ([$rn[].ab.pair] | sort)
		and ([$rb[].ab.pair] | unique | length) == ($rb | length);
	def side($v): ($v | median) as $mid | {median: $mid, sd: ($v | robust_sd($mid)),
		min: ($v | min), max: ($v | max), n: ($v | length)};
	# The pairs of a metric: d = log(new / base) (loss: new - base, points),
	# the estimate is their median, the spread 1.4826 x their MAD.
	def over_pairs($rb; $rn; $m):
		($rn | map({key: (.ab.pair | tostring), value: .}) | from_entries) as $nm
		| [$rb[] | {b: round_figure($m), n: ($nm[.ab.pair | tostring] | round_figure($m))}
		   | select(.b != null and .n != null)
		   | if $m.kind == "points" then .d = .n - .b
		     elif .b > 0 and .n > 0 then .d = ((.n / .b) | log) else empty end] as $p
		| if ($p | length) < 3 then null else ([$p[].d] | median) as $est
		  | {n: ($p | length), estimate: $est,
		     sd: ([$p[].d] | robust_sd($est)),
		     worse: ([$p[] | select(if $m.better == "higher" then .d < 0 else .d > 0 end)] | length),
		     base: side([$p[].b]), new: side([$p[].n])} end;
	def metrics: [
		{metric: "throughput", unit: "events/s", better: "higher", kind: "rel"},
		{metric: "producer", unit: "ns/event", better: "lower", kind: "rel"},
		{metric: "p99", unit: "ns", better: "lower", kind: "rel"},
		{metric: "loss", unit: "%", better: "lower", kind: "points"}];
	def finite: if . == null or isinfinite or isnan then null else . end;
	# a difference over its standard error (infinite when there is no spread)
	def zscore($d; $se): if $se > 0 then $d / $se elif $d == 0 then 0
		elif $d > 0 then infinite else -infinite end;
	# rule 1: the difference $d (its % $chg) is big enough to matter
	def big($d; $chg; $m): if $m.kind == "points" then ($d | fabs) >= $lthr
		else ($chg == null or ($chg | fabs) >= $thr) end;
	def judge($b; $w; $m):
		($w.median - $b.median) as $d
		| (if $m.better == "higher" then -$d else $d end) as $worse
		| (if $m.kind == "points" then $d
		   elif $b.median != 0 then 100 * $d / ($b.median | fabs)
		   elif $d == 0 then 0 else null end) as $chg
		| zscore($d; (($b.sd * $b.sd / $b.n) + ($w.sd * $w.sd / $w.n)) | sqrt) as $z
		| big($d; $chg; $m) as $big
		| ($w.median < $b.min or $w.median > $b.max) as $outside
		| {change: ($chg | finite), z: ($z | finite),
		   verdict: (if $b.n < 2 or $w.n < 2 then "no-spread"
			elif ($big | not) then "same"
			elif (if ($b.rounds // false) then ($z | fabs) >= $rsigma
			      else ($z | fabs) >= $sigma and $outside end) then
				(if $worse > 0 then "regression" else "improvement" end)
			else "noise" end)};
	def judge_pairs($P; $m):
		$P.estimate as $e
		| (if $m.better == "higher" then -$e else $e end) as $worse
		| (if $m.kind == "points" then $e else 100 * (($e | exp) - 1) end) as $chg
		| zscore($e; $P.sd / ($P.n | sqrt)) as $z
		| big($e; $chg; $m) as $big
		| {change: ($chg | finite), z: ($z | finite),
		   verdict: (if ($big | not) then "same"
			elif ($z | fabs) >= $psigma then
				(if $worse > 0 then "regression" else "improvement" end)
			else "noise" end)};
	($b | rounds_of) as $B | ($n | rounds_of) as $N
	| ($N | map({key: .[0]._k, value: .}) | from_entries) as $Nmap
	| ($B | map(.[0]._k)) as $bkeys
	# params that vary within one bench, to label sweeps
	| ([$B[][], $N[][]] | group_by(group) | map({key: (.[0] | group | tojson),
		value: ([.[] | cfgparams | to_entries[]] | group_by(.key)
			| map(select((map(.value) | unique | length) > 1) | .[0].key))})
		| from_entries) as $vary
	| def cfglabel: (group | tojson) as $g | cfgparams as $p
		| "\(.bench) [\(.scenario // "stream"), \(.meta.where)]" +
		  ([$vary[$g][] | " \(.)=\($p[.])"] | join(""));
	[$B[] | select($Nmap[.[0]._k] != null) | . as $rb | $Nmap[.[0]._k] as $rn | .[0] as $r |
	 (($rb | length) >= 3 and ($rn | length) >= 3) as $by_rounds |
	 paired($rb; $rn) as $by_pairs |
	 metrics[] | . as $m |
	 (if $by_pairs then over_pairs($rb; $rn; $m) else null end) as $P |
	 (if $P != null then $P.base + {pairs: true}
	  elif $by_rounds then ($rb | over_rounds($m)) else ($r | stat($m.metric)) end) as $bs |
	 (if $P != null then $P.new + {pairs: true}
	  elif $by_rounds then ($rn | over_rounds($m)) else ($rn[0] | stat($m.metric)) end) as $ws |
	 select($bs != null and $ws != null) |
	 {config: ($r | cfglabel), where: $r.meta.where, scenario: ($r.scenario // "stream"),
	  bench: $r.bench, params: ($r | cfgparams), rounds: {base: ($rb | length), new: ($rn | length)},
	  metric: $m.metric, unit: $m.unit, better: $m.better,
	  base: $bs, new: $ws} +
	 (if $P != null then {pairs: ($P | {n, estimate, sd, worse})} + judge_pairs($P; $m)
	  else judge($bs; $ws; $m) end) |
	 if .metric == "loss" and (.scenario == "overwrite" or .scenario == "no-reader" or .params.overwrite)
	 then .verdict = "info" else . end] as $rows
	| {schema_version: $version, base: $base, new: $new,
	   threshold_pct: $thr, loss_threshold_points: $lthr, sigma: $sigma, round_sigma: $rsigma,
	   pair_sigma: $psigma,
	   configurations: ($rows | map(.config) | unique | length),
	   regressions: ($rows | map(select(.verdict == "regression")) | length),
	   improvements: ($rows | map(select(.verdict == "improvement")) | length),
	   no_spread: ($rows | map(select(.verdict == "no-spread")) | length),
	   only_in_base: [$B[] | select($Nmap[.[0]._k] == null) | .[0] | cfglabel],
	   only_in_new: [$N[] | select(.[0]._k as $k | $bkeys | index($k) | not) | .[0] | cfglabel],
	   rows: $rows}') || die "cannot compare $base and $new (jq failed)"

[ "$(jq '.configurations' <<<"$report")" -gt 0 ] ||
	die "no configuration of $base is in $new"

if [ "$json" -eq 1 ]; then
	echo "$report"
else
	jq -r '.rows[] | [.config, .metric, .unit, .base.median, .base.sd, .base.n,
		.new.median, .new.sd, .new.n, (.change // "inf"), (.z // "inf"), .verdict] | @tsv' <<<"$report" |
	awk -F'\t' '
	function si(x,   a) {
		a = x < 0 ? -x : x
		if (a >= 1e9) return sprintf("%.3gG", x / 1e9)
		if (a >= 1e6) return sprintf("%.3gM", x / 1e6)
		if (a >= 1e3) return sprintf("%.3gk", x / 1e3)
		return sprintf("%.3g", x)
	}
	function num(x) { return x == "inf" ? x : sprintf("%+.1f", x) }
	BEGIN { printf "  %-10s %-10s %-22s %-22s %9s %7s  %s\n", "metric", "unit", "base median ± sd (n)",
		"new median ± sd (n)", "change", "z", "verdict" }
	$1 != last { print "" ; print $1; last = $1 }
	{
		chg = $10 == "inf" ? "inf" : sprintf("%+.1f%s", $10, $2 == "loss" ? "pt" : "%")
		printf "  %-10s %-10s %-22s %-22s %9s %7s  %s\n", $2, $3,
			si($4) " ± " si($5) " (" $6 ")", si($7) " ± " si($8) " (" $9 ")", chg, num($11), $12
	}'
	jq -r '"",
		"\(.configurations) configurations, \(.rows | length) metrics: \(.regressions) regressions, \(.improvements) improvements" +
		" (threshold \(.threshold_pct)% / \(.loss_threshold_points) loss points; \(.sigma) sigma and outside the baseline range, or over >= 3 rounds \(.round_sigma) sigma, or over >= 3 pairs \(.pair_sigma) sigma)",
		(.only_in_base[] | "only in base: \(.)"), (.only_in_new[] | "only in new: \(.)")' <<<"$report"
fi
ns=$(jq '.no_spread' <<<"$report")
[ "$ns" -eq 0 ] || echo "compare: warning: $ns metrics have fewer than 2 iterations on a side and were not judged" >&2
[ "$(jq '.regressions' <<<"$report")" -eq 0 ]
