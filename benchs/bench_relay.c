// SPDX-License-Identifier: GPL-2.0
/*
 * bench_relay.c: BPF_MAP_TYPE_RELAY (the patch series), read by mmap with
 * the sub-buffer header protocol, by a read() stream, and by `cat FILE >
 * out` per CPU.  Runs only on the patched kernel (in the VM); elsewhere
 * setup fails with EXIT_ENV.
 */
#include <argp.h>
#include <stdio.h>
#include <string.h>
#include <linux/bpf.h>
#include "json.h"
#include "plugin.h"
#ifndef RLB_OPTIONS_ONLY
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "pin.h"
#include "loader.h"
#include "relay_parse.h"
#include "run.h"
#endif

static struct {
	u32 subbuf_size;
	u32 n_subbufs;
	char dir[64];
} relay;

/* ---- options ---- */
enum { OPT_RELAY_SUBBUF = 1200, OPT_RELAY_NSUBBUFS, OPT_RELAY_DIR };

static const struct argp_option relay_opts[] = {
	{ "relay-subbuf", OPT_RELAY_SUBBUF, "BYTES", 0,
	  "sub-buffer size, page multiple (default 64 KiB)" },
	{ "relay-nsubbufs", OPT_RELAY_NSUBBUFS, "N", 0,
	  "sub-buffers per CPU, 2..1024 (default 8)" },
	{ "relay-dir", OPT_RELAY_DIR, "NAME", 0,
	  "debugfs directory name (default rb_relay_<pid>)" },
	{},
};

static error_t relay_parse(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case OPT_RELAY_SUBBUF:
		if (opt_u32("relay-subbuf", arg, 4096, 64u << 20,
			    &relay.subbuf_size))
			return EINVAL;
		if (relay.subbuf_size % 4096)
			return rlb_fail(
				"invalid value for --relay-subbuf: '%s' (not a page multiple)",
				arg);
		return 0;
	case OPT_RELAY_NSUBBUFS:
		return opt_u32("relay-nsubbufs", arg, 2, 1024,
			       &relay.n_subbufs);
	case OPT_RELAY_DIR:
		if (!*arg || strlen(arg) >= sizeof(relay.dir) ||
		    strchr(arg, '/') || !strcmp(arg, ".") || !strcmp(arg, ".."))
			return rlb_fail("invalid value for --relay-dir: '%s'",
					arg);
		snprintf(relay.dir, sizeof(relay.dir), "%s", arg);
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp relay_argp = { .options = relay_opts,
					.parser = relay_parse };

static bool given(int key)
{
	return rlb_given(&relay_argp, key);
}

static void relay_defaults(void)
{
	relay.subbuf_size = 64 * 1024;
	relay.n_subbufs = 8;
	relay.dir[0] = '\0';
}

/*
 * --compat: the kernel bench has no relay; the RFC's claims about it are in
 * that bench's modes, so relay-read and relay-mmap take them too, with 512
 * KiB per CPU as the perf buffer.  Relay wakes its reader once per
 * sub-buffer and never per record, so: parallel keeps the 64 KiB
 * sub-buffer (8 of them); sampled sizes the sub-buffer to hold 500
 * records, as the others wake every 500; back-to-back, the consumer fired
 * the batch itself and reads what it wrote without waiting for a wakeup
 * (the others are woken at once, their wakeup already pending).
 */
#define COMPAT_RELAY_BYTES (512u * 1024)

/* The page-multiple sub-buffer that holds RLB_COMPAT_SAMPLE records of
 * env.rec_size bytes with their headers.
 */
static u32 compat_subbuf(void)
{
	u64 slot = (sizeof(struct bpf_relay_rec_hdr) + env.rec_size +
		    BPF_RELAY_ALIGN - 1) &
		   ~(u64)(BPF_RELAY_ALIGN - 1);
	u64 bytes =
		sizeof(struct bpf_relay_subbuf_hdr) + RLB_COMPAT_SAMPLE * slot;

	return (u32)((bytes + 4095) & ~4095ull);
}

static int relay_compat(bool sampled, bool own)
{
	if (!own)
		return 0;
	if (!given(OPT_RELAY_SUBBUF))
		relay.subbuf_size = sampled ? compat_subbuf() : 64 * 1024;
	if (!given(OPT_RELAY_NSUBBUFS))
		relay.n_subbufs = COMPAT_RELAY_BYTES / relay.subbuf_size;
	return 0;
}

/* Relay wakes its reader at sub-buffer switches: batch is the sub-buffer. */
static int relay_policy(const struct rlb_variant *v)
{
	u64 batch = env.policy.batch_bytes;
	int kind = env.policy.kind;
	char name[48];

	policy_name(name, sizeof(name));
	if (kind == POLICY_EVERY)
		return rlb_fail(
			"relay wakes its reader per sub-buffer, not per record: use --policy batch:<sub-buffer bytes>");
	if (!strcmp(v->name, "relay-cat") && kind != POLICY_NONE)
		return rlb_fail(
			"relay-cat reads on a timer: its only policy is none, not '%s'",
			name);
	if (kind != POLICY_BATCH)
		return 0;
	if (batch % 4096 || batch > (64u << 20))
		return rlb_fail(
			"--policy %s: relay's batch is its sub-buffer, a page multiple up to 64 MiB",
			name);
	if (given(OPT_RELAY_SUBBUF) && batch != relay.subbuf_size)
		return rlb_fail(
			"--policy %s contradicts --relay-subbuf (relay's batch is its sub-buffer)",
			name);
	relay.subbuf_size = (u32)batch;
	return 0;
}

static int relay_check(const struct rlb_variant *v)
{
	if (env.consumers > 1 && !strcmp(v->reader, "mmap"))
		return rlb_fail("%s supports exactly one consumer", v->name);
	return 0;
}

/* Woken at sub-buffer switches only, else read every --poll-ms. */
static void relay_label(char *buf, size_t len)
{
	snprintf(buf, len, "subbuf-switch+poll/%ums", env.poll_ms);
}

static void relay_params(struct json *j)
{
	json_u64(j, "relay_subbuf", relay.subbuf_size);
	json_u64(j, "relay_nsubbufs", relay.n_subbufs);
}

#ifndef RLB_OPTIONS_ONLY
/* ---- run time ---- */
#define DEBUGFS "/sys/kernel/debug"
#define RELAY_MAP_NAME "rlb_relay" /* the map in progs/rlb_relay.bpf.c */

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
	struct relay_cpu *cpus;
	int ncpus;
	char dir[64];
	int mode; /* 0 mmap, 1 read, 2 cat */
} ctx;

/* A direct create: libbpf's generic probe uses key_size 4, which the relay
 * map rejects even when it exists.
 */
static bool relay_probe(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_extra = 2);
	int fd = bpf_map_create(BPF_MAP_TYPE_RELAY, "rlb_probe", 0, 16, 4096,
				&opts);

	if (fd < 0)
		return false;
	close(fd);
	return true;
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

static int relay_prepare(void)
{
	struct bpf_map *map = rlb_producer_map(RELAY_MAP_NAME);

	if (!map || bpf_map__set_max_entries(map, relay.subbuf_size) ||
	    bpf_map__set_map_extra(map, relay.n_subbufs) ||
	    bpf_map__set_map_flags(map, env.overwrite ? BPF_F_OVERWRITE : 0))
		return EXIT_ENV;
	return 0;
}

/* Where the CPU files are: the same in the loader and a later reader. */
static int init_cpu_paths(void)
{
	int i;

	if (relay.dir[0])
		snprintf(ctx.dir, sizeof(ctx.dir), "%s", relay.dir);
	else
		snprintf(ctx.dir, sizeof(ctx.dir), "rb_relay_%d",
			 (int)rlb_main_pid);
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
		snprintf(rc->out, sizeof(rc->out),
			 "/tmp/rlb_relay_%d_cpu%d.out", getpid(), i);
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
	if (bpf_map_update_elem(bpf_map__fd(rlb_producer_map(RELAY_MAP_NAME)),
				NULL, name, 0)) {
		fprintf(stderr, "cannot create relay files %s/%s: %s\n",
			DEBUGFS, ctx.dir, strerror(errno));
		return EXIT_ENV;
	}
	return 0;
}

static int open_cpu(struct relay_cpu *rc)
{
	size_t len = (size_t)relay.subbuf_size * relay.n_subbufs;

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

/* By reader, not name: variants differ in how they produce, too. */
static int mode_of(const struct rlb_variant *v)
{
	if (!strcmp(v->reader, "mmap"))
		return 0;
	return !strcmp(v->reader, "read") ? 1 : 2;
}

static int relay_setup(void)
{
	int err;

	ctx.mode = mode_of(env.variant);
	if (!relay_probe()) {
		fprintf(stderr,
			"kernel has no relay map (BPF_MAP_TYPE_RELAY)\n");
		return EXIT_ENV;
	}
	err = mount_debugfs();
	if (!err)
		err = rlb_producer_load(relay_prepare);
	if (!err)
		err = create_files();
	/* The no-reader loader opens nothing: the files must outlive it alone. */
	if (!err && env.scenario != SCEN_NO_READER)
		err = open_cpus();
	return err ? err : rlb_producer_attach();
}

/* The map lives on through its pin; its files are where the loader made them. */
static int relay_recover(const char *dir)
{
	ctx.mode = mode_of(env.variant);
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
static void wait_files(struct rlb_consumer *c)
{
	struct pollfd pfds[RLB_MAX_CPUS];
	int n = 0, i;

	if (env.back2back) {
		rlb_b2b_trigger();
		return;
	}
	if (env.policy.kind == POLICY_NONE) {
		sleep_poll_period();
		return;
	}
	for (i = c->idx; i < ctx.ncpus && n < RLB_MAX_CPUS; i += env.consumers)
		pfds[n++] = (struct pollfd){ .fd = ctx.cpus[i].fd,
					     .events = POLLIN };
	if (poll(pfds, n, rlb_poll_timeout(&env)) > 0)
		rlb_store(&c->wakeups, c->wakeups + 1);
}

/* ---- relay-mmap: walk sub-buffers in seq order with the header protocol ---- */
static void note_status(struct rlb_consumer *c, int st)
{
	if (st == RELAY_TORN)
		c->torn++;
	else if (st < 0)
		c->parse_errors++;
}

/* The seq a sub-buffer's header carries now (0: never written). */
static u64 subbuf_seq(const char *subbuf)
{
	const struct bpf_relay_subbuf_hdr *hdr = (const void *)subbuf;

	return __atomic_load_n(&hdr->seq, __ATOMIC_ACQUIRE);
}

/* A reader that arrives late starts at the oldest sub-buffer still there. */
static void seek_oldest(struct rlb_consumer *c, struct relay_cpu *rc)
{
	size_t sz = relay.subbuf_size;
	u64 oldest = 0, seq;
	u32 i;

	for (i = 0; i < relay.n_subbufs; i++) {
		seq = subbuf_seq((char *)rc->map + i * sz);
		if (seq && (!oldest || seq < oldest))
			oldest = seq;
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
static int read_stable(struct rlb_consumer *c, const char *live, u32 from,
		       u64 want, struct relay_subbuf_view *v)
{
	static __thread char *copy;
	static __thread size_t copy_size;
	const struct bpf_relay_subbuf_hdr *hdr = (const void *)live;
	size_t sz = relay.subbuf_size;
	u64 seq;
	u32 committed;

	if (copy_size < sz) {
		free(copy);
		copy = malloc(sz);
		copy_size = copy ? sz : 0;
		if (!copy)
			return RELAY_TRUNCATED;
	}
	seq = subbuf_seq(live);
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
	if (subbuf_seq(live) != seq) {
		memset(v, 0, sizeof(*v));
		v->seq = seq;
		return RELAY_TORN;
	}
	return relay_read_subbuf(copy, sz, from, v, on_payload, c);
}

static void mmap_cpu(struct rlb_consumer *c, struct relay_cpu *rc)
{
	size_t sz = relay.subbuf_size;
	struct relay_subbuf_view v;
	u32 n = relay.n_subbufs, idx;
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
		 * Only the next header's seq is needed: walking its records
		 * (a whole old sub-buffer before the writer reaches it) is
		 * wasted work on every wakeup.
		 */
		if (subbuf_seq((char *)rc->map + (rc->want_seq % n) * sz) !=
		    rc->want_seq + 1)
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
static void mmap_cpu_consume(struct rlb_consumer *c, struct relay_cpu *rc)
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
static void visit_own_cpus(struct rlb_consumer *c,
			   void (*fn)(struct rlb_consumer *,
				      struct relay_cpu *))
{
	int i;

	for (i = c->idx; i < ctx.ncpus; i += env.consumers)
		fn(c, &ctx.cpus[i]);
}

static void *mmap_consumer(void *arg)
{
	struct rlb_consumer *c = arg;

	if (rlb_snapshot)
		visit_own_cpus(c, seek_oldest);
	while (!flag_get(rlb_stop_consumers)) {
		wait_files(c);
		visit_own_cpus(c, mmap_cpu_consume);
	}
	visit_own_cpus(c, mmap_cpu_consume);
	return NULL;
}

/* ---- relay-read: read() stream ---- */
static void feed(struct rlb_consumer *c, struct relay_cpu *rc, const void *buf,
		 size_t n)
{
	if (relay_stream_feed(&rc->stream, buf, n, on_payload, c) < 0 &&
	    !rc->stream.broken)
		c->parse_errors++;
}

static void read_cpu(struct rlb_consumer *c, struct relay_cpu *rc)
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
	struct rlb_consumer *c = arg;

	while (!flag_get(rlb_stop_consumers)) {
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

static void cat_cpu(struct rlb_consumer *c, struct relay_cpu *rc)
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
	struct rlb_consumer *c = arg;

	while (!flag_get(rlb_stop_consumers)) {
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

	rlb_account_common(a);
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
	return (u64)libbpf_num_possible_cpus() * relay.subbuf_size *
	       relay.n_subbufs;
}

/* Each sub-buffer starts with a 32-byte header; records are 8-aligned. */
static u64 relay_capacity(int ncpus)
{
	u64 slot = (sizeof(struct bpf_relay_rec_hdr) + env.rec_size + 7) &
		   ~7ull;
	u64 per_subbuf =
		(relay.subbuf_size - sizeof(struct bpf_relay_subbuf_hdr)) /
		slot;

	return (u64)ncpus * relay.n_subbufs * per_subbuf;
}

static void relay_teardown(void)
{
	size_t len = (size_t)relay.subbuf_size * relay.n_subbufs;
	int i;

	for (i = 0; ctx.cpus && i < ctx.ncpus; i++) {
		if (ctx.cpus[i].map)
			munmap(ctx.cpus[i].map, len);
		if (ctx.cpus[i].fd >= 0)
			close(ctx.cpus[i].fd);
		unlink(ctx.cpus[i].out);
	}
	free(ctx.cpus);
	ctx.cpus = NULL;
	/* Closing the producer frees the map, and so its debugfs directory. */
}

static const struct rlb_run relay_run = {
	.account = relay_account,
	.buffer_bytes = relay_bytes,
	.capacity = relay_capacity,
	.buf_map = RELAY_MAP_NAME,
	.recover = relay_recover,
	.teardown = relay_teardown,
	.probe = relay_probe,
};
#endif /* RLB_OPTIONS_ONLY */

static const struct rlb_variant relay_variants[] = {
	{
		.name = "relay-mmap",
		.reader = "mmap",
		.desc = "relay map, mmap reader with the sub-buffer header protocol",
		.overwrite = true,
		.compat = true,
		.live_consumer = true,
		.setup = RLB_RUN(relay_setup),
		.consumer = RLB_RUN(mmap_consumer),
	},
	{
		/* The same reader; the producer calls the kfunc, the
		 * upstreamable form of the helper.
		 */
		.name = "relay-mmap-kfunc",
		.reader = "mmap",
		.desc = "relay-mmap, produced with the bpf_relay_map_output() kfunc instead of the helper",
		.overwrite = true,
		.live_consumer = true,
		.producer = "relay_kfunc",
		.setup = RLB_RUN(relay_setup),
		.consumer = RLB_RUN(mmap_consumer),
	},
	{
		.name = "relay-read",
		.reader = "read",
		.desc = "relay map, read() stream per CPU file (poll)",
		.overwrite = true,
		.compat = true,
		.live_consumer = true,
		.setup = RLB_RUN(relay_setup),
		.consumer = RLB_RUN(read_consumer),
	},
	{
		.name = "relay-cat",
		.reader = "cat",
		.desc = "relay map, `cat FILE > out` per CPU file every poll period, then parse",
		.overwrite = true,
		.live_consumer = true,
		.poll_ms = 100, /* cat forks per period */
		.setup = RLB_RUN(relay_setup),
		.consumer = RLB_RUN(cat_consumer),
	},
	{},
};

const struct rlb_mech rlb_mech_relay = {
	.name = "relay",
	.title = "relay map",
	.patched_kernel = true,
	.variants = relay_variants,
	.argp = &relay_argp,
	.defaults = relay_defaults,
	.compat = relay_compat,
	.policy = relay_policy,
	.check = relay_check,
	.label = relay_label,
	.params = relay_params,
	.run = RLB_RUN(&relay_run),
};
