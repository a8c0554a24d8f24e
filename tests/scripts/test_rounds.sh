#!/usr/bin/env bash
# tests/scripts/test_rounds.sh: --rounds end to end on the host.  The
# scenario runner measures each configuration once per round, with the rest
# of the selection in between; compare.sh then judges by rounds; run_all.sh
# writes a whole result directory from them.  Bad --rounds values get one
# line and exit 2.
set -uo pipefail

NAME=test_rounds
# shellcheck source=tests/scripts/testlib.sh
. "$(dirname "$0")/testlib.sh"
RUNNER=$ROOT/scripts/scenarios/run.sh
need_bench
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Two configurations (the percpu floor in overwrite and no-reader), 3 rounds.
mkdir -p "$TMP/a"
"$RUNNER" --bench "$BENCH" --out "$TMP/a/results.jsonl" --mode smoke --only overwrite,no-reader \
	--mechanisms percpu --rounds 3 2>"$TMP/err"
check "runner exits 0 with --rounds 3" [ $? -eq 0 ]
check "each configuration measured once per round, rounds interleaved" \
	q jq -se '(map(.scenario) == ["overwrite", "no-reader", "overwrite", "no-reader", "overwrite", "no-reader"])
		and all(.loss.ok)' "$TMP/a/results.jsonl"
check "progress names the round" grep -q 'overwrite (round 3/3) percpu' "$TMP/err"

# compare.sh on those rounds: same data, judged by rounds, no regression
echo '{"schema_version": 2, "where": "native"}' >"$TMP/a/meta.json"
"$ROOT/scripts/compare.sh" "$TMP/a" "$TMP/a" --json >"$TMP/cmp.json"
check "compare.sh of a 3-round dir with itself exits 0" [ $? -eq 0 ]
check "compare.sh took the spread between rounds" q jq -e '.configurations == 2 and
	all(.rows[]; .rounds == {base: 3, new: 3} and .base.n == 3 and .verdict != "regression")' "$TMP/cmp.json"

# run_all.sh end to end with 2 rounds: the directory is complete, and the
# CSV (written by the module, which reads meta.json too) has both rounds
"$ROOT/scripts/run_all.sh" --native --quick --only no-reader --mechanisms percpu,ringbuf \
	--rounds 2 --out "$TMP/run" >/dev/null 2>"$TMP/err"
check "run_all.sh --rounds 2 exits 0" [ $? -eq 0 ]
check "run_all.sh wrote every file of a result directory" bash -c "cd '$TMP/run' &&
	[ -s results.jsonl ] && [ -s meta.json ] && [ -s results.csv ] && [ -s report.md ] && [ -s verdict.json ]"
check "results.csv: a header and a line per result, rounds 1 and 2" bash -c "
	[ \$(wc -l <'$TMP/run/results.csv') -eq \$((\$(wc -l <'$TMP/run/results.jsonl') + 1)) ] &&
	[ \"\$(cut -d, -f4 '$TMP/run/results.csv' | sed 1d | sort -u | tr '\n' ' ')\" = '1 2 ' ]"

# bad --rounds: one line, exit 2
for bad in 0 abc 100; do
	"$RUNNER" --bench "$BENCH" --out "$TMP/x.jsonl" --rounds "$bad" >/dev/null 2>"$TMP/err"
	rc=$?
	check "runner --rounds $bad: exit 2, one line" \
		[ "$rc" -eq 2 -a "$(wc -l <"$TMP/err")" -eq 1 ]
	"$ROOT/scripts/run_all.sh" --rounds "$bad" >/dev/null 2>"$TMP/err"
	rc=$?
	check "run_all.sh --rounds $bad: exit 2, one line" \
		[ "$rc" -eq 2 -a "$(wc -l <"$TMP/err")" -eq 1 ]
done

summary
