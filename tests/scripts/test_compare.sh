#!/usr/bin/env bash
# tests/scripts/test_compare.sh: scripts/compare.sh on synthetic result
# directories built here: a clear regression, noise only, an improvement,
# direction awareness, pairing, schema mismatches and bad input.  No root,
# no kernel: the inputs are made up on purpose (never used as results).
set -uo pipefail

NAME=test_compare
# shellcheck source=tests/scripts/testlib.sh
. "$(dirname "$0")/testlib.sh"
COMPARE=$ROOT/scripts/compare.sh
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# One result line with every field compare.sh requires; each argument is a
# jq update applied on top, e.g. '.cpu.producer_ns_per_event.median = 130'.
result() {
	local upd
	upd=$(printf ' | %s' "$@")
	jq -nc "{
		bench: \"percpu\", scenario: \"stream\", mechanism: \"percpu\",
		params: {warmup_s: 1, duration_s: 1, iterations: 5, producers: 1, consumers: 1,
			record_size: 64, batch: 1, rate: 0, producer_work: 0},
		meta: {kernel: \"test\", where: \"native\"},
		throughput: {events_per_s: {median: 1000000, stddev: 10000, min: 980000, max: 1020000},
			produced_per_s: {median: 1000000, stddev: 10000, min: 980000, max: 1020000},
			dropped_per_s: {median: 0, stddev: 0, min: 0, max: 0}},
		cpu: {producer_ns_per_event: {median: 100, stddev: 1, min: 98, max: 102}},
		latency_ns: {p99: 5000, p99_per_iteration: {median: 5000, stddev: 100, min: 4800, max: 5200}},
		loss: {produced: 5000000, consumed: 5000000, dropped: 0, lost: 0}
	} $upd"
}

# mkdir_result DIR [jq updates...]: a result dir with one result
mkresult() {
	local dir=$TMP/$1
	shift
	mkdir -p "$dir"
	echo '{"schema_version": 2, "where": "native"}' >"$dir/meta.json"
	if [ $# -gt 0 ]; then result "$@" >"$dir/results.jsonl"; else result '.' >"$dir/results.jsonl"; fi
}

# expect RC NAME ARGS...: runs compare.sh, keeps stdout/stderr in $TMP/out, $TMP/err
expect() {
	local want=$1 what=$2 rc
	shift 2
	"$COMPARE" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$what (exit $rc)"; else nok "$what: exit $rc, want $want: $(head -c 400 "$TMP/err")"; fi
}
# expect_error NAME PATTERN ARGS...: exit 2, exactly one lower-case line matching PATTERN
expect_error() {
	local what=$1 pat=$2
	shift 2
	expect 2 "$what" "$@"
	if [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q -- "$pat" "$TMP/err" && ! grep -q '^[A-Z]' "$TMP/err"; then
		ok "$what: one line: $(cat "$TMP/err")"
	else
		nok "$what: want one line matching '$pat', got: $(head -c 400 "$TMP/err")"
	fi
}
verdict() {	# verdict METRIC -> the verdict of that metric in the last --json output
	jq -r --arg m "$1" '.rows[] | select(.metric == $m) | .verdict' "$TMP/out"
}

mkresult base

# ---- a clear regression: producer 100 +- 1 ns -> 130 +- 1 ns ----
mkresult slow '.cpu.producer_ns_per_event = {median: 130, stddev: 1, min: 128, max: 132}'
expect 1 "clear regression exits 1" "$TMP/base" "$TMP/slow"
grep -q 'producer.*regression' "$TMP/out" && ok "table names the producer regression" || nok "table: $(cat "$TMP/out")"
expect 1 "clear regression, --json" "$TMP/base" "$TMP/slow" --json
[ "$(verdict producer)" = regression ] && [ "$(jq '.regressions' "$TMP/out")" -eq 1 ] &&
	[ "$(verdict throughput)" = same ] && ok "json: one regression, producer" || nok "json: $(cat "$TMP/out")"

# ---- noise only: +8 % median shift, well inside a 10 % spread ----
mkresult noisy_base '.throughput.events_per_s = {median: 1000000, stddev: 100000, min: 850000, max: 1150000}'
mkresult noisy_new '.throughput.events_per_s = {median: 920000, stddev: 100000, min: 800000, max: 1080000}'
expect 0 "noise only exits 0" "$TMP/noisy_base" "$TMP/noisy_new" --json
[ "$(verdict throughput)" = noise ] && ok "an 8 % drop inside the spread is noise" || nok "noise: $(verdict throughput)"
# the same drop with a tight spread is a regression: the spread decides, not the percentage
mkresult tight_new '.throughput.events_per_s = {median: 920000, stddev: 10000, min: 900000, max: 940000}'
expect 1 "the same drop with a tight spread exits 1" "$TMP/base" "$TMP/tight_new" --json
[ "$(verdict throughput)" = regression ] && ok "throughput down is a regression" || nok "tight: $(verdict throughput)"
# significant but below the threshold: same
mkresult small_new '.cpu.producer_ns_per_event = {median: 103, stddev: 0.5, min: 102.5, max: 103.5}'
expect 0 "a significant 3 % change under a 5 % threshold exits 0" "$TMP/base" "$TMP/small_new" --json
[ "$(verdict producer)" = same ] && ok "3 % is the same" || nok "small: $(verdict producer)"
expect 1 "... and exits 1 with --threshold 2" "$TMP/base" "$TMP/small_new" --threshold 2
# outside the sigma test but inside the baseline's range: noise
mkresult wide_base '.cpu.producer_ns_per_event = {median: 100, stddev: 1, min: 99, max: 140}'
mkresult wide_new '.cpu.producer_ns_per_event = {median: 110, stddev: 1, min: 109, max: 111}'
expect 0 "a new median inside the baseline's [min, max] exits 0" "$TMP/wide_base" "$TMP/wide_new" --json
[ "$(verdict producer)" = noise ] && ok "inside the baseline range is noise" || nok "range: $(verdict producer)"

# ---- an improvement: exit 0, reported as such ----
mkresult fast '.throughput.events_per_s = {median: 1300000, stddev: 10000, min: 1280000, max: 1320000}' \
	'.cpu.producer_ns_per_event = {median: 70, stddev: 1, min: 69, max: 71}'
expect 0 "improvement exits 0" "$TMP/base" "$TMP/fast"
grep -q 'throughput.*improvement' "$TMP/out" && grep -q 'producer.*improvement' "$TMP/out" &&
	ok "table reports both improvements" || nok "improvement table: $(cat "$TMP/out")"
# and backwards it is a regression on both
expect 1 "the reverse comparison exits 1" "$TMP/fast" "$TMP/base" --json
[ "$(jq '.regressions' "$TMP/out")" -eq 2 ] && ok "reverse: two regressions" || nok "reverse: $(jq -c '.rows' "$TMP/out")"

# ---- latency and loss directions ----
mkresult laggy '.latency_ns.p99_per_iteration = {median: 9000, stddev: 100, min: 8800, max: 9200}'
expect 1 "p99 up exits 1" "$TMP/base" "$TMP/laggy" --json
[ "$(verdict p99)" = regression ] && ok "p99 up is a regression" || nok "p99: $(verdict p99)"
mkresult lossy '.throughput.dropped_per_s = {median: 50000, stddev: 1000, min: 48000, max: 52000}' \
	'.loss.dropped = 250000' '.loss.consumed = 4750000'
expect 1 "loss 0 -> 5 points exits 1" "$TMP/base" "$TMP/lossy" --json
[ "$(verdict loss)" = regression ] && [ "$(jq '.rows[] | select(.metric == "loss") | .change' "$TMP/out")" = 5 ] &&
	ok "loss up 5 points is a regression" || nok "loss: $(jq -c '.rows' "$TMP/out")"
mkresult ow_base '.params.overwrite = true'
mkresult ow_lossy '.params.overwrite = true' '.throughput.dropped_per_s = {median: 50000, stddev: 1000, min: 48000, max: 52000}' \
	'.loss.dropped = 250000' '.loss.consumed = 4750000'
expect 0 "loss in overwrite mode does not gate" "$TMP/ow_base" "$TMP/ow_lossy" --json
[ "$(verdict loss)" = info ] && ok "overwrite-mode loss is info" || nok "overwrite loss: $(verdict loss)"
expect 0 "loss 5 -> 0 points exits 0" "$TMP/lossy" "$TMP/base" --json
[ "$(verdict loss)" = improvement ] && ok "loss down is an improvement" || nok "loss down: $(verdict loss)"
# the percpu floor has no consumer: null latency is not compared
mkresult nolat '.latency_ns.p99_per_iteration = {median: null, stddev: null, min: null, max: null}'
expect 0 "null latency on one side exits 0" "$TMP/nolat" "$TMP/laggy" --json
[ -z "$(verdict p99)" ] && ok "a null metric is left out" || nok "null: $(verdict p99)"

# ---- pairing ----
# producer_work stands for a code change: it does not split configurations
mkresult worked '.params.producer_work = 40' '.cpu.producer_ns_per_event = {median: 130, stddev: 1, min: 128, max: 132}'
expect 1 "producer_work does not split a configuration" "$TMP/base" "$TMP/worked"
mkresult other '.params.record_size = 256'
expect_error "nothing in common" "no configuration" "$TMP/base" "$TMP/other"
# two configurations, one only in base: compared on the common one, listed
mkdir -p "$TMP/two"
cp "$TMP/base/meta.json" "$TMP/two/"
{ result '.'; result '.params.record_size = 256'; } >"$TMP/two/results.jsonl"
expect 0 "extra configuration in base" "$TMP/two" "$TMP/base" --json
[ "$(jq '.only_in_base | length' "$TMP/out")" -eq 1 ] && [ "$(jq '.configurations' "$TMP/out")" -eq 1 ] &&
	jq -e '.only_in_base[0] | test("record_size=256")' "$TMP/out" >/dev/null &&
	ok "the unmatched configuration is listed by its varying param" || nok "pairing: $(cat "$TMP/out")"
# native and vm results of one bench are different configurations
mkresult vm '.meta.where = "vm"'
expect_error "native vs vm is not paired" "no configuration" "$TMP/base" "$TMP/vm"
# one iteration: no spread, never gates, says so
mkresult one '.params.iterations = 1' '.cpu.producer_ns_per_event = {median: 100, stddev: 0, min: 100, max: 100}'
mkresult one_slow '.params.iterations = 1' '.cpu.producer_ns_per_event = {median: 200, stddev: 0, min: 200, max: 200}'
expect 0 "one iteration: not judged" "$TMP/one" "$TMP/one_slow" --json
[ "$(verdict producer)" = no-spread ] && grep -q 'fewer than 2 iterations' "$TMP/err" &&
	ok "no-spread, with a warning" || nok "no-spread: $(verdict producer) $(cat "$TMP/err")"

# ---- rounds: >= 3 results of a configuration on both sides ----
# mkrounds DIR NS...: one round per NS, producer ns/event median NS (sd 1,
# best iteration NS - 2)
mkrounds() {
	local dir=$TMP/$1 v
	shift
	mkdir -p "$dir"
	cp "$TMP/base/meta.json" "$dir/"
	for v in "$@"; do
		result ".cpu.producer_ns_per_event = {median: $v, stddev: 1, min: ($v - 2), max: ($v + 2)}"
	done >"$dir/results.jsonl"
}
mkrounds r_base 100 101 99
mkrounds r_wild 100 140 101
expect 0 "one wild round of three is not a regression" "$TMP/r_base" "$TMP/r_wild" --json
[ "$(verdict producer)" = same ] && jq -e '.rows[0].rounds == {base: 3, new: 3} and
	(.rows[] | select(.metric == "producer") | .base.median == 97 and .new.median == 98 and .new.n == 3)' \
	"$TMP/out" >/dev/null &&
	ok "rounds: a side is its best round's best iteration" || nok "wild round: $(jq -c '.rows[0]' "$TMP/out")"
mkrounds r_slow 112 111 113
expect 1 "three slow rounds are a regression" "$TMP/r_base" "$TMP/r_slow" --json
[ "$(verdict producer)" = regression ] && ok "rounds: +12 % in every round regressed" || nok "slow rounds: $(verdict producer)"
mkrounds r_wild_base 100 150 101
expect 1 "a wild baseline round does not hide three slow rounds" "$TMP/r_wild_base" "$TMP/r_slow" --json
mkrounds r_same 101 100 102
expect 0 "three unchanged rounds exit 0" "$TMP/r_base" "$TMP/r_same"
# rounds that disagree widely: a 19 % change of the best is within their spread
mkrounds r_spread_base 100 80 120
mkrounds r_spread_new 95 99 120
expect 0 "a best-of change inside a wide spread between rounds exits 0" \
	"$TMP/r_spread_base" "$TMP/r_spread_new" --json
[ "$(verdict producer)" = noise ] && ok "rounds: the spread between rounds makes it noise" ||
	nok "spread rounds: $(jq -c '.rows[] | select(.metric == "producer")' "$TMP/out")"
# fewer than 3 rounds on a side: every result's iterations are pooled (never
# the first result alone), both sides
mkrounds r_two 130 129
expect 1 "two slow rounds: a regression over the pooled iterations" "$TMP/r_base" "$TMP/r_two" --json
jq -e '.rows[] | select(.metric == "producer") | .new.n == 10 and .new.results == 2
	and .base.n == 15 and .base.results == 3 and .verdict == "regression"' "$TMP/out" >/dev/null &&
	ok "two rounds: n is the iterations of every result" || nok "two rounds: $(jq -c '.rows' "$TMP/out")"
mkrounds r_two_mixed 130 95
expect 0 "two rounds that disagree (130, 95): not a regression" "$TMP/r_base" "$TMP/r_two_mixed" --json
jq -e '.rows[] | select(.metric == "producer") | .verdict == "noise" and .new.max == 132 and .new.min == 93' \
	"$TMP/out" >/dev/null && ok "two rounds that disagree: the second round counts, noise" ||
	nok "two rounds mixed: $(jq -c '.rows[] | select(.metric == "producer")' "$TMP/out")"

# ---- pairs: rounds measured back to back (scripts/ab.sh), tagged ab.pair ----
# mkpairs DIR NS...: round i tagged {ab: {pair: i}}, producer best iteration NS
mkpairs() {
	local dir=$TMP/$1 v i=0
	shift
	mkdir -p "$dir"
	cp "$TMP/base/meta.json" "$dir/"
	for v in "$@"; do
		i=$((i + 1))
		result ".cpu.producer_ns_per_event = {median: ($v + 2), stddev: 1, min: $v, max: ($v + 4)}" \
			".ab = {pair: $i, side: \"x\", first: true}"
	done >"$dir/results.jsonl"
}
# slow spells hit both sides of a pair: the rounds swing by 50 %, the pairs agree
mkpairs p_base 100 140 90 110 95
mkpairs p_slow 110 154 99 121 104.5
expect 1 "paired: +10 % in every pair through 50 % swings is a regression" "$TMP/p_base" "$TMP/p_slow" --json
jq -e '.rows[] | select(.metric == "producer") | .verdict == "regression" and .base.pairs and .pairs.n == 5
	and .pairs.worse == 5 and (.change | . > 9.9 and . < 10.1)' "$TMP/out" >/dev/null &&
	ok "paired: the change is the median of the pairs, every pair worse" ||
	nok "paired slow: $(jq -c '.rows[] | select(.metric == "producer")' "$TMP/out")"
expect 0 "... the same rounds unpaired (--no-pairs) are noise" "$TMP/p_base" "$TMP/p_slow" --json --no-pairs
[ "$(verdict producer)" = noise ] && ok "unpaired, the swings hide the change" || nok "no-pairs: $(verdict producer)"
mkpairs p_same 101 139 91 109 96
expect 0 "paired: unchanged pairs through the same swings exit 0" "$TMP/p_base" "$TMP/p_same" --json
[ "$(verdict producer)" = same ] && ok "paired: +-1 % is the same" || nok "paired same: $(verdict producer)"
mkpairs p_wild 101 141 91 154 96
expect 0 "paired: one wild pair of five is not a regression" "$TMP/p_base" "$TMP/p_wild" --json
mkpairs p_noisy 120 119 97.2 99 118.75
expect 0 "paired: pairs that disagree (+20 -15 +8 -10 +25 %) exit 0" "$TMP/p_base" "$TMP/p_noisy" --json
[ "$(verdict producer)" = noise ] && ok "paired: a median +8 % inside the pairs' spread is noise" ||
	nok "paired noisy: $(jq -c '.rows[] | select(.metric == "producer")' "$TMP/out")"
expect 0 "paired: the reverse of the slow pairs is an improvement" "$TMP/p_slow" "$TMP/p_base" --json
[ "$(verdict producer)" = improvement ] && ok "paired: -9 % in every pair is an improvement" ||
	nok "paired reverse: $(verdict producer)"
# pairs that do not match up are judged as rounds
mkpairs p_other 110 154 99 121 104.5
jq -c '.ab.pair += 10' "$TMP/p_other/results.jsonl" >"$TMP/p_other.tmp" && mv "$TMP/p_other.tmp" "$TMP/p_other/results.jsonl"
expect 0 "mismatched pair ids fall back to rounds" "$TMP/p_base" "$TMP/p_other" --json
jq -e '[.rows[] | select(.metric == "producer")][0] | (.pairs == null) and .base.rounds' "$TMP/out" >/dev/null &&
	ok "mismatched pairs: judged over rounds" || nok "mismatched: $(jq -c '.rows[0]' "$TMP/out")"
expect_error "bad pair sigma" "invalid value for --pair-sigma" "$TMP/p_base" "$TMP/p_slow" --pair-sigma -1

# ---- CI outputs and other machines ----
expect 1 "--junit beside --json" "$TMP/base" "$TMP/slow" --json --junit "$TMP/junit.xml"
grep -q '<testcase classname="percpu \[stream, native\]" name="producer"><failure' "$TMP/junit.xml" &&
	[ "$(grep -o '<testcase ' "$TMP/junit.xml" | wc -l)" -eq 4 ] && jq -e '.regressions == 1' "$TMP/out" >/dev/null &&
	ok "junit: a test case per metric, the regression failed" || nok "junit: $(head -c 600 "$TMP/junit.xml")"
mkresult one_cpu '.meta.cpu_model = "one CPU"'
mkresult other_cpu '.meta.cpu_model = "another CPU"' '.cpu.producer_ns_per_event = {median: 130, stddev: 1, min: 128, max: 132}'
expect 0 "another CPU: wall-time figures are not judged" "$TMP/one_cpu" "$TMP/other_cpu" --json
[ "$(verdict producer)" = other-machine ] && jq -e '.machines.same == false' "$TMP/out" >/dev/null &&
	ok "another CPU: producer reported as other-machine" || nok "other machine: $(verdict producer)"
expect 1 "... judged with --judge-across-machines" "$TMP/one_cpu" "$TMP/other_cpu" --judge-across-machines

# ---- bad input: exit 2, one line ----
expect_error "missing baseline" "baseline directory" "$TMP/nope" "$TMP/base"
expect_error "missing new dir" "new directory" "$TMP/base" "$TMP/nope"
expect_error "unknown option" "unknown option '--bogus'" "$TMP/base" "$TMP/slow" --bogus
expect_error "bad threshold" "invalid value for --threshold" "$TMP/base" "$TMP/slow" --threshold ten
expect_error "zero sigma" "invalid value for --sigma" "$TMP/base" "$TMP/slow" --sigma 0
expect 2 "one directory only" "$TMP/base"
mkresult nometa
rm "$TMP/nometa/meta.json"
expect_error "missing meta.json" "cannot read .*meta.json" "$TMP/base" "$TMP/nometa"
mkresult garbled
echo '{"bench": ' >>"$TMP/garbled/results.jsonl"
expect_error "invalid json" "not json lines" "$TMP/base" "$TMP/garbled"
mkresult v2
echo '{"schema_version": 3}' >"$TMP/v2/meta.json"
expect_error "different schema_version" "schema mismatch: .* schema_version 2, .* 3" "$TMP/base" "$TMP/v2"
mkresult v0
echo '{"where": "native"}' >"$TMP/v0/meta.json"
expect_error "no schema_version" "schema mismatch: .*has no schema_version" "$TMP/v0" "$TMP/base"
mkresult lacking 'del(.cpu.producer_ns_per_event)'
expect_error "a result lacking a field" "schema mismatch: .*lacks .cpu.producer_ns_per_event.median" "$TMP/base" "$TMP/lacking"
mkresult empty
: >"$TMP/empty/results.jsonl"
expect_error "no results" "has no results" "$TMP/empty" "$TMP/base"
mkresult unreadable
rm "$TMP/unreadable/results.jsonl"
mkdir "$TMP/unreadable/results.jsonl"	# unreadable as a file, even for root
expect_error "unreadable results" "cannot read .*results.jsonl" "$TMP/base" "$TMP/unreadable"

summary
