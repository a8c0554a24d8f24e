// SPDX-License-Identifier: GPL-2.0
/*
 * bench.c: the relaybench harness.  Structure after the kernel's
 * selftests/bpf bench: a table of variants, each with setup, producer and
 * consumer threads, measure and teardown; the harness warms up, runs
 * iterations, then stops producers, drains consumers and checks that every
 * produced record is accounted for.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bench.h"

static const struct bench *benchs[] = {
	&bench_ringbuf_libbpf, &bench_ringbuf_busy,   &bench_ringbuf_custom,
	&bench_perfbuf_libbpf, &bench_perfbuf_custom, &bench_relay_mmap,
	&bench_relay_read,     &bench_relay_cat,      &bench_percpu,
};
#define NR_BENCHS ARRAY_SIZE(benchs)

int rlb_stop_producers;
int rlb_stop_consumers;
volatile sig_atomic_t rlb_interrupted;
struct rlb_consumer rlb_consumers[RLB_MAX_THREADS];
int rlb_ncpus;
int rlb_counters_fd = -1;
pid_t rlb_main_pid;

#define BPFFS "/sys/fs/bpf"
#define PIN_PREFIX "relaybench-"

static const struct bench *bench;
static int stats_prog_fd = -1; /* the attached producer, for run_time_ns */
static int consumers_started;
static char pin_dir[64]; /* no-reader: our directory in bpffs */

/* One measurement point; iterations are differences of two of these. */
struct snap {
	u64 t_ns;
	struct bench_sample s;
	u64 run_ns, run_cnt; /* BPF_ENABLE_STATS */
	u64 cons_ns, cons_ctxsw; /* libperf, consumer threads */
	u64 sys_busy, sys_total; /* /proc/stat */
	struct hist lat; /* every consumer's latencies so far */
};

struct iter {
	double events_s, mb_s, produced_s, dropped_s, wakeups_s;
	double prod_ns_event, cons_cpu_pct, cons_ctxsw_s, sys_cpu_pct;
	double lat_p99_ns;
};

#define NR_ITER_FIELDS (sizeof(struct iter) / sizeof(double))

static void on_signal(int sig)
{
	rlb_interrupted = sig;
	flag_set(rlb_stop_producers, 1);
}

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
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % rlb_ncpus, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
		fprintf(stderr, "warning: cannot pin thread to cpu %d\n",
			cpu % rlb_ncpus);
}

void *rlb_producer_thread(void *arg)
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
	return bench->consumer_thread(c);
}

void rlb_consumers_total(struct bench_sample *s)
{
	int i;

	s->consumed = s->bytes = s->wakeups = 0;
	for (i = 0; i < env.consumers; i++) {
		s->consumed += rlb_load(&rlb_consumers[i].consumed);
		s->bytes += rlb_load(&rlb_consumers[i].bytes);
		s->wakeups += rlb_load(&rlb_consumers[i].wakeups);
	}
}

void rlb_select_trigger(struct bpf_program *tp, struct bpf_program *raw_tp)
{
	bpf_program__set_autoload(env.raw_tp ? tp : raw_tp, false);
}

int rlb_attach(struct bpf_program *tp, struct bpf_program *raw_tp,
	       struct bpf_link **link)
{
	struct bpf_program *prog = env.raw_tp ? raw_tp : tp;

	*link = bpf_program__attach(prog);
	if (!*link) {
		fprintf(stderr, "cannot attach %s: %s\n",
			bpf_program__section_name(prog), strerror(errno));
		return EXIT_ENV;
	}
	stats_prog_fd = bpf_program__fd(prog);
	return 0;
}

int rlb_read_percpu(int map_fd, struct rlb_counters *vals, int n)
{
	int possible = libbpf_num_possible_cpus();
	struct rlb_counters all[possible > 0 ? possible : 1];
	u32 zero = 0;

	if (possible <= 0 || bpf_map_lookup_elem(map_fd, &zero, all))
		return -1;
	if (n > possible)
		n = possible;
	memcpy(vals, all, n * sizeof(*vals));
	return n;
}

int rlb_read_counters(int map_fd, struct rlb_counters *sum, u64 *seq)
{
	int n = libbpf_num_possible_cpus(), cpu;
	struct rlb_counters vals[n > 0 ? n : 1];
	u32 zero = 0;

	memset(sum, 0, sizeof(*sum));
	if (n <= 0 || bpf_map_lookup_elem(map_fd, &zero, vals))
		return -1;
	for (cpu = 0; cpu < n; cpu++) {
		sum->produced += vals[cpu].produced;
		sum->dropped += vals[cpu].dropped;
		sum->triggers += vals[cpu].triggers;
		if (seq && cpu < RLB_MAX_CPUS)
			seq[cpu] = vals[cpu].seq;
	}
	return 0;
}

/* Produced/dropped from BPF, consumed and lost from the consumers' views. */
void rlb_account_common(int counters_fd, struct loss_accounting *a)
{
	u64 bpf_seq[RLB_MAX_CPUS] = { 0 };
	struct seqtrack all;
	struct rlb_counters sum;
	struct bench_sample s;
	u64 parse_errors = 0;
	int i;

	memset(a, 0, sizeof(*a));
	rlb_read_counters(counters_fd, &sum, bpf_seq);
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

void rlb_measure_common(struct bench_sample *s)
{
	struct rlb_counters sum;

	rlb_read_counters(rlb_counters_fd, &sum, NULL);
	rlb_consumers_total(s);
	s->produced = sum.produced;
	s->dropped = sum.dropped;
}

/* ---- no-reader: pins in bpffs outlive the loader ---- */
static int pin_one(int err, const char *dir, const char *name,
		   int (*pin)(const void *obj, const char *path),
		   const void *obj)
{
	char path[128];

	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (pin(obj, path)) {
		fprintf(stderr, "cannot pin %s: %s\n", path, strerror(errno));
		return EXIT_ENV;
	}
	return 0;
}

static int pin_link(const void *link, const char *path)
{
	return bpf_link__pin((struct bpf_link *)link, path);
}

static int pin_map(const void *map, const char *path)
{
	return bpf_map__pin((struct bpf_map *)map, path);
}

int rlb_pin_common(const char *dir, struct bpf_link *link,
		   struct bpf_map *counters, struct bpf_map *buf)
{
	int err = pin_one(0, dir, "link", pin_link, link);

	err = pin_one(err, dir, "counters", pin_map, counters);
	return pin_one(err, dir, "buf", pin_map, buf);
}

static int open_pin(const char *dir, const char *name)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		fprintf(stderr, "cannot open pinned %s: %s\n", path,
			strerror(errno));
	return fd;
}

int rlb_open_pinned_buf(const char *dir)
{
	return open_pin(dir, "buf");
}

/* The driver never holds the buffer: only the counters and the program, to
 * measure the producer while nobody reads.
 */
static int open_pinned_stats(const char *dir)
{
	struct bpf_link_info info = {};
	u32 len = sizeof(info);
	int link_fd;

	rlb_counters_fd = open_pin(dir, "counters");
	link_fd = open_pin(dir, "link");
	if (rlb_counters_fd < 0 || link_fd < 0) {
		if (link_fd >= 0)
			close(link_fd);
		return EXIT_ENV;
	}
	if (!bpf_link_get_info_by_fd(link_fd, &info, &len))
		stats_prog_fd = bpf_prog_get_fd_by_id(info.prog_id);
	close(link_fd);
	return 0;
}

static void remove_pin_dir(const char *dir)
{
	static const char *const names[] = { "link", "counters", "buf" };
	char path[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	if (rmdir(dir) && errno != ENOENT)
		fprintf(stderr, "warning: cannot remove %s: %s\n", dir,
			strerror(errno));
}

/* A run killed with SIGKILL leaves its pins behind: remove those whose
 * process is gone, so programs do not stay attached forever.
 */
static void remove_stale_pins(void)
{
	char path[300];
	struct dirent *de;
	DIR *d = opendir(BPFFS);
	long pid;

	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, PIN_PREFIX, strlen(PIN_PREFIX)))
			continue;
		pid = strtol(de->d_name + strlen(PIN_PREFIX), NULL, 10);
		if (pid > 0 && kill((pid_t)pid, 0) && errno == ESRCH) {
			snprintf(path, sizeof(path), BPFFS "/%s", de->d_name);
			fprintf(stderr, "note: removing stale pins %s\n", path);
			remove_pin_dir(path);
		}
	}
	if (d)
		closedir(d);
}

static int mount_bpffs(void)
{
	struct statfs st;

	if (!statfs(BPFFS, &st) && st.f_type == 0xcafe4a11) /* BPF_FS_MAGIC */
		return 0;
	if (mount("bpf", BPFFS, "bpf", 0, NULL)) {
		fprintf(stderr, "bpffs not mounted and cannot mount it: %s\n",
			strerror(errno));
		return EXIT_ENV;
	}
	return 0;
}

/* The loader is a child that loads, attaches, pins and exits: from then on
 * no process holds the buffer, only the pins keep it alive.
 */
static int no_reader_load(void)
{
	int err = mount_bpffs(), status;
	pid_t pid;

	if (err)
		return err;
	remove_stale_pins();
	snprintf(pin_dir, sizeof(pin_dir), BPFFS "/" PIN_PREFIX "%d",
		 (int)getpid());
	if (mkdir(pin_dir, 0700)) {
		fprintf(stderr, "cannot create %s: %s\n", pin_dir,
			strerror(errno));
		pin_dir[0] = '\0';
		return EXIT_ENV;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "cannot fork the loader: %s\n",
			strerror(errno));
		return EXIT_ENV;
	}
	if (pid == 0) {
		err = bench->setup();
		if (!err)
			err = bench->pin(pin_dir);
		fflush(NULL);
		_exit(err);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return EXIT_ENV;
	if (WEXITSTATUS(status))
		return WEXITSTATUS(status);
	return open_pinned_stats(pin_dir);
}

static void prog_stats(u64 *run_ns, u64 *run_cnt)
{
	struct bpf_prog_info info = {};
	u32 len = sizeof(info);

	*run_ns = *run_cnt = 0;
	if (stats_prog_fd >= 0 &&
	    !bpf_prog_get_info_by_fd(stats_prog_fd, &info, &len)) {
		*run_ns = info.run_time_ns;
		*run_cnt = info.run_cnt;
	}
}

/* Consumers keep adding while this reads: hist_add() stores each bucket
 * atomically and this loads it atomically.
 */
static void latency_snap(struct hist *h)
{
	u32 b;
	int i;

	hist_reset(h);
	for (i = 0; bench->has_consumer && i < env.consumers; i++)
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
	bench->measure(&sn->s);
	prog_stats(&sn->run_ns, &sn->run_cnt);
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
		      struct iter *it)
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

static void print_iter(int i, const struct iter *it)
{
	printf("Iter %3d: events %8.3fM/s %9.2f MB/s | produced %8.3fM/s dropped %8.3fM/s | wakeups %9.1f/s | prod %7.1f ns/ev | cons cpu %5.1f%% ctxsw %8.1f/s | sys cpu %5.1f%%\n",
	       i, it->events_s / 1e6, it->mb_s, it->produced_s / 1e6,
	       it->dropped_s / 1e6, it->wakeups_s, it->prod_ns_event,
	       it->cons_cpu_pct, it->cons_ctxsw_s, it->sys_cpu_pct);
	fflush(stdout);
}

struct result {
	struct summary f[NR_ITER_FIELDS]; /* one per struct iter field */
	struct snapshot_summary snap;
	u64 snap_read_ns; /* wall time of the snapshot read */
	struct hist lat;
	struct loss_accounting loss;
	bool loss_ok;
	char loss_why[RLB_ERRLEN];
	u64 buffer_bytes;
	u64 torn;
};

static void summarize_iters(const struct iter *its, int n, struct result *r)
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

#define FIELD(name) (offsetof(struct iter, name) / sizeof(double))

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

static void loss_json(struct json *j, const struct result *r)
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

static void snapshot_json(struct json *j, const struct result *r)
{
	const struct snapshot_summary *s = &r->snap;

	json_begin(j, "snapshot");
	json_str(j, "reader", bench->name);
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

static void report_json(const struct result *r, const struct bench_meta *m)
{
	/* records/s the rate limit asks for in all; 0 without one */
	double offered = (double)env.rate * env.batch * env.producers;
	char policy[64];
	struct json j;

	json_init(&j);
	json_begin(&j, NULL);
	json_str(&j, "bench", bench->name);
	json_str(&j, "mechanism", bench->mechanism);
	json_str(&j, "scenario", scenario_name(env.scenario));
	policy_label(&env, bench->mechanism, policy, sizeof(policy));
	json_str(&j, "policy", policy);
	params_json(&j, &env);
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

static void report_text(const struct result *r, const struct bench_meta *m)
{
	const struct summary *ev = &r->f[FIELD(events_s)],
			     *mb = &r->f[FIELD(mb_s)];
	const struct hist *h = &r->lat;
	char policy[64];

	policy_label(&env, bench->mechanism, policy, sizeof(policy));
	printf("Summary %s, policy %s (%s, %s, %d iterations):\n", bench->name,
	       policy, m->kernel, m->where, ev->n);
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
		if (pthread_create(&t->prod[i], NULL, bench->producer_thread,
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

	if (!bench->has_consumer)
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
static void collect_snapshot(struct result *r, u64 t_stop)
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
	n = rlb_read_percpu(rlb_counters_fd, per_cpu, RLB_MAX_CPUS);
	for (cpu = 0; cpu < n; cpu++) {
		bpf_seq[cpu] = per_cpu[cpu].seq;
		tail_dropped += per_cpu[cpu].tail_dropped;
		used += per_cpu[cpu].produced > 0;
	}
	snapshot_summarize(&all, ts_min, ts_max, t_stop, bpf_seq, n > 0 ? n : 0,
			   bench->capacity(used ? used : 1), r->loss.consumed,
			   r->torn, &r->snap);
	/* The newest record is only there if nothing newer was refused. */
	r->snap.newest_dropped = tail_dropped;
	if (tail_dropped)
		r->snap.newest_present = false;
}

static void collect_result(struct result *r)
{
	int i;

	hist_reset(&r->lat);
	for (i = 0; i < env.consumers && (bench->has_consumer || rlb_snapshot);
	     i++) {
		hist_merge(&r->lat, &rlb_consumers[i].lat);
		r->torn += rlb_consumers[i].torn;
	}
	bench->account(&r->loss);
	r->loss_ok = !loss_check(&r->loss, r->loss_why, sizeof(r->loss_why));
	r->buffer_bytes = bench->buffer_bytes();
}

/* Producers have stopped; nobody read while they ran.  Readers now start
 * with the stop flag already set, so each does exactly one drain pass.
 */
static int read_snapshot(struct threads *t, struct result *r)
{
	u64 t0;
	int err;

	if (env.scenario == SCEN_NO_READER) {
		err = bench->recover(pin_dir);
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

/* Warm up, measure env.iterations windows, stop, drain, account. */
static int run(struct result *r)
{
	struct iter its[env.iterations];
	struct cons_counters *cc = NULL;
	bool snapshot = scenario_is_snapshot(env.scenario);
	struct threads t = {};
	struct snap a, b;
	int i, n = 0, err = 0;
	u64 t_stop;

	if ((!snapshot && bench->has_consumer && start_consumers(&t)) ||
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

static const struct bench *find_bench(const char *name)
{
	size_t i;

	for (i = 0; i < NR_BENCHS; i++)
		if (!strcmp(benchs[i]->name, name))
			return benchs[i];
	return NULL;
}

/*
 * The --policy kinds a variant takes (with --overwrite when asked), as the
 * option parser decides: each is tried, so the list cannot disagree with a
 * run.  Leaves env as the last try set it.
 */
static void policies_json(struct json *j, const char *key,
			  const struct bench *b, bool overwrite)
{
	static const char *const tries[][2] = {
		{ "every", "every" },
		{ "batch", "batch:65536" },
		{ "none", "none" },
		{ "busy", "busy" },
	};
	char err[RLB_ERRLEN], *argv[5];
	size_t i;
	int argc;

	json_begin_array(j, key);
	for (i = 0; i < ARRAY_SIZE(tries); i++) {
		argc = 0;
		argv[argc++] = "bench";
		argv[argc++] = "--policy";
		argv[argc++] = (char *)tries[i][1];
		if (overwrite)
			argv[argc++] = "--overwrite";
		argv[argc++] = (char *)b->name;
		if (!bench_parse_args(argc, argv, err, sizeof(err)))
			json_str(j, NULL, tries[i][0]);
	}
	json_end_array(j);
}

/*
 * --list, or with --json what scripts derive their lists from: one object
 * per variant, in the table's order, with the policies it takes.
 */
static void list_benchs(void)
{
	const struct bench *b;
	struct json j;
	size_t i;

	if (!env.json) {
		for (i = 0; i < NR_BENCHS; i++)
			printf("%-16s %s\n", benchs[i]->name, benchs[i]->desc);
		return;
	}
	json_init(&j);
	json_begin_array(&j, NULL);
	for (i = 0; i < NR_BENCHS; i++) {
		b = benchs[i];
		json_begin(&j, NULL);
		json_str(&j, "name", b->name);
		json_str(&j, "mechanism", b->mechanism);
		json_str(&j, "reader", b->reader);
		json_str(&j, "desc", b->desc);
		json_bool(&j, "overwrite", b->overwrite);
		json_bool(&j, "live_consumer", b->has_consumer);
		json_str(&j, "kernel", b->patched_kernel ? "patched" : "any");
		policies_json(&j, "policies", b, false);
		if (b->overwrite)
			policies_json(&j, "overwrite_policies", b, true);
		json_end(&j);
	}
	json_end_array(&j);
	printf("%s\n", j.buf);
	json_free(&j);
}

static bool dir_exists(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* Root, kernel BTF, and tracefs for the tracepoint trigger. */
static int check_environment(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "must be run as root\n");
		return EXIT_ENV;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		fprintf(stderr,
			"kernel btf missing (/sys/kernel/btf/vmlinux)\n");
		return EXIT_ENV;
	}
	if (env.raw_tp || dir_exists("/sys/kernel/tracing/events") ||
	    dir_exists("/sys/kernel/debug/tracing/events"))
		return 0;
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL)) {
		fprintf(stderr, "tracefs not mounted and cannot mount it: %s\n",
			strerror(errno));
		return EXIT_ENV;
	}
	fprintf(stderr,
		"note: mounted tracefs on /sys/kernel/tracing (left mounted)\n");
	return 0;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level == LIBBPF_DEBUG || getenv("RLB_QUIET_LIBBPF"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/*
 * Leave the way a shell expects of a program that caught a signal to clean
 * up: killed by that signal.  A shell running us in the foreground takes a
 * normal exit after Ctrl-C to mean "the child handled it" and carries on
 * with its script; it stops only when we die of the signal.  The handlers go
 * back to the default before the flag is read, so a signal arriving after
 * the read kills us too.
 */
static int finish(int ret)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	int sig;

	sigemptyset(&dfl.sa_mask);
	sigaction(SIGINT, &dfl, NULL);
	sigaction(SIGTERM, &dfl, NULL);
	sig = rlb_interrupted;
	if (!sig)
		return ret;
	fprintf(stderr, "interrupted\n");
	fflush(NULL);
	raise(sig);
	return 128 + sig;
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int prepare(int argc, char **argv)
{
	char err[RLB_ERRLEN];
	int ret;

	ret = bench_parse_args(argc, argv, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s\n", err);
		return ret;
	}
	if (env.list) {
		list_benchs();
		return -1;
	}
	bench = find_bench(env.bench_name);
	if (!bench) {
		fprintf(stderr, "unknown bench '%s' (try --list)\n",
			env.bench_name);
		return EXIT_USAGE;
	}
	ret = bench->validate ? bench->validate() : 0;
	if (ret)
		return ret;
	if (env.overwrite && !bench->overwrite) {
		fprintf(stderr,
			"%s has no overwrite mode (try --list --json)\n",
			bench->name);
		return EXIT_USAGE;
	}
	if (env.scenario == SCEN_NO_READER &&
	    (!bench->pin || !bench->recover)) {
		fprintf(stderr, "%s cannot run the no-reader scenario\n",
			bench->name);
		return EXIT_USAGE;
	}
	if (scenario_is_snapshot(env.scenario) && env.count_only) {
		fprintf(stderr,
			"--count-only cannot judge a snapshot (it keeps no seq)\n");
		return EXIT_USAGE;
	}
	if (scenario_is_snapshot(env.scenario) && !bench->consumer_thread) {
		fprintf(stderr, "%s has no reader for the %s scenario\n",
			bench->name, scenario_name(env.scenario));
		return EXIT_USAGE;
	}
	rlb_count_only = env.count_only;
	rlb_lat_mask = env.lat_every - 1;
	rlb_ncpus = libbpf_num_possible_cpus();
	rlb_main_pid = getpid();
	return check_environment();
}

int main(int argc, char **argv)
{
	struct result r = {};
	struct bench_meta meta;
	int stats_fd = -1, ret;

	ret = prepare(argc, argv);
	if (ret)
		return ret < 0 ? 0 : ret;
	libbpf_set_print(libbpf_print);
	install_signals();
	meta_collect(&meta);
	ret = env.scenario == SCEN_NO_READER ? no_reader_load() :
					       bench->setup();
	if (ret)
		goto cleanup;
	/* run_time_ns/run_cnt are only kept while someone holds this fd. */
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0)
		fprintf(stderr,
			"warning: bpf_enable_stats failed, no producer ns/event\n");
	ret = run(&r);
	if (ret || rlb_interrupted)
		goto cleanup;
	if (env.json)
		report_json(&r, &meta);
	else
		report_text(&r, &meta);
	if (!r.loss_ok) {
		fprintf(stderr, "LOSS ACCOUNTING VIOLATION: %s: %s\n",
			bench->name, r.loss_why);
		ret = 3;
	}
cleanup:
	if (stats_fd >= 0)
		close(stats_fd);
	bench->teardown();
	if (pin_dir[0])
		remove_pin_dir(pin_dir);
	return finish(ret);
}
