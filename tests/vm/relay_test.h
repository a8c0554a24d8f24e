/* SPDX-License-Identifier: GPL-2.0 */
/* Types shared by the relay selftest's BPF programs and its user side. */
#ifndef RELAY_TEST_H
#define RELAY_TEST_H

#include <linux/types.h>

/* Which program wrote a record: they nest in this order on one CPU. */
enum relay_test_src {
	RT_SRC_SYSCALL = 0,	/* tp or raw_tp on getpgid, task context */
	RT_SRC_HARDIRQ = 1,	/* perf_event on a cpu-clock timer */
	RT_SRC_NMI = 2,		/* raw_tp on nmi_handler */
	RT_NR_SRC = 3,
};

#define RT_MAX_PAYLOAD 256

/* Every test record; payload byte i is rt_payload_byte(seq, src, i). */
struct relay_test_rec {
	__u64 seq;		/* attempt number of this source on this CPU */
	__u32 cpu;
	__u16 src;
	__u16 len;		/* payload bytes after this header */
};

/* Outcomes of bpf_relay_output(), per source, per CPU. */
struct relay_test_counts {
	__u64 attempts;
	__u64 ok;
	__u64 ebusy;
	__u64 enospc;
	__u64 other;
};

static inline __u8 rt_payload_byte(__u64 seq, __u32 src, __u32 i)
{
	return (__u8)(seq * 31 + i * 7 + src);
}

#endif /* RELAY_TEST_H */
