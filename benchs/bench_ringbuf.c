// SPDX-License-Identifier: GPL-2.0
/* bench_ringbuf.c: BPF ring buffer consumers -- libbpf with epoll, libbpf
 * busy-polling, and our own mmap reader. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bench.h"
#include "rb_ringbuf.skel.h"

#define POLL_MS 50	/* how often a blocked consumer re-checks for stop */

static struct {
	struct rb_ringbuf *skel;
	struct bpf_link *link;
	struct ring_buffer *rb;		/* libbpf variants */
	/* custom reader */
	void *cons_page;
	void *prod_area;
	int epfd;
	u64 page;
} ctx = { .epfd = -1 };

static int ringbuf_validate(void)
{
	if (env.consumers != 1) {
		fprintf(stderr, "ringbuf benches support exactly one consumer\n");
		return EXIT_USAGE;
	}
	if (env.overwrite) {
		fprintf(stderr, "overwrite mode is not supported by the ring buffer on this kernel\n");
		return EXIT_USAGE;
	}
	return 0;
}

static int on_record(void *c, void *data, size_t size)
{
	consume_record(c, data, size);
	return 0;
}

static int load_producer(void)
{
	ctx.skel = rb_ringbuf__open();
	if (!ctx.skel) {
		fprintf(stderr, "cannot open ringbuf skeleton: %s\n", strerror(errno));
		return EXIT_ENV;
	}
	RB_SET_KNOBS(ctx.skel);
	bpf_map__set_max_entries(ctx.skel->maps.rb_ringbuf, env.ringbuf.size);
	rb_select_trigger(ctx.skel->progs.rb_tp, ctx.skel->progs.rb_raw_tp);
	if (rb_ringbuf__load(ctx.skel)) {
		fprintf(stderr, "cannot load ringbuf producer: %s\n", strerror(errno));
		return EXIT_ENV;
	}
	return 0;
}

static int attach_producer(void)
{
	return rb_attach(ctx.skel->progs.rb_tp, ctx.skel->progs.rb_raw_tp, &ctx.link);
}

static int libbpf_setup(void)
{
	int err = load_producer();

	if (err)
		return err;
	ctx.rb = ring_buffer__new(bpf_map__fd(ctx.skel->maps.rb_ringbuf), on_record,
				  &rb_consumers[0], NULL);
	if (!ctx.rb) {
		fprintf(stderr, "cannot create ring_buffer: %s\n", strerror(errno));
		return EXIT_ENV;
	}
	return attach_producer();
}

static void *libbpf_consumer(void *arg)
{
	struct rb_consumer *c = arg;
	int n;

	while (!rb_stop_consumers) {
		n = ring_buffer__poll(ctx.rb, POLL_MS);
		if (n > 0)
			rb_store(&c->wakeups, c->wakeups + 1);
		rb_b2b_trigger();
	}
	ring_buffer__consume(ctx.rb);	/* drain */
	return NULL;
}

static void *busy_consumer(void *arg)
{
	while (!rb_stop_consumers)
		ring_buffer__consume(ctx.rb);
	ring_buffer__consume(ctx.rb);
	return NULL;
}

/* ---- own mmap reader: the ring buffer protocol, per the UAPI ---- */
static int custom_setup(void)
{
	int err = load_producer(), fd;
	struct epoll_event ev = { .events = EPOLLIN };

	if (err)
		return err;
	fd = bpf_map__fd(ctx.skel->maps.rb_ringbuf);
	ctx.page = sysconf(_SC_PAGESIZE);
	ctx.cons_page = mmap(NULL, ctx.page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	/* Data is mapped twice back to back, so no record ever wraps. */
	ctx.prod_area = mmap(NULL, ctx.page + 2 * env.ringbuf.size, PROT_READ, MAP_SHARED,
			     fd, ctx.page);
	ctx.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ctx.cons_page == MAP_FAILED || ctx.prod_area == MAP_FAILED || ctx.epfd < 0 ||
	    epoll_ctl(ctx.epfd, EPOLL_CTL_ADD, fd, &ev)) {
		fprintf(stderr, "cannot map ring buffer: %s\n", strerror(errno));
		return EXIT_ENV;
	}
	return attach_producer();
}

/* Consume everything committed; stop at a record still being written. */
static void custom_drain(struct rb_consumer *c)
{
	u64 *cons_pos = ctx.cons_page;
	const u64 *prod_pos = ctx.prod_area;
	const char *data = (const char *)ctx.prod_area + ctx.page;
	u64 mask = env.ringbuf.size - 1, cons = *cons_pos, prod;

	prod = __atomic_load_n(prod_pos, __ATOMIC_ACQUIRE);
	while (cons < prod) {
		const u32 *hdr = (const u32 *)(data + (cons & mask));
		u32 len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
		u32 size = len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);

		if (len & BPF_RINGBUF_BUSY_BIT)
			break;
		if (!(len & BPF_RINGBUF_DISCARD_BIT))
			consume_record(c, hdr + 2, size);
		cons += (size + BPF_RINGBUF_HDR_SZ + 7) & ~7ull;
		/* Release: the producer may reuse the space once it sees this. */
		__atomic_store_n(cons_pos, cons, __ATOMIC_RELEASE);
		if (cons >= prod)
			prod = __atomic_load_n(prod_pos, __ATOMIC_ACQUIRE);
	}
}

static void *custom_consumer(void *arg)
{
	struct rb_consumer *c = arg;
	struct epoll_event ev;

	while (!rb_stop_consumers) {
		rb_b2b_trigger();
		if (epoll_wait(ctx.epfd, &ev, 1, POLL_MS) > 0)
			rb_store(&c->wakeups, c->wakeups + 1);
		custom_drain(c);
	}
	custom_drain(c);
	return NULL;
}

static void ringbuf_measure(struct bench_sample *s)
{
	struct rb_counters sum;

	rb_read_counters(bpf_map__fd(ctx.skel->maps.rb_counters), &sum, NULL);
	rb_consumers_total(s);
	s->produced = sum.produced;
	s->dropped = sum.dropped;
}

/* Unread bytes left in the ring, in records (all records have one size). */
static u64 ringbuf_left(void)
{
	u64 slot = (env.rec_size + BPF_RINGBUF_HDR_SZ + 7) & ~7ull;
	const u64 *prod_pos = ctx.prod_area;
	const u64 *cons_pos = ctx.cons_page;

	if (ctx.rb)
		return ring__avail_data_size(ring_buffer__ring(ctx.rb, 0)) / slot;
	if (ctx.prod_area && ctx.prod_area != MAP_FAILED)
		return (*prod_pos - *cons_pos) / slot;
	return 0;
}

static void ringbuf_account(struct loss_accounting *a)
{
	rb_account_common(bpf_map__fd(ctx.skel->maps.rb_counters), a);
	a->in_buffer = ringbuf_left();
	/* Records still in the ring were never seen, so the tail counted them
	 * as lost; move them to in-buffer. */
	a->lost = a->lost >= a->in_buffer ? a->lost - a->in_buffer : 0;
}

static u64 ringbuf_bytes(void)
{
	return env.ringbuf.size;
}

static void ringbuf_teardown(void)
{
	bpf_link__destroy(ctx.link);
	ctx.link = NULL;
	ring_buffer__free(ctx.rb);
	ctx.rb = NULL;
	if (ctx.cons_page && ctx.cons_page != MAP_FAILED)
		munmap(ctx.cons_page, ctx.page);
	if (ctx.prod_area && ctx.prod_area != MAP_FAILED)
		munmap(ctx.prod_area, ctx.page + 2 * env.ringbuf.size);
	ctx.cons_page = ctx.prod_area = NULL;
	if (ctx.epfd >= 0)
		close(ctx.epfd);
	ctx.epfd = -1;
	rb_ringbuf__destroy(ctx.skel);
	ctx.skel = NULL;
}

#define RINGBUF_BENCH(_name, _desc, _setup, _consumer)		\
	{							\
		.name = _name,					\
		.desc = _desc,					\
		.argp = &bench_ringbuf_argp,			\
		.validate = ringbuf_validate,			\
		.setup = _setup,				\
		.producer_thread = rb_producer_thread,		\
		.consumer_thread = _consumer,			\
		.measure = ringbuf_measure,			\
		.account = ringbuf_account,			\
		.buffer_bytes = ringbuf_bytes,			\
		.teardown = ringbuf_teardown,			\
		.has_consumer = true,				\
	}

const struct bench bench_ringbuf_libbpf = RINGBUF_BENCH("ringbuf-libbpf",
	"ring buffer, libbpf ring_buffer__poll (epoll)", libbpf_setup, libbpf_consumer);
const struct bench bench_ringbuf_busy = RINGBUF_BENCH("ringbuf-busy",
	"ring buffer, libbpf ring_buffer__consume busy-poll", libbpf_setup, busy_consumer);
const struct bench bench_ringbuf_custom = RINGBUF_BENCH("ringbuf-custom",
	"ring buffer, own mmap reader (epoll)", custom_setup, custom_consumer);
