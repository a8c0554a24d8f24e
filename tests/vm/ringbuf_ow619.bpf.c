// SPDX-License-Identifier: GPL-2.0
/*
 * Linux 6.19's own check of the ring buffer's overwrite mode, ported to
 * this harness (the steps and the expected values are 6.19's, the code is
 * ours): in a one-page ring, two reservations fill three quarters of it,
 * a third that would overwrite them while they are busy fails, a smaller
 * fourth fits, and once the first three are committed a fifth of the
 * third's size overwrites the oldest record.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(map_flags, BPF_F_RB_OVERWRITE);
	__uint(max_entries, 4096);	/* the test sets one page */
} ow619_rb SEC(".maps");

int target_tgid;
const volatile __u64 len[5];

/* 1 where reservation i failed, and bpf_ringbuf_query() at the end */
__u32 failed[5];
__u64 ring_size, avail_data, cons_pos, prod_pos, over_pos;

SEC("tp/syscalls/sys_enter_getpgid")
int ow619(void *ctx)
{
	char *rec[5];
	__u64 i;

	if (bpf_get_current_pid_tgid() >> 32 != target_tgid)
		return 0;

	rec[0] = bpf_ringbuf_reserve(&ow619_rb, len[0], 0);
	if (!rec[0]) {
		failed[0] = 1;
		return 0;
	}
	rec[1] = bpf_ringbuf_reserve(&ow619_rb, len[1], 0);
	if (!rec[1]) {
		failed[1] = 1;
		bpf_ringbuf_discard(rec[0], 0);
		return 0;
	}
	/* must fail: the room it needs holds busy records */
	rec[2] = bpf_ringbuf_reserve(&ow619_rb, len[2], 0);
	if (rec[2]) {
		bpf_ringbuf_discard(rec[0], 0);
		bpf_ringbuf_discard(rec[1], 0);
		bpf_ringbuf_discard(rec[2], 0);
		return 0;
	}
	failed[2] = 1;
	rec[3] = bpf_ringbuf_reserve(&ow619_rb, len[3], 0);
	if (!rec[3]) {
		failed[3] = 1;
		bpf_ringbuf_discard(rec[0], 0);
		bpf_ringbuf_discard(rec[1], 0);
		return 0;
	}
	bpf_ringbuf_submit(rec[0], 0);
	bpf_ringbuf_submit(rec[1], 0);
	bpf_ringbuf_submit(rec[3], 0);

	/* now the first record is committed and may be overwritten */
	rec[4] = bpf_ringbuf_reserve(&ow619_rb, len[4], 0);
	if (!rec[4]) {
		failed[4] = 1;
		return 0;
	}
	for (i = 0; i < len[2] && i < 4096; i++)
		rec[4][i] = 0xdd;
	bpf_ringbuf_submit(rec[4], 0);

	ring_size = bpf_ringbuf_query(&ow619_rb, BPF_RB_RING_SIZE);
	avail_data = bpf_ringbuf_query(&ow619_rb, BPF_RB_AVAIL_DATA);
	cons_pos = bpf_ringbuf_query(&ow619_rb, BPF_RB_CONS_POS);
	prod_pos = bpf_ringbuf_query(&ow619_rb, BPF_RB_PROD_POS);
	over_pos = bpf_ringbuf_query(&ow619_rb, BPF_RB_OVERWRITE_POS);
	return 0;
}
