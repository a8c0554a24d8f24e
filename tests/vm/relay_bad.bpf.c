// SPDX-License-Identifier: GPL-2.0
/* Programs the verifier must reject: the relay map and its helper are
 * tied to each other both ways.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RELAY);
	__uint(max_entries, 4096);
	__uint(value_size, 16);
} bad_relay SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} bad_ringbuf SEC(".maps");

SEC("tp/syscalls/sys_enter_getpgid")
int relay_output_on_ringbuf(void *ctx)
{
	__u64 v = 1;

	bpf_relay_output(&bad_ringbuf, &v, sizeof(v), 0);
	return 0;
}

SEC("tp/syscalls/sys_enter_getpgid")
int ringbuf_output_on_relay(void *ctx)
{
	__u64 v = 1;

	bpf_ringbuf_output(&bad_relay, &v, sizeof(v), 0);
	return 0;
}

SEC("tp/syscalls/sys_enter_getpgid")
int update_relay_from_bpf(void *ctx)
{
	char name[16] = "fromprog";
	__u32 key = 0;

	bpf_map_update_elem(&bad_relay, &key, name, 0);
	return 0;
}
