/* SPDX-License-Identifier: GPL-2.0 */
/* counters.h: consumer CPU counters via libperf, system CPU. */
#ifndef RLB_COUNTERS_H
#define RLB_COUNTERS_H

#include <sys/types.h>
#include "rlb.h"

struct cons_counters;
struct cons_counters *counters_open(const pid_t *tids, int n);
int counters_read(struct cons_counters *c, u64 *task_clock_ns,
		  u64 *ctx_switches);
void counters_close(struct cons_counters *c);
int sys_cpu_read(u64 *busy, u64 *total);

#endif /* RLB_COUNTERS_H */
