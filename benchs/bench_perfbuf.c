// SPDX-License-Identifier: GPL-2.0
/*
 * bench_perfbuf.c: the perf buffer (BPF_MAP_TYPE_PERF_EVENT_ARRAY), read by
 * libbpf's perf_buffer and by our own reader of the per-CPU perf rings.
 */
#include <argp.h>
#include <stdio.h>
#include <string.h>
#include "json.h"
#include "plugin.h"
#ifndef RLB_OPTIONS_ONLY
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "perf_parse.h"
#include "pin.h"
#include "loader.h"
#include "run.h"
#endif

static struct {
	u32 pages; /* data pages per CPU, power of two */
	u32 wakeup; /* wakeup_events */
	u64 watermark; /* wakeup_watermark in bytes; 0: use wakeup */
} perfbuf;

/* ---- options ---- */
enum { OPT_PB_PAGES = 1100, OPT_PB_WAKEUP };

static const struct argp_option perfbuf_opts[] = {
	{ "pb-pages", OPT_PB_PAGES, "N", 0,
	  "data pages per CPU, power of 2 (default 128)" },
	{ "pb-wakeup", OPT_PB_WAKEUP, "N", 0,
	  "wake the consumer every N records (default 1)" },
	{},
};

static error_t perfbuf_parse(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case OPT_PB_PAGES:
		if (opt_u32("pb-pages", arg, 1, 1u << 18, &perfbuf.pages))
			return EINVAL;
		return opt_pow2("pb-pages", arg, perfbuf.pages);
	case OPT_PB_WAKEUP:
		return opt_u32("pb-wakeup", arg, 1, 1u << 30, &perfbuf.wakeup);
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp perfbuf_argp = { .options = perfbuf_opts,
					  .parser = perfbuf_parse };

static bool given(int key)
{
	return rlb_given(&perfbuf_argp, key);
}

static void perfbuf_defaults(void)
{
	perfbuf.pages = 128;
	perfbuf.wakeup = 1;
	perfbuf.watermark = 0;
}

/* The kernel bench's perf buffer: 128 pages per CPU; sampled wakes every
 * 500 records.
 */
static int perfbuf_compat(bool sampled, bool own)
{
	if (!given(OPT_PB_PAGES))
		perfbuf.pages = 128;
	if (!given(OPT_PB_WAKEUP))
		perfbuf.wakeup = sampled ? RLB_COMPAT_SAMPLE : 1;
	return 0;
}

static int perfbuf_policy(const struct rlb_variant *v)
{
	u64 batch = env.policy.batch_bytes, ring = (u64)perfbuf.pages * 4096;
	int kind = env.policy.kind;
	char name[48];

	policy_name(name, sizeof(name));
	if (given(OPT_PB_WAKEUP))
		return rlb_fail("--policy replaces --pb-wakeup");
	/* a backward ring is paused and read on a timer, never woken */
	if (env.overwrite && kind != POLICY_NONE && kind != POLICY_BUSY)
		return rlb_fail(
			"a backward perf ring (--overwrite) is read on a timer: its policies are none and busy, not '%s'",
			name);
	perfbuf.wakeup = kind == POLICY_EVERY ? 1 : 0;
	/* none/busy: a wakeup only if a whole ring is waiting */
	perfbuf.watermark = kind == POLICY_BATCH ? batch :
			    kind == POLICY_EVERY ? 0 :
						   ring;
	if (kind == POLICY_BATCH && batch >= ring)
		return rlb_fail(
			"--policy %s: the batch must be smaller than a CPU's ring (--pb-pages)",
			name);
	return 0;
}

static int perfbuf_check(const struct rlb_variant *v)
{
	/* libbpf's perf_buffer reads forward rings only. */
	if (env.overwrite && strcmp(v->name, "perfbuf-custom"))
		return rlb_fail(
			"perf buffer overwrite (write_backward) needs perfbuf-custom");
	if (env.consumers != 1 && !strcmp(v->name, "perfbuf-libbpf"))
		return rlb_fail("perfbuf-libbpf supports exactly one consumer");
	return 0;
}

static void perfbuf_label(char *buf, size_t len)
{
	if (perfbuf.watermark)
		snprintf(buf, len, "watermark/%llu",
			 (unsigned long long)perfbuf.watermark);
	else
		snprintf(buf, len, "wakeup/%u", perfbuf.wakeup);
}

static void perfbuf_params(struct json *j)
{
	json_u64(j, "pb_pages", perfbuf.pages);
	json_u64(j, "pb_wakeup", perfbuf.wakeup);
	json_u64(j, "pb_watermark", perfbuf.watermark);
}

#ifndef RLB_OPTIONS_ONLY
/* ---- run time ---- */
struct perf_sample_raw {
	struct perf_event_header header;
	u32 size;
	char data[];
};

struct perf_ring {
	int fd;
	void *base; /* metadata page, then data pages */
	u64 read_head; /* backward: data_head when last read; newer is below */
	u64 *offs; /* backward: record offsets of one pass, allocated once */
};

static struct {
	struct perf_buffer *pb;
	struct perf_ring rings[RLB_MAX_CPUS];
	int nrings;
	int epfd[RLB_MAX_THREADS];
	u64 page;
	u64 kernel_lost; /* PERF_RECORD_LOST totals, for information */
} ctx;

static void perf_attr(struct perf_event_attr *attr)
{
	memset(attr, 0, sizeof(*attr));
	attr->size = sizeof(*attr);
	attr->type = PERF_TYPE_SOFTWARE;
	attr->config = PERF_COUNT_SW_BPF_OUTPUT;
	attr->sample_type = PERF_SAMPLE_RAW;
	attr->sample_period = 1;
	/* notification policy: every N records, or once N bytes are waiting */
	if (perfbuf.watermark) {
		attr->watermark = 1;
		attr->wakeup_watermark = perfbuf.watermark;
	} else {
		attr->wakeup_events = perfbuf.wakeup;
	}
	/* With a read-only mapping this is perf's overwrite mode. */
	attr->write_backward = env.overwrite;
}

/* One perf record: a sample carries our record, LOST counts kernel drops. */
static void handle_event(struct rlb_consumer *c,
			 const struct perf_event_header *e)
{
	const struct perf_sample_raw *s = (const void *)e;

	if (e->type == PERF_RECORD_SAMPLE) {
		/* the raw size must stay inside the record it came in */
		if (e->size < sizeof(*s) || s->size > e->size - sizeof(*s)) {
			c->parse_errors++;
			return;
		}
		consume_record(c, s->data, s->size);
	} else if (e->type == PERF_RECORD_LOST &&
		   e->size >= sizeof(*e) + 2 * sizeof(u64)) {
		__atomic_fetch_add(&ctx.kernel_lost, ((const u64 *)(e + 1))[1],
				   __ATOMIC_RELAXED);
	}
}

static enum bpf_perf_event_ret on_event(void *c, int cpu,
					struct perf_event_header *e)
{
	handle_event(c, e);
	return LIBBPF_PERF_EVENT_CONT;
}

static int buf_fd(void)
{
	return bpf_map__fd(rlb_producer_map("rlb_perfbuf"));
}

static int libbpf_setup(void)
{
	struct perf_event_attr attr;
	int err = rlb_producer_load(NULL);

	if (err)
		return err;
	perf_attr(&attr);
	ctx.page = sysconf(_SC_PAGESIZE);
	ctx.pb = perf_buffer__new_raw(buf_fd(), perfbuf.pages, &attr, on_event,
				      &rlb_consumers[0], NULL);
	if (!ctx.pb) {
		fprintf(stderr, "cannot create perf_buffer: %s\n",
			strerror(errno));
		return EXIT_ENV;
	}
	return rlb_producer_attach();
}

static void *libbpf_consumer(void *arg)
{
	struct rlb_consumer *c = arg;
	int n;

	while (!flag_get(rlb_stop_consumers)) {
		n = perf_buffer__poll(ctx.pb, rlb_poll_timeout(&env));
		if (n > 0)
			rlb_store(&c->wakeups,
				  c->wakeups + n); /* rings that woke us */
		else if (n == 0) /* no wakeup came: poll, as the policy says */
			perf_buffer__consume(ctx.pb);
		rlb_b2b_trigger();
	}
	if (ctx.pb) /* no-reader: nothing survived the loader */
		perf_buffer__consume(ctx.pb);
	return NULL;
}

/* ---- own reader ---- */
static int open_ring(int cpu, int map_fd, int epfd)
{
	struct perf_ring *r = &ctx.rings[cpu];
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = cpu };
	struct perf_event_attr attr;

	perf_attr(&attr);
	r->fd = syscall(__NR_perf_event_open, &attr, -1, cpu, -1,
			PERF_FLAG_FD_CLOEXEC);
	if (r->fd < 0)
		return -1;
	r->base = mmap(NULL, (perfbuf.pages + 1) * ctx.page,
		       env.overwrite ? PROT_READ : PROT_READ | PROT_WRITE,
		       MAP_SHARED, r->fd, 0);
	if (r->base == MAP_FAILED) {
		r->base = NULL;
		return -1;
	}
	if (bpf_map_update_elem(map_fd, &cpu, &r->fd, BPF_ANY) ||
	    ioctl(r->fd, PERF_EVENT_IOC_ENABLE, 0))
		return -1;
	/* A backward ring is read on a timer (custom_consumer), not on wakeups.
	 * Its passes note at most one record per header-sized step.
	 */
	if (env.overwrite) {
		r->offs = malloc((perfbuf.pages * ctx.page /
					  sizeof(struct perf_event_header) +
				  1) *
				 sizeof(*r->offs));
		return r->offs ? 0 : -1;
	}
	return epoll_ctl(epfd, EPOLL_CTL_ADD, r->fd, &ev) ? -1 : 0;
}

static int custom_setup(void)
{
	int err = rlb_producer_load(NULL), cpu, i, map_fd;

	if (err)
		return err;
	ctx.page = sysconf(_SC_PAGESIZE);
	for (i = 0; i < RLB_MAX_THREADS; i++)
		ctx.epfd[i] = -1;
	for (i = 0; i < env.consumers; i++) {
		ctx.epfd[i] = epoll_create1(EPOLL_CLOEXEC);
		if (ctx.epfd[i] < 0)
			goto fail;
	}
	map_fd = buf_fd();
	ctx.nrings = libbpf_num_possible_cpus();
	if (ctx.nrings > RLB_MAX_CPUS)
		ctx.nrings = RLB_MAX_CPUS;
	for (cpu = 0; cpu < ctx.nrings; cpu++)
		ctx.rings[cpu].fd = -1;
	/* CPU c is read by consumer c % consumers: each ring has one reader. */
	for (cpu = 0; cpu < ctx.nrings; cpu++)
		if (open_ring(cpu, map_fd, ctx.epfd[cpu % env.consumers]))
			goto fail;
	return rlb_producer_attach();
fail:
	fprintf(stderr, "cannot set up perf rings: %s\n", strerror(errno));
	return EXIT_ENV;
}

/* Read one ring from data_tail to data_head.  A record that wraps around the
 * end is copied out: the only copy, and unavoidable without a double map.
 */
static void ring_drain(struct rlb_consumer *c, struct perf_ring *r)
{
	static __thread u64 wrapbuf[(RLB_REC_MAX + 64) / 8];
	struct perf_event_mmap_page *meta = r->base;
	u64 size = perfbuf.pages * ctx.page, head, tail;
	const char *data = (const char *)r->base + ctx.page;

	head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
	tail = meta->data_tail;
	while (tail < head) {
		const struct perf_event_header *e;

		e = perf_record_at(data, size, tail, wrapbuf, sizeof(wrapbuf));
		if (!e || e->size > head - tail) {
			/* nothing after it can be framed: give up what the ring
			 * holds, once, and let it show as lost
			 */
			c->parse_errors++;
			tail = head;
			break;
		}
		handle_event(c, e);
		tail += e->size;
	}
	__atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
}

/* Hand the record at pos to the consumer, unwrapping it if it straddles
 * the end of the ring.  Its size is read again here: the walk that found
 * pos checked an earlier read of shared memory, which bounds nothing now.
 */
static void handle_at(struct rlb_consumer *c, const char *data, u64 size,
		      u64 pos)
{
	static __thread u64 wrapbuf[(RLB_REC_MAX + 64) / 8];
	const struct perf_event_header *e;

	e = perf_record_at(data, size, pos, wrapbuf, sizeof(wrapbuf));
	if (!e) {
		c->parse_errors++;
		return;
	}
	handle_event(c, e);
}

/* A write_backward ring, paused: the newest record starts at data_head and
 * older ones follow it upwards, up to where the last read started
 * (read_head; 0 before the first).  Walk to the oldest whole record that is
 * new, then hand them over oldest first, as every other reader does.  While
 * the ring is paused the kernel refuses writes and the producer counts them
 * as dropped; what the writer overwrote before we came shows as a seq gap.
 * Live, a writer already past the pause check may still be writing just
 * below head, which in a full ring is over its oldest bytes: keep clear of
 * two records there (one in flight, one nested in it).
 */
static void backward_drain(struct rlb_consumer *c, struct perf_ring *r,
			   bool live)
{
	struct perf_event_mmap_page *meta = r->base;
	u64 size = perfbuf.pages * ctx.page, head, avail, off = 0;
	u64 margin = 2 * (sizeof(struct perf_event_header) +
			  ((4 + env.rec_size + 7) & ~7ull));
	const char *data = (const char *)r->base + ctx.page;
	size_t n = 0, i;

	if (!r->base)
		return;
	ioctl(r->fd, PERF_EVENT_IOC_PAUSE_OUTPUT, 1);
	head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
	avail = r->read_head - head; /* head counts down from 0 */
	if (avail > size)
		avail = size;
	if (live && margin < size && avail > size - margin)
		avail = size - margin;
	while (off < avail) {
		const struct perf_event_header *e =
			(const void *)(data + (head + off) % size);

		/* The oldest record may have lost its start to the newest. */
		if (e->size < sizeof(*e) || e->size > RLB_REC_MAX + 64 ||
		    off + e->size > avail)
			break;
		r->offs[n++] = off;
		off += e->size;
	}
	for (i = n; i > 0; i--)
		handle_at(c, data, size, head + r->offs[i - 1]);
	r->read_head = head;
	ioctl(r->fd, PERF_EVENT_IOC_PAUSE_OUTPUT, 0);
}

/* live: producers may still be writing (false for the drain after they stop) */
static void drain_mine(struct rlb_consumer *c, bool live)
{
	int cpu;

	for (cpu = c->idx; cpu < ctx.nrings; cpu += env.consumers)
		if (env.overwrite)
			backward_drain(c, &ctx.rings[cpu], live);
		else
			ring_drain(c, &ctx.rings[cpu]);
}

static void *custom_consumer(void *arg)
{
	struct rlb_consumer *c = arg;
	struct epoll_event evs[RLB_MAX_CPUS];
	int n, i;

	while (!flag_get(rlb_stop_consumers)) {
		rlb_b2b_trigger();
		n = epoll_wait(ctx.epfd[c->idx], evs, RLB_MAX_CPUS,
			       rlb_poll_timeout(&env));
		if (n > 0)
			rlb_store(&c->wakeups, c->wakeups + n);
		/* A backward ring never fills, so a wakeup says nothing a timer
		 * does not: its epoll set is empty and it is read every --poll-ms.
		 */
		if (env.overwrite || n == 0) /* n == 0: no wakeup, so poll */
			drain_mine(c, true);
		else
			for (i = 0; i < n; i++)
				ring_drain(c, &ctx.rings[evs[i].data.u32]);
	}
	drain_mine(c, false);
	return NULL;
}

static void perfbuf_account(struct loss_accounting *a)
{
	rlb_account_common(a);
	/* Consumers drained after the producers stopped: nothing is left. */
	a->in_buffer = 0;
}

static u64 perfbuf_bytes(void)
{
	return (u64)libbpf_num_possible_cpus() * (perfbuf.pages + 1) *
	       sysconf(_SC_PAGESIZE);
}

/* A raw sample: 8-byte perf header, then u32 size + data padded to 8. */
static u64 perfbuf_capacity(int ncpus)
{
	u64 slot = sizeof(struct perf_event_header) +
		   ((4 + env.rec_size + 7) & ~7ull);

	return (u64)ncpus * (perfbuf.pages * (u64)sysconf(_SC_PAGESIZE) / slot);
}

/* The perf events belonged to the loader's files: when it exited, the kernel
 * emptied the array, so there is nothing to map and nothing to recover.
 */
static int perfbuf_recover(const char *dir)
{
	int fd = rlb_open_pinned_buf(dir);

	if (fd < 0)
		return EXIT_ENV;
	close(fd);
	fprintf(stderr,
		"note: perf buffer events died with the loader; nothing to recover\n");
	ctx.nrings = 0;
	return 0;
}

static void perfbuf_teardown(void)
{
	int i;

	perf_buffer__free(ctx.pb);
	ctx.pb = NULL;
	for (i = 0; i < ctx.nrings; i++) {
		if (ctx.rings[i].base)
			munmap(ctx.rings[i].base,
			       (perfbuf.pages + 1) * ctx.page);
		if (ctx.rings[i].fd >= 0)
			close(ctx.rings[i].fd);
		free(ctx.rings[i].offs);
		ctx.rings[i].offs = NULL;
	}
	ctx.nrings = 0;
	for (i = 0; i < RLB_MAX_THREADS; i++)
		if (ctx.epfd[i] > 0)
			close(ctx.epfd[i]);
	memset(ctx.epfd, 0, sizeof(ctx.epfd));
}

static const struct rlb_run perfbuf_run = {
	.account = perfbuf_account,
	.buffer_bytes = perfbuf_bytes,
	.capacity = perfbuf_capacity,
	.buf_map = "rlb_perfbuf",
	.recover = perfbuf_recover,
	.teardown = perfbuf_teardown,
};
#endif /* RLB_OPTIONS_ONLY */

static const struct rlb_variant perfbuf_variants[] = {
	{
		.name = "perfbuf-libbpf",
		.reader = "libbpf",
		.desc = "perf buffer, libbpf perf_buffer__poll (epoll)",
		.compat = true,
		.live_consumer = true,
		.setup = RLB_RUN(libbpf_setup),
		.consumer = RLB_RUN(libbpf_consumer),
	},
	{
		.name = "perfbuf-custom",
		.reader = "custom",
		.desc = "perf buffer, own reader of the per-CPU perf rings (epoll)",
		.overwrite = true,
		.compat = true,
		.live_consumer = true,
		.setup = RLB_RUN(custom_setup),
		.consumer = RLB_RUN(custom_consumer),
	},
	{},
};

const struct rlb_mech rlb_mech_perfbuf = {
	.name = "perfbuf",
	.title = "perf buffer",
	.variants = perfbuf_variants,
	.argp = &perfbuf_argp,
	.defaults = perfbuf_defaults,
	.compat = perfbuf_compat,
	.policy = perfbuf_policy,
	.check = perfbuf_check,
	.label = perfbuf_label,
	.params = perfbuf_params,
	.run = RLB_RUN(&perfbuf_run),
};
