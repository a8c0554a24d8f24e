#!/usr/bin/env bash
# scripts/scenarios/run.sh: runs scenarios with the bench, appending one JSON
# object per measurement to OUT.  Used by scripts/run_all.sh natively and
# inside the VM, and by the scenario tests (MODE smoke).
#   scripts/scenarios/run.sh --bench PATH --out FILE [--mode smoke|quick|full]
#                            [--only SCENARIO,...] [--mechanisms MECH,...]
#                            [--rounds N] [--base-bench PATH --base-out FILE]
# --rounds N runs the whole selection N times over, so each configuration is
# measured N times with the others in between (scripts/compare.sh takes its
# spread between rounds: see there).
# --base-bench/--base-out (scripts/ab.sh): every measurement is taken twice
# back to back, with PATH into FILE and with --bench into --out, the order
# alternating; each result is tagged {ab: {pair, side, first}} so that
# compare.sh can judge the pairs.
# Exit: 0 when every measurement ran, 3 when some failed (their JSON, if
# any, is kept), 2 on bad input.
set -uo pipefail
PROG=scenarios
# lib.sh before anything that forks: see its supervision
# shellcheck source=scripts/lib.sh
. "${BASH_SOURCE[0]%/*}/../lib.sh" || exit 2

DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ALL=("${RLB_SCENARIOS[@]}")	# scripts/lib.sh
usage() {
	echo "usage: scripts/scenarios/run.sh --bench PATH --out FILE [--mode smoke|quick|full] [--only SCENARIO,...] [--mechanisms MECH,...] [--rounds N] [--base-bench PATH --base-out FILE]" >&2
	exit 2
}
die() { lib_bad "$*"; }

BENCH="" OUT="" MODE=quick only="" RLB_MECHS="" rounds=1 BASE_BENCH="" BASE_OUT=""
while [ $# -gt 0 ]; do
	case $1 in
	--bench) [ $# -ge 2 ] || usage; BENCH=$2; shift ;;
	--out) [ $# -ge 2 ] || usage; OUT=$2; shift ;;
	--mode) [ $# -ge 2 ] || usage; MODE=$2; shift ;;
	--only) [ $# -ge 2 ] || usage; only=$2; shift ;;
	--mechanisms) [ $# -ge 2 ] || usage; RLB_MECHS=$2; shift ;;
	--rounds) [ $# -ge 2 ] || usage; rounds=$2; shift ;;
	--base-bench) [ $# -ge 2 ] || usage; BASE_BENCH=$2; shift ;;
	--base-out) [ $# -ge 2 ] || usage; BASE_OUT=$2; shift ;;
	*) usage ;;
	esac
	shift
done
[ -x "$BENCH" ] || die "bench binary '$BENCH' not found (run make)"
[ -n "$OUT" ] || usage
touch "$OUT" 2>/dev/null || die "cannot write $OUT"
if [ -n "$BASE_BENCH$BASE_OUT" ]; then
	[ -n "$BASE_BENCH" ] && [ -n "$BASE_OUT" ] || die "--base-bench and --base-out go together"
	[ -x "$BASE_BENCH" ] || die "base bench binary '$BASE_BENCH' not found"
	touch "$BASE_OUT" 2>/dev/null || die "cannot write $BASE_OUT"
fi
case $MODE in smoke|quick|full) ;; *) die "unknown mode '$MODE'" ;; esac
lib_posint --rounds "$rounds" 99
lib_check_mechanisms "$BENCH" "$RLB_MECHS"
selected=()
for s in "${ALL[@]}" "${RLB_SCENARIOS_NAMED[@]}"; do
	if [[ ",$only," == *",$s,"* ]] || { [ -z "$only" ] && [[ " ${ALL[*]} " == *" $s "* ]]; }; then
		selected+=("$s")
	fi
done
lib_check_scenarios "$only"
NCPUS=$(nproc)
export BENCH OUT MODE NCPUS RLB_MECHS BASE_BENCH BASE_OUT

# shellcheck source=scripts/scenarios/common.sh
. "$DIR/common.sh" || exit 2
for s in "${selected[@]}"; do
	# shellcheck source=/dev/null
	. "$DIR/$s.sh"
done

run_selected() {
	local s r
	for r in $(seq 1 "$rounds"); do
		RLB_ROUND_NUM=$r RLB_ROUND_START=$RLB_STEP
		for s in "${selected[@]}"; do
			RLB_SCENARIO=$s
			[ "$rounds" -eq 1 ] || RLB_ROUND="(round $r/$rounds)"
			"scenario_${s//-/_}"
		done
	done
}

lib_tmpdir	# the benches' stderr, one at a time (rlb_measure)
# A dry pass counts the steps, so progress can show an ETA.
DRY=1 run_selected
RLB_TOTAL=$RLB_STEP RLB_STEP=0 RLB_STARTED=$(date +%s)
run_selected
echo "scenarios: $RLB_STEP measurements, $RLB_FAILED failed, $(($(date +%s) - RLB_STARTED)) s" >&2
[ "$RLB_FAILED" -eq 0 ] || exit 3
