/* SPDX-License-Identifier: GPL-2.0 */
/* consumer.h: what every consumer does per record, and loss accounting. */
#ifndef RLB_CONSUMER_H
#define RLB_CONSUMER_H

#include <sys/types.h>
#include "hist.h"
#include "rlb.h"

struct seqtrack {
	u64 first[RLB_MAX_CPUS]; /* first seq seen per producing CPU */
	u64 last[RLB_MAX_CPUS]; /* last seq seen per producing CPU */
	u64 gaps; /* records missing between seen seqs (and before the first) */
	u64 breaks; /* discontinuities after a CPU's first record */
	u64 reordered; /* seq <= last: duplicate or out of order */
	u64 corrupt; /* records whose header does not make sense */
};

struct rlb_consumer {
	int idx;
	pid_t tid;
	struct seqtrack seq;
	struct hist lat;
	u64 consumed; /* records; written by the consumer only */
	u64 bytes;
	u64 wakeups; /* returns from a blocking wait with data */
	u64 torn; /* relay: sub-buffer overwritten while read */
	u64 parse_errors; /* relay, perf: framing errors */
	u64 ts_min, ts_max; /* snapshot: oldest and newest record stamps */
};

/* What a bench reports at a point in time; the harness takes differences. */
struct rlb_sample {
	u64 produced;
	u64 dropped;
	u64 consumed;
	u64 bytes;
	u64 wakeups;
};

/* Switched by the harness: latency is only sampled while measuring. */
extern int rlb_measuring;
extern bool rlb_count_only;
extern u64 rlb_lat_mask;
extern bool rlb_snapshot; /* consumers also keep ts_min/ts_max */

void seqtrack_reset(struct seqtrack *t);
void seqtrack_add(struct seqtrack *t, u32 cpu, u64 seq);
void seqtrack_merge(struct seqtrack *dst, const struct seqtrack *src);
u64 seqtrack_tail_lost(const struct seqtrack *t, const u64 *bpf_seq, int ncpus);
void consumer_reset(struct rlb_consumer *c, int idx);
/* Account one record as a real consumer would: check its header and seq,
 * sample latency.  Returns false if the record is corrupt.
 */
bool consume_record(struct rlb_consumer *c, const void *data, u64 size);

struct loss_accounting {
	u64 produced;
	u64 consumed;
	u64 dropped;
	u64 lost; /* seq gaps + records written but never seen */
	u64 in_buffer;
	u64 corrupt;
	bool overwrite; /* lost records are legal only in overwrite mode */
};

/* What a snapshot read (overwrite, no-reader) recovered; seqs are per CPU,
 * oldest/newest over all CPUs, ages relative to when producers stopped.
 */
struct snapshot_summary {
	u64 recovered;
	u64 capacity; /* records that fit in the buffers written to */
	double retention; /* recovered / capacity */
	bool newest_present; /* every CPU's newest record was recovered */
	u64 newest_dropped; /* newest records refused by a full buffer */
	u64 oldest_seq;
	u64 newest_seq;
	u64 last_seq; /* the newest seq the producers wrote */
	u64 oldest_age_ns;
	u64 newest_age_ns;
	u64 torn; /* torn or corrupt records seen */
	u64 duplicates; /* records seen twice or out of order */
	u64 seq_breaks; /* discontinuities inside a CPU's recovered run */
};

void snapshot_summarize(const struct seqtrack *seen, u64 ts_min, u64 ts_max,
			u64 t_stop, const u64 *bpf_seq, int ncpus, u64 capacity,
			u64 recovered, u64 torn, struct snapshot_summary *out);

/* 0 if produced == consumed + dropped + lost + in_buffer (and no loss or
 * corruption outside overwrite mode); -1 with the reason in why otherwise.
 */
int loss_check(const struct loss_accounting *a, char *why, size_t len);

#endif /* RLB_CONSUMER_H */
