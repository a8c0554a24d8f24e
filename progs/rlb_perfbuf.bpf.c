// SPDX-License-Identifier: GPL-2.0
/* Producer for the perf buffer (BPF_MAP_TYPE_PERF_EVENT_ARRAY).  Wakeups are
 * set on the user side (perf_event_attr.wakeup_events).
 */
#include "producer.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} rlb_perfbuf SEC(".maps");

static __always_inline long rlb_output(void *ctx, struct rlb_record *rec,
				       __u32 size, __u64 seq)
{
	return bpf_perf_event_output(ctx, &rlb_perfbuf, BPF_F_CURRENT_CPU, rec,
				     size);
}
