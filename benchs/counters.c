// SPDX-License-Identifier: GPL-2.0
/* counters.c: consumer-thread CPU time and context switches (libperf software
 * counters, the only kind these machines have), and system CPU (/proc/stat).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/perf_event.h>
#include <perf/core.h>
#include <perf/evsel.h>
#include <perf/threadmap.h>
#include "counters.h"

struct cons_counters {
	struct perf_thread_map *threads;
	struct perf_evsel *clock;
	struct perf_evsel *ctxsw;
	int nthreads;
};

static int quiet(enum libperf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

static struct perf_evsel *open_sw(u64 config, struct perf_thread_map *threads)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.config = config,
		.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED |
			       PERF_FORMAT_TOTAL_TIME_RUNNING,
	};
	struct perf_evsel *e = perf_evsel__new(&attr);

	if (e && perf_evsel__open(e, NULL, threads)) {
		perf_evsel__delete(e);
		e = NULL;
	}
	return e;
}

struct cons_counters *counters_open(const pid_t *tids, int n)
{
	struct cons_counters *c = calloc(1, sizeof(*c));

	libperf_init(quiet);
	if (!c)
		return NULL;
	c->nthreads = n;
	c->threads = perf_thread_map__new_array(n, (pid_t *)tids);
	if (!c->threads)
		goto fail;
	c->clock = open_sw(PERF_COUNT_SW_TASK_CLOCK, c->threads);
	c->ctxsw = open_sw(PERF_COUNT_SW_CONTEXT_SWITCHES, c->threads);
	if (!c->clock || !c->ctxsw)
		goto fail;
	return c;
fail:
	counters_close(c);
	return NULL;
}

static u64 sum_threads(struct perf_evsel *e, int n)
{
	struct perf_counts_values v;
	u64 sum = 0;
	int t;

	for (t = 0; t < n; t++) {
		memset(&v, 0, sizeof(v));
		if (!perf_evsel__read(e, 0, t, &v))
			sum += v.val;
	}
	return sum;
}

int counters_read(struct cons_counters *c, u64 *task_clock_ns,
		  u64 *ctx_switches)
{
	if (!c)
		return -1;
	*task_clock_ns = sum_threads(c->clock, c->nthreads);
	*ctx_switches = sum_threads(c->ctxsw, c->nthreads);
	return 0;
}

void counters_close(struct cons_counters *c)
{
	if (!c)
		return;
	if (c->clock) {
		perf_evsel__close(c->clock);
		perf_evsel__delete(c->clock);
	}
	if (c->ctxsw) {
		perf_evsel__close(c->ctxsw);
		perf_evsel__delete(c->ctxsw);
	}
	perf_thread_map__put(c->threads);
	free(c);
}

/* All CPUs: busy = total - idle - iowait, in USER_HZ ticks. */
int sys_cpu_read(u64 *busy, u64 *total)
{
	unsigned long long v[10] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	int n, i;

	if (!f)
		return -1;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
		   &v[8], &v[9]);
	fclose(f);
	if (n < 4)
		return -1;
	*total = 0;
	/* guest and guest_nice (8, 9) are already included in user/nice */
	for (i = 0; i < 8; i++)
		*total += v[i];
	*busy = *total - v[3] - v[4];
	return 0;
}
