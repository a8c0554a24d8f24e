// SPDX-License-Identifier: GPL-2.0
/*
 * Selftests of the BPF ring buffer's overwrite mode (BPF_F_RB_OVERWRITE,
 * the Linux 6.19 UAPI backported by kernel/patches), run as root inside the
 * patched-kernel VM (tests/vm/run.sh).  Each test prints "ok"/"not ok"; the
 * last line is "N passed, N failed, N skipped", exit status 1 on a failure.
 *
 * The snapshot reader below follows kernel/README.md ("Ring buffer
 * overwrite mode"), so these tests check that protocol as well.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ringbuf_ow.h"
#include "ringbuf_ow.skel.h"
#include "ringbuf_ow619.skel.h"
#include "vmtest.h"
#include "selftest.h"

#define PAGE 4096
#define RING (4 * PAGE)

/* The UAPI must be the one Linux 6.19 has. */
_Static_assert(BPF_F_RB_OVERWRITE == (1U << 19), "BPF_F_RB_OVERWRITE");
_Static_assert(BPF_RB_OVERWRITE_POS == 4, "BPF_RB_OVERWRITE_POS");

/* ---- the ring as user space sees it ---- */

/*
 * The producer page, in longs, as Linux 6.19 lays it out: producer_pos,
 * the kernel's private pending_pos, then overwrite_pos at offset 16.
 */
enum { POS_PRODUCER = 0, POS_PENDING = 1, POS_OVERWRITE = 2 };

struct ow_ring {
	size_t size;			/* data bytes, a power of 2 */
	volatile unsigned long *cons;	/* consumer page, writable */
	const unsigned long *pos;	/* producer page, see the POS_ indexes */
	const uint8_t *data;		/* mapped twice back to back */
	void *cons_map, *prod_map;
};

static int ring_map(struct ow_ring *r, int fd, size_t size)
{
	memset(r, 0, sizeof(*r));
	r->size = size;
	r->cons_map = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	r->prod_map = mmap(NULL, PAGE + 2 * size, PROT_READ, MAP_SHARED, fd, PAGE);
	if (r->cons_map == MAP_FAILED || r->prod_map == MAP_FAILED)
		return -errno;
	r->cons = r->cons_map;
	r->pos = r->prod_map;
	r->data = (const uint8_t *)r->prod_map + PAGE;
	return 0;
}

static void ring_unmap(struct ow_ring *r)
{
	if (r->cons_map && r->cons_map != MAP_FAILED)
		munmap(r->cons_map, PAGE);
	if (r->prod_map && r->prod_map != MAP_FAILED)
		munmap(r->prod_map, PAGE + 2 * r->size);
}

static unsigned long prod_pos(const struct ow_ring *r)
{
	return __atomic_load_n(&r->pos[POS_PRODUCER], __ATOMIC_ACQUIRE);
}

static unsigned long over_pos(const struct ow_ring *r)
{
	return __atomic_load_n(&r->pos[POS_OVERWRITE], __ATOMIC_ACQUIRE);
}

/* Bytes a record with this payload takes in the ring. */
static uint64_t framed(uint32_t payload)
{
	return (BPF_RINGBUF_HDR_SZ + sizeof(struct ow_rec) + payload + 7) & ~7ULL;
}

/* ---- the snapshot reader ---- */

enum rec_kind { REC_OK, REC_TORN, REC_BUSY, REC_DISCARD };

struct snap_rec {
	uint64_t pos;
	uint64_t seq;
	uint32_t cpu;
	uint32_t payload;
	enum rec_kind kind;
};

struct snap {
	struct snap_rec *v;
	size_t n, cap;
	uint64_t start, prod;	/* the window finally walked */
	uint64_t raced;		/* committed records overwritten while read */
	uint64_t rewalks;	/* walks restarted at a newer overwrite_pos */
	bool lost_sync;		/* a header pointed past prod in a kept walk */
	bool no_window;		/* never saw overwrite_pos <= producer_pos */
};

static void snap_free(struct snap *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static void snap_push(struct snap *s, const struct snap_rec *rec)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024;
		struct snap_rec *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			abort();
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *rec;
}

/* Classifies the committed record at pos, reading it where it lies. */
static enum rec_kind check_rec(const uint8_t *p, uint32_t len,
			       struct snap_rec *out)
{
	struct ow_rec rec;
	uint32_t i;

	if (len < sizeof(rec))
		return REC_TORN;
	memcpy(&rec, p, sizeof(rec));
	out->seq = rec.seq;
	out->cpu = rec.cpu;
	out->payload = rec.len;
	if (rec.len != len - sizeof(rec))
		return REC_TORN;
	for (i = 0; i < rec.len; i++)
		if (p[sizeof(rec) + i] != ow_payload_byte(rec.seq, rec.cpu, i))
			return REC_TORN;
	return REC_OK;
}

/*
 * Walks [start, prod) record by record: each header is loaded with acquire
 * semantics before its record is read.  Returns the position it stopped at,
 * which is prod unless a (torn) header claims more than is left.
 */
static uint64_t walk(const struct ow_ring *r, uint64_t start, uint64_t prod,
		     struct snap *s)
{
	const uint64_t mask = r->size - 1;
	uint64_t pos = start;

	while ((int64_t)(prod - pos) > 0) {
		const uint8_t *hdr = r->data + (pos & mask);
		uint32_t len = __atomic_load_n((const uint32_t *)hdr,
					       __ATOMIC_ACQUIRE);
		uint32_t bare = len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
		uint64_t size = (BPF_RINGBUF_HDR_SZ + (uint64_t)bare + 7) & ~7ULL;
		struct snap_rec rec = { .pos = pos };

		if (size > prod - pos)
			break;
		if (len & BPF_RINGBUF_BUSY_BIT)
			rec.kind = REC_BUSY;
		else if (len & BPF_RINGBUF_DISCARD_BIT)
			rec.kind = REC_DISCARD;
		else
			rec.kind = check_rec(hdr + BPF_RINGBUF_HDR_SZ, bare, &rec);
		snap_push(s, &rec);
		pos += size;
	}
	return pos;
}

/*
 * A snapshot of the ring by the protocol of kernel/README.md: the window
 * runs from the later of consumer_pos and overwrite_pos to producer_pos;
 * after walking it, a read barrier and a second look at overwrite_pos tell
 * which records were overwritten while being read.
 */
static void snapshot(const struct ow_ring *r, struct snap *s)
{
	uint64_t prod = 0, start = 0, over, cons, end, over2;
	int tries;

	memset(s, 0, sizeof(*s));
	s->no_window = true;
	for (tries = 0; tries < 1000; tries++) {
		prod = prod_pos(r);
		over = over_pos(r);
		cons = __atomic_load_n(r->cons, __ATOMIC_ACQUIRE);
		start = (int64_t)(cons - over) > 0 ? cons : over;
		if ((int64_t)(prod - start) >= 0) {
			s->no_window = false;
			break;
		}
	}
	if (s->no_window)
		return;

	for (;;) {
		size_t first = s->n, i, kept;
		bool synced = false;

		end = walk(r, start, prod, s);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);	/* smp_rmb() */
		over2 = __atomic_load_n(&r->pos[POS_OVERWRITE], __ATOMIC_RELAXED);
		if ((int64_t)(over2 - start) <= 0) {
			s->lost_sync = end != prod;
			break;
		}
		/* Records before over2 may have been overwritten under us. */
		for (i = first, kept = first; i < s->n; i++) {
			if ((int64_t)(s->v[i].pos - over2) < 0) {
				s->raced += s->v[i].kind != REC_BUSY &&
					    s->v[i].kind != REC_DISCARD;
				continue;
			}
			synced |= s->v[i].pos == over2;
			s->v[kept++] = s->v[i];
		}
		s->n = kept;
		if ((int64_t)(over2 - prod) >= 0) {
			start = prod;
			break;
		}
		if (synced && end == prod) {
			start = over2;
			break;
		}
		/* The walk went through a torn header: walk again from over2. */
		s->n = first;
		start = over2;
		s->rewalks++;
	}
	s->start = start;
	s->prod = prod;
}

struct snap_summary {
	size_t ok, torn, busy, discarded;
	bool ordered;		/* per CPU, seq strictly increasing */
	bool contiguous;	/* per CPU, no seq missing between OK records */
	uint64_t first_seq, last_seq;	/* of OK records on cpu_of_interest */
};

/* Sums up a snapshot; discard_every tells which seqs are never in it. */
static void summarize(const struct snap *s, uint32_t cpu_of_interest,
		      uint32_t discard_every, struct snap_summary *out)
{
	uint64_t last[64] = {};
	bool seen[64] = {};
	size_t i;

	memset(out, 0, sizeof(*out));
	out->ordered = out->contiguous = true;
	for (i = 0; i < s->n; i++) {
		const struct snap_rec *rec = &s->v[i];
		uint64_t next;

		switch (rec->kind) {
		case REC_TORN:
			out->torn++;
			continue;
		case REC_BUSY:
			out->busy++;
			continue;
		case REC_DISCARD:
			out->discarded++;
			continue;
		case REC_OK:
			out->ok++;
			break;
		}
		if (rec->cpu >= 64) {
			out->torn++;
			continue;
		}
		if (seen[rec->cpu]) {
			if (rec->seq <= last[rec->cpu])
				out->ordered = false;
			next = last[rec->cpu] + 1;
			while (ow_is_discard(next, discard_every))
				next++;
			if (rec->seq != next)
				out->contiguous = false;
		}
		if (rec->cpu == cpu_of_interest) {
			if (!seen[rec->cpu])
				out->first_seq = rec->seq;
			out->last_seq = rec->seq;
		}
		seen[rec->cpu] = true;
		last[rec->cpu] = rec->seq;
	}
}

/* ---- producer side ---- */

struct ow_opts {
	uint32_t size;
	uint32_t flags;
	uint32_t payload_len;
	uint32_t vary;
	uint32_t discard_every;
	bool busy;		/* load the busy-rule program instead */
};

static struct ringbuf_ow_bpf *ow_load(const struct ow_opts *o)
{
	struct ringbuf_ow_bpf *skel = ringbuf_ow_bpf__open();

	if (!skel)
		return NULL;
	bpf_map__set_max_entries(skel->maps.ow_rb, o->size);
	bpf_map__set_map_flags(skel->maps.ow_rb, o->flags);
	bpf_program__set_autoload(skel->progs.ow_write, !o->busy);
	bpf_program__set_autoload(skel->progs.ow_busy, o->busy);
	if (ringbuf_ow_bpf__load(skel))
		goto fail;
	skel->bss->target_tgid = getpid();
	skel->bss->payload_len = o->payload_len;
	skel->bss->vary = o->vary;
	skel->bss->discard_every = o->discard_every;
	if (ringbuf_ow_bpf__attach(skel))
		goto fail;
	return skel;
fail:
	ringbuf_ow_bpf__destroy(skel);
	return NULL;
}

/* ow_load() and the ring mapped: the busy-record ring or the main one. */
static struct ringbuf_ow_bpf *ow_load_mapped(const struct ow_opts *o, struct ow_ring *r,
					     bool busy_ring, size_t size)
{
	struct ringbuf_ow_bpf *skel = ow_load(o);
	struct bpf_map *map;

	if (!CHECK(skel, "load: %s", strerror(errno)))
		return NULL;
	map = busy_ring ? skel->maps.ow_busy_rb : skel->maps.ow_rb;
	if (!CHECK(ring_map(r, bpf_map__fd(map), size) == 0, "mmap")) {
		ringbuf_ow_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

static int read_counts(struct ringbuf_ow_bpf *skel, int cpu,
		       struct ow_counts *out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct ow_counts *all = calloc(ncpu, sizeof(*all));
	__u32 key = 0;
	int err;

	if (!all)
		return -ENOMEM;
	err = bpf_map_lookup_elem(bpf_map__fd(skel->maps.ow_counts), &key, all);
	if (!err)
		*out = all[cpu];
	free(all);
	return err;
}

/* Runs the program once in query mode: skel->bss->query is then current. */
static void run_query(struct ringbuf_ow_bpf *skel)
{
	skel->bss->query_only = 1;
	trigger(1);
	skel->bss->query_only = 0;
}

/* Framed size of attempt seq on cpu, as the program makes it. */
static uint64_t attempt_size(const struct ow_opts *o, uint64_t seq, uint32_t cpu)
{
	if (ow_is_discard(seq, o->discard_every))
		return framed(OW_DISCARD_PAYLOAD);
	return framed(ow_payload_len(seq, cpu, o->payload_len, o->vary));
}

/* ---- tests ---- */

static int test_flag_map_types(void)
{
	struct {
		const char *what;
		enum bpf_map_type type;
		__u32 key, value, max, flags;
		int err;
	} cases[] = {
		{ "ringbuf", BPF_MAP_TYPE_RINGBUF, 0, 0, RING, BPF_F_RB_OVERWRITE, 0 },
		{ "ringbuf, no flag", BPF_MAP_TYPE_RINGBUF, 0, 0, RING, 0, 0 },
		{ "ringbuf + NO_PREALLOC", BPF_MAP_TYPE_RINGBUF, 0, 0, RING,
		  BPF_F_RB_OVERWRITE | BPF_F_NO_PREALLOC, EINVAL },
		{ "user ringbuf", BPF_MAP_TYPE_USER_RINGBUF, 0, 0, RING,
		  BPF_F_RB_OVERWRITE, EINVAL },
		{ "user ringbuf, no flag", BPF_MAP_TYPE_USER_RINGBUF, 0, 0, RING, 0, 0 },
		{ "array", BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_RB_OVERWRITE, EINVAL },
		{ "hash", BPF_MAP_TYPE_HASH, 4, 8, 4, BPF_F_RB_OVERWRITE, EINVAL },
		{ "percpu array", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4,
		  BPF_F_RB_OVERWRITE, EINVAL },
		{ "perf event array", BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 2,
		  BPF_F_RB_OVERWRITE, EINVAL },
		{ "queue", BPF_MAP_TYPE_QUEUE, 0, 8, 4, BPF_F_RB_OVERWRITE, EINVAL },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = cases[i].flags);
		struct bpf_map_info info = {};
		__u32 info_len = sizeof(info);
		int fd, err;

		fd = bpf_map_create(cases[i].type, "owflags", cases[i].key,
				    cases[i].value, cases[i].max, &opts);
		err = fd < 0 ? errno : 0;
		CHECK(err == cases[i].err, "%s: got %s, want %s", cases[i].what,
		      strerror(err), strerror(cases[i].err));
		if (fd < 0)
			continue;
		CHECK(!bpf_map_get_info_by_fd(fd, &info, &info_len) &&
		      info.map_flags == cases[i].flags, "%s: map_flags %#x",
		      cases[i].what, info.map_flags);
		close(fd);
	}
	return TEST_PASS;
}

/* Where overwrite_pos is, who may write it, and what a fresh ring shows. */
static int test_layout(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_RB_OVERWRITE);
	struct ow_ring r;
	size_t i, nonzero = 0;
	int fd;

	fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "owlayout", 0, 0, RING, &opts);
	if (!CHECK(fd >= 0, "create: %s", strerror(errno)))
		return TEST_FAIL;
	if (!CHECK(ring_map(&r, fd, RING) == 0, "mmap: %s", strerror(errno))) {
		close(fd);
		return TEST_FAIL;
	}
	CHECK(prod_pos(&r) == 0 && over_pos(&r) == 0, "fresh positions %lu %lu",
	      prod_pos(&r), over_pos(&r));
	for (i = 0; i < 2 * RING; i++)
		nonzero += r.data[i] != 0;
	CHECK(nonzero == 0, "%zu non-zero bytes in a fresh ring", nonzero);
	errno = 0;
	CHECK(mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PAGE) ==
	      MAP_FAILED && errno == EPERM,
	      "producer page (producer_pos, overwrite_pos) mapped writable: %s",
	      strerror(errno));
	ring_unmap(&r);
	close(fd);
	return TEST_PASS;
}

/* Fixed-size records, one CPU: the newest whole records survive. */
static int test_keeps_newest(void)
{
	const struct ow_opts o = {
		.size = RING, .flags = BPF_F_RB_OVERWRITE, .payload_len = 40,
	};
	const uint64_t rec = framed(o.payload_len);
	const uint64_t capacity = (RING - 1) / rec;
	const long total = 3 * capacity + 7;
	struct ringbuf_ow_bpf *skel;
	struct snap_summary sum;
	struct ow_counts c;
	struct snap s;
	struct ow_ring r;
	struct pollfd pfd;
	unsigned long prod, over;

	skel = ow_load_mapped(&o, &r, false, RING);
	if (!skel)
		return TEST_FAIL;
	pin_to_cpu(0);

	/* Below capacity nothing is overwritten. */
	trigger(capacity);
	CHECK(over_pos(&r) == 0 && prod_pos(&r) == capacity * rec,
	      "not full yet: over %lu prod %lu", over_pos(&r), prod_pos(&r));
	run_query(skel);
	CHECK(skel->bss->query.over == 0, "query over %llu",
	      (unsigned long long)skel->bss->query.over);

	trigger(total - capacity);
	CHECK(read_counts(skel, 0, &c) == 0 && c.attempts == (uint64_t)total &&
	      c.ok == (uint64_t)total && c.failed == 0,
	      "every write succeeds although nobody consumes: ok %llu failed %llu",
	      (unsigned long long)c.ok, (unsigned long long)c.failed);
	prod = prod_pos(&r);
	over = over_pos(&r);
	CHECK(prod == total * rec && prod - over == capacity * rec &&
	      over % rec == 0, "prod %lu over %lu, want %llu records kept", prod,
	      over, (unsigned long long)capacity);

	snapshot(&r, &s);
	summarize(&s, 0, 0, &sum);
	CHECK(!s.no_window && !s.lost_sync && s.start == over && s.prod == prod &&
	      s.raced == 0, "window %llu..%llu", (unsigned long long)s.start,
	      (unsigned long long)s.prod);
	CHECK(sum.ok == capacity && sum.torn == 0 && sum.busy == 0 &&
	      sum.ordered && sum.contiguous && sum.first_seq == total - capacity &&
	      sum.last_seq == (uint64_t)total - 1,
	      "%zu records %llu..%llu, torn %zu", sum.ok,
	      (unsigned long long)sum.first_seq,
	      (unsigned long long)sum.last_seq, sum.torn);
	snap_free(&s);

	/* The query agrees with the mapping, and counts from the later of
	 * consumer_pos and overwrite_pos.
	 */
	run_query(skel);
	CHECK(skel->bss->query.over == over && skel->bss->query.prod == prod &&
	      skel->bss->query.cons == 0 && skel->bss->query.size == RING &&
	      skel->bss->query.avail == prod - over,
	      "query over %llu prod %llu avail %llu",
	      (unsigned long long)skel->bss->query.over,
	      (unsigned long long)skel->bss->query.prod,
	      (unsigned long long)skel->bss->query.avail);
	*r.cons = over + 2 * rec;
	run_query(skel);
	CHECK(skel->bss->query.avail == prod - (over + 2 * rec),
	      "avail with consumer ahead of overwrite_pos: %llu",
	      (unsigned long long)skel->bss->query.avail);
	snapshot(&r, &s);
	summarize(&s, 0, 0, &sum);
	CHECK(s.start == over + 2 * rec && sum.ok == capacity - 2,
	      "snapshot from consumer_pos: %zu records", sum.ok);
	snap_free(&s);

	pfd = (struct pollfd){ .fd = bpf_map__fd(skel->maps.ow_rb), .events = POLLIN };
	*r.cons = prod;
	CHECK(poll(&pfd, 1, 0) == 0, "poll with everything consumed");
	*r.cons = 0;
	CHECK(poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN),
	      "poll with the consumer behind overwrite_pos");

	unpin();
	ring_unmap(&r);
	ringbuf_ow_bpf__destroy(skel);
	return TEST_PASS;
}

/* The control: without the flag, a full ring keeps the oldest records. */
static int test_no_flag_drops_newest(void)
{
	const struct ow_opts o = { .size = RING, .payload_len = 40 };
	const uint64_t rec = framed(o.payload_len);
	const uint64_t capacity = (RING - 1) / rec;
	const long total = 3 * capacity + 7;
	struct ringbuf_ow_bpf *skel;
	struct snap_summary sum;
	struct ow_counts c;
	struct ow_ring r;
	struct snap s;

	skel = ow_load_mapped(&o, &r, false, RING);
	if (!skel)
		return TEST_FAIL;
	pin_to_cpu(0);
	trigger(total);
	CHECK(read_counts(skel, 0, &c) == 0 && c.ok == capacity &&
	      c.failed == total - capacity, "ok %llu failed %llu, want %llu ok",
	      (unsigned long long)c.ok, (unsigned long long)c.failed,
	      (unsigned long long)capacity);
	CHECK(over_pos(&r) == 0 && prod_pos(&r) == capacity * rec,
	      "over %lu prod %lu", over_pos(&r), prod_pos(&r));
	run_query(skel);
	CHECK(skel->bss->query.over == 0 &&
	      skel->bss->query.avail == capacity * rec, "query over %llu avail %llu",
	      (unsigned long long)skel->bss->query.over,
	      (unsigned long long)skel->bss->query.avail);
	snapshot(&r, &s);
	summarize(&s, 0, 0, &sum);
	CHECK(sum.ok == capacity && sum.torn == 0 && sum.contiguous &&
	      sum.first_seq == 0 && sum.last_seq == capacity - 1,
	      "%zu records %llu..%llu", sum.ok, (unsigned long long)sum.first_seq,
	      (unsigned long long)sum.last_seq);
	snap_free(&s);
	unpin();
	ring_unmap(&r);
	ringbuf_ow_bpf__destroy(skel);
	return TEST_PASS;
}

/*
 * Variable sizes: one big record overwrites exactly as many small ones as
 * it needs, then a long mix of sizes and discarded records.
 */
static int test_variable_sizes(void)
{
	struct ow_opts o = {
		.size = RING, .flags = BPF_F_RB_OVERWRITE, .payload_len = 8,
	};
	const uint64_t small = framed(8);
	const uint32_t big_payload = 4000;
	const uint64_t big = framed(big_payload);
	struct ringbuf_ow_bpf *skel;
	struct snap_summary sum;
	uint64_t need, skipped, prev;
	unsigned long prod0, over0, over1;
	struct ow_counts c;
	struct ow_ring r;
	struct snap s;
	long total;

	skel = ow_load_mapped(&o, &r, false, RING);
	if (!skel)
		return TEST_FAIL;
	pin_to_cpu(0);

	total = 2 * RING / small + 3;
	trigger(total);
	prod0 = prod_pos(&r);
	over0 = over_pos(&r);
	CHECK(prod0 - over0 == (RING - 1) / small * small, "small records kept: %lu bytes",
	      prod0 - over0);

	skel->bss->payload_len = big_payload;
	trigger(1);
	over1 = over_pos(&r);
	/* The first record start that leaves room for the big one. */
	need = prod0 + big - (RING - 1);
	skipped = (need - over0 + small - 1) / small;
	CHECK(over1 == over0 + skipped * small && skipped > 1,
	      "overwrite_pos moved %lu bytes, want %llu small records",
	      over1 - over0, (unsigned long long)skipped);
	CHECK(prod_pos(&r) == prod0 + big, "prod %lu", prod_pos(&r));
	snapshot(&r, &s);
	summarize(&s, 0, 0, &sum);
	CHECK(s.start == over1 && !s.lost_sync && sum.torn == 0 &&
	      sum.contiguous && sum.last_seq == (uint64_t)total &&
	      s.n > 0 && s.v[s.n - 1].payload == big_payload &&
	      sum.ok == (prod0 - over1) / small + 1,
	      "%zu records up to %llu, last payload %u", sum.ok,
	      (unsigned long long)sum.last_seq, s.n ? s.v[s.n - 1].payload : 0);
	snap_free(&s);

	/* Many sizes, 0..1500 payload bytes, and every 7th record discarded.
	 * The sizes are known from the seq: the kept window must be exactly
	 * what minimal whole-record overwriting leaves.
	 */
	o.payload_len = 1500;
	o.vary = 1;
	o.discard_every = 7;
	skel->bss->payload_len = o.payload_len;
	skel->bss->discard_every = o.discard_every;
	skel->bss->vary = 1;
	trigger(600);
	CHECK(read_counts(skel, 0, &c) == 0 && c.failed == 0 &&
	      c.ok + c.discarded == c.attempts && c.discarded > 0,
	      "ok %llu discarded %llu failed %llu", (unsigned long long)c.ok,
	      (unsigned long long)c.discarded, (unsigned long long)c.failed);
	snapshot(&r, &s);
	summarize(&s, 0, o.discard_every, &sum);
	CHECK(!s.lost_sync && s.raced == 0 && sum.torn == 0 && sum.busy == 0 &&
	      sum.ordered && sum.contiguous && sum.discarded > 0 &&
	      sum.last_seq == c.last_ok_seq && s.n > 0,
	      "%zu records, %zu discarded, torn %zu, last %llu of %llu", sum.ok,
	      sum.discarded, sum.torn, (unsigned long long)sum.last_seq,
	      (unsigned long long)c.last_ok_seq);
	if (s.n > 0) {
		uint64_t first = s.v[0].kind == REC_OK ? s.v[0].seq : 0;
		uint64_t kept = s.prod - s.start;

		/* The first kept record: from its seq, or from its neighbour. */
		if (s.v[0].kind != REC_OK && s.n > 1)
			first = s.v[1].seq - 1;
		prev = attempt_size(&o, first - 1, 0);
		CHECK(kept <= RING - 1 && kept + prev > RING - 1,
		      "kept %llu bytes from seq %llu, the one before takes %llu",
		      (unsigned long long)kept, (unsigned long long)first,
		      (unsigned long long)prev);
	}
	snap_free(&s);
	unpin();
	ring_unmap(&r);
	ringbuf_ow_bpf__destroy(skel);
	return TEST_PASS;
}

/*
 * A record still being written is never overwritten: the reservation that
 * would need its room fails, and succeeds once it is committed, dropping
 * only the records before it.
 */
static int test_busy_record_not_overwritten(void)
{
	const struct ow_opts o = { .size = RING, .busy = true };
	const uint64_t rec = framed(OW_BUSY_PAYLOAD);
	struct ringbuf_ow_bpf *skel;
	struct snap_summary sum;
	struct ow_ring r;
	struct snap s;

	skel = ow_load_mapped(&o, &r, true, OW_BUSY_RING);
	if (!skel)
		return TEST_FAIL;
	CHECK(3 * rec > OW_BUSY_RING - 1 && 2 * rec <= OW_BUSY_RING - 1,
	      "geometry");
	trigger(1);
	CHECK(skel->bss->busy.first_two_ok && skel->bss->busy.third_refused &&
	      skel->bss->busy.third_ok_later,
	      "two fit %u, third refused while the first is busy %u, then fits %u",
	      skel->bss->busy.first_two_ok, skel->bss->busy.third_refused,
	      skel->bss->busy.third_ok_later);
	CHECK(skel->bss->busy.over_after == rec &&
	      skel->bss->busy.prod_after == 3 * rec && over_pos(&r) == rec &&
	      prod_pos(&r) == 3 * rec, "over %lu prod %lu, want %llu %llu",
	      over_pos(&r), prod_pos(&r), (unsigned long long)rec,
	      (unsigned long long)(3 * rec));
	snapshot(&r, &s);
	summarize(&s, 0, 0, &sum);
	CHECK(sum.ok == 2 && sum.torn == 0 && sum.first_seq == 1 &&
	      sum.last_seq == 2, "%zu records %llu..%llu torn %zu", sum.ok,
	      (unsigned long long)sum.first_seq,
	      (unsigned long long)sum.last_seq, sum.torn);
	snap_free(&s);
	ring_unmap(&r);
	ringbuf_ow_bpf__destroy(skel);
	return TEST_PASS;
}

struct writer_arg {
	int cpu;
	long n;
	pthread_barrier_t *barrier;
	volatile bool *stop;
};

static void *writer(void *p)
{
	struct writer_arg *a = p;

	pin_to_cpu(a->cpu);
	if (a->barrier)
		pthread_barrier_wait(a->barrier);
	if (a->n > 0)
		trigger(a->n);
	else
		while (!*a->stop)
			trigger(50);
	return NULL;
}

/*
 * Writers on two CPUs into one small ring, with records up to half its
 * size: the other CPU's record in flight often blocks a reservation.
 */
static int test_two_cpus(void)
{
	const struct ow_opts o = {
		.size = 2 * PAGE, .flags = BPF_F_RB_OVERWRITE, .payload_len = 4000,
		.vary = 1,
	};
	int ncpu = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 2 : 1, cpu, round;
	struct writer_arg args[2];
	pthread_t thr[2];
	pthread_barrier_t barrier;
	struct ringbuf_ow_bpf *skel;
	uint64_t ok = 0, failed = 0;
	struct ow_ring r;

	if (ncpu < 2)
		fprintf(stderr, "    only one CPU online: no concurrency\n");
	skel = ow_load_mapped(&o, &r, false, o.size);
	if (!skel)
		return TEST_FAIL;
	for (round = 0; round < 5; round++) {
		struct ow_counts c[2];
		struct snap_summary sum;
		struct snap s;
		size_t i, gaps[2] = {};
		uint64_t last[2] = {}, newest[2] = {};
		bool seen[2] = {};

		pthread_barrier_init(&barrier, NULL, ncpu);
		for (cpu = 0; cpu < ncpu; cpu++) {
			args[cpu] = (struct writer_arg){ cpu, 20000, &barrier, NULL };
			pthread_create(&thr[cpu], NULL, writer, &args[cpu]);
		}
		for (cpu = 0; cpu < ncpu; cpu++)
			pthread_join(thr[cpu], NULL);
		pthread_barrier_destroy(&barrier);

		snapshot(&r, &s);
		summarize(&s, 0, 0, &sum);
		CHECK(!s.no_window && !s.lost_sync && s.raced == 0 &&
		      s.start == over_pos(&r) && s.prod == prod_pos(&r) &&
		      s.prod - s.start <= o.size - 1,
		      "round %d: window %llu..%llu", round,
		      (unsigned long long)s.start, (unsigned long long)s.prod);
		CHECK(sum.torn == 0 && sum.busy == 0 && sum.ordered && sum.ok > 0,
		      "round %d: %zu records, torn %zu busy %zu", round, sum.ok,
		      sum.torn, sum.busy);
		for (cpu = 0; cpu < ncpu; cpu++)
			CHECK(read_counts(skel, cpu, &c[cpu]) == 0 &&
			      c[cpu].ok + c[cpu].failed == c[cpu].attempts,
			      "counts cpu %d", cpu);
		/* Per CPU, a seq missing inside the kept window must be one of
		 * that CPU's failed reservations.
		 */
		for (i = 0; i < s.n; i++) {
			const struct snap_rec *rec = &s.v[i];

			if (rec->kind != REC_OK || rec->cpu >= (uint32_t)ncpu)
				continue;
			if (seen[rec->cpu])
				gaps[rec->cpu] += rec->seq - last[rec->cpu] - 1;
			seen[rec->cpu] = true;
			last[rec->cpu] = rec->seq;
			newest[rec->cpu] = rec->seq;
		}
		for (cpu = 0; cpu < ncpu; cpu++)
			CHECK(gaps[cpu] <= c[cpu].failed,
			      "round %d cpu %d: %zu seqs missing, %llu failed",
			      round, cpu, gaps[cpu],
			      (unsigned long long)c[cpu].failed);
		/* The newest record in the ring is its CPU's last good write. */
		if (s.n > 0 && s.v[s.n - 1].kind == REC_OK &&
		    s.v[s.n - 1].cpu < (uint32_t)ncpu) {
			cpu = s.v[s.n - 1].cpu;
			CHECK(newest[cpu] == c[cpu].last_ok_seq,
			      "round %d: newest record %llu, cpu %d wrote %llu last",
			      round, (unsigned long long)newest[cpu], cpu,
			      (unsigned long long)c[cpu].last_ok_seq);
		} else {
			CHECK(false, "round %d: ring does not end with a record",
			      round);
		}
		snap_free(&s);
		if (round == 4) {
			for (cpu = 0; cpu < ncpu; cpu++) {
				ok += c[cpu].ok;
				failed += c[cpu].failed;
			}
		}
	}
	printf("    two writers: %llu ok, %llu refused (record ahead still busy)\n",
	       (unsigned long long)ok, (unsigned long long)failed);
	CHECK(ok > 0, "no write succeeded");
	ring_unmap(&r);
	ringbuf_ow_bpf__destroy(skel);
	return TEST_PASS;
}

/* Snapshots taken while a writer on another CPU laps the ring. */
static int test_snapshot_while_writing(void)
{
	const struct ow_opts o = {
		.size = RING, .flags = BPF_F_RB_OVERWRITE, .payload_len = 600,
		.vary = 1, .discard_every = 11,
	};
	int wcpu = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 1 : 0;
	volatile bool stop = false;
	struct writer_arg arg = { .cpu = wcpu, .stop = &stop };
	uint64_t raced = 0, rewalks = 0, records = 0;
	struct ringbuf_ow_bpf *skel;
	struct timespec t0, t = {};
	struct ow_counts c;
	struct ow_ring r;
	pthread_t thr;
	int n = 0, bad = 0;

	skel = ow_load_mapped(&o, &r, false, RING);
	if (!skel)
		return TEST_FAIL;
	pin_to_cpu(0);
	pthread_create(&thr, NULL, writer, &arg);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Snapshots of a ring that has wrapped at least once, for a while. */
	while (prod_pos(&r) < RING && t.tv_sec - t0.tv_sec < 20)
		clock_gettime(CLOCK_MONOTONIC, &t);
	do {
		struct snap_summary sum;
		struct snap s;

		snapshot(&r, &s);
		summarize(&s, wcpu, o.discard_every, &sum);
		if (s.no_window || s.lost_sync || sum.torn || !sum.ordered ||
		    !sum.contiguous) {
			if (bad++ < 5)
				fprintf(stderr,
					"    snapshot %d: torn %zu ordered %d contiguous %d lost sync %d\n",
					n, sum.torn, sum.ordered, sum.contiguous,
					s.lost_sync);
		}
		raced += s.raced;
		rewalks += s.rewalks;
		records += sum.ok;
		snap_free(&s);
		n++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((n < 400 || prod_pos(&r) < 50 * RING) &&
		 t.tv_sec - t0.tv_sec < 30);
	stop = true;
	pthread_join(thr, NULL);
	unpin();
	CHECK(read_counts(skel, wcpu, &c) == 0 && c.failed == 0 &&
	      c.attempts > 0, "one writer never fails: %llu failed",
	      (unsigned long long)c.failed);
	CHECK(bad == 0, "%d of %d snapshots were not clean", bad, n);
	CHECK(records > 0 && prod_pos(&r) >= RING, "no record in any snapshot");
	printf("    %d snapshots, %llu records, %llu overwritten while read, %llu rewalks, %llu writes\n",
	       n, (unsigned long long)records, (unsigned long long)raced,
	       (unsigned long long)rewalks, (unsigned long long)c.attempts);
	ring_unmap(&r);
	ringbuf_ow_bpf__destroy(skel);
	return TEST_PASS;
}

/*
 * Linux 6.19's ringbuf_overwrite_mode subtest, with its sizes and its
 * expected values: busy records are never overwritten, committed ones are,
 * and the query's positions say exactly which.
 */
static int test_overwrite_mode_619(void)
{
	const unsigned long size = PAGE, hdr = BPF_RINGBUF_HDR_SZ;
	const unsigned long len1 = size / 2, len2 = size / 4;
	const unsigned long len3 = size - len1 - len2 - 3 * hdr;
	const unsigned long len4 = len3 - 8, len5 = len3;
	struct ringbuf_ow619_bpf *skel = ringbuf_ow619_bpf__open();
	int i;

	if (!CHECK(skel, "open: %s", strerror(errno)))
		return TEST_FAIL;
	bpf_map__set_max_entries(skel->maps.ow619_rb, size);
	skel->rodata->len[0] = len1;
	skel->rodata->len[1] = len2;
	skel->rodata->len[2] = len3;
	skel->rodata->len[3] = len4;
	skel->rodata->len[4] = len5;
	skel->bss->target_tgid = getpid();
	if (!CHECK(ringbuf_ow619_bpf__load(skel) == 0, "load: %s",
		   strerror(errno)) ||
	    !CHECK(ringbuf_ow619_bpf__attach(skel) == 0, "attach: %s",
		   strerror(errno))) {
		ringbuf_ow619_bpf__destroy(skel);
		return TEST_FAIL;
	}
	trigger(1);
	for (i = 0; i < 5; i++)
		CHECK(skel->bss->failed[i] == (i == 2),
		      "reservation %d %s", i + 1,
		      skel->bss->failed[i] ? "failed" : "succeeded");
	CHECK(skel->bss->ring_size == size, "ring size %llu",
	      (unsigned long long)skel->bss->ring_size);
	CHECK(skel->bss->avail_data == len2 + len4 + len5 + 3 * hdr,
	      "avail %llu", (unsigned long long)skel->bss->avail_data);
	CHECK(skel->bss->cons_pos == 0, "cons_pos %llu",
	      (unsigned long long)skel->bss->cons_pos);
	CHECK(skel->bss->prod_pos == len1 + len2 + len4 + len5 + 4 * hdr,
	      "prod_pos %llu", (unsigned long long)skel->bss->prod_pos);
	CHECK(skel->bss->over_pos == len1 + hdr, "over_pos %llu",
	      (unsigned long long)skel->bss->over_pos);
	ringbuf_ow619_bpf__destroy(skel);
	return TEST_PASS;
}

static const struct selftest selftests[] = {
	{ "flag_map_types", test_flag_map_types },
	{ "layout", test_layout },
	{ "keeps_newest", test_keeps_newest },
	{ "no_flag_drops_newest", test_no_flag_drops_newest },
	{ "variable_sizes", test_variable_sizes },
	{ "busy_record_not_overwritten", test_busy_record_not_overwritten },
	{ "two_cpus", test_two_cpus },
	{ "snapshot_while_writing", test_snapshot_while_writing },
	{ "overwrite_mode_619", test_overwrite_mode_619 },
};

int main(int argc, char **argv)
{
	if (geteuid() != 0) {
		fprintf(stderr, "ringbuf_ow_selftest: must run as root\n");
		return 1;
	}
	return run_selftests("ringbuf_ow_", selftests, sizeof(selftests) / sizeof(selftests[0]),
			     argc > 1 ? argv[1] : NULL);
}
