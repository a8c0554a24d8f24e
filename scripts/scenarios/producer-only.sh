# shellcheck shell=bash
# producer-only: what each mechanism's producer costs with nothing else
# running, in the spirit of 6.19's ring buffer bench --rb-bench-producer.
# One producer writes with no reader and no wakeups into the same bytes of
# buffer: overwrite mode where the variant has one; otherwise it drops into
# the full buffer (params.overwrite false, loss.dropped: a refusal is a
# cheaper path than a write, so those rows say so).  Meant for a guest of
# one vCPU whose clock counts instructions (scripts/vm.sh --icount --smp 1,
# run_all.sh's icount stage, ab.sh --icount): nothing interleaves with the
# producer there, and its ns/record are guest instructions per record,
# reproducible to ~0.1 %.  Named with --only; not in the default set.

PRODUCER_ONLY_BENCHS=(
	"relay-mmap --overwrite" "relay-mmap-kfunc --overwrite"
	"ringbuf-custom --overwrite" ringbuf-libbpf
	"perfbuf-custom --overwrite" percpu
)
PRODUCER_ONLY_BUF=$((1 << 20))

scenario_producer_only() {
	local v s
	for v in "${PRODUCER_ONLY_BENCHS[@]}"; do
		for s in 40 232 4072; do	# records of 64, 256 and 4096 bytes
			# shellcheck disable=SC2046,SC2086 # variant and buffer are word lists
			rlb_run $v -p 1 -a -s "$s" $(buffer_args "$v" $PRODUCER_ONLY_BUF) --policy none
		done
		[ "$MODE" != smoke ] || continue
		# 16 records per trigger: the per-call cost spread over a batch
		# shellcheck disable=SC2046,SC2086
		rlb_run $v -p 1 -a -b 16 $(buffer_args "$v" $PRODUCER_ONLY_BUF) --policy none
	done
}
