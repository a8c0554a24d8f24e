// SPDX-License-Identifier: GPL-2.0
/* The relay map's kfunc, bpf_relay_map_output(), next to what the helper
 * does: the same records, the same errors.
 */
#include <linux/bpf.h>
#include <linux/errno.h>
#include <bpf/bpf_helpers.h>
#include "relay_test.h"

char LICENSE[] SEC("license") = "GPL";

extern int bpf_relay_map_output(void *map__map, void *data, __u32 data__sz,
				__u64 flags) __ksym;

struct {
	__uint(type, BPF_MAP_TYPE_RELAY);
	__uint(max_entries, 4096);
	__uint(value_size, 64);
	__uint(map_extra, 4);
} rk_relay SEC(".maps");

/* Any map gets past the verifier; the kfunc must refuse this one. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} rk_array SEC(".maps");

#define RK_PAYLOAD 16

/* A record bigger than a 4 KiB sub-buffer can take. */
struct rk_scratch {
	struct relay_test_rec hdr;
	__u8 payload[4096];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rk_scratch);
} rk_scratch SEC(".maps");

int target_tgid;
/* The test pins itself to one CPU, so plain counters do. */
__u64 attempts, ok, e2big, einval_flags, einval_type, other;

SEC("tp/syscalls/sys_enter_getpgid")
int rk_getpgid(void *ctx)
{
	struct rk_scratch *s;
	__u32 zero = 0, i;
	int err;

	if ((bpf_get_current_pid_tgid() >> 32) != (__u32)target_tgid)
		return 0;
	s = bpf_map_lookup_elem(&rk_scratch, &zero);
	if (!s)
		return 0;
	s->hdr.seq = attempts++;
	s->hdr.cpu = bpf_get_smp_processor_id();
	s->hdr.src = RT_SRC_SYSCALL;
	s->hdr.len = RK_PAYLOAD;
	for (i = 0; i < RK_PAYLOAD; i++)
		s->payload[i] = rt_payload_byte(s->hdr.seq, RT_SRC_SYSCALL, i);

	err = bpf_relay_map_output(&rk_relay, s, sizeof(s->hdr) + RK_PAYLOAD,
				   0);
	if (!err)
		ok++;
	else
		other++;
	/* too big for a sub-buffer: -E2BIG, counted as dropped */
	err = bpf_relay_map_output(&rk_relay, s, sizeof(*s), 0);
	if (err == -E2BIG)
		e2big++;
	else
		other++;
	/* flags must be 0: -EINVAL, not counted */
	err = bpf_relay_map_output(&rk_relay, s, 8, 1);
	if (err == -EINVAL)
		einval_flags++;
	else
		other++;
	/* not a relay map: -EINVAL at run time */
	err = bpf_relay_map_output(&rk_array, s, 8, 0);
	if (err == -EINVAL)
		einval_type++;
	else
		other++;
	return 0;
}
