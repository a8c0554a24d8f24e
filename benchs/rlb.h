/* SPDX-License-Identifier: GPL-2.0 */
/* rlb.h: what every part of the relaybench harness shares. */
#ifndef RLB_H
#define RLB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "relaybench.h"

typedef uint64_t u64;
typedef uint32_t u32;

#define EXIT_USAGE 2 /* bad input */
#define EXIT_ENV 1 /* environment cannot run the bench */
#define RLB_MAX_CPUS 256
#define RLB_MAX_THREADS 64
#define RLB_ERRLEN 256

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/*
 * Flags one thread (or the signal handler) sets and others poll: relaxed
 * atomics, user space's READ_ONCE/WRITE_ONCE.  volatile would not make the
 * access atomic nor tell the compiler another thread writes it.
 */
#define flag_get(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define flag_set(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* Counters one thread writes and the harness reads while it runs. */
static inline void rlb_store(u64 *p, u64 v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static inline u64 rlb_load(const u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* The clock of bpf_ktime_get_ns(), which stamps records: latency is the
 * difference of the two.
 */
static inline u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

#endif /* RLB_H */
