// SPDX-License-Identifier: GPL-2.0
/* report.c: a run's result as one JSON object (results/SCHEMA.md) or text. */
#include <stdio.h>
#include "json.h"
#include "meta.h"
#include "options.h"
#include "plugin.h"
#include "report.h"

void print_iter(int i, const struct rlb_iter *it)
{
	printf("Iter %3d: events %8.3fM/s %9.2f MB/s | produced %8.3fM/s dropped %8.3fM/s | wakeups %9.1f/s | prod %7.1f ns/ev | cons cpu %5.1f%% ctxsw %8.1f/s | sys cpu %5.1f%%\n",
	       i, it->events_s / 1e6, it->mb_s, it->produced_s / 1e6,
	       it->dropped_s / 1e6, it->wakeups_s, it->prod_ns_event,
	       it->cons_cpu_pct, it->cons_ctxsw_s, it->sys_cpu_pct);
	fflush(stdout);
}

void summarize_iters(const struct rlb_iter *its, int n, struct rlb_result *r)
{
	double col[n];
	size_t f;
	int i;

	for (f = 0; f < NR_ITER_FIELDS; f++) {
		for (i = 0; i < n; i++)
			col[i] = ((const double *)&its[i])[f];
		summarize(col, n, &r->f[f]);
	}
}

#define FIELD(name) (offsetof(struct rlb_iter, name) / sizeof(double))

static void summary_json(struct json *j, const char *key,
			 const struct summary *s)
{
	json_begin(j, key);
	json_dbl(j, "median", s->median);
	json_dbl(j, "stddev", s->stddev);
	json_dbl(j, "min", s->min);
	json_dbl(j, "max", s->max);
	json_end(j);
}

/* [upper_ns, cumulative fraction] of every non-empty bucket; upper_ns is
 * what hist_percentile() reports for that bucket.
 */
static void latency_cdf_json(struct json *j, const struct hist *h)
{
	u64 seen = 0, high;
	u32 i;

	json_begin_array(j, "cdf");
	for (i = 0; i < HIST_NBUCKETS && seen < h->count; i++) {
		if (!h->buckets[i])
			continue;
		seen += h->buckets[i];
		high = hist_bucket_high(i);
		json_begin_array(j, NULL);
		json_u64(j, NULL, high < h->max ? high : h->max);
		/* enough digits that no two points round to the same value */
		json_dbl_digits(j, NULL, (double)seen / (double)h->count, 12);
		json_end_array(j);
	}
	json_end_array(j);
}

static void latency_json(struct json *j, const struct hist *h,
			 const struct summary *p99_iter)
{
	json_begin(j, "latency_ns");
	json_u64(j, "count", h->count);
	json_u64(j, "every", env.lat_every);
	json_u64(j, "p50", hist_percentile(h, 50));
	json_u64(j, "p90", hist_percentile(h, 90));
	json_u64(j, "p99", hist_percentile(h, 99));
	json_u64(j, "p99_9", hist_percentile(h, 99.9));
	json_u64(j, "max", h->count ? h->max : 0);
	summary_json(j, "p99_per_iteration", p99_iter);
	latency_cdf_json(j, h);
	json_end(j);
}

static void loss_json(struct json *j, const struct rlb_result *r)
{
	json_begin(j, "loss");
	json_u64(j, "produced", r->loss.produced);
	json_u64(j, "consumed", r->loss.consumed);
	json_u64(j, "dropped", r->loss.dropped);
	json_u64(j, "lost", r->loss.lost);
	json_u64(j, "in_buffer", r->loss.in_buffer);
	json_u64(j, "corrupt", r->loss.corrupt);
	json_u64(j, "torn", r->torn);
	json_bool(j, "ok", r->loss_ok);
	json_end(j);
}

static void snapshot_json(struct json *j, const struct rlb_result *r)
{
	const struct snapshot_summary *s = &r->snap;

	json_begin(j, "snapshot");
	json_str(j, "reader", env.bench_name);
	json_u64(j, "capacity_records", s->capacity);
	json_u64(j, "recovered", s->recovered);
	json_dbl(j, "retention", s->retention);
	json_bool(j, "newest_present", s->newest_present);
	json_u64(j, "newest_dropped", s->newest_dropped);
	json_u64(j, "oldest_seq", s->oldest_seq);
	json_u64(j, "newest_seq", s->newest_seq);
	json_u64(j, "last_seq", s->last_seq);
	json_u64(j, "oldest_age_ns", s->oldest_age_ns);
	json_u64(j, "newest_age_ns", s->newest_age_ns);
	json_u64(j, "torn", s->torn);
	json_u64(j, "duplicates", s->duplicates);
	json_u64(j, "seq_breaks", s->seq_breaks);
	json_u64(j, "read_ns", r->snap_read_ns);
	json_end(j);
}

void report_json(const struct rlb_result *r, const struct bench_meta *m)
{
	/* records/s the rate limit asks for in all; 0 without one */
	double offered = (double)env.rate * env.batch * env.producers;
	char policy[64];
	struct json j;

	json_init(&j);
	json_begin(&j, NULL);
	json_str(&j, "bench", env.bench_name);
	json_str(&j, "mechanism", env.mech->name);
	json_str(&j, "scenario", scenario_name(env.scenario));
	policy_label(policy, sizeof(policy));
	json_str(&j, "policy", policy);
	params_json(&j);
	meta_json(&j, m);
	json_begin(&j, "throughput");
	summary_json(&j, "events_per_s", &r->f[FIELD(events_s)]);
	summary_json(&j, "mb_per_s", &r->f[FIELD(mb_s)]);
	summary_json(&j, "produced_per_s", &r->f[FIELD(produced_s)]);
	summary_json(&j, "dropped_per_s", &r->f[FIELD(dropped_s)]);
	/* A rate it cannot deliver is saturation, not "no loss". */
	json_dbl(&j, "offered_per_s", offered);
	json_bool(&j, "saturated",
		  !offered || r->f[FIELD(events_s)].median < 0.95 * offered);
	json_end(&j);
	latency_json(&j, &r->lat, &r->f[FIELD(lat_p99_ns)]);
	loss_json(&j, r);
	json_begin(&j, "cpu");
	summary_json(&j, "producer_ns_per_event", &r->f[FIELD(prod_ns_event)]);
	summary_json(&j, "consumer_cpu_pct", &r->f[FIELD(cons_cpu_pct)]);
	summary_json(&j, "consumer_ctx_switches_per_s",
		     &r->f[FIELD(cons_ctxsw_s)]);
	summary_json(&j, "system_cpu_pct", &r->f[FIELD(sys_cpu_pct)]);
	json_end(&j);
	summary_json(&j, "wakeups_per_s", &r->f[FIELD(wakeups_s)]);
	json_begin(&j, "memory");
	json_u64(&j, "buffer_bytes", r->buffer_bytes);
	json_end(&j);
	if (scenario_is_snapshot(env.scenario))
		snapshot_json(&j, r);
	json_end(&j);
	printf("%s\n", j.buf);
	fflush(stdout);
	json_free(&j);
}

void report_text(const struct rlb_result *r, const struct bench_meta *m)
{
	const struct summary *ev = &r->f[FIELD(events_s)],
			     *mb = &r->f[FIELD(mb_s)];
	const struct hist *h = &r->lat;
	char policy[64];

	policy_label(policy, sizeof(policy));
	printf("Summary %s, policy %s (%s, %s, %d iterations):\n",
	       env.bench_name, policy, m->kernel, m->where, ev->n);
	printf("  throughput  %.3f ± %.3f M/s (min %.3f, max %.3f), %.2f ± %.2f MB/s\n",
	       ev->median / 1e6, ev->stddev / 1e6, ev->min / 1e6, ev->max / 1e6,
	       mb->median, mb->stddev);
	printf("  latency ns  p50 %llu p90 %llu p99 %llu p99.9 %llu max %llu (%llu samples, 1 in %u)\n",
	       (unsigned long long)hist_percentile(h, 50),
	       (unsigned long long)hist_percentile(h, 90),
	       (unsigned long long)hist_percentile(h, 99),
	       (unsigned long long)hist_percentile(h, 99.9),
	       (unsigned long long)(h->count ? h->max : 0),
	       (unsigned long long)h->count, env.lat_every);
	printf("  loss        produced %llu consumed %llu dropped %llu lost %llu in-buffer %llu corrupt %llu: %s\n",
	       (unsigned long long)r->loss.produced,
	       (unsigned long long)r->loss.consumed,
	       (unsigned long long)r->loss.dropped,
	       (unsigned long long)r->loss.lost,
	       (unsigned long long)r->loss.in_buffer,
	       (unsigned long long)r->loss.corrupt,
	       r->loss_ok ? "ok" : "VIOLATION");
	printf("  cpu         producer %.1f ns/event, consumer %.1f%% cpu %.0f ctxsw/s, system %.1f%%\n",
	       r->f[FIELD(prod_ns_event)].median,
	       r->f[FIELD(cons_cpu_pct)].median,
	       r->f[FIELD(cons_ctxsw_s)].median,
	       r->f[FIELD(sys_cpu_pct)].median);
	printf("  wakeups     %.1f/s   buffer %llu bytes\n",
	       r->f[FIELD(wakeups_s)].median,
	       (unsigned long long)r->buffer_bytes);
	if (scenario_is_snapshot(env.scenario))
		printf("  snapshot    %llu of %llu records (retention %.3f), seq %llu..%llu of %llu, newest %s, ages %.3f..%.3f s, torn %llu dup %llu breaks %llu, read %.3f ms\n",
		       (unsigned long long)r->snap.recovered,
		       (unsigned long long)r->snap.capacity, r->snap.retention,
		       (unsigned long long)r->snap.oldest_seq,
		       (unsigned long long)r->snap.newest_seq,
		       (unsigned long long)r->snap.last_seq,
		       r->snap.newest_present ? "present" : "missing",
		       r->snap.newest_age_ns / 1e9, r->snap.oldest_age_ns / 1e9,
		       (unsigned long long)r->snap.torn,
		       (unsigned long long)r->snap.duplicates,
		       (unsigned long long)r->snap.seq_breaks,
		       r->snap_read_ns / 1e6);
}
