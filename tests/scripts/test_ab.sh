#!/usr/bin/env bash
# tests/scripts/test_ab.sh: scripts/ab.sh end to end on the host.  Every
# measurement is taken with both builds back to back, tagged as a pair, the
# order alternating; compare.sh then judges the pairs.  Also: bad input
# (one line, exit 2); Ctrl-C is tests/scripts/test_interrupt.sh's.  The
# verdict itself is not checked: two runs of one binary may differ.
set -uo pipefail

NAME=test_ab
# shellcheck source=tests/scripts/testlib.sh
. "$(dirname "$0")/testlib.sh"
AB=$ROOT/scripts/ab.sh
need_bench
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# A copy of the binary as the base side: two files, one build.
cp "$BENCH" "$TMP/base-bench"
"$AB" "$TMP/base-bench" "$BENCH" --smoke --only high-rate --mechanisms percpu --rounds 3 \
	--out "$TMP/ab" >"$TMP/out" 2>"$TMP/err"
rc=$?
check "ab.sh exits with compare.sh's verdict, 0 or 1 (rc $rc)" [ "$rc" -le 1 ]
check "layout: base/ and new/ result dirs, compare.json and compare.txt, no .partial" \
	test -s "$TMP/ab/base/results.jsonl" -a -s "$TMP/ab/new/results.jsonl" -a \
	-s "$TMP/ab/base/meta.json" -a -s "$TMP/ab/new/meta.json" -a -s "$TMP/ab/compare.json" \
	-a -s "$TMP/ab/compare.txt" -a ! -e "$TMP/ab.partial"
check "meta.json names each side and its binary" \
	q jq -se '.[0].ab.side == "base" and .[1].ab.side == "new" and .[0].schema_version == 2 and
		(.[0].ab.bench | endswith("base-bench")) and .[1].ab.rounds == 3' \
	"$TMP/ab/base/meta.json" "$TMP/ab/new/meta.json"
# smoke high-rate for one bench: its base point and one offered rate, 3 rounds
check "each side measured every configuration once per round (2 x 3), loss held" \
	q jq -se 'length == 6 and all(.loss.ok)' "$TMP/ab/base/results.jsonl"
check "pairs: the same pair ids on both sides, each pair one configuration" \
	q jq -ne '($b | map(.ab.pair) | sort) == ($n | map(.ab.pair) | sort) and
		([$b[], $n[] | {p: .ab.pair, c: .params.rate}] | group_by(.p) | all(length == 2 and .[0].c == .[1].c))' \
	--slurpfile b "$TMP/ab/base/results.jsonl" --slurpfile n "$TMP/ab/new/results.jsonl"
check "in each pair exactly one side went first, and each side went first sometimes" \
	q jq -se '([.[] | select(.ab.first)] | length) == 6 and
		([.[] | select(.ab.first and .ab.side == "base")] | length) >= 2 and
		([.[] | select(.ab.first and .ab.side == "new")] | length) >= 2 and
		([group_by(.ab.pair)[] | map(.ab.first) | sort] | all(. == [false, true]))' \
	"$TMP/ab/base/results.jsonl" "$TMP/ab/new/results.jsonl"
check "the halves of a pair are back to back: no other measurement started between them" \
	q jq -se 'sort_by(.meta.started_unix_s) | [.[].ab.pair] as $p |
		all(range(0; length / 2); $p[2 * .] == $p[2 * . + 1])' \
	"$TMP/ab/base/results.jsonl" "$TMP/ab/new/results.jsonl"
check "compare.sh judged the pairs (3 per configuration)" \
	q jq -e '.configurations == 2 and all(.rows[]; .pairs.n == 3 and .base.pairs)' "$TMP/ab/compare.json"
check "the verdict table is printed" grep -q 'configurations' "$TMP/out"

# --vm: the pairs measured in the patched kernel's guest, relay included
# (the guest writes through the repository share, so the out dir is in it)
vmout=$ROOT/build/test-ab-vm.$$
rm -rf "$vmout"
"$AB" "$TMP/base-bench" "$BENCH" --vm --smoke --only high-rate --mechanisms relay --rounds 3 \
	--out "$vmout" >/dev/null 2>"$TMP/vm.err"
rc=$?
check "--vm: exits 0 or 1 (rc $rc)" [ "$rc" -le 1 ]
# smoke high-rate, relay: relay-mmap at the base point under batch and under
# busy and at one offered rate, relay-mmap-kfunc at the base point under
# both, in each of 3 rounds
check "--vm: relay measured in the guest, in tagged pairs judged as pairs" \
	q jq -se 'length == 15 and all(.meta.where == "vm" and .mechanism == "relay" and .loss.ok and
		(.ab.pair | type) == "number")' "$vmout/new/results.jsonl"
check "--vm: compare.sh judged the pairs" q jq -e 'all(.rows[]; .pairs.n == 3)' "$vmout/compare.json"
rm -rf "$vmout"

# a git revision is checked out and built (HEAD: the committed tree)
if git -C "$ROOT" rev-parse -q --verify HEAD >/dev/null; then
	"$AB" HEAD "$BENCH" --smoke --only no-reader --mechanisms percpu --rounds 1 \
		--out "$TMP/ab-rev" >/dev/null 2>"$TMP/err"
	rc=$?
	check "a git revision as BASE is built and run (rc $rc)" [ "$rc" -le 1 -a \
		-x "$ROOT/build/ab/$(git -C "$ROOT" rev-parse HEAD)/build/bench" ]
	check "... and one round is not judged as pairs" \
		q jq -e 'all(.rows[]; .pairs == null)' "$TMP/ab-rev/compare.json"
fi

# bad input: one lower-case line, exit 2
bad() {	# WHAT PATTERN ARGS...
	local what=$1 pat=$2 rc
	shift 2
	"$AB" "$@" >/dev/null 2>"$TMP/err"
	rc=$?
	check "$what: exit 2, one line ($(head -c 120 "$TMP/err"))" \
		[ "$rc" -eq 2 -a "$(wc -l <"$TMP/err")" -eq 1 ]
	check "$what: says why" grep -q -- "$pat" "$TMP/err"
}
bad "unknown option" "unknown option '--bogus'" "$BENCH" "$BENCH" --bogus
bad "one side only" "usage" "$BENCH"
bad "bad --rounds" "invalid value for --rounds" "$BENCH" "$BENCH" --rounds 0
bad "unknown scenario" "unknown scenario 'fast'" "$BENCH" "$BENCH" --only fast
bad "neither binary nor revision" "neither a bench binary nor a git revision" "$TMP/nope" "$BENCH"
touch "$TMP/plain"
bad "a file that is not executable" "is not executable" "$TMP/plain" "$BENCH"
bad "an existing out dir" "already exists" "$BENCH" "$BENCH" --out "$TMP/ab"

# Ctrl-C: tests/scripts/test_interrupt.sh

summary
