// SPDX-License-Identifier: GPL-2.0
/* Producer for the BPF ring buffer (BPF_MAP_TYPE_RINGBUF). */
#include "producer.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20); /* resized by the bench before load */
} rlb_ringbuf SEC(".maps");

/* --policy batch:BYTES: bytes written on this CPU since its last wakeup. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} ringbuf_unwoken_bytes SEC(".maps");

/* Bytes one record takes in the ring: 8-byte header, 8-byte aligned. */
static __always_inline __u64 ringbuf_slot(void)
{
	return (rec_size + BPF_RINGBUF_HDR_SZ + 7) & ~7ull;
}

static __always_inline __u64 ringbuf_notify_flags(__u64 seq)
{
	switch (notify_mode) {
	case RINGBUF_NOTIFY_NONE:
		return BPF_RB_NO_WAKEUP;
	case RINGBUF_NOTIFY_FORCE:
		return BPF_RB_FORCE_WAKEUP;
	case RINGBUF_NOTIFY_SAMPLED:
		return seq % notify_every ? BPF_RB_NO_WAKEUP :
					    BPF_RB_FORCE_WAKEUP;
	case RINGBUF_NOTIFY_AVAIL:
		/* Unread bytes, counting the record about to be written. */
		return bpf_ringbuf_query(&rlb_ringbuf, BPF_RB_AVAIL_DATA) +
					       ringbuf_slot() >=
				       (__u64)notify_every * ringbuf_slot() ?
			       BPF_RB_FORCE_WAKEUP :
			       BPF_RB_NO_WAKEUP;
	case RINGBUF_NOTIFY_BYTES: {
		__u32 zero = 0;
		__u64 *unwoken =
			bpf_map_lookup_elem(&ringbuf_unwoken_bytes, &zero);

		if (!unwoken)
			return 0;
		*unwoken += ringbuf_slot();
		if (*unwoken < notify_every)
			return BPF_RB_NO_WAKEUP;
		*unwoken = 0;
		return BPF_RB_FORCE_WAKEUP;
	}
	default:
		return 0;
	}
}

static __always_inline long rlb_output(void *ctx, struct rlb_record *rec,
				       __u32 size, __u64 seq)
{
	__u64 *slot;

	if (!kernel_record)
		return bpf_ringbuf_output(&rlb_ringbuf, rec, size,
					  ringbuf_notify_flags(seq));
	/* The kernel bench reserves and submits in place (no copy). */
	slot = bpf_ringbuf_reserve(&rlb_ringbuf, sizeof(*slot), 0);
	if (!slot)
		return -1;
	*slot = seq;
	bpf_ringbuf_submit(slot, ringbuf_notify_flags(seq));
	return 0;
}
