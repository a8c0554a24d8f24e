/* SPDX-License-Identifier: GPL-2.0 */
/* hist.h: log-linear latency histogram. */
#ifndef RLB_HIST_H
#define RLB_HIST_H

#include "rlb.h"

#define HIST_SUB_BITS 5
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_NBUCKETS (59 * HIST_SUB + HIST_SUB) /* covers all of u64 */

struct hist {
	u64 buckets[HIST_NBUCKETS];
	u64 count;
	u64 min;
	u64 max;
};

void hist_reset(struct hist *h);
u32 hist_bucket(u64 v);
u64 hist_bucket_low(u32 idx);
u64 hist_bucket_high(u32 idx);
void hist_add(struct hist *h, u64 v);
void hist_merge(struct hist *dst, const struct hist *src);
u64 hist_percentile(const struct hist *h, double pct);

#endif /* RLB_HIST_H */
