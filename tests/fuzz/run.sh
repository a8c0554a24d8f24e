#!/usr/bin/env bash
# tests/fuzz/run.sh: libFuzzer on the bench's relay reader
# (benchs/relay_parse.c) for RELAYBENCH_LIBFUZZER_SECONDS (default 60),
# from seeds that gen_corpus writes afresh plus the corpus kept in
# $BUILD/fuzz/corpus by earlier runs.  A crash, a hang (10 s per input) or
# a broken invariant fails the run; the input is kept in $BUILD/fuzz/.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
seconds=${RELAYBENCH_LIBFUZZER_SECONDS:-60}
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
	echo "fuzz: RELAYBENCH_LIBFUZZER_SECONDS must be a positive integer" >&2
	exit 2
fi

make -s -C "$ROOT/tests/fuzz" BUILD="$BUILD" TOOLS_DIR="$("$ROOT/kernel/build.sh" path tools)"
out=$BUILD/fuzz
rm -rf "$out/seeds"
mkdir -p "$out/seeds" "$out/corpus"
"$out/gen_corpus" "$out/seeds"

echo "== libFuzzer on relay_parse.c for ${seconds}s"
rc=0
"$out/fuzz_relay_parse" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$out/" "$out/corpus" "$out/seeds" \
	>"$out/libfuzzer.log" 2>&1 || rc=$?
grep -E '^(Done|stat::number_of_executed_units|stat::new_units_added)' "$out/libfuzzer.log" || true
if [ "$rc" -ne 0 ]; then
	tail -n 40 "$out/libfuzzer.log" >&2
	echo "fuzz: libFuzzer failed (status $rc); log: $out/libfuzzer.log" >&2
fi
exit "$rc"
