// SPDX-License-Identifier: GPL-2.0
/* Producer for BPF_MAP_TYPE_RELAY (our patch series). */
#include "producer.h"

struct {
	__uint(type, BPF_MAP_TYPE_RELAY);
	__uint(key_size, 0);
	__uint(value_size, 64); /* room for the debugfs dir name */
	__uint(max_entries, 65536); /* sub-buffer bytes; set by the bench */
} rlb_relay SEC(".maps");

static __always_inline long rlb_output(void *ctx, struct rlb_record *rec,
				       __u32 size, __u64 seq)
{
	return bpf_relay_output(&rlb_relay, rec, size, 0);
}
