// SPDX-License-Identifier: GPL-2.0
/* bench_perfbuf.c: perf buffer consumers -- libbpf perf_buffer, and our own
 * reader of the per-CPU perf rings.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bench.h"
#include "rlb_perfbuf.skel.h"

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
	struct rlb_perfbuf *skel;
	struct bpf_link *link;
	struct perf_buffer *pb;
	struct perf_ring rings[RLB_MAX_CPUS];
	int nrings;
	int epfd[RLB_MAX_THREADS];
	u64 page;
	u64 kernel_lost; /* PERF_RECORD_LOST totals, for information */
} ctx;

static int perfbuf_validate(void)
{
	/* libbpf's perf_buffer reads forward rings only. */
	if (env.overwrite && strcmp(env.bench_name, "perfbuf-custom")) {
		fprintf(stderr,
			"perf buffer overwrite (write_backward) needs perfbuf-custom\n");
		return EXIT_USAGE;
	}
	if (env.consumers != 1 && !strcmp(env.bench_name, "perfbuf-libbpf")) {
		fprintf(stderr,
			"perfbuf-libbpf supports exactly one consumer\n");
		return EXIT_USAGE;
	}
	return 0;
}

static void perf_attr(struct perf_event_attr *attr)
{
	memset(attr, 0, sizeof(*attr));
	attr->size = sizeof(*attr);
	attr->type = PERF_TYPE_SOFTWARE;
	attr->config = PERF_COUNT_SW_BPF_OUTPUT;
	attr->sample_type = PERF_SAMPLE_RAW;
	attr->sample_period = 1;
	/* notification policy: every N records, or once N bytes are waiting */
	if (env.perfbuf.watermark) {
		attr->watermark = 1;
		attr->wakeup_watermark = env.perfbuf.watermark;
	} else {
		attr->wakeup_events = env.perfbuf.wakeup;
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

static int load_producer(void)
{
	ctx.page = sysconf(_SC_PAGESIZE);
	ctx.skel = rlb_perfbuf__open();
	if (!ctx.skel) {
		fprintf(stderr, "cannot open perfbuf skeleton: %s\n",
			strerror(errno));
		return EXIT_ENV;
	}
	RLB_SET_KNOBS(ctx.skel);
	rlb_select_trigger(ctx.skel->progs.rlb_tp, ctx.skel->progs.rlb_raw_tp);
	if (rlb_perfbuf__load(ctx.skel)) {
		fprintf(stderr, "cannot load perfbuf producer: %s\n",
			strerror(errno));
		return EXIT_ENV;
	}
	rlb_counters_fd = bpf_map__fd(ctx.skel->maps.rlb_counters);
	return 0;
}

static int libbpf_setup(void)
{
	struct perf_event_attr attr;
	int err = load_producer();

	if (err)
		return err;
	perf_attr(&attr);
	ctx.pb = perf_buffer__new_raw(bpf_map__fd(ctx.skel->maps.rlb_perfbuf),
				      env.perfbuf.pages, &attr, on_event,
				      &rlb_consumers[0], NULL);
	if (!ctx.pb) {
		fprintf(stderr, "cannot create perf_buffer: %s\n",
			strerror(errno));
		return EXIT_ENV;
	}
	return rlb_attach(ctx.skel->progs.rlb_tp, ctx.skel->progs.rlb_raw_tp,
			  &ctx.link);
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
	r->base = mmap(NULL, (env.perfbuf.pages + 1) * ctx.page,
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
		r->offs = malloc((env.perfbuf.pages * ctx.page /
					  sizeof(struct perf_event_header) +
				  1) *
				 sizeof(*r->offs));
		return r->offs ? 0 : -1;
	}
	return epoll_ctl(epfd, EPOLL_CTL_ADD, r->fd, &ev) ? -1 : 0;
}

static int custom_setup(void)
{
	int err = load_producer(), cpu, i, map_fd;

	if (err)
		return err;
	for (i = 0; i < RLB_MAX_THREADS; i++)
		ctx.epfd[i] = -1;
	for (i = 0; i < env.consumers; i++) {
		ctx.epfd[i] = epoll_create1(EPOLL_CLOEXEC);
		if (ctx.epfd[i] < 0)
			goto fail;
	}
	map_fd = bpf_map__fd(ctx.skel->maps.rlb_perfbuf);
	ctx.nrings = libbpf_num_possible_cpus();
	if (ctx.nrings > RLB_MAX_CPUS)
		ctx.nrings = RLB_MAX_CPUS;
	for (cpu = 0; cpu < ctx.nrings; cpu++)
		ctx.rings[cpu].fd = -1;
	/* CPU c is read by consumer c % consumers: each ring has one reader. */
	for (cpu = 0; cpu < ctx.nrings; cpu++)
		if (open_ring(cpu, map_fd, ctx.epfd[cpu % env.consumers]))
			goto fail;
	return rlb_attach(ctx.skel->progs.rlb_tp, ctx.skel->progs.rlb_raw_tp,
			  &ctx.link);
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
	u64 size = env.perfbuf.pages * ctx.page, head, tail;
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
	u64 size = env.perfbuf.pages * ctx.page, head, avail, off = 0;
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
	rlb_account_common(rlb_counters_fd, a);
	/* Consumers drained after the producers stopped: nothing is left. */
	a->in_buffer = 0;
}

static u64 perfbuf_bytes(void)
{
	return (u64)libbpf_num_possible_cpus() * (env.perfbuf.pages + 1) *
	       sysconf(_SC_PAGESIZE);
}

/* A raw sample: 8-byte perf header, then u32 size + data padded to 8. */
static u64 perfbuf_capacity(int ncpus)
{
	u64 slot = sizeof(struct perf_event_header) +
		   ((4 + env.rec_size + 7) & ~7ull);

	return (u64)ncpus *
	       (env.perfbuf.pages * (u64)sysconf(_SC_PAGESIZE) / slot);
}

static int perfbuf_pin(const char *dir)
{
	return rlb_pin_common(dir, ctx.link, ctx.skel->maps.rlb_counters,
			      ctx.skel->maps.rlb_perfbuf);
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

	bpf_link__destroy(ctx.link);
	ctx.link = NULL;
	perf_buffer__free(ctx.pb);
	ctx.pb = NULL;
	for (i = 0; i < ctx.nrings; i++) {
		if (ctx.rings[i].base)
			munmap(ctx.rings[i].base,
			       (env.perfbuf.pages + 1) * ctx.page);
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
	rlb_perfbuf__destroy(ctx.skel);
	ctx.skel = NULL;
}

#define PERFBUF_BENCH(_name, _reader, _overwrite, _desc, _setup, _consumer) \
	{                                                                   \
		.name = _name,                                              \
		.mechanism = "perfbuf",                                     \
		.reader = _reader,                                          \
		.desc = _desc,                                              \
		.overwrite = _overwrite,                                    \
		.argp = &bench_perfbuf_argp,                                \
		.validate = perfbuf_validate,                               \
		.setup = _setup,                                            \
		.producer_thread = rlb_producer_thread,                     \
		.consumer_thread = _consumer,                               \
		.measure = rlb_measure_common,                              \
		.account = perfbuf_account,                                 \
		.buffer_bytes = perfbuf_bytes,                              \
		.capacity = perfbuf_capacity,                               \
		.pin = perfbuf_pin,                                         \
		.recover = perfbuf_recover,                                 \
		.teardown = perfbuf_teardown,                               \
		.has_consumer = true,                                       \
	}

const struct bench bench_perfbuf_libbpf =
	PERFBUF_BENCH("perfbuf-libbpf", "libbpf", false,
		      "perf buffer, libbpf perf_buffer__poll (epoll)",
		      libbpf_setup, libbpf_consumer);
const struct bench bench_perfbuf_custom = PERFBUF_BENCH(
	"perfbuf-custom", "custom", true,
	"perf buffer, own reader of the per-CPU perf rings (epoll)",
	custom_setup, custom_consumer);
