// SPDX-License-Identifier: GPL-2.0
/* bench_ringbuf.c: BPF ring buffer consumers -- libbpf with epoll, libbpf
 * busy-polling, and our own mmap reader.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bench.h"
#include "rlb_ringbuf.skel.h"

/* Overwrite mode (kernel/patches, as Linux 6.19): the kernel publishes the
 * start of the oldest record not yet overwritten in the producer page, after
 * producer_pos and the kernel's own pending_pos.
 */
#define RINGBUF_OVERWRITE_POS_OFF 16

static struct {
	struct rlb_ringbuf *skel;
	struct bpf_link *link;
	struct ring_buffer *rb; /* libbpf variants */
	/* custom reader */
	void *cons_page;
	void *prod_area;
	int epfd;
	u64 page;
	int pinned_fd; /* no-reader: the ring, opened from its pin */
} ctx = { .epfd = -1, .pinned_fd = -1 };

static int ringbuf_validate(void)
{
	if (env.consumers != 1) {
		fprintf(stderr,
			"ringbuf benches support exactly one consumer\n");
		return EXIT_USAGE;
	}
	/* libbpf's ring_buffer knows nothing of the overwrite position. */
	if (env.overwrite && strcmp(env.bench_name, "ringbuf-custom")) {
		fprintf(stderr,
			"overwrite mode needs ringbuf-custom (libbpf cannot read it)\n");
		return EXIT_USAGE;
	}
	return 0;
}

static int on_record(void *c, void *data, size_t size)
{
	consume_record(c, data, size);
	return 0;
}

/* A silent probe, so a kernel without the mode gets one clear line. */
static bool overwrite_supported(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_RB_OVERWRITE);
	int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "ringbuf_ow_probe", 0, 0,
				4096, &opts);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static int load_producer(void)
{
	if (env.overwrite && !overwrite_supported()) {
		fprintf(stderr,
			"kernel ring buffer has no overwrite mode (BPF_F_RB_OVERWRITE)\n");
		return EXIT_ENV;
	}
	ctx.skel = rlb_ringbuf__open();
	if (!ctx.skel) {
		fprintf(stderr, "cannot open ringbuf skeleton: %s\n",
			strerror(errno));
		return EXIT_ENV;
	}
	RLB_SET_KNOBS(ctx.skel);
	bpf_map__set_max_entries(ctx.skel->maps.rlb_ringbuf, env.ringbuf.size);
	if (env.overwrite)
		bpf_map__set_map_flags(ctx.skel->maps.rlb_ringbuf,
				       BPF_F_RB_OVERWRITE);
	rlb_select_trigger(ctx.skel->progs.rlb_tp, ctx.skel->progs.rlb_raw_tp);
	if (rlb_ringbuf__load(ctx.skel)) {
		fprintf(stderr, "cannot load ringbuf producer: %s\n",
			strerror(errno));
		return EXIT_ENV;
	}
	rlb_counters_fd = bpf_map__fd(ctx.skel->maps.rlb_counters);
	return 0;
}

static int attach_producer(void)
{
	return rlb_attach(ctx.skel->progs.rlb_tp, ctx.skel->progs.rlb_raw_tp,
			  &ctx.link);
}

static int libbpf_open(int map_fd)
{
	ctx.rb = ring_buffer__new(map_fd, on_record, &rlb_consumers[0], NULL);
	if (!ctx.rb) {
		fprintf(stderr, "cannot create ring_buffer: %s\n",
			strerror(errno));
		return EXIT_ENV;
	}
	return 0;
}

static int libbpf_setup(void)
{
	int err = load_producer();

	/* The no-reader loader leaves the ring to its pin alone. */
	if (!err && env.scenario != SCEN_NO_READER)
		err = libbpf_open(bpf_map__fd(ctx.skel->maps.rlb_ringbuf));
	return err ? err : attach_producer();
}

static void *libbpf_consumer(void *arg)
{
	struct rlb_consumer *c = arg;
	int n;

	while (!flag_get(rlb_stop_consumers)) {
		n = ring_buffer__poll(ctx.rb, rlb_poll_timeout(&env));
		if (n > 0)
			rlb_store(&c->wakeups, c->wakeups + 1);
		else if (n == 0) /* no wakeup came: poll, as the policy says */
			ring_buffer__consume(ctx.rb);
		rlb_b2b_trigger();
	}
	ring_buffer__consume(ctx.rb); /* drain */
	return NULL;
}

static void *busy_consumer(void *arg)
{
	while (!flag_get(rlb_stop_consumers))
		ring_buffer__consume(ctx.rb);
	ring_buffer__consume(ctx.rb);
	return NULL;
}

/* ---- own mmap reader: the ring buffer protocol, per the UAPI ---- */
static int custom_open(int fd)
{
	struct epoll_event ev = { .events = EPOLLIN };

	ctx.page = sysconf(_SC_PAGESIZE);
	ctx.cons_page =
		mmap(NULL, ctx.page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	/* Data is mapped twice back to back, so no record ever wraps. */
	ctx.prod_area = mmap(NULL, ctx.page + 2 * env.ringbuf.size, PROT_READ,
			     MAP_SHARED, fd, ctx.page);
	ctx.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ctx.cons_page == MAP_FAILED || ctx.prod_area == MAP_FAILED ||
	    ctx.epfd < 0 || epoll_ctl(ctx.epfd, EPOLL_CTL_ADD, fd, &ev)) {
		fprintf(stderr, "cannot map ring buffer: %s\n",
			strerror(errno));
		return EXIT_ENV;
	}
	return 0;
}

static int custom_setup(void)
{
	int err = load_producer();

	if (!err && env.scenario != SCEN_NO_READER)
		err = custom_open(bpf_map__fd(ctx.skel->maps.rlb_ringbuf));
	return err ? err : attach_producer();
}

static u64 overwrite_pos(void)
{
	const char *prod_page = ctx.prod_area;

	return __atomic_load_n(
		(const u64 *)(prod_page + RINGBUF_OVERWRITE_POS_OFF),
		__ATOMIC_ACQUIRE);
}

/* In overwrite mode a record can be overwritten while we read it: copy it
 * out, then check that the oldest surviving position has not passed it
 * (kernel/README.md, "Reading a snapshot").  False if it was overwritten:
 * its length may be garbage too, so the walk must resume at overwrite_pos.
 */
static bool consume_overwritable(struct rlb_consumer *c, u64 pos,
				 const void *rec, u32 size)
{
	static __thread u64 copy[(RLB_REC_MAX + 8) / 8];
	bool fits = size <= sizeof(copy);

	if (fits)
		memcpy(copy, rec, size);
	__atomic_thread_fence(
		__ATOMIC_ACQUIRE); /* the copy before the re-check */
	if (overwrite_pos() > pos) {
		c->torn++;
		return false;
	}
	if (fits)
		consume_record(c, copy, size);
	else
		c->seq.corrupt++;
	return true;
}

/* Consume everything committed; stop at a record still being written. */
static void custom_drain(struct rlb_consumer *c)
{
	u64 *cons_pos = ctx.cons_page;
	const u64 *prod_pos = ctx.prod_area;
	const char *data = (const char *)ctx.prod_area + ctx.page;
	u64 mask = env.ringbuf.size - 1, cons = *cons_pos, prod;

	prod = __atomic_load_n(prod_pos, __ATOMIC_ACQUIRE);
	while (cons < prod) {
		const u32 *hdr;
		u32 len, size;

		/* Overwritten records are gone: skip to the oldest one left. */
		if (env.overwrite && overwrite_pos() > cons)
			cons = overwrite_pos();
		if (cons >= prod)
			break;
		hdr = (const u32 *)(data + (cons & mask));
		len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
		size = len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
		if (len & BPF_RINGBUF_BUSY_BIT)
			break;
		if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
			if (!env.overwrite)
				consume_record(c, hdr + 2, size);
			else if (!consume_overwritable(c, cons, hdr + 2, size))
				continue; /* lapped: resume at overwrite_pos */
		}
		cons += (size + BPF_RINGBUF_HDR_SZ + 7) & ~7ull;
		/* Release: the producer may reuse the space once it sees this. */
		__atomic_store_n(cons_pos, cons, __ATOMIC_RELEASE);
		if (cons >= prod)
			prod = __atomic_load_n(prod_pos, __ATOMIC_ACQUIRE);
	}
}

static void *custom_consumer(void *arg)
{
	struct rlb_consumer *c = arg;
	struct epoll_event ev;

	while (!flag_get(rlb_stop_consumers)) {
		rlb_b2b_trigger();
		if (epoll_wait(ctx.epfd, &ev, 1, rlb_poll_timeout(&env)) > 0)
			rlb_store(&c->wakeups, c->wakeups + 1);
		custom_drain(c);
	}
	custom_drain(c);
	return NULL;
}

/* Unread bytes left in the ring, in records (all records have one size). */
static u64 ringbuf_left(void)
{
	u64 slot = (env.rec_size + BPF_RINGBUF_HDR_SZ + 7) & ~7ull;
	const u64 *prod_pos = ctx.prod_area;
	const u64 *cons_pos = ctx.cons_page;

	u64 start;

	if (ctx.rb)
		return ring__avail_data_size(ring_buffer__ring(ctx.rb, 0)) /
		       slot;
	if (!ctx.prod_area || ctx.prod_area == MAP_FAILED)
		return 0;
	start = *cons_pos;
	if (env.overwrite && overwrite_pos() > start)
		start = overwrite_pos();
	return (*prod_pos - start) / slot;
}

static void ringbuf_account(struct loss_accounting *a)
{
	rlb_account_common(rlb_counters_fd, a);
	a->in_buffer = ringbuf_left();
	/* Records still in the ring were never seen, so the tail counted them
	 * as lost; move them to in-buffer.
	 */
	a->lost = a->lost >= a->in_buffer ? a->lost - a->in_buffer : 0;
}

static u64 ringbuf_bytes(void)
{
	return env.ringbuf.size;
}

/* One shared ring: 8-byte header per record, 8-byte aligned. */
static u64 ringbuf_capacity(int ncpus)
{
	return env.ringbuf.size /
	       ((env.rec_size + BPF_RINGBUF_HDR_SZ + 7) & ~7ull);
}

static int ringbuf_pin(const char *dir)
{
	return rlb_pin_common(dir, ctx.link, ctx.skel->maps.rlb_counters,
			      ctx.skel->maps.rlb_ringbuf);
}

/* Open the pinned ring the way the variant reads it. */
static int ringbuf_recover(const char *dir)
{
	ctx.pinned_fd = rlb_open_pinned_buf(dir);
	if (ctx.pinned_fd < 0)
		return EXIT_ENV;
	if (!strcmp(env.bench_name, "ringbuf-custom"))
		return custom_open(ctx.pinned_fd);
	return libbpf_open(ctx.pinned_fd);
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
	if (ctx.pinned_fd >= 0)
		close(ctx.pinned_fd);
	ctx.pinned_fd = -1;
	rlb_ringbuf__destroy(ctx.skel);
	ctx.skel = NULL;
}

#define RINGBUF_BENCH(_name, _reader, _overwrite, _desc, _setup, _consumer) \
	{                                                                   \
		.name = _name,                                              \
		.mechanism = "ringbuf",                                     \
		.reader = _reader,                                          \
		.desc = _desc,                                              \
		.overwrite = _overwrite,                                    \
		.argp = &bench_ringbuf_argp,                                \
		.validate = ringbuf_validate,                               \
		.setup = _setup,                                            \
		.producer_thread = rlb_producer_thread,                     \
		.consumer_thread = _consumer,                               \
		.measure = rlb_measure_common,                              \
		.account = ringbuf_account,                                 \
		.buffer_bytes = ringbuf_bytes,                              \
		.capacity = ringbuf_capacity,                               \
		.pin = ringbuf_pin,                                         \
		.recover = ringbuf_recover,                                 \
		.teardown = ringbuf_teardown,                               \
		.has_consumer = true,                                       \
	}

const struct bench bench_ringbuf_libbpf =
	RINGBUF_BENCH("ringbuf-libbpf", "libbpf", false,
		      "ring buffer, libbpf ring_buffer__poll (epoll)",
		      libbpf_setup, libbpf_consumer);
const struct bench bench_ringbuf_busy =
	RINGBUF_BENCH("ringbuf-busy", "busy", false,
		      "ring buffer, libbpf ring_buffer__consume busy-poll",
		      libbpf_setup, busy_consumer);
const struct bench bench_ringbuf_custom = RINGBUF_BENCH(
	"ringbuf-custom", "custom", true,
	"ring buffer, own mmap reader (epoll)", custom_setup, custom_consumer);
