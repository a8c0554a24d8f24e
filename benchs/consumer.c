// SPDX-License-Identifier: GPL-2.0
/* consumer.c: what every consumer does per record, and loss accounting. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "consumer.h"

int rlb_measuring;
bool rlb_count_only;
u64 rlb_lat_mask; /* lat_every - 1 */
bool rlb_snapshot;

void seqtrack_reset(struct seqtrack *t)
{
	memset(t, 0, sizeof(*t));
}

void seqtrack_add(struct seqtrack *t, u32 cpu, u64 seq)
{
	u64 last;

	if (cpu >= RLB_MAX_CPUS || seq == 0) {
		t->corrupt++;
		return;
	}
	last = t->last[cpu];
	if (seq <= last) {
		t->reordered++;
		return;
	}
	if (!t->first[cpu])
		t->first[cpu] = seq;
	else if (seq != last + 1)
		t->breaks++;
	t->gaps += seq - last - 1;
	t->last[cpu] = seq;
}

/* Fold what one consumer saw into dst, as if one consumer had seen it all:
 * the newest seq and the oldest (0 = none) per CPU, the sum of the counts.
 */
void seqtrack_merge(struct seqtrack *dst, const struct seqtrack *src)
{
	int cpu;

	for (cpu = 0; cpu < RLB_MAX_CPUS; cpu++) {
		if (src->last[cpu] > dst->last[cpu])
			dst->last[cpu] = src->last[cpu];
		if (src->first[cpu] &&
		    (!dst->first[cpu] || src->first[cpu] < dst->first[cpu]))
			dst->first[cpu] = src->first[cpu];
	}
	dst->gaps += src->gaps;
	dst->breaks += src->breaks;
	dst->reordered += src->reordered;
	dst->corrupt += src->corrupt;
}

/* Records the producer wrote (bpf_seq) after the last one we saw. */
u64 seqtrack_tail_lost(const struct seqtrack *t, const u64 *bpf_seq, int ncpus)
{
	u64 lost = 0;
	int cpu;

	for (cpu = 0; cpu < ncpus && cpu < RLB_MAX_CPUS; cpu++)
		if (bpf_seq[cpu] > t->last[cpu])
			lost += bpf_seq[cpu] - t->last[cpu];
	return lost;
}

void consumer_reset(struct rlb_consumer *c, int idx)
{
	memset(c, 0, sizeof(*c));
	c->idx = idx;
	hist_reset(&c->lat);
}

bool consume_record(struct rlb_consumer *c, const void *data, u64 size)
{
	const struct rlb_record *rec = data;

	if (rlb_count_only) /* the overhead baseline: no header, seq, clock */
		goto count;
	/* perf pads raw samples to 8 bytes, so allow up to 7 trailing bytes. */
	if (size < sizeof(*rec) || rec->len > size || size - rec->len >= 8) {
		c->seq.corrupt++;
		return false;
	}
	seqtrack_add(&c->seq, rec->cpu, rec->seq);
	if (rlb_snapshot) {
		if (!c->ts_min || rec->ts_ns < c->ts_min)
			c->ts_min = rec->ts_ns;
		if (rec->ts_ns > c->ts_max)
			c->ts_max = rec->ts_ns;
	}
	/* Reading the clock costs ~26 ns, a quarter of a record at 10 M/s:
	 * at saturation only every lat_every-th record of a CPU is timed.
	 */
	if (flag_get(rlb_measuring) && !(rec->seq & rlb_lat_mask)) {
		u64 now = now_ns();

		/* A record stamped after now would be a clock bug: count 0. */
		hist_add(&c->lat, now > rec->ts_ns ? now - rec->ts_ns : 0);
	}
count:
	rlb_store(&c->consumed, c->consumed + 1);
	rlb_store(&c->bytes, c->bytes + (rlb_count_only ? size : rec->len));
	return true;
}

int loss_check(const struct loss_accounting *a, char *why, size_t len)
{
	u64 rhs = a->consumed + a->dropped + a->lost + a->in_buffer;

	if (a->produced != rhs) {
		snprintf(
			why, len,
			"produced %llu != consumed %llu + dropped %llu + lost %llu + in-buffer %llu",
			(unsigned long long)a->produced,
			(unsigned long long)a->consumed,
			(unsigned long long)a->dropped,
			(unsigned long long)a->lost,
			(unsigned long long)a->in_buffer);
		return -1;
	}
	if (a->lost && !a->overwrite) {
		snprintf(why, len, "%llu records lost without overwrite mode",
			 (unsigned long long)a->lost);
		return -1;
	}
	if (a->corrupt) {
		snprintf(why, len, "%llu corrupt records",
			 (unsigned long long)a->corrupt);
		return -1;
	}
	return 0;
}

void snapshot_summarize(const struct seqtrack *seen, u64 ts_min, u64 ts_max,
			u64 t_stop, const u64 *bpf_seq, int ncpus, u64 capacity,
			u64 recovered, u64 torn, struct snapshot_summary *out)
{
	int cpu;

	memset(out, 0, sizeof(*out));
	out->recovered = recovered;
	out->capacity = capacity;
	out->retention = capacity ? (double)recovered / capacity : 0;
	out->newest_present = recovered > 0;
	for (cpu = 0; cpu < ncpus && cpu < RLB_MAX_CPUS; cpu++) {
		if (bpf_seq[cpu] > out->last_seq)
			out->last_seq = bpf_seq[cpu];
		if (bpf_seq[cpu] && seen->last[cpu] != bpf_seq[cpu])
			out->newest_present = false;
		if (seen->first[cpu] &&
		    (!out->oldest_seq || seen->first[cpu] < out->oldest_seq))
			out->oldest_seq = seen->first[cpu];
		if (seen->last[cpu] > out->newest_seq)
			out->newest_seq = seen->last[cpu];
	}
	if (recovered) {
		out->oldest_age_ns = t_stop > ts_min ? t_stop - ts_min : 0;
		out->newest_age_ns = t_stop > ts_max ? t_stop - ts_max : 0;
	}
	out->torn = torn + seen->corrupt;
	out->duplicates = seen->reordered;
	out->seq_breaks = seen->breaks;
}
