# shellcheck shell=bash
# high-rate: push each mechanism to saturation, one factor at a time around
# a base point (1 producer, 64-byte payload, batch 1, 1 MiB of buffer, no
# rate limit), then offer fixed rates to find the knee where loss starts.
# Reported: throughput, loss and producer CPU per event, against the offered
# rate (throughput.produced_per_s) and each factor.

# relay-mmap streams in overwrite mode: an mmap reader cannot hand sub-buffers
# back to relay, so without overwrite its buffer fills once and stays full.
# The ring buffer and perf buffer run both ways.  Their overwrite readers are
# live too: ringbuf-custom skips ahead to the overwrite position when lapped,
# perfbuf-custom pauses each backward ring every --poll-ms and reads what is
# new.  What the writer overwrote first shows as lost, what perf refused
# while paused as dropped.
HIGH_RATE_BENCHS=(
	"relay-mmap --overwrite" ringbuf-libbpf "ringbuf-custom --overwrite"
	perfbuf-libbpf "perfbuf-custom --overwrite" percpu
)
HIGH_RATE_BUF=$((1 << 20))

scenario_high_rate() {
	local b p s batch buf rate
	# shellcheck disable=SC2046,SC2086 # variants and buffer_args are word lists
	for b in "${HIGH_RATE_BENCHS[@]}"; do
		rb_run $b -p 1 -a $(buffer_args "$b" $HIGH_RATE_BUF)
		if [ "$MODE" = smoke ]; then	# the base point and one offered rate
			rb_run $b -p 1 -a --rate 30000 $(buffer_args "$b" $HIGH_RATE_BUF)
			continue
		fi
		for p in $(seq 2 "$NCPUS"); do
			rb_run $b -p "$p" -a $(buffer_args "$b" $HIGH_RATE_BUF)
		done
		for s in 16 256 1024 4096; do
			rb_run $b -p 1 -a -s "$s" $(buffer_args "$b" $HIGH_RATE_BUF)
		done
		for batch in 10 100; do
			rb_run $b -p 1 -a -b "$batch" $(buffer_args "$b" $HIGH_RATE_BUF)
		done
		for buf in $((1 << 18)) $((1 << 22)); do
			rb_run $b -p 1 -a $(buffer_args "$b" $buf)
		done
		for rate in 10000 30000 100000 300000; do
			rb_run $b -p 1 -a --rate "$rate" $(buffer_args "$b" $HIGH_RATE_BUF)
		done
	done
}
