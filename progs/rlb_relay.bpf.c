// SPDX-License-Identifier: GPL-2.0
/*
 * Producer for BPF_MAP_TYPE_RELAY (our patch series).  Built twice: as
 * rlb_relay with the bpf_relay_output() helper, the RFC's API, and as
 * rlb_relay_kfunc (RLB_RELAY_KFUNC) with the bpf_relay_map_output() kfunc,
 * the form upstream would take, so that the two differ only in the call.
 */
#include "producer.h"

#ifdef RLB_RELAY_KFUNC
extern int bpf_relay_map_output(void *map__map, void *data, __u32 data__sz,
				__u64 flags) __ksym;
#endif

struct {
	__uint(type, BPF_MAP_TYPE_RELAY);
	__uint(key_size, 0);
	__uint(value_size, 64); /* room for the debugfs dir name */
	__uint(max_entries, 65536); /* sub-buffer bytes; set by the bench */
} rlb_relay SEC(".maps");

static __always_inline long rlb_output(void *ctx, struct rlb_record *rec,
				       __u32 size, __u64 seq)
{
#ifdef RLB_RELAY_KFUNC
	return bpf_relay_map_output(&rlb_relay, rec, size, 0);
#else
	return bpf_relay_output(&rlb_relay, rec, size, 0);
#endif
}
