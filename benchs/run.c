// SPDX-License-Identifier: GPL-2.0
/*
 * run.c: the run loop.  Structure after the kernel's selftests/bpf bench:
 * the variant's setup has attached the producer; the harness starts
 * consumer and producer threads, warms up, measures iterations, then stops
 * producers, drains consumers and accounts for every produced record.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "counters.h"
#include "options.h"
#include "pin.h"
#include "plugin.h"
#include "loader.h"
#include "report.h"
#include "run.h"

int rlb_stop_producers;
int rlb_stop_consumers;
volatile sig_atomic_t rlb_interrupted;
struct rlb_consumer rlb_consumers[RLB_MAX_THREADS];

static int consumers_started;

/* One measurement point; iterations are differences of two of these. */
struct snap {
	u64 t_ns;
	struct rlb_sample s;
	u64 run_ns, run_cnt; /* BPF_ENABLE_STATS */
	u64 cons_ns, cons_ctxsw; /* libperf, consumer threads */
	u64 sys_busy, sys_total; /* /proc/stat */
	struct hist lat; /* every consumer's latencies so far */
};

/* Sleep in short steps so Ctrl-C is honoured promptly. */
static void sleep_s(double secs)
{
	u64 end = now_ns() + (u64)(secs * 1e9);
	struct timespec step = { 0, 10 * 1000 * 1000 };

	while (!rlb_interrupted && now_ns() < end)
		nanosleep(&step, NULL);
}

static void pin_to(int cpu)
{
	int ncpus = libbpf_num_possible_cpus();
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % ncpus, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
		fprintf(stderr, "warning: cannot pin thread to cpu %d\n",
			cpu % ncpus);
}

/* The shared trigger loop: getpgid(), at --rate if given. */
static void *producer_thread(void *arg)
{
	long idx = (long)arg;
	u64 period = env.rate ? 1000000000ull / env.rate : 0, next = now_ns();
	struct timespec ts;

	if (env.affinity)
		pin_to(env.cons_first ? env.consumers + idx : idx);
	if (env.back2back) { /* the first batch; consumers fire the rest */
		syscall(__NR_getpgid, 0);
		return NULL;
	}
	while (!flag_get(rlb_stop_producers)) {
		syscall(__NR_getpgid, 0); /* the trigger */
		if (!period)
			continue;
		next += period;
		/* Behind schedule: catch up without a sleep syscall (the vDSO
		 * clock is cheap, a timer in a TCG guest is not).
		 */
		if (next <= now_ns())
			continue;
		ts.tv_sec = next / 1000000000ull;
		ts.tv_nsec = next % 1000000000ull;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
	return NULL;
}

void rlb_b2b_trigger(void)
{
	if (env.back2back && !flag_get(rlb_stop_producers))
		syscall(__NR_getpgid, 0);
}

static void *consumer_trampoline(void *arg)
{
	struct rlb_consumer *c = arg;

	c->tid = (pid_t)syscall(SYS_gettid);
	if (env.affinity)
		pin_to(env.cons_first ? c->idx : env.producers + c->idx);
	__atomic_fetch_add(&consumers_started, 1, __ATOMIC_RELEASE);
	return env.variant->consumer(c);
}

void rlb_consumers_total(struct rlb_sample *s)
{
	int i;

	s->consumed = s->bytes = s->wakeups = 0;
	for (i = 0; i < env.consumers; i++) {
		s->consumed += rlb_load(&rlb_consumers[i].consumed);
		s->bytes += rlb_load(&rlb_consumers[i].bytes);
		s->wakeups += rlb_load(&rlb_consumers[i].wakeups);
	}
}

/* Produced/dropped from BPF, consumed and lost from the consumers' views. */
void rlb_account_common(struct loss_accounting *a)
{
	u64 bpf_seq[RLB_MAX_CPUS] = { 0 };
	struct seqtrack all;
	struct rlb_counters sum;
	struct rlb_sample s;
	u64 parse_errors = 0;
	int i;

	memset(a, 0, sizeof(*a));
	rlb_read_counters(&sum, bpf_seq);
	seqtrack_reset(&all);
	for (i = 0; i < env.consumers; i++) {
		seqtrack_merge(&all, &rlb_consumers[i].seq);
		parse_errors += rlb_consumers[i].parse_errors;
	}
	rlb_consumers_total(&s);
	a->produced = sum.produced;
	a->dropped = sum.dropped;
	a->consumed = s.consumed;
	/* a live reader sees every record once and in order */
	a->corrupt = all.corrupt + all.reordered + parse_errors;
	a->overwrite = env.overwrite;
	/* --count-only keeps no seq state: the tail is then "not seen" only if
	 * the totals disagree, which the equation catches anyway.
	 */
	if (!rlb_count_only)
		a->lost = all.gaps +
			  seqtrack_tail_lost(&all, bpf_seq, RLB_MAX_CPUS);
}

void rlb_measure_common(struct rlb_sample *s)
{
	struct rlb_counters sum;

	rlb_read_counters(&sum, NULL);
	rlb_consumers_total(s);
	s->produced = sum.produced;
	s->dropped = sum.dropped;
}

/* Consumers keep adding while this reads: hist_add() stores each bucket
 * atomically and this loads it atomically.
 */
static void latency_snap(struct hist *h)
{
	u32 b;
	int i;

	hist_reset(h);
	for (i = 0; env.variant->live_consumer && i < env.consumers; i++)
		for (b = 0; b < HIST_NBUCKETS; b++)
			h->buckets[b] +=
				rlb_load(&rlb_consumers[i].lat.buckets[b]);
}

/* p99 of the latencies recorded between two snaps.  The window's max is
 * unknown, so this is the upper edge of the p99 bucket (~3 % wide).
 */
static double window_p99(const struct hist *a, const struct hist *b)
{
	struct hist d;
	u32 i;

	hist_reset(&d);
	for (i = 0; i < HIST_NBUCKETS; i++) {
		d.buckets[i] = b->buckets[i] - a->buckets[i];
		d.count += d.buckets[i];
	}
	d.max = UINT64_MAX;
	return d.count ? (double)hist_percentile(&d, 99) : NAN;
}

static void take_snap(struct snap *sn, struct cons_counters *cc)
{
	memset(sn, 0, sizeof(*sn));
	sn->t_ns = now_ns();
	if (env.mech->run->measure)
		env.mech->run->measure(&sn->s);
	else
		rlb_measure_common(&sn->s);
	rlb_producer_stats(&sn->run_ns, &sn->run_cnt);
	if (cc)
		counters_read(cc, &sn->cons_ns, &sn->cons_ctxsw);
	sys_cpu_read(&sn->sys_busy, &sn->sys_total);
	latency_snap(&sn->lat);
}

static double per(u64 num, u64 den)
{
	return den ? (double)num / (double)den : NAN;
}

static void iter_from(const struct snap *a, const struct snap *b,
		      struct rlb_iter *it)
{
	double secs = (b->t_ns - a->t_ns) / 1e9;
	u64 produced = b->s.produced - a->s.produced;

	it->events_s = (b->s.consumed - a->s.consumed) / secs;
	it->mb_s = (b->s.bytes - a->s.bytes) / secs / 1e6;
	it->produced_s = produced / secs;
	it->dropped_s = (b->s.dropped - a->s.dropped) / secs;
	it->wakeups_s = (b->s.wakeups - a->s.wakeups) / secs;
	it->prod_ns_event = per(b->run_ns - a->run_ns, produced);
	it->cons_cpu_pct = (b->cons_ns - a->cons_ns) / 1e9 / secs * 100;
	it->cons_ctxsw_s = (b->cons_ctxsw - a->cons_ctxsw) / secs;
	it->sys_cpu_pct = 100.0 * per(b->sys_busy - a->sys_busy,
				      b->sys_total - a->sys_total);
	it->lat_p99_ns = window_p99(&a->lat, &b->lat);
}

struct threads {
	pthread_t prod[RLB_MAX_THREADS];
	pthread_t cons[RLB_MAX_THREADS];
	int nprod;
	int ncons;
};

static int start_consumers(struct threads *t)
{
	int i;

	__atomic_store_n(&consumers_started, 0, __ATOMIC_RELAXED);
	for (i = 0; i < env.consumers; i++) {
		consumer_reset(&rlb_consumers[i], i);
		if (pthread_create(&t->cons[i], NULL, consumer_trampoline,
				   &rlb_consumers[i]))
			return -1;
		t->ncons++;
	}
	while (__atomic_load_n(&consumers_started, __ATOMIC_ACQUIRE) < t->ncons)
		sched_yield();
	return 0;
}

static int start_producers(struct threads *t)
{
	int i;

	if (env.external) /* the traced application is someone else */
		return 0;
	for (i = 0; i < env.producers; i++) {
		if (pthread_create(&t->prod[i], NULL, producer_thread,
				   (void *)(long)i))
			return -1;
		t->nprod++;
	}
	return 0;
}

/* Producers first, so consumers can drain everything that was written. */
static void stop_threads(struct threads *t)
{
	int i;

	flag_set(rlb_stop_producers, 1);
	for (i = 0; i < t->nprod; i++)
		pthread_join(t->prod[i], NULL);
	flag_set(rlb_stop_consumers, 1);
	for (i = 0; i < t->ncons; i++)
		pthread_join(t->cons[i], NULL);
	t->nprod = t->ncons = 0;
}

static struct cons_counters *open_consumer_counters(void)
{
	pid_t tids[RLB_MAX_THREADS];
	struct cons_counters *cc;
	int i;

	if (!env.variant->live_consumer)
		return NULL;
	for (i = 0; i < env.consumers; i++)
		tids[i] = rlb_consumers[i].tid;
	cc = counters_open(tids, env.consumers);
	if (!cc)
		fprintf(stderr,
			"warning: no consumer perf counters (task-clock, context-switches)\n");
	return cc;
}

/* Merge what the snapshot readers saw and compare it with what was written. */
static void collect_snapshot(struct rlb_result *r, u64 t_stop)
{
	u64 bpf_seq[RLB_MAX_CPUS] = { 0 }, ts_min = 0, ts_max = 0,
	    tail_dropped = 0;
	static struct rlb_counters per_cpu[RLB_MAX_CPUS];
	struct seqtrack all;
	int i, cpu, n, used = 0;

	seqtrack_reset(&all);
	for (i = 0; i < env.consumers; i++) {
		const struct rlb_consumer *c = &rlb_consumers[i];

		seqtrack_merge(&all, &c->seq);
		all.corrupt += c->parse_errors;
		if (c->ts_min && (!ts_min || c->ts_min < ts_min))
			ts_min = c->ts_min;
		if (c->ts_max > ts_max)
			ts_max = c->ts_max;
	}
	n = rlb_read_percpu(per_cpu, RLB_MAX_CPUS);
	for (cpu = 0; cpu < n; cpu++) {
		bpf_seq[cpu] = per_cpu[cpu].seq;
		tail_dropped += per_cpu[cpu].tail_dropped;
		used += per_cpu[cpu].produced > 0;
	}
	snapshot_summarize(&all, ts_min, ts_max, t_stop, bpf_seq, n > 0 ? n : 0,
			   env.mech->run->capacity(used ? used : 1),
			   r->loss.consumed, r->torn, &r->snap);
	/* The newest record is only there if nothing newer was refused. */
	r->snap.newest_dropped = tail_dropped;
	if (tail_dropped)
		r->snap.newest_present = false;
}

static void collect_result(struct rlb_result *r)
{
	int i;

	hist_reset(&r->lat);
	for (i = 0;
	     i < env.consumers && (env.variant->live_consumer || rlb_snapshot);
	     i++) {
		hist_merge(&r->lat, &rlb_consumers[i].lat);
		r->torn += rlb_consumers[i].torn;
	}
	env.mech->run->account(&r->loss);
	r->loss_ok = !loss_check(&r->loss, r->loss_why, sizeof(r->loss_why));
	r->buffer_bytes = env.mech->run->buffer_bytes();
}

/* Producers have stopped; nobody read while they ran.  Readers now start
 * with the stop flag already set, so each does exactly one drain pass.
 */
static int read_snapshot(struct threads *t, struct rlb_result *r)
{
	u64 t0;
	int err;

	if (env.scenario == SCEN_NO_READER) {
		err = env.mech->run->recover(rlb_pin_dir());
		if (err)
			return err;
	}
	rlb_snapshot = true;
	t0 = now_ns();
	if (start_consumers(t)) {
		fprintf(stderr, "cannot start readers: %s\n", strerror(errno));
		return EXIT_ENV;
	}
	stop_threads(t);
	r->snap_read_ns = now_ns() - t0;
	return 0;
}

int rlb_run(struct rlb_result *r)
{
	struct rlb_iter its[env.iterations];
	struct cons_counters *cc = NULL;
	bool snapshot = scenario_is_snapshot(env.scenario);
	struct threads t = {};
	struct snap a, b;
	int i, n = 0, err = 0;
	u64 t_stop;

	if ((!snapshot && env.variant->live_consumer && start_consumers(&t)) ||
	    start_producers(&t)) {
		fprintf(stderr, "cannot start threads: %s\n", strerror(errno));
		err = EXIT_ENV;
		goto cleanup;
	}
	if (!snapshot)
		cc = open_consumer_counters();
	sleep_s(env.warmup_s);
	flag_set(rlb_measuring, 1);
	take_snap(&a, cc);
	for (i = 0; i < env.iterations && !rlb_interrupted; i++) {
		sleep_s(env.duration_s);
		take_snap(&b, cc);
		iter_from(&a, &b, &its[n]);
		if (!env.json)
			print_iter(n, &its[n]);
		n++;
		a = b;
	}
	flag_set(rlb_measuring, 0);
cleanup:
	stop_threads(&t);
	t_stop = now_ns();
	counters_close(cc);
	if (!err && snapshot && !rlb_interrupted)
		err = read_snapshot(&t, r);
	if (!err && !rlb_interrupted) {
		summarize_iters(its, n, r);
		collect_result(r);
		if (snapshot)
			collect_snapshot(r, t_stop);
	}
	return err;
}
