#!/usr/bin/env bash
# tests/scripts/test_tune.sh: scripts/tune_subbuf.sh.  Bad input gets one
# line and exit 2 (no VM needed); then a 2 x 2 sweep in the VM: every
# configuration ran, the ringbuf and perfbuf sizes use the relay memory, the
# recommendation is the least memory that meets the targets, the heatmap is
# drawn, and no .partial directory is left.
set -uo pipefail

NAME=test_tune
# shellcheck source=tests/scripts/testlib.sh
. "$(dirname "$0")/testlib.sh"
TUNE=$ROOT/scripts/tune_subbuf.sh
TMP=$(mktemp -d)
OUT=$ROOT/build/test-tune
trap 'rm -rf "$TMP" "$OUT" "$OUT.partial"' EXIT

expect_error() {
	local what=$1 pat=$2 rc
	shift 2
	"$TUNE" "$@" >/dev/null 2>"$TMP/err"
	rc=$?
	if [ "$rc" -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q -- "$pat" "$TMP/err" &&
		! grep -q '^[A-Z]' "$TMP/err"; then
		ok "$what -> exit 2: $(cat "$TMP/err")"
	else
		nok "$what: rc $rc, $(head -c 300 "$TMP/err")"
	fi
}
expect_error "no --rate" "--rate is required" --size 64
expect_error "no --size" "--size is required" --rate 1000
expect_error "bad rate" "invalid value for --rate" --rate fast --size 64
expect_error "size too small" "invalid value for --size" --rate 1000 --size 8
expect_error "bad loss target" "invalid value for --max-loss" --rate 1000 --size 64 --max-loss 120
expect_error "bad p99 target" "invalid value for --max-p99" --rate 1000 --size 64 --max-p99 1ms
expect_error "sub-buffer not a page multiple" "invalid value for --subbufs" --rate 1000 --size 64 --subbufs 4096,5000
expect_error "one sub-buffer" "invalid value for --counts" --rate 1000 --size 64 --counts 1,2
expect_error "unknown option" "unknown option '--fast'" --rate 1000 --size 64 --fast
expect_error "option without value" "--rate needs a value" --size 64 --rate
expect_error "out dir outside the repository" "must be inside" --rate 1000 --size 64 --out /tmp/tune

if [ "$(id -u)" -ne 0 ]; then
	nok "the VM sweep needs root"
else
	rm -rf "$OUT" "$OUT.partial"
	"$TUNE" --rate 20000 --size 64 --max-loss 100 --subbufs 4096,8192 --counts 2,4 --quick \
		--out "$OUT" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	check "2 x 2 sweep exits 0 (rc $rc)" [ "$rc" -eq 0 ]
	tune=$OUT/tune.json
	check "every relay configuration ran" q jq -e '[.configs[] | select(.mechanism == "relay")
		| "\(.relay_subbuf)x\(.relay_nsubbufs)"] | sort == ["4096x2", "4096x4", "8192x2", "8192x4"]' "$tune"
	# per-CPU relay memory 8, 16, 32 KiB; the guest has 2 CPUs
	check "ringbuf sizes match the relay memory" q jq -e '[.configs[] | select(.mechanism == "ringbuf") | .rb_size] | sort == [16384, 32768, 65536]' "$tune"
	check "perfbuf sizes match the relay memory" q jq -e '[.configs[] | select(.mechanism == "perfbuf") | .pb_pages] | sort == [2, 4, 8]' "$tune"
	check "meets follows the targets" q jq -e 'all(.configs[]; .meets == (.loss_pct != null and .loss_pct <= 100))' "$tune"
	check "each recommendation is the least memory that meets them" q jq -e '
		. as $t | all(.recommended | to_entries[]; .key as $m | .value.memory_bytes ==
			([$t.configs[] | select(.mechanism == $m and .meets) | .memory_bytes] | min))' "$tune"
	check "the recommendation is printed" grep -q '^recommended relay: 4 KiB x 2' "$TMP/out"
	check "the heatmap is drawn" [ -s "$OUT/plots/subbuf_heatmap-vm-relay-read.png" ]
	check "meta.json has schema_version 2" q jq -e '.schema_version == 2 and .where == "vm"' "$OUT/meta.json"
	check "no .partial left" [ ! -e "$OUT.partial" ]
fi

summary
