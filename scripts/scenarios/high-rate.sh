# shellcheck shell=bash
# high-rate: push each mechanism to saturation, one factor at a time around
# a base point (1 producer, 64-byte payload, batch 1, 1 MiB of buffer, no
# rate limit), then offer fixed rates to find the knee where loss starts.
# Reported: throughput, loss and producer CPU per event, against the offered
# rate (throughput.produced_per_s) and each factor.

# Every mechanism runs under the same notification policy, batch (one
# wakeup per batch_bytes written on a CPU: relay's sub-buffer), at every
# point; the base point also runs under busy (readers spin, no wakeups)
# and every (a wakeup per record), for each variant that has them (bench
# --list --json).  The ring buffer and perf buffer also run their overwrite
# readers (ringbuf-custom skips ahead to the overwrite position when lapped;
# perfbuf-custom pauses each backward ring every --poll-ms, never woken: its
# policies are none and busy).  What the writer overwrote first shows as
# lost, what perf refused while paused as dropped.
HIGH_RATE_BENCHS=(
	relay-mmap ringbuf-libbpf "ringbuf-custom --overwrite"
	perfbuf-libbpf "perfbuf-custom --overwrite" percpu
)
HIGH_RATE_BUF=$((1 << 20))
# The relay producer through the kfunc (the form upstream would take): the
# base point under batch and busy, and 4 KiB records, beside relay-mmap's.
HIGH_RATE_KFUNC=relay-mmap-kfunc

# hr_run BENCH BYTES POLICY ARGS...: one high-rate point.
hr_run() {
	local b=$1 bytes=$2 pol=$3
	shift 3
	# shellcheck disable=SC2046,SC2086 # variants and options are word lists
	rlb_run $b "$@" $(buffer_args "$b" "$bytes") $(policy_args "$b" "$bytes" "$pol")
}

scenario_high_rate() {
	local b p s batch buf rate pol
	for b in "${HIGH_RATE_BENCHS[@]}"; do
		hr_run "$b" $HIGH_RATE_BUF batch -p 1 -a
		for pol in busy every; do
			! has_policy "$b" $pol || hr_run "$b" $HIGH_RATE_BUF $pol -p 1 -a
		done
		if [ "$MODE" = smoke ]; then	# the base points and one offered rate
			hr_run "$b" $HIGH_RATE_BUF batch -p 1 -a --rate 30000
			continue
		fi
		for p in $(seq 2 "$NCPUS"); do
			hr_run "$b" $HIGH_RATE_BUF batch -p "$p" -a
		done
		for s in 16 256 1024 4096; do
			hr_run "$b" $HIGH_RATE_BUF batch -p 1 -a -s "$s"
		done
		for batch in 10 100; do
			hr_run "$b" $HIGH_RATE_BUF batch -p 1 -a -b "$batch"
		done
		for buf in $((1 << 18)) $((1 << 22)); do
			hr_run "$b" "$buf" batch -p 1 -a
		done
		for rate in 10000 30000 100000 300000; do
			hr_run "$b" $HIGH_RATE_BUF batch -p 1 -a --rate "$rate"
		done
	done
	for pol in batch busy; do
		hr_run $HIGH_RATE_KFUNC $HIGH_RATE_BUF $pol -p 1 -a
	done
	[ "$MODE" = smoke ] || hr_run $HIGH_RATE_KFUNC $HIGH_RATE_BUF batch -p 1 -a -s 4096
}
