// SPDX-License-Identifier: GPL-2.0
/*
 * bench_ringbuf.c: the BPF ring buffer (BPF_MAP_TYPE_RINGBUF), read by
 * libbpf with epoll, by libbpf busy-polling, and by our own mmap reader.
 */
#include <argp.h>
#include <stdio.h>
#include <string.h>
#include "json.h"
#include "plugin.h"
#ifndef RLB_OPTIONS_ONLY
#include <errno.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "pin.h"
#include "loader.h"
#include "run.h"
#endif

static struct {
	u64 size;
	int notify; /* enum ringbuf_notify */
	u32 sample;
} ringbuf;

/* ---- options ---- */
enum { OPT_RB_SIZE = 1000, OPT_RB_NOTIFY, OPT_RB_SAMPLE };

static const struct argp_option ringbuf_opts[] = {
	{ "rb-size", OPT_RB_SIZE, "BYTES", 0,
	  "ring buffer size, power of 2 pages (default 1 MiB)" },
	{ "rb-notify", OPT_RB_NOTIFY, "POLICY", 0,
	  "default|none|force|sampled|avail|bytes" },
	{ "rb-sample", OPT_RB_SAMPLE, "N", 0,
	  "sampled: force a wakeup every N records; avail: once N are unread; bytes: once N bytes were written on a CPU (default 64)" },
	{},
};

/* The only table of policy names: parsing, params and the policy label all
 * read it, so a new policy cannot be named in one place and not another.
 */
static const char *const notify_names[] = {
	[RINGBUF_NOTIFY_DEFAULT] = "default",
	[RINGBUF_NOTIFY_NONE] = "none",
	[RINGBUF_NOTIFY_FORCE] = "force",
	[RINGBUF_NOTIFY_SAMPLED] = "sampled",
	[RINGBUF_NOTIFY_AVAIL] = "avail",
	[RINGBUF_NOTIFY_BYTES] = "bytes",
};

static const char *notify_name(int mode)
{
	if (mode < 0 || mode >= (int)ARRAY_SIZE(notify_names))
		return "?";
	return notify_names[mode];
}

static error_t ringbuf_parse(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case OPT_RB_SIZE:
		if (opt_u64("rb-size", arg, 4096, 1ull << 30, &ringbuf.size))
			return EINVAL;
		return opt_pow2("rb-size", arg, ringbuf.size);
	case OPT_RB_NOTIFY:
		ringbuf.notify = rlb_name_index(notify_names,
						ARRAY_SIZE(notify_names), arg);
		if (ringbuf.notify < 0)
			return rlb_fail("invalid value for --rb-notify: '%s'",
					arg);
		return 0;
	case OPT_RB_SAMPLE:
		return opt_u32("rb-sample", arg, 1, 1u << 30, &ringbuf.sample);
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp ringbuf_argp = { .options = ringbuf_opts,
					  .parser = ringbuf_parse };

static bool given(int key)
{
	return rlb_given(&ringbuf_argp, key);
}

static void ringbuf_defaults(void)
{
	ringbuf.size = 1 << 20;
	ringbuf.notify = RINGBUF_NOTIFY_DEFAULT;
	ringbuf.sample = 64;
}

/* The kernel bench's ring buffer: 512 KiB; sampled forces a wakeup once
 * 500 records are unread, else none.
 */
static int ringbuf_compat(bool sampled, bool own)
{
	if (!given(OPT_RB_SIZE))
		ringbuf.size = 512 * 1024;
	if (!given(OPT_RB_NOTIFY))
		ringbuf.notify = sampled ? RINGBUF_NOTIFY_AVAIL :
					   RINGBUF_NOTIFY_DEFAULT;
	if (!given(OPT_RB_SAMPLE))
		ringbuf.sample = RLB_COMPAT_SAMPLE;
	return 0;
}

static int ringbuf_policy(const struct rlb_variant *v)
{
	u64 batch = env.policy.batch_bytes;
	int kind = env.policy.kind;
	char name[48];

	policy_name(name, sizeof(name));
	if (given(OPT_RB_NOTIFY) || given(OPT_RB_SAMPLE))
		return rlb_fail(
			"--policy replaces --rb-notify and --rb-sample");
	if (!strcmp(v->name, "ringbuf-busy") && kind != POLICY_BUSY)
		return rlb_fail(
			"ringbuf-busy is the busy policy: '%s' needs ringbuf-libbpf or ringbuf-custom",
			name);
	ringbuf.notify = kind == POLICY_EVERY ? RINGBUF_NOTIFY_DEFAULT :
			 kind == POLICY_BATCH ? RINGBUF_NOTIFY_BYTES :
						RINGBUF_NOTIFY_NONE;
	if (kind == POLICY_BATCH && batch >= ringbuf.size)
		return rlb_fail(
			"--policy %s: the batch must be smaller than the ring (--rb-size)",
			name);
	if (kind == POLICY_BATCH)
		ringbuf.sample = (u32)batch;
	return 0;
}

static int ringbuf_check(const struct rlb_variant *v)
{
	if (env.consumers != 1)
		return rlb_fail("ringbuf benches support exactly one consumer");
	/* libbpf's ring_buffer knows nothing of the overwrite position. */
	if (env.overwrite && strcmp(v->name, "ringbuf-custom"))
		return rlb_fail(
			"overwrite mode needs ringbuf-custom (libbpf cannot read it)");
	return 0;
}

/* A policy that counts records carries its count ("avail/64"). */
static void ringbuf_label(char *buf, size_t len)
{
	if (ringbuf.notify == RINGBUF_NOTIFY_SAMPLED ||
	    ringbuf.notify == RINGBUF_NOTIFY_AVAIL)
		snprintf(buf, len, "%s/%u", notify_name(ringbuf.notify),
			 ringbuf.sample);
	else
		snprintf(buf, len, "%s", notify_name(ringbuf.notify));
}

static void ringbuf_params(struct json *j)
{
	json_u64(j, "rb_size", ringbuf.size);
	json_str(j, "rb_notify", notify_name(ringbuf.notify));
	json_u64(j, "rb_sample", ringbuf.sample);
}

#ifndef RLB_OPTIONS_ONLY
/* ---- run time ---- */

/* Overwrite mode (kernel/patches, as Linux 6.19): the kernel publishes the
 * start of the oldest record not yet overwritten in the producer page, after
 * producer_pos and the kernel's own pending_pos.
 */
#define RINGBUF_OVERWRITE_POS_OFF 16

static struct {
	struct ring_buffer *rb; /* libbpf variants */
	/* custom reader */
	void *cons_page;
	void *prod_area;
	int epfd;
	u64 page;
	int pinned_fd; /* no-reader: the ring, opened from its pin */
} ctx = { .epfd = -1, .pinned_fd = -1 };

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

/* The ring's size and mode; the producer's wakeup knobs. */
static int ringbuf_prepare(void)
{
	struct bpf_map *ring = rlb_producer_map("rlb_ringbuf");

	if (env.overwrite && !overwrite_supported()) {
		fprintf(stderr,
			"kernel ring buffer has no overwrite mode (BPF_F_RB_OVERWRITE)\n");
		return EXIT_ENV;
	}
	if (!ring)
		return EXIT_ENV;
	if (bpf_map__set_max_entries(ring, ringbuf.size) ||
	    (env.overwrite &&
	     bpf_map__set_map_flags(ring, BPF_F_RB_OVERWRITE))) {
		fprintf(stderr, "cannot size the ring: %s\n", strerror(errno));
		return EXIT_ENV;
	}
	if (rlb_producer_knob("notify_mode", ringbuf.notify) ||
	    rlb_producer_knob("notify_every", ringbuf.sample))
		return EXIT_ENV;
	return 0;
}

static int ring_fd(void)
{
	return bpf_map__fd(rlb_producer_map("rlb_ringbuf"));
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
	ctx.prod_area = mmap(NULL, ctx.page + 2 * ringbuf.size, PROT_READ,
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

/* The ring, opened the way the bench's variant reads it. */
static int reader_open(int fd)
{
	return strcmp(env.variant->reader, "custom") ? libbpf_open(fd) :
						       custom_open(fd);
}

static int ringbuf_setup(void)
{
	int err = rlb_producer_load(ringbuf_prepare);

	/* The no-reader loader leaves the ring to its pin alone. */
	if (!err && env.scenario != SCEN_NO_READER)
		err = reader_open(ring_fd());
	return err ? err : rlb_producer_attach();
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
	u64 mask = ringbuf.size - 1, cons = *cons_pos, prod;

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
	rlb_account_common(a);
	a->in_buffer = ringbuf_left();
	/* Records still in the ring were never seen, so the tail counted them
	 * as lost; move them to in-buffer.
	 */
	a->lost = a->lost >= a->in_buffer ? a->lost - a->in_buffer : 0;
}

static u64 ringbuf_bytes(void)
{
	return ringbuf.size;
}

/* One shared ring: 8-byte header per record, 8-byte aligned. */
static u64 ringbuf_capacity(int ncpus)
{
	return ringbuf.size / ((env.rec_size + BPF_RINGBUF_HDR_SZ + 7) & ~7ull);
}

/* Open the pinned ring the way the variant reads it. */
static int ringbuf_recover(const char *dir)
{
	ctx.pinned_fd = rlb_open_pinned_buf(dir);
	if (ctx.pinned_fd < 0)
		return EXIT_ENV;
	return reader_open(ctx.pinned_fd);
}

static void ringbuf_teardown(void)
{
	ring_buffer__free(ctx.rb);
	ctx.rb = NULL;
	if (ctx.cons_page && ctx.cons_page != MAP_FAILED)
		munmap(ctx.cons_page, ctx.page);
	if (ctx.prod_area && ctx.prod_area != MAP_FAILED)
		munmap(ctx.prod_area, ctx.page + 2 * ringbuf.size);
	ctx.cons_page = ctx.prod_area = NULL;
	if (ctx.epfd >= 0)
		close(ctx.epfd);
	ctx.epfd = -1;
	if (ctx.pinned_fd >= 0)
		close(ctx.pinned_fd);
	ctx.pinned_fd = -1;
}

static const struct rlb_run ringbuf_run = {
	.account = ringbuf_account,
	.buffer_bytes = ringbuf_bytes,
	.capacity = ringbuf_capacity,
	.buf_map = "rlb_ringbuf",
	.recover = ringbuf_recover,
	.teardown = ringbuf_teardown,
};
#endif /* RLB_OPTIONS_ONLY */

static const struct rlb_variant ringbuf_variants[] = {
	{
		.name = "ringbuf-libbpf",
		.reader = "libbpf",
		.desc = "ring buffer, libbpf ring_buffer__poll (epoll)",
		.compat = true,
		.live_consumer = true,
		.setup = RLB_RUN(ringbuf_setup),
		.consumer = RLB_RUN(libbpf_consumer),
	},
	{
		.name = "ringbuf-busy",
		.reader = "busy",
		.desc = "ring buffer, libbpf ring_buffer__consume busy-poll",
		.live_consumer = true,
		.setup = RLB_RUN(ringbuf_setup),
		.consumer = RLB_RUN(busy_consumer),
	},
	{
		.name = "ringbuf-custom",
		.reader = "custom",
		.desc = "ring buffer, own mmap reader (epoll)",
		.overwrite = true,
		.compat = true,
		.live_consumer = true,
		.setup = RLB_RUN(ringbuf_setup),
		.consumer = RLB_RUN(custom_consumer),
	},
	{},
};

const struct rlb_mech rlb_mech_ringbuf = {
	.name = "ringbuf",
	.title = "ring buffer",
	.variants = ringbuf_variants,
	.argp = &ringbuf_argp,
	.defaults = ringbuf_defaults,
	.compat = ringbuf_compat,
	.policy = ringbuf_policy,
	.check = ringbuf_check,
	.label = ringbuf_label,
	.params = ringbuf_params,
	.run = RLB_RUN(&ringbuf_run),
};
