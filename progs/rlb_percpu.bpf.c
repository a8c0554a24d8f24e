// SPDX-License-Identifier: GPL-2.0
/*
 * Floor: what every mechanism does at the least -- build the record, then
 * copy its rec_size bytes into memory of this CPU -- with no
 * synchronisation, no notification and no consumer.  A mechanism's
 * producer cost reads as this floor plus its synchronisation.
 */
#include "producer.h"

/*
 * The copy's destination: RLB_FLOOR_SLOTS per-CPU slots taken in turn, as a
 * buffer would take records.  No BTF value type, so that the bench can set
 * value_size to rec_size rounded up to 8 bytes.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RLB_FLOOR_SLOTS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, RLB_REC_MAX); /* set before load, see above */
} rlb_floor SEC(".maps");

/*
 * The copy: plain 8-byte stores into the looked-up slot (the verifier
 * inlines a per-CPU array lookup), eight at a time, then the rest one by
 * one.  rec_size is a known constant to the verifier, which so bounds every
 * store.  Measured against the alternatives (producer ns/record, 88 and
 * 4120-byte records): natively 150 and 280, as bpf_map_update_elem()'s
 * memcpy (190 and 270); under TCG 450 and 1830, where the update costs
 * 690 and 14000 (its memcpy is slow there), bpf_probe_read_kernel() 600
 * and 3900 and a store loop without unrolling 500 and 3200.
 */
static __always_inline long rlb_output(void *ctx, struct rlb_record *rec,
				       __u32 size, __u64 seq)
{
	__u32 slot = seq % RLB_FLOOR_SLOTS, words = (size + 7) / 8, i = 0, j;
	const __u64 *src = (const __u64 *)rec;
	__u64 *dst = bpf_map_lookup_elem(&rlb_floor, &slot);

	if (!dst)
		return -1;
	for (; i + 8 <= RLB_REC_MAX / 8 && i + 8 <= words; i += 8) {
#pragma unroll
		for (j = 0; j < 8; j++)
			dst[i + j] = src[i + j];
	}
	for (; i < RLB_REC_MAX / 8 && i < words; i++)
		dst[i] = src[i];
	return 0;
}
