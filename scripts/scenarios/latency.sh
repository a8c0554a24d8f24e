# shellcheck shell=bash
# latency: every mechanism at the same offered rates, under each notification
# policy it has: 10 k, 50 k and 100 k records/s per producer, and the
# highest rate that every mechanism sustained at its high-rate base point
# (measured here if missing).  Relay wakes its reader only at a sub-buffer
# switch, so under batch its latency at low rates is the reader's poll
# interval (--poll-ms).  A point a mechanism cannot deliver is marked
# throughput.saturated in its JSON, never read as "no loss".

LATENCY_BENCHS=(relay-mmap ringbuf-libbpf perfbuf-libbpf)
LATENCY_RATES=(10000 50000 100000)
LATENCY_BUF=$((1 << 20))

# The policies of these that a bench has (relay cannot wake per record).
latency_policies() {
	local pol
	for pol in batch busy every; do
		! has_policy "$1" $pol || echo $pol
	done
}

# Measures BENCH's high-rate base point under batch if it is missing.
latency_base_point() {
	local b=$1
	if [ -n "${DRY:-}" ]; then	# counting: missing unless high-rate runs
		# shellcheck disable=SC2154 # selected: scripts/scenarios/run.sh
		[[ " ${selected[*]} " != *" high-rate "* ]] || return 0
	elif [ "$(saturation_of "$b")" -ne 0 ]; then
		return 0
	fi
	RLB_SCENARIO=high-rate
	# shellcheck disable=SC2046 # options are word lists
	rlb_run "$b" -p 1 -a $(buffer_args "$b" $LATENCY_BUF) \
		$(policy_args "$b" $LATENCY_BUF batch)
	RLB_SCENARIO=latency	# read by rlb_run (common.sh)
	export RLB_SCENARIO
}

scenario_latency() {
	local b pol rate sat common=0 rates=("${LATENCY_RATES[@]}")
	[ "$MODE" != smoke ] || rates=(10000)
	for b in "${LATENCY_BENCHS[@]}"; do
		latency_base_point "$b"
		if [ -n "${DRY:-}" ]; then sat=2; else sat=$(saturation_of "$b"); fi
		[ "$sat" -gt 0 ] || continue
		if [ "$common" -eq 0 ] || [ "$sat" -lt "$common" ]; then
			common=$sat
		fi
	done
	# 90 % of the lowest saturation: a rate every mechanism should sustain
	[ "$MODE" = smoke ] || [ "$common" -le 1 ] || rates+=($((common * 9 / 10)))
	for b in "${LATENCY_BENCHS[@]}"; do
		for pol in $(latency_policies "$b"); do
			[ "$MODE" != smoke ] || [ "$pol" = batch ] || continue
			for rate in "${rates[@]}"; do
				# shellcheck disable=SC2046 # options are word lists
				rlb_run "$b" -p 1 -a --rate "$rate" $(buffer_args "$b" $LATENCY_BUF) \
					$(policy_args "$b" $LATENCY_BUF "$pol")
			done
		done
	done
}
