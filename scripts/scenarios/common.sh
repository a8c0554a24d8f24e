# shellcheck shell=bash
# scripts/scenarios/common.sh: what every scenario file uses.  Sourced by the
# scenario runner (scripts/scenarios/run.sh), natively or inside the VM.
#
# A scenario file defines one function, scenario_<name>, that calls
# `rb_run BENCH ARGS...` once per measurement.  Parameters that are common to
# a scenario are written once there; only the mechanism differs between runs.
#
# Inputs (environment): BENCH (the bench binary), OUT (JSON lines appended
# here), MODE (smoke|quick|full), NCPUS (online CPUs), DRY (set: only count),
# LIB_TMP (scripts/lib.sh's private directory).

case ${MODE:-quick} in
smoke) TIMING=(-w 0.2 -d 0.3 -i 2) ;;
quick) TIMING=(-w 0.5 -d 0.5 -i 3) ;;
full) TIMING=(-w 2 -d 2 -i 7) ;;
*) echo "scenarios: unknown MODE '$MODE'" >&2; return 2 ;;
esac

RB_STEP=0
RB_TOTAL=${RB_TOTAL:-0}
RB_FAILED=0
RB_STARTED=${RB_STARTED:-$(date +%s)}
RB_SCENARIO=""
RB_ROUND=""
RB_ROUND_NUM=1		# the round, and RB_STEP when it began (A/B order)
RB_ROUND_START=0

# The mechanism of a bench variant: the part of its name before the dash.
mech_of() {
	echo "${1%%-*}"
}

# Largest power of two <= $1 (ring sizes must be powers of two).
pow2_floor() {
	local n=$1 p=1
	while [ $((p * 2)) -le "$n" ]; do p=$((p * 2)); done
	echo "$p"
}

# buffer_args BENCH BYTES: options giving the mechanism BYTES of buffer in
# total, so every mechanism gets the same memory.  Per-CPU mechanisms split
# it over the CPUs; relay keeps 64 KiB sub-buffers while there are >= 4.
buffer_args() {
	local per=$(($2 / NCPUS)) subbuf=65536
	case $(mech_of "$1") in
	ringbuf) echo "--rb-size $(pow2_floor "$2")" ;;
	perfbuf) echo "--pb-pages $(pow2_floor $((per / 4096)))" ;;
	relay)
		while [ $((per / subbuf)) -lt 4 ] && [ "$subbuf" -gt 4096 ]; do
			subbuf=$((subbuf / 2))
		done
		echo "--relay-subbuf $subbuf --relay-nsubbufs $((per / subbuf))"
		;;
	*) echo "" ;;
	esac
}

# batch_bytes BYTES: the batch every mechanism gets at BYTES of buffer, the
# sub-buffer buffer_args gives relay (relay's batch is its sub-buffer): 64
# KiB, halved until each CPU's share holds 4.
batch_bytes() {
	local per=$(($1 / NCPUS)) subbuf=65536
	while [ $((per / subbuf)) -lt 4 ] && [ "$subbuf" -gt 4096 ]; do
		subbuf=$((subbuf / 2))
	done
	echo "$subbuf"
}

# policy_args BENCH BYTES POLICY: --policy for BENCH, with batch resolved to
# batch_bytes.  The floor (percpu) has no reader and a backward perf ring
# is read on a timer: both only have "none".
policy_args() {
	local pol=$3
	[ "$pol" != batch ] || pol=batch:$(batch_bytes "$2")
	case $1 in
	percpu* | "perfbuf-custom --overwrite"*) pol=none ;;
	esac
	echo "--policy $pol"
}

progress() {
	local now eta=""
	now=$(date +%s)
	if [ "$RB_STEP" -gt 1 ] && [ "$RB_TOTAL" -ge "$RB_STEP" ]; then
		eta=" … ETA $(((now - RB_STARTED) * (RB_TOTAL - RB_STEP + 1) / (RB_STEP - 1)))s"
	fi
	echo "[$RB_STEP/$RB_TOTAL] $RB_SCENARIO ${RB_ROUND:+$RB_ROUND }$*$eta" >&2
}

# rb_measure BINARY FILE TAG ARGS...: run one bench, append its JSON to FILE
# with TAG (a JSON object) merged in.  A kernel that lacks a mechanism
# (no relay map, no ring buffer overwrite) skips it; any other failure is
# counted, and its JSON kept when the bench printed one (a loss-accounting
# violation exits 3 after printing its result).
rb_measure() {
	local bin=$1 file=$2 tag=$3 err out rc
	shift 3
	err=$LIB_TMP/bench.err
	out=$("$bin" "$@" --scenario "$RB_SCENARIO" "${TIMING[@]}" --json 2>"$err")
	rc=$?
	# Interrupted (Ctrl-C, or SIGTERM from scripts/lib.sh): the bench
	# cleaned up and died of the signal; stop the run here.
	if [ "$rc" -eq 130 ] || [ "$rc" -eq 143 ]; then
		echo "scenarios: interrupted" >&2
		exit "$rc"
	fi
	if [ "$rc" -eq 1 ] && grep -qE "has no relay map|has no overwrite mode" "$err"; then
		echo "  skipped: $(head -1 "$err")" >&2
	else
		if [ -n "$out" ] && [ "$tag" != "{}" ]; then
			out=$(jq -c --argjson tag "$tag" '. + $tag' <<<"$out")
		fi
		[ -z "$out" ] || echo "$out" >>"$file"
		if [ "$rc" -ne 0 ]; then
			RB_FAILED=$((RB_FAILED + 1))
			echo "  failed (exit $rc): $(grep -v '^libbpf' "$err" | tail -1)" >&2
		fi
	fi
}

# The tag of every result: its round (the analysis pairs mechanisms by
# round), and with BASE_BENCH the A/B pair of one side.
round_tag() {
	printf '{"round":%d}' "$RB_ROUND_NUM"
}
ab_tag() {	# SIDE FIRST
	printf '{"round":%d,"ab":{"pair":%d,"side":"%s","first":%s}}' "$RB_ROUND_NUM" "$RB_STEP" "$1" "$2"
}

# rb_run BENCH ARGS...: one measurement of the current scenario; with
# BASE_BENCH (scripts/ab.sh) two, back to back, base first in every other
# step and round so that neither side always runs second.
rb_run() {
	# --mechanisms: only the listed mechanisms run
	if [ -n "${RB_MECHS:-}" ] && ! [[ ",$RB_MECHS," == *",$(mech_of "$1"),"* ]]; then
		return 0
	fi
	RB_STEP=$((RB_STEP + 1))
	[ -z "${DRY:-}" ] || return 0
	progress "$*"
	if [ -z "${BASE_BENCH:-}" ]; then
		rb_measure "$BENCH" "$OUT" "$(round_tag)" "$@"
	elif [ $(((RB_STEP - RB_ROUND_START + RB_ROUND_NUM) % 2)) -eq 0 ]; then
		rb_measure "$BASE_BENCH" "$BASE_OUT" "$(ab_tag base true)" "$@"
		rb_measure "$BENCH" "$OUT" "$(ab_tag new false)" "$@"
	else
		rb_measure "$BENCH" "$OUT" "$(ab_tag new true)" "$@"
		rb_measure "$BASE_BENCH" "$BASE_OUT" "$(ab_tag base false)" "$@"
	fi
}

# Saturation for the latency scenario: BENCH's records/s at the high-rate
# base point in $OUT (unlimited rate, one producer, batch 1, 64-byte
# records, 1 MiB, the batch policy), pooled over every such result by the
# analysis module (analysis/saturation.py); 0 if there is none, or if $OUT
# cannot be read (the module says why on stderr).
RB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
saturation_of() {	# BENCH
	[ -s "$OUT" ] || { echo 0; return; }
	# -P and no bytecode: the tree's own module, from a read-only guest root
	PYTHONPATH=$RB_ROOT PYTHONDONTWRITEBYTECODE=1 \
		python3 -P -m analysis saturation "$OUT" "$1" || echo 0
}

# rb_run_every_cpu BYTES VARIANT...: each variant with producers pinned on
# every CPU and BYTES of buffer (the snapshot scenarios' common shape).  A
# flight recorder sends no wakeups: nobody waits for its data.
rb_run_every_cpu() {
	local bytes=$1 v
	shift
	for v in "$@"; do
		# shellcheck disable=SC2046,SC2086 # variant and buffer are word lists
		rb_run $v -p "$NCPUS" -a $(buffer_args "$v" "$bytes") --policy none
	done
}
