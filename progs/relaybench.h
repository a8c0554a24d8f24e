/* SPDX-License-Identifier: GPL-2.0 */
/*
 * relaybench.h: types shared by the BPF producers (progs/) and the user-space
 * bench (benchs/).  Plain __u32/__u64 only, so both sides can include it.
 */
#ifndef RELAYBENCH_H
#define RELAYBENCH_H

#include <linux/types.h>

/* Every record starts with this header; the payload follows up to len. */
struct rb_record {
	__u64 seq; /* per-CPU, from 1, counts successful outputs only */
	__u64 ts_ns; /* bpf_ktime_get_ns() == CLOCK_MONOTONIC */
	__u32 cpu; /* CPU the producer ran on */
	__u32 len; /* total record bytes, header included */
};

/* The user chooses the payload (bytes after the header); producers and
 * consumers work with the total record size, header included.
 */
#define RB_HDR_SIZE ((__u32)sizeof(struct rb_record))
#define RB_PAYLOAD_MIN 16u
#define RB_PAYLOAD_MAX 4096u
#define RB_REC_MIN (RB_HDR_SIZE + RB_PAYLOAD_MIN)
#define RB_REC_MAX (RB_HDR_SIZE + RB_PAYLOAD_MAX)
#define RB_BATCH_MAX 1024u
/* The percpu floor copies each record into one of this many slots per CPU. */
#define RB_FLOOR_SLOTS 8u
/* The kernel bench's record (--kernel-record): one bare __u64. */
#define RB_KERNEL_REC_SIZE 8u

/* Per-CPU counters kept by every producer, in the percpu array rb_counters. */
struct rb_counters {
	__u64 produced; /* records the producer tried to output */
	__u64 dropped; /* outputs the mechanism refused (helper returned < 0) */
	__u64 seq; /* last sequence number handed out (successful outputs) */
	__u64 triggers; /* trigger hits that passed the filter */
	/* drops since the last successful output: the newest records a full
	 * buffer refused
	 */
	__u64 tail_dropped;
};

/* Ring buffer notification policy (rodata knob notify_mode). */
enum rb_notify {
	RB_NOTIFY_DEFAULT = 0, /* adaptive: kernel decides */
	RB_NOTIFY_NONE = 1, /* BPF_RB_NO_WAKEUP always */
	RB_NOTIFY_FORCE = 2, /* BPF_RB_FORCE_WAKEUP always */
	RB_NOTIFY_SAMPLED = 3, /* force a wakeup every notify_every records */
	/* force a wakeup once notify_every records are unread, else none (the
	 * kernel bench's --rb-sampled)
	 */
	RB_NOTIFY_AVAIL = 4,
	/* force a wakeup once notify_every bytes were written on this CPU
	 * since the last one, else none (--policy batch:BYTES)
	 */
	RB_NOTIFY_BYTES = 5,
};

#define RB_GETPGID_NR 121 /* __NR_getpgid on x86_64, for the raw_tp filter */

#endif /* RELAYBENCH_H */
