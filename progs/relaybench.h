/* SPDX-License-Identifier: GPL-2.0 */
/*
 * relaybench.h: types shared by the BPF producers (progs/) and the user-space
 * bench (benchs/).  Plain __u32/__u64 only, so both sides can include it.
 */
#ifndef RELAYBENCH_H
#define RELAYBENCH_H

#include <linux/types.h>

/* Every record starts with this header; the payload follows up to len. */
struct rlb_record {
	__u64 seq; /* per-CPU, from 1, counts successful outputs only */
	__u64 ts_ns; /* bpf_ktime_get_ns() == CLOCK_MONOTONIC */
	__u32 cpu; /* CPU the producer ran on */
	__u32 len; /* total record bytes, header included */
};

/* The user chooses the payload (bytes after the header); producers and
 * consumers work with the total record size, header included.
 */
#define RLB_HDR_SIZE ((__u32)sizeof(struct rlb_record))
#define RLB_PAYLOAD_MIN 16u
#define RLB_PAYLOAD_MAX 4096u
#define RLB_REC_MIN (RLB_HDR_SIZE + RLB_PAYLOAD_MIN)
#define RLB_REC_MAX (RLB_HDR_SIZE + RLB_PAYLOAD_MAX)
#define RLB_BATCH_MAX 1024u
/* The percpu floor copies each record into one of this many slots per CPU. */
#define RLB_FLOOR_SLOTS 8u
/* The kernel bench's record (--kernel-record): one bare __u64. */
#define RLB_KERNEL_REC_SIZE 8u

/* Per-CPU counters kept by every producer, in the percpu array rlb_counters. */
struct rlb_counters {
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
enum ringbuf_notify {
	RINGBUF_NOTIFY_DEFAULT = 0, /* adaptive: kernel decides */
	RINGBUF_NOTIFY_NONE = 1, /* BPF_RB_NO_WAKEUP always */
	RINGBUF_NOTIFY_FORCE = 2, /* BPF_RB_FORCE_WAKEUP always */
	RINGBUF_NOTIFY_SAMPLED =
		3, /* force a wakeup every notify_every records */
	/* force a wakeup once notify_every records are unread, else none (the
	 * kernel bench's --rb-sampled)
	 */
	RINGBUF_NOTIFY_AVAIL = 4,
	/* force a wakeup once notify_every bytes were written on this CPU
	 * since the last one, else none (--policy batch:BYTES)
	 */
	RINGBUF_NOTIFY_BYTES = 5,
};

#define RLB_GETPGID_NR 121 /* __NR_getpgid on x86_64, for the raw_tp filter */

#endif /* RELAYBENCH_H */
