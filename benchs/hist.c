// SPDX-License-Identifier: GPL-2.0
/*
 * hist.c: log-linear histogram.  Values below 2*HIST_SUB are exact; above,
 * every power of two is split into HIST_SUB equal buckets, so a bucket is at
 * most 1/HIST_SUB (about 3 %) wide relative to its values.
 */
#include <string.h>
#include "hist.h"

void hist_reset(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

u32 hist_bucket(u64 v)
{
	u32 msb, shift;

	if (v < 2 * HIST_SUB)
		return (u32)v;
	msb = 63 - __builtin_clzll(v);
	shift = msb - HIST_SUB_BITS;
	return shift * HIST_SUB + (u32)(v >> shift);
}

u64 hist_bucket_low(u32 idx)
{
	u32 shift;

	if (idx < 2 * HIST_SUB)
		return idx;
	shift = idx / HIST_SUB - 1;
	return (u64)(idx - shift * HIST_SUB) << shift;
}

u64 hist_bucket_high(u32 idx)
{
	if (idx + 1 >= HIST_NBUCKETS)
		return UINT64_MAX;
	return hist_bucket_low(idx + 1) - 1;
}

void hist_add(struct hist *h, u64 v)
{
	u64 *bucket = &h->buckets[hist_bucket(v)];

	/* One writer; the harness reads buckets while it runs (run.c). */
	__atomic_store_n(bucket, *bucket + 1, __ATOMIC_RELAXED);
	h->count++;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	u32 i;

	for (i = 0; i < HIST_NBUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
	dst->count += src->count;
	if (src->count && src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

/* Upper edge of the bucket holding the value of rank ceil(pct% * count),
 * clamped to the observed max: never under-reports a tail.
 */
u64 hist_percentile(const struct hist *h, double pct)
{
	u64 rank, seen = 0, high;
	u32 i;

	if (!h->count)
		return 0;
	if (pct <= 0)
		return h->min;
	rank = (u64)(pct / 100.0 * (double)h->count + 0.999999999);
	if (rank < 1)
		rank = 1;
	if (rank > h->count)
		rank = h->count;
	for (i = 0; i < HIST_NBUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank)
			break;
	}
	high = hist_bucket_high(i);
	return high < h->max ? high : h->max;
}
