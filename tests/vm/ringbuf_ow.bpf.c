// SPDX-License-Identifier: GPL-2.0
/* BPF side of the ringbuf overwrite-mode selftest: one writer per CPU. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "ringbuf_ow.h"

char LICENSE[] SEC("license") = "GPL";

/* The tests set the size and flags before loading. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16384);
} ow_rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ow_counts);
} ow_counts SEC(".maps");

struct ow_scratch {
	struct ow_rec hdr;
	__u8 payload[OW_MAX_PAYLOAD];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ow_scratch);
} ow_scratch SEC(".maps");

int target_tgid;
__u32 payload_len;
__u32 vary;
__u32 discard_every;
__u32 query_only;
struct ow_query query;

static __always_inline void do_query(void)
{
	query.avail = bpf_ringbuf_query(&ow_rb, BPF_RB_AVAIL_DATA);
	query.size = bpf_ringbuf_query(&ow_rb, BPF_RB_RING_SIZE);
	query.cons = bpf_ringbuf_query(&ow_rb, BPF_RB_CONS_POS);
	query.prod = bpf_ringbuf_query(&ow_rb, BPF_RB_PROD_POS);
	query.over = bpf_ringbuf_query(&ow_rb, BPF_RB_OVERWRITE_POS);
}

static __always_inline long discard_one(__u64 seq, __u32 cpu)
{
	struct ow_rec *rec;

	rec = bpf_ringbuf_reserve(&ow_rb, sizeof(*rec) + OW_DISCARD_PAYLOAD, 0);
	if (!rec)
		return -1;
	rec->seq = seq;
	rec->cpu = cpu;
	rec->len = OW_DISCARD_PAYLOAD;
	bpf_ringbuf_discard(rec, BPF_RB_NO_WAKEUP);
	return 0;
}

SEC("tp/syscalls/sys_enter_getpgid")
int ow_write(void *ctx)
{
	__u32 key = 0, cpu = bpf_get_smp_processor_id(), len, i;
	struct ow_scratch *scratch;
	struct ow_counts *counts;
	__u64 seq;

	if ((bpf_get_current_pid_tgid() >> 32) != (__u32)target_tgid)
		return 0;
	if (query_only) {
		do_query();
		return 0;
	}
	counts = bpf_map_lookup_elem(&ow_counts, &key);
	scratch = bpf_map_lookup_elem(&ow_scratch, &key);
	if (!counts || !scratch)
		return 0;

	seq = counts->attempts++;
	if (ow_is_discard(seq, discard_every)) {
		if (discard_one(seq, cpu))
			counts->failed++;
		else
			counts->discarded++;
		return 0;
	}

	len = ow_payload_len(seq, cpu, payload_len, vary);
	if (len > OW_MAX_PAYLOAD)
		len = OW_MAX_PAYLOAD;
	scratch->hdr.seq = seq;
	scratch->hdr.cpu = cpu;
	scratch->hdr.len = len;
	for (i = 0; i < OW_MAX_PAYLOAD && i < len; i++)
		scratch->payload[i] = ow_payload_byte(seq, cpu, i);

	if (bpf_ringbuf_output(&ow_rb, scratch, sizeof(scratch->hdr) + len,
			       BPF_RB_NO_WAKEUP)) {
		counts->failed++;
	} else {
		counts->ok++;
		counts->last_ok_seq = seq;
	}
	return 0;
}

/*
 * The busy rule, step by step, in a ring of its own (flags from BTF, as
 * most users set them): records are reserved and committed out of order so
 * that the oldest one is still being written when a new one needs its
 * room.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, OW_BUSY_RING);
	__uint(map_flags, BPF_F_RB_OVERWRITE);
} ow_busy_rb SEC(".maps");

struct busy_result busy;

struct busy_rec {
	struct ow_rec hdr;
	__u8 payload[OW_BUSY_PAYLOAD];
};

static __always_inline void fill_busy(struct busy_rec *rec, __u64 seq)
{
	__u32 i;

	rec->hdr.seq = seq;
	rec->hdr.cpu = 0;
	rec->hdr.len = OW_BUSY_PAYLOAD;
	for (i = 0; i < OW_BUSY_PAYLOAD; i++)
		rec->payload[i] = ow_payload_byte(seq, 0, i);
}

SEC("tp/syscalls/sys_enter_getpgid")
int ow_busy(void *ctx)
{
	struct busy_rec *r1, *r2, *r3;

	if ((bpf_get_current_pid_tgid() >> 32) != (__u32)target_tgid)
		return 0;
	r1 = bpf_ringbuf_reserve(&ow_busy_rb, sizeof(*r1), 0);
	if (!r1)
		return 0;
	r2 = bpf_ringbuf_reserve(&ow_busy_rb, sizeof(*r2), 0);
	if (!r2) {
		bpf_ringbuf_discard(r1, 0);
		return 0;
	}
	busy.first_two_ok = 1;
	r3 = bpf_ringbuf_reserve(&ow_busy_rb, sizeof(*r3), 0);
	if (r3) {
		bpf_ringbuf_discard(r3, 0);
		bpf_ringbuf_discard(r2, 0);
		bpf_ringbuf_discard(r1, 0);
		return 0;
	}
	busy.third_refused = 1;

	fill_busy(r1, 0);
	bpf_ringbuf_submit(r1, BPF_RB_NO_WAKEUP);
	r3 = bpf_ringbuf_reserve(&ow_busy_rb, sizeof(*r3), 0);
	if (r3) {
		busy.third_ok_later = 1;
		fill_busy(r3, 2);
		bpf_ringbuf_submit(r3, BPF_RB_NO_WAKEUP);
	}
	fill_busy(r2, 1);
	bpf_ringbuf_submit(r2, BPF_RB_NO_WAKEUP);
	busy.over_after = bpf_ringbuf_query(&ow_busy_rb, BPF_RB_OVERWRITE_POS);
	busy.prod_after = bpf_ringbuf_query(&ow_busy_rb, BPF_RB_PROD_POS);
	return 0;
}
