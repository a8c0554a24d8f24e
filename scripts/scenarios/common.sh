# shellcheck shell=bash
# scripts/scenarios/common.sh: what every scenario file uses.  Sourced by the
# scenario runner (scripts/scenarios/run.sh), natively or inside the VM.
#
# A scenario file defines one function, scenario_<name>, that calls
# `rlb_run BENCH ARGS...` once per measurement.  Parameters that are common to
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

RLB_STEP=0
RLB_TOTAL=${RLB_TOTAL:-0}
RLB_FAILED=0
RLB_STARTED=${RLB_STARTED:-$(date +%s)}
RLB_SCENARIO=""
RLB_ROUND=""
RLB_ROUND_NUM=1		# the round, and RLB_STEP when it began (A/B order)
RLB_ROUND_START=0

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

# What every variant takes, from the bench itself (bench --list --json):
# its policies, and with --overwrite its overwrite_policies.  Without a
# BENCH (a test of the helpers below that need none) there is no table.
RLB_VARIANTS=""
if [ -n "${BENCH:-}" ]; then
	RLB_VARIANTS=$("$BENCH" --list --json) || {
		echo "scenarios: cannot list the variants of $BENCH" >&2
		return 1
	}
fi

# has_policy VARIANT POLICY: VARIANT (its name, then options such as
# --overwrite) takes POLICY (every, batch, none or busy).
has_policy() {
	local key=policies
	[ -n "$RLB_VARIANTS" ] || { echo "scenarios: no BENCH, no variant table" >&2; return 1; }
	[[ " $1 " != *" --overwrite "* ]] || key=overwrite_policies
	jq -e --arg n "${1%% *}" --arg p "$2" --arg k "$key" \
		'any(.[] | select(.name == $n) | .[$k] // [] | .[]; . == $p)' \
		<<<"$RLB_VARIANTS" >/dev/null
}

# policy_args BENCH BYTES POLICY: --policy for BENCH, with batch resolved to
# batch_bytes.  A variant without POLICY gets none, the policy every
# variant has (the floor has no reader, a backward perf ring is read on a
# timer).
policy_args() {
	local pol=$3
	has_policy "$1" "$pol" || pol=none
	[ "$pol" != batch ] || pol=batch:$(batch_bytes "$2")
	echo "--policy $pol"
}

progress() {
	local now eta=""
	now=$(date +%s)
	if [ "$RLB_STEP" -gt 1 ] && [ "$RLB_TOTAL" -ge "$RLB_STEP" ]; then
		eta=" … ETA $(((now - RLB_STARTED) * (RLB_TOTAL - RLB_STEP + 1) / (RLB_STEP - 1)))s"
	fi
	echo "[$RLB_STEP/$RLB_TOTAL] $RLB_SCENARIO ${RLB_ROUND:+$RLB_ROUND }$*$eta" >&2
}

# rlb_measure BINARY FILE TAG ARGS...: run one bench, append its JSON to FILE
# with TAG (a JSON object) merged in.  A kernel that lacks a mechanism
# (no relay map, no ring buffer overwrite) skips it; any other failure is
# counted, and its JSON kept when the bench printed one (a loss-accounting
# violation exits 3 after printing its result).
rlb_measure() {
	local bin=$1 file=$2 tag=$3 err out rc
	shift 3
	err=$LIB_TMP/bench.err
	out=$("$bin" "$@" --scenario "$RLB_SCENARIO" "${TIMING[@]}" --json 2>"$err")
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
			RLB_FAILED=$((RLB_FAILED + 1))
			echo "  failed (exit $rc): $(grep -v '^libbpf' "$err" | tail -1)" >&2
		fi
	fi
}

# The tag of every result: its round (the analysis pairs mechanisms by
# round), and with BASE_BENCH the A/B pair of one side.
round_tag() {
	printf '{"round":%d}' "$RLB_ROUND_NUM"
}
ab_tag() {	# SIDE FIRST
	printf '{"round":%d,"ab":{"pair":%d,"side":"%s","first":%s}}' "$RLB_ROUND_NUM" "$RLB_STEP" "$1" "$2"
}

# rlb_run BENCH ARGS...: one measurement of the current scenario; with
# BASE_BENCH (scripts/ab.sh) two, back to back, base first in every other
# step and round so that neither side always runs second.
rlb_run() {
	# --mechanisms: only the listed mechanisms run
	if [ -n "${RLB_MECHS:-}" ] && ! [[ ",$RLB_MECHS," == *",$(mech_of "$1"),"* ]]; then
		return 0
	fi
	RLB_STEP=$((RLB_STEP + 1))
	[ -z "${DRY:-}" ] || return 0
	progress "$*"
	if [ -z "${BASE_BENCH:-}" ]; then
		rlb_measure "$BENCH" "$OUT" "$(round_tag)" "$@"
	elif [ $(((RLB_STEP - RLB_ROUND_START + RLB_ROUND_NUM) % 2)) -eq 0 ]; then
		rlb_measure "$BASE_BENCH" "$BASE_OUT" "$(ab_tag base true)" "$@"
		rlb_measure "$BENCH" "$OUT" "$(ab_tag new false)" "$@"
	else
		rlb_measure "$BENCH" "$OUT" "$(ab_tag new true)" "$@"
		rlb_measure "$BASE_BENCH" "$BASE_OUT" "$(ab_tag base false)" "$@"
	fi
}

# Saturation for the latency scenario: BENCH's records/s at the high-rate
# base point in $OUT (unlimited rate, one producer, batch 1, 64-byte
# records, 1 MiB, the batch policy), pooled over every such result by the
# analysis module (analysis/saturation.py); 0 if there is none, or if $OUT
# cannot be read (the module says why on stderr).
RLB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
saturation_of() {	# BENCH
	[ -s "$OUT" ] || { echo 0; return; }
	# -P and no bytecode: the tree's own module, from a read-only guest root
	PYTHONPATH=$RLB_ROOT PYTHONDONTWRITEBYTECODE=1 \
		python3 -P -m analysis saturation "$OUT" "$1" || echo 0
}

# rlb_run_every_cpu BYTES VARIANT...: each variant with producers pinned on
# every CPU and BYTES of buffer (the snapshot scenarios' common shape).  A
# flight recorder sends no wakeups: nobody waits for its data.
rlb_run_every_cpu() {
	local bytes=$1 v
	shift
	for v in "$@"; do
		# shellcheck disable=SC2046,SC2086 # variant and buffer are word lists
		rlb_run $v -p "$NCPUS" -a $(buffer_args "$v" "$bytes") --policy none
	done
}
