/* SPDX-License-Identifier: GPL-2.0 */
/* Types shared by the ringbuf overwrite-mode selftest and its BPF side. */
#ifndef RINGBUF_OW_H
#define RINGBUF_OW_H

#include <linux/types.h>

#define OW_MAX_PAYLOAD 4096
/* Payload bytes of a record that the program reserves and then discards */
#define OW_DISCARD_PAYLOAD 8
/* The busy-rule ring: three such records do not fit, two do. */
#define OW_BUSY_RING 16384
#define OW_BUSY_PAYLOAD 6000

/* Every record: payload byte i is ow_payload_byte(seq, cpu, i). */
struct ow_rec {
	__u64 seq;		/* attempt number on this CPU */
	__u32 cpu;
	__u32 len;		/* payload bytes after this header */
};

/* Outcomes on one CPU. */
struct ow_counts {
	__u64 attempts;
	__u64 ok;
	__u64 failed;		/* reservation refused */
	__u64 discarded;	/* reserved, then discarded on purpose */
	__u64 last_ok_seq;
};

/* What bpf_ringbuf_query() said, taken when query_only is set. */
struct ow_query {
	__u64 avail;
	__u64 size;
	__u64 cons;
	__u64 prod;
	__u64 over;
};

/* What the busy-rule program saw. */
struct busy_result {
	__u32 first_two_ok;	/* two records fit side by side */
	__u32 third_refused;	/* it would overwrite the busy first one */
	__u32 third_ok_later;	/* once the first one is committed */
	__u32 pad;
	__u64 over_after;	/* BPF_RB_OVERWRITE_POS at the end */
	__u64 prod_after;
};

static inline __u8 ow_payload_byte(__u64 seq, __u32 cpu, __u32 i)
{
	return (__u8)(seq * 13 + i * 5 + cpu * 101 + 1);
}

/*
 * Payload length of attempt seq on cpu: max_len, or when vary is set a
 * spread of lengths from 0 to max_len that both sides can recompute.
 */
static inline __u32 ow_payload_len(__u64 seq, __u32 cpu, __u32 max_len,
				   __u32 vary)
{
	if (!vary)
		return max_len;
	return (__u32)((seq * 37 + cpu * 11) % ((__u64)max_len + 1));
}

/* Attempts that reserve a record only to discard it (discard_every > 0). */
static inline int ow_is_discard(__u64 seq, __u32 discard_every)
{
	return discard_every && seq % discard_every == discard_every - 1;
}

#endif /* RINGBUF_OW_H */
