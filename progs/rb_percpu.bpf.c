// SPDX-License-Identifier: GPL-2.0
/*
 * Floor: what every mechanism does at the least -- build the record, then
 * copy its rec_size bytes into memory of this CPU -- with no
 * synchronisation, no notification and no consumer.  A mechanism's
 * producer cost reads as this floor plus its synchronisation.
 */
#include "producer.h"

/*
 * The copy's destination: RB_FLOOR_SLOTS per-CPU slots taken in turn, as a
 * buffer would take records.  No BTF value type, so that the bench can set
 * value_size to rec_size and the update copies exactly one record.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RB_FLOOR_SLOTS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, RB_REC_MAX); /* set to rec_size before load */
} rb_floor SEC(".maps");

static __always_inline long rb_output(void *ctx, struct rb_record *rec,
				      __u32 size, __u64 seq)
{
	__u32 slot = seq % RB_FLOOR_SLOTS;

	return bpf_map_update_elem(&rb_floor, &slot, rec, BPF_ANY);
}
