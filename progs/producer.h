/* SPDX-License-Identifier: GPL-2.0 */
/*
 * producer.h: the producer logic shared by every rlb_*.bpf.c.  Each object
 * includes this file, then defines its map and rlb_output() -- the only
 * code that differs between mechanisms.
 */
#ifndef RLB_PRODUCER_H
#define RLB_PRODUCER_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "relaybench.h"

char LICENSE[] SEC("license") = "GPL";

/* Knobs, identical in every producer; set before load by the bench. */
const volatile __u32 target_tgid = 0; /* only count our own getpgid() calls */
const volatile __u32 rec_size = 64; /* total bytes per record, header incl. */
const volatile __u32 batch = 1; /* records per trigger */
const volatile __u32 notify_mode = RINGBUF_NOTIFY_DEFAULT;
const volatile __u32 notify_every = 1;
/* Fault injection for scripts/validate_compare.sh: bpf_loop() steps of
 * cheap work on 1 record in every producer_work_every (a power of two), so
 * a known slowdown can be dialled in finer than one step per record.  The
 * choice is a mask, not a modulo: a division on every record cost ~5 %
 * by itself, more than the 2 % the instruction-counted gate must catch.
 */
const volatile __u32 producer_work = 0;
const volatile __u32 producer_work_every = 1;
/* --kernel-record: the kernel bench's record, a bare 8-byte value (here the
 * seq), so the fidelity check compares harnesses and not record formats.
 * rec_size is then 8.
 */
const volatile __u32 kernel_record = 0;

struct rlb_scratch_buf {
	__u8 data[RLB_REC_MAX];
};

/* Where the record is built: one slot per CPU, no synchronisation needed. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rlb_scratch_buf);
} rlb_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rlb_counters);
} rlb_counters SEC(".maps");

static __always_inline long rlb_output(void *ctx, struct rlb_record *rec,
				       __u32 size, __u64 seq);

/* One step of producer_work; the state escapes to bpf_loop(), so the
 * compiler cannot drop it, and the verifier checks the callback once.
 */
static long rlb_work_step(__u64 i, void *state)
{
	__u64 *acc = state;

	*acc = *acc * 6364136223846793005ull + i;
	return 0;
}

static __always_inline void rlb_produce(void *ctx)
{
	struct rlb_counters *cnt;
	struct rlb_record *rec;
	__u64 work_state = 0;
	__u32 zero = 0, i;

	if (target_tgid && (bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return;
	cnt = bpf_map_lookup_elem(&rlb_counters, &zero);
	rec = bpf_map_lookup_elem(&rlb_scratch, &zero);
	if (!cnt || !rec)
		return;
	cnt->triggers++;
	for (i = 0; i < batch && i < RLB_BATCH_MAX; i++) {
		/* seq is only consumed when the output succeeds, so a gap seen
		 * by the consumer means a record was lost after being written.
		 */
		rec->seq = cnt->seq + 1;
		if (!kernel_record) {
			rec->ts_ns = bpf_ktime_get_ns();
			rec->cpu = bpf_get_smp_processor_id();
			rec->len = rec_size;
		}
		if (producer_work &&
		    !(cnt->produced & (producer_work_every - 1)))
			bpf_loop(producer_work, rlb_work_step, &work_state, 0);
		cnt->produced++;
		if (rlb_output(ctx, rec, rec_size, rec->seq) < 0) {
			cnt->dropped++;
			cnt->tail_dropped++;
		} else {
			cnt->seq++;
			cnt->tail_dropped = 0;
		}
	}
}

SEC("tp/syscalls/sys_enter_getpgid")
int rlb_tp(void *ctx)
{
	rlb_produce(ctx);
	return 0;
}

/* Alternative trigger (--raw-tp): every syscall entry, filtered on the id. */
SEC("raw_tp/sys_enter")
int rlb_raw_tp(struct bpf_raw_tracepoint_args *ctx)
{
	if (ctx->args[1] != RLB_GETPGID_NR)
		return 0;
	rlb_produce(ctx);
	return 0;
}

#endif /* RLB_PRODUCER_H */
