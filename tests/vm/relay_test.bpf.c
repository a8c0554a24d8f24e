// SPDX-License-Identifier: GPL-2.0
/* BPF side of the relay map selftests: writers in every context. */
#include <linux/bpf.h>
#include <linux/errno.h>
#include <bpf/bpf_helpers.h>
#include "relay_test.h"

#define NR_GETPGID_X86_64 121

char LICENSE[] SEC("license") = "GPL";

/* A BTF-defined relay map; the tests resize it before loading. */
struct {
	__uint(type, BPF_MAP_TYPE_RELAY);
	__uint(max_entries, 4096);
	__uint(value_size, 64);
	__uint(map_extra, 4);
} rt_relay SEC(".maps");

struct rt_scratch {
	struct relay_test_rec hdr;
	__u8 payload[RT_MAX_PAYLOAD];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RT_NR_SRC);
	__type(key, __u32);
	__type(value, struct relay_test_counts);
} rt_counts SEC(".maps");

/* One slot per source, so a nested writer never clobbers the outer one. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RT_NR_SRC);
	__type(key, __u32);
	__type(value, struct rt_scratch);
} rt_scratch SEC(".maps");

const volatile __u32 payload_len = 48;
const volatile __u32 batch = 1;

int target_tgid;
int irq_writers_enabled;

static __always_inline void emit(__u32 src)
{
	struct relay_test_counts *counts;
	struct rt_scratch *scratch;
	__u32 key = src, len, i;
	__u64 seq;
	long err;

	counts = bpf_map_lookup_elem(&rt_counts, &key);
	scratch = bpf_map_lookup_elem(&rt_scratch, &key);
	if (!counts || !scratch)
		return;

	len = payload_len;
	if (len > RT_MAX_PAYLOAD)
		len = RT_MAX_PAYLOAD;
	seq = counts->attempts++;
	scratch->hdr.seq = seq;
	scratch->hdr.cpu = bpf_get_smp_processor_id();
	scratch->hdr.src = src;
	scratch->hdr.len = len;
	for (i = 0; i < RT_MAX_PAYLOAD && i < len; i++)
		scratch->payload[i] = rt_payload_byte(seq, src, i);

	err = bpf_relay_output(&rt_relay, scratch, sizeof(scratch->hdr) + len, 0);
	if (!err)
		counts->ok++;
	else if (err == -EBUSY)
		counts->ebusy++;
	else if (err == -ENOSPC)
		counts->enospc++;
	else
		counts->other++;
}

static __always_inline int from_target(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == (__u32)target_tgid;
}

static __always_inline void emit_batch(void)
{
	__u32 i;

	for (i = 0; i < batch && i < 1024; i++)
		emit(RT_SRC_SYSCALL);
}

SEC("tp/syscalls/sys_enter_getpgid")
int rt_getpgid_tp(void *ctx)
{
	if (from_target())
		emit_batch();
	return 0;
}

/* raw_tp programs only guard against their own recursion, so the NMI
 * writer below can interrupt this one in the middle of a write.
 */
SEC("raw_tp/sys_enter")
int rt_sys_enter_raw(struct bpf_raw_tracepoint_args *ctx)
{
	if (ctx->args[1] == NR_GETPGID_X86_64 && from_target())
		emit_batch();
	return 0;
}

SEC("raw_tp/nmi_handler")
int rt_nmi(void *ctx)
{
	if (irq_writers_enabled)
		emit(RT_SRC_NMI);
	return 0;
}

SEC("perf_event")
int rt_cpu_clock(void *ctx)
{
	if (irq_writers_enabled)
		emit(RT_SRC_HARDIRQ);
	return 0;
}

/*
 * Stretches the writer's sub-buffer switch (relay calls subbuf_start in its
 * middle) so that a concurrent reader overlaps it often.  A kprobe program
 * only runs if no other kprobe/tp program is active on the CPU: pair it
 * with the raw_tp writer.
 */
__u32 switch_delay_loops;

static long rt_spin(__u64 i, void *ctx)
{
	return 0;
}

SEC("kprobe/relay_map_subbuf_start")
int rt_slow_switch(void *ctx)
{
	if (switch_delay_loops)
		bpf_loop(switch_delay_loops, rt_spin, NULL, 0);
	return 0;
}
