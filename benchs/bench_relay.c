// SPDX-License-Identifier: GPL-2.0
/*
 * bench_relay.c: BPF_MAP_TYPE_RELAY consumers -- mmap with the sub-buffer
 * header protocol, read() stream, and `cat FILE > out` per CPU.  Runs only on
 * the patched kernel (in the VM); elsewhere setup fails with EXIT_ENV.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bench.h"
#include "rb_relay.skel.h"

#define DEBUGFS "/sys/kernel/debug"
#define RELAY_MAP_NAME "rb_relay" /* the map in progs/rb_relay.bpf.c */

struct relay_cpu {
	int fd;
	void *map; /* relay-mmap */
	u64 want_seq; /* relay-mmap: next sub-buffer seq to read */
	u32 from; /* relay-mmap: offset already consumed in it */
	struct relay_stream stream; /* relay-read, relay-cat */
	char path[128];
	char out[128]; /* relay-cat output file */
};

static struct {
	struct rb_relay *skel;
	struct bpf_link *link;
	struct relay_cpu *cpus;
	int ncpus;
	char dir[64];
	int mode; /* 0 mmap, 1 read, 2 cat */
} ctx;

/* A direct create: libbpf's generic probe uses key_size 4, which the relay
 * map rejects even when it exists.
 */
bool rb_relay_probe(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_extra = 2);
	int fd = bpf_map_create(BPF_MAP_TYPE_RELAY, "rb_probe", 0, 16, 4096,
				&opts);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static int relay_validate(void)
{
	if (env.consumers > 1 && !strcmp(env.bench_name, "relay-mmap")) {
		fprintf(stderr, "relay-mmap supports exactly one consumer\n");
		return EXIT_USAGE;
	}
	return 0;
}

static bool on_payload(void *c, const void *payload, u32 len)
{
	return consume_record(c, payload, len);
}

static bool debugfs_mounted(void)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/self/mounts", "r");

	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, " " DEBUGFS " debugfs ") != NULL;
	if (f)
		fclose(f);
	return found;
}

static int mount_debugfs(void)
{
	if (debugfs_mounted())
		return 0;
	if (mount("nodev", DEBUGFS, "debugfs", 0, NULL)) {
		fprintf(stderr, "cannot mount debugfs on %s: %s\n", DEBUGFS,
			strerror(errno));
		return EXIT_ENV;
	}
	fprintf(stderr, "note: mounted debugfs on %s (left mounted)\n",
		DEBUGFS);
	return 0;
}

static int load_producer(void)
{
	struct bpf_map *map;

	ctx.skel = rb_relay__open();
	if (!ctx.skel) {
		fprintf(stderr, "cannot open relay skeleton: %s\n",
			strerror(errno));
		return EXIT_ENV;
	}
	map = ctx.skel->maps.rb_relay;
	rb_counters_fd = -1;
	RB_SET_KNOBS(ctx.skel);
	bpf_map__set_max_entries(map, env.relay.subbuf_size);
	bpf_map__set_map_extra(map, env.relay.n_subbufs);
	bpf_map__set_map_flags(map, env.overwrite ? BPF_F_OVERWRITE : 0);
	rb_select_trigger(ctx.skel->progs.rb_tp, ctx.skel->progs.rb_raw_tp);
	if (rb_relay__load(ctx.skel)) {
		fprintf(stderr, "cannot load relay producer: %s\n",
			strerror(errno));
		return EXIT_ENV;
	}
	rb_counters_fd = bpf_map__fd(ctx.skel->maps.rb_counters);
	return 0;
}

/* Where the CPU files are: the same in the loader and a later reader. */
static int init_cpu_paths(void)
{
	int i;

	if (env.relay.dir[0])
		snprintf(ctx.dir, sizeof(ctx.dir), "%s", env.relay.dir);
	else
		snprintf(ctx.dir, sizeof(ctx.dir), "rb_relay_%d",
			 (int)rb_main_pid);
	ctx.ncpus = libbpf_num_possible_cpus();
	ctx.cpus = calloc(ctx.ncpus, sizeof(*ctx.cpus));
	if (!ctx.cpus)
		return EXIT_ENV;
	for (i = 0; i < ctx.ncpus; i++) {
		struct relay_cpu *rc = &ctx.cpus[i];

		rc->fd = -1;
		rc->want_seq = 1;
		relay_stream_init(&rc->stream);
		snprintf(rc->path, sizeof(rc->path), "%s/%s/%s%d", DEBUGFS,
			 ctx.dir, RELAY_MAP_NAME, i);
		snprintf(rc->out, sizeof(rc->out), "/tmp/rb_relay_%d_cpu%d.out",
			 getpid(), i);
	}
	return 0;
}

/* Ask the map for its debugfs directory. */
static int create_files(void)
{
	char name[64] = { 0 };

	if (init_cpu_paths())
		return EXIT_ENV;
	memcpy(name, ctx.dir, strlen(ctx.dir));
	if (bpf_map_update_elem(bpf_map__fd(ctx.skel->maps.rb_relay), NULL,
				name, 0)) {
		fprintf(stderr, "cannot create relay files %s/%s: %s\n",
			DEBUGFS, ctx.dir, strerror(errno));
		return EXIT_ENV;
	}
	return 0;
}

static int open_cpu(struct relay_cpu *rc)
{
	size_t len = (size_t)env.relay.subbuf_size * env.relay.n_subbufs;

	/* The mmap reader writes what it consumed: it needs a writable fd. */
	rc->fd = open(rc->path, (ctx.mode == 0 ? O_RDWR : O_RDONLY) |
					O_NONBLOCK | O_CLOEXEC);
	if (rc->fd < 0)
		return -1;
	if (ctx.mode != 0)
		return 0;
	rc->map = mmap(NULL, len, PROT_READ, MAP_SHARED, rc->fd, 0);
	if (rc->map == MAP_FAILED) {
		rc->map = NULL;
		return -1;
	}
	return 0;
}

/* The kernel lockdown level in force ("integrity"...), or NULL for none. */
static const char *lockdown_level(char *buf, size_t len)
{
	char *open, *close;
	FILE *f = fopen("/sys/kernel/security/lockdown", "r");

	if (!f)
		return NULL;
	open = fgets(buf, (int)len, f) ? strchr(buf, '[') : NULL;
	fclose(f);
	close = open ? strchr(open, ']') : NULL;
	if (!close)
		return NULL;
	*close = '\0';
	return strcmp(open + 1, "none") ? open + 1 : NULL;
}

static int open_cpus(void)
{
	const char *level;
	char buf[128];
	int i, err;

	for (i = 0; ctx.mode != 2 && i < ctx.ncpus; i++) {
		if (!open_cpu(&ctx.cpus[i]))
			continue;
		err = errno;
		/* debugfs refuses files with mmap, even to root, under lockdown */
		level = err == EPERM ? lockdown_level(buf, sizeof(buf)) : NULL;
		if (level)
			fprintf(stderr,
				"cannot open %s: debugfs is locked down (lockdown=%s)\n",
				ctx.cpus[i].path, level);
		else
			fprintf(stderr, "cannot open %s: %s\n",
				ctx.cpus[i].path, strerror(err));
		return EXIT_ENV;
	}
	return 0;
}

static int mode_of(const char *bench_name)
{
	if (!strcmp(bench_name, "relay-mmap"))
		return 0;
	return !strcmp(bench_name, "relay-read") ? 1 : 2;
}

static int relay_setup(void)
{
	int err;

	ctx.mode = mode_of(env.bench_name);
	if (!rb_relay_probe()) {
		fprintf(stderr,
			"kernel has no relay map (BPF_MAP_TYPE_RELAY)\n");
		return EXIT_ENV;
	}
	err = mount_debugfs();
	if (!err)
		err = load_producer();
	if (!err)
		err = create_files();
	/* The no-reader loader opens nothing: the files must outlive it alone. */
	if (!err && env.scenario != SCEN_NO_READER)
		err = open_cpus();
	if (err)
		return err;
	return rb_attach(ctx.skel->progs.rb_tp, ctx.skel->progs.rb_raw_tp,
			 &ctx.link);
}

static int relay_pin(const char *dir)
{
	return rb_pin_common(dir, ctx.link, ctx.skel->maps.rb_counters,
			     ctx.skel->maps.rb_relay);
}

/* The map lives on through its pin; its files are where the loader made them. */
static int relay_recover(const char *dir)
{
	ctx.mode = mode_of(env.bench_name);
	if (init_cpu_paths())
		return EXIT_ENV;
	return open_cpus();
}

/* One --poll-ms period: readers that are never woken read on this timer. */
static void sleep_poll_period(void)
{
	struct timespec period = { env.poll_ms / 1000,
				   env.poll_ms % 1000 * 1000000L };

	nanosleep(&period, NULL);
}

/* Wait for data on the CPU files this consumer owns; counts wake-ups.
 * Under --policy none the reader never waits in poll(), so relay (which
 * wakes only readers that wait) sends it nothing: it sleeps, then reads.
 * Back-to-back (--compat b2b), the consumer fires the next batch itself
 * and reads it at once: the trigger returns once the batch is written.
 */
static void wait_files(struct rb_consumer *c)
{
	struct pollfd pfds[RB_MAX_CPUS];
	int n = 0, i;

	if (env.back2back) {
		rb_b2b_trigger();
		return;
	}
	if (env.policy.kind == POLICY_NONE) {
		sleep_poll_period();
		return;
	}
	for (i = c->idx; i < ctx.ncpus && n < RB_MAX_CPUS; i += env.consumers)
		pfds[n++] = (struct pollfd){ .fd = ctx.cpus[i].fd,
					     .events = POLLIN };
	if (poll(pfds, n, rb_poll_timeout(&env)) > 0)
		rb_store(&c->wakeups, c->wakeups + 1);
}

/* ---- relay-mmap: walk sub-buffers in seq order with the header protocol ---- */
static void note_status(struct rb_consumer *c, int st)
{
	if (st == RELAY_TORN)
		c->torn++;
	else if (st < 0)
		c->parse_errors++;
}

/* A reader that arrives late starts at the oldest sub-buffer still there. */
static void seek_oldest(struct rb_consumer *c, struct relay_cpu *rc)
{
	size_t sz = env.relay.subbuf_size;
	struct relay_subbuf_view v;
	u64 oldest = 0;
	u32 i;

	for (i = 0; i < env.relay.n_subbufs; i++) {
		relay_read_subbuf((char *)rc->map + i * sz, sz, 0, &v, NULL,
				  NULL);
		if (v.seq && (!oldest || v.seq < oldest))
			oldest = v.seq;
	}
	if (oldest > rc->want_seq) {
		rc->want_seq = oldest;
		rc->from = 0;
	}
}

/* The writer may lap us while we parse a sub-buffer: handing records over
 * before the seq re-check would deliver torn ones.  So copy the header and
 * [from, committed) out first, re-check the live seq, then parse the copy.
 * Only sub-buffer want is parsed: any other seq (not written yet, or a
 * later lap) comes back in v->seq with no record handed over.
 */
static int read_stable(struct rb_consumer *c, const char *live, u32 from,
		       u64 want, struct relay_subbuf_view *v)
{
	static __thread char *copy;
	static __thread size_t copy_size;
	const struct bpf_relay_subbuf_hdr *hdr = (const void *)live;
	size_t sz = env.relay.subbuf_size;
	u64 seq;
	u32 committed;

	if (copy_size < sz) {
		free(copy);
		copy = malloc(sz);
		copy_size = copy ? sz : 0;
		if (!copy)
			return RELAY_TRUNCATED;
	}
	seq = __atomic_load_n(&hdr->seq, __ATOMIC_ACQUIRE);
	if (seq != want) {
		memset(v, 0, sizeof(*v));
		v->seq = seq;
		return seq ? RELAY_OK : RELAY_EMPTY;
	}
	committed = __atomic_load_n(&hdr->committed, __ATOMIC_ACQUIRE);
	if (committed > sz - sizeof(*hdr)) /* let the parser judge the header */
		committed = sz - sizeof(*hdr);
	memcpy(copy, live, sizeof(*hdr));
	((struct bpf_relay_subbuf_hdr *)copy)->seq = seq;
	((struct bpf_relay_subbuf_hdr *)copy)->committed = committed;
	if (from < committed)
		memcpy(copy + sizeof(*hdr) + from, live + sizeof(*hdr) + from,
		       committed - from);
	__atomic_thread_fence(
		__ATOMIC_ACQUIRE); /* the copy before the re-check */
	if (__atomic_load_n(&hdr->seq, __ATOMIC_ACQUIRE) != seq) {
		memset(v, 0, sizeof(*v));
		v->seq = seq;
		return RELAY_TORN;
	}
	return relay_read_subbuf(copy, sz, from, v, on_payload, c);
}

static void mmap_cpu(struct rb_consumer *c, struct relay_cpu *rc)
{
	size_t sz = env.relay.subbuf_size;
	struct relay_subbuf_view v, next;
	u32 n = env.relay.n_subbufs, idx;
	int st, guard;

	for (guard = 0; guard < (int)n + 1; guard++) { /* bounded: one lap */
		idx = (rc->want_seq - 1) % n;
		st = read_stable(c, (char *)rc->map + idx * sz, rc->from,
				 rc->want_seq, &v);
		if (st == RELAY_EMPTY || v.seq < rc->want_seq)
			return; /* not written yet */
		if (v.seq > rc->want_seq || st == RELAY_TORN) {
			/* Lapped (overwrite): what we wanted is gone; resume at
			 * the oldest sub-buffer still there.
			 */
			rc->from = 0;
			seek_oldest(c, rc);
			if (st == RELAY_TORN)
				c->torn++;
			continue;
		}
		note_status(c, st);
		rc->from = st < 0 ? v.committed : v.end;
		/* The writer moved on once the next sub-buffer carries seq + 1;
		 * read ours once more first for records committed meanwhile.
		 */
		idx = rc->want_seq % n;
		relay_read_subbuf((char *)rc->map + idx * sz, sz, 0, &next,
				  NULL, NULL);
		if (next.seq != rc->want_seq + 1)
			return;
		st = read_stable(
			c, (char *)rc->map + ((rc->want_seq - 1) % n) * sz,
			rc->from, rc->want_seq, &v);
		if (v.seq == rc->want_seq)
			note_status(c, st);
		rc->want_seq++;
		rc->from = 0;
	}
}

/* Tells the kernel every sub-buffer before want_seq is done with, so that
 * poll() sleeps until the next one completes and a no-overwrite writer may
 * reuse them (the uapi header's reader protocol).
 */
static void mmap_cpu_consume(struct rb_consumer *c, struct relay_cpu *rc)
{
	u64 before = rc->want_seq, done;

	mmap_cpu(c, rc);
	if (rc->want_seq == before)
		return;
	done = rc->want_seq - 1;
	if (write(rc->fd, &done, sizeof(done)) != sizeof(done)) {
		fprintf(stderr, "cannot mark %s consumed: %s\n", rc->path,
			strerror(errno));
		c->parse_errors++;
	}
}

/* Hands fn every CPU file this consumer owns: consumers split them round-robin. */
static void visit_own_cpus(struct rb_consumer *c,
			   void (*fn)(struct rb_consumer *, struct relay_cpu *))
{
	int i;

	for (i = c->idx; i < ctx.ncpus; i += env.consumers)
		fn(c, &ctx.cpus[i]);
}

static void *mmap_consumer(void *arg)
{
	struct rb_consumer *c = arg;

	if (rb_snapshot)
		visit_own_cpus(c, seek_oldest);
	while (!flag_get(rb_stop_consumers)) {
		wait_files(c);
		visit_own_cpus(c, mmap_cpu_consume);
	}
	visit_own_cpus(c, mmap_cpu_consume);
	return NULL;
}

/* ---- relay-read: read() stream ---- */
static void feed(struct rb_consumer *c, struct relay_cpu *rc, const void *buf,
		 size_t n)
{
	if (relay_stream_feed(&rc->stream, buf, n, on_payload, c) < 0 &&
	    !rc->stream.broken)
		c->parse_errors++;
}

static void read_cpu(struct rb_consumer *c, struct relay_cpu *rc)
{
	static __thread char buf[256 * 1024];
	bool was_broken = rc->stream.broken;
	ssize_t n;

	while ((n = read(rc->fd, buf, sizeof(buf))) > 0)
		feed(c, rc, buf, n);
	if (rc->stream.broken && !was_broken)
		c->parse_errors++;
}

static void *read_consumer(void *arg)
{
	struct rb_consumer *c = arg;

	while (!flag_get(rb_stop_consumers)) {
		wait_files(c);
		visit_own_cpus(c, read_cpu);
	}
	visit_own_cpus(c, read_cpu);
	return NULL;
}

/* ---- relay-cat: `cat FILE > out`, then parse out ---- */
static int run_cat(struct relay_cpu *rc)
{
	posix_spawn_file_actions_t fa;
	char *const argv[] = { "cat", rc->path, NULL };
	int status = -1;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, rc->out,
					 O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (posix_spawnp(&pid, "cat", &fa, NULL, argv, environ) == 0)
		waitpid(pid, &status, 0);
	posix_spawn_file_actions_destroy(&fa);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void cat_cpu(struct rb_consumer *c, struct relay_cpu *rc)
{
	static __thread char buf[256 * 1024];
	bool was_broken = rc->stream.broken;
	ssize_t n;
	int fd;

	if (run_cat(rc)) {
		c->parse_errors++;
		return;
	}
	fd = open(rc->out, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		feed(c, rc, buf, n);
	close(fd);
	if (rc->stream.broken && !was_broken)
		c->parse_errors++;
}

static void *cat_consumer(void *arg)
{
	struct rb_consumer *c = arg;

	while (!flag_get(rb_stop_consumers)) {
		sleep_poll_period();
		visit_own_cpus(c, cat_cpu);
	}
	visit_own_cpus(c, cat_cpu);
	return NULL;
}

/* ---- accounting ---- */

/* Sum the "dropped" column of <dir>/stats; -1 if unreadable. */
static long long stats_dropped(void)
{
	unsigned long long cpu, written, dropped, over, bytes;
	long long total = 0;
	char path[160], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/stats", DEBUGFS, ctx.dir);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f)) /* header line */
		total = -1;
	while (total >= 0 && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llu %llu %llu %llu %llu", &cpu, &written,
			   &dropped, &over, &bytes) == 5)
			total += dropped;
	fclose(f);
	return total;
}

static void relay_account(struct loss_accounting *a)
{
	long long kdropped;

	rb_account_common(rb_counters_fd, a);
	kdropped = stats_dropped();
	/* The kernel's count is the reference; disagreement is a kernel or
	 * producer bug worth shouting about.
	 */
	if (kdropped < 0)
		fprintf(stderr,
			"warning: cannot read %s/%s/stats; dropped from bpf counters\n",
			DEBUGFS, ctx.dir);
	else if ((u64)kdropped != a->dropped)
		fprintf(stderr,
			"warning: relay stats dropped %lld != bpf-side dropped %llu\n",
			kdropped, (unsigned long long)a->dropped);
	if (kdropped >= 0)
		a->dropped = kdropped;
	a->in_buffer = 0; /* drained after producers stopped */
}

static u64 relay_bytes(void)
{
	return (u64)libbpf_num_possible_cpus() * env.relay.subbuf_size *
	       env.relay.n_subbufs;
}

/* Each sub-buffer starts with a 32-byte header; records are 8-aligned. */
static u64 relay_capacity(int ncpus)
{
	u64 slot = (sizeof(struct bpf_relay_rec_hdr) + env.rec_size + 7) &
		   ~7ull;
	u64 per_subbuf =
		(env.relay.subbuf_size - sizeof(struct bpf_relay_subbuf_hdr)) /
		slot;

	return (u64)ncpus * env.relay.n_subbufs * per_subbuf;
}

static void relay_teardown(void)
{
	size_t len = (size_t)env.relay.subbuf_size * env.relay.n_subbufs;
	int i;

	bpf_link__destroy(ctx.link);
	ctx.link = NULL;
	for (i = 0; ctx.cpus && i < ctx.ncpus; i++) {
		if (ctx.cpus[i].map)
			munmap(ctx.cpus[i].map, len);
		if (ctx.cpus[i].fd >= 0)
			close(ctx.cpus[i].fd);
		unlink(ctx.cpus[i].out);
	}
	free(ctx.cpus);
	ctx.cpus = NULL;
	/* Freeing the map removes its debugfs directory. */
	rb_relay__destroy(ctx.skel);
	ctx.skel = NULL;
	rb_counters_fd = -1;
}

#define RELAY_BENCH(_name, _reader, _desc, _consumer)  \
	{                                              \
		.name = _name,                         \
		.mechanism = "relay",                  \
		.reader = _reader,                     \
		.desc = _desc,                         \
		.overwrite = true,                     \
		.patched_kernel = true,                \
		.argp = &bench_relay_argp,             \
		.validate = relay_validate,            \
		.setup = relay_setup,                  \
		.producer_thread = rb_producer_thread, \
		.consumer_thread = _consumer,          \
		.measure = rb_measure_common,          \
		.account = relay_account,              \
		.buffer_bytes = relay_bytes,           \
		.capacity = relay_capacity,            \
		.pin = relay_pin,                      \
		.recover = relay_recover,              \
		.teardown = relay_teardown,            \
		.has_consumer = true,                  \
	}

const struct bench bench_relay_mmap = RELAY_BENCH(
	"relay-mmap", "mmap",
	"relay map, mmap reader with the sub-buffer header protocol",
	mmap_consumer);
const struct bench bench_relay_read = RELAY_BENCH(
	"relay-read", "read", "relay map, read() stream per CPU file (poll)",
	read_consumer);
const struct bench bench_relay_cat = RELAY_BENCH(
	"relay-cat", "cat",
	"relay map, `cat FILE > out` per CPU file every poll period, then parse",
	cat_consumer);
