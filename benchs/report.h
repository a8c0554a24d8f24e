/* SPDX-License-Identifier: GPL-2.0 */
/* report.h: a run's result, summarized, as JSON or as text. */
#ifndef RLB_REPORT_H
#define RLB_REPORT_H

#include "consumer.h"
#include "hist.h"
#include "stats.h"

struct bench_meta;

/* One measured iteration; every field is a double, summarized alike. */
struct rlb_iter {
	double events_s, mb_s, produced_s, dropped_s, wakeups_s;
	double prod_ns_event, cons_cpu_pct, cons_ctxsw_s, sys_cpu_pct;
	double lat_p99_ns;
};

#define NR_ITER_FIELDS (sizeof(struct rlb_iter) / sizeof(double))

struct rlb_result {
	struct summary f[NR_ITER_FIELDS]; /* one per struct rlb_iter field */
	struct snapshot_summary snap;
	u64 snap_read_ns; /* wall time of the snapshot read */
	struct hist lat;
	struct loss_accounting loss;
	bool loss_ok;
	char loss_why[RLB_ERRLEN];
	u64 buffer_bytes;
	u64 torn;
};

void summarize_iters(const struct rlb_iter *its, int n, struct rlb_result *r);
/* One line per iteration while a run without --json goes. */
void print_iter(int i, const struct rlb_iter *it);
void report_json(const struct rlb_result *r, const struct bench_meta *m);
void report_text(const struct rlb_result *r, const struct bench_meta *m);

#endif /* RLB_REPORT_H */
