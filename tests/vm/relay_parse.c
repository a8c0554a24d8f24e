// SPDX-License-Identifier: GPL-2.0
/* The selftests' reader of relay map buffers; see relay_parse.h. */
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include "relay_parse.h"

#define RT_ALIGN(x) (((x) + BPF_RELAY_ALIGN - 1) & ~(size_t)(BPF_RELAY_ALIGN - 1))

void rt_recs_reset(struct rt_recs *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}

void rt_recs_free(struct rt_recs *r)
{
	rt_recs_reset(r);
}

static void push(struct rt_recs *r, const struct relay_test_rec *rec,
		 uint64_t subbuf_seq)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 1024;
		struct rt_rec *v = realloc(r->v, cap * sizeof(*v));

		if (!v)
			abort();
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n].seq = rec->seq;
	r->v[r->n].subbuf_seq = subbuf_seq;
	r->v[r->n].cpu = rec->cpu;
	r->v[r->n].src = rec->src;
	r->n++;
}

/* Checks one record's payload; returns 0 if it is what the producer wrote. */
static int check_record(const uint8_t *p, uint32_t len)
{
	const struct relay_test_rec *rec = (const void *)p;
	uint32_t i;

	if (len < sizeof(*rec) || rec->len > RT_MAX_PAYLOAD ||
	    len != sizeof(*rec) + rec->len || rec->src >= RT_NR_SRC)
		return -1;
	for (i = 0; i < rec->len; i++)
		if (p[sizeof(*rec) + i] != rt_payload_byte(rec->seq, rec->src, i))
			return -1;
	return 0;
}

/* Walks records in [p, p + len); returns the bytes it could frame. */
static size_t parse_records(const uint8_t *p, size_t len, uint64_t subbuf_seq,
			    struct rt_recs *out)
{
	size_t pos = 0;

	while (pos + sizeof(struct bpf_relay_rec_hdr) <= len) {
		const struct bpf_relay_rec_hdr *h = (const void *)(p + pos);
		size_t total;

		if (h->type != BPF_RELAY_HDR_RECORD)
			break;
		total = RT_ALIGN(sizeof(*h) + (size_t)h->len);
		if (h->len > len || pos + total > len) {
			out->framing++;
			return len;
		}
		if (check_record(p + pos + sizeof(*h), h->len))
			out->torn++;
		else
			push(out, (const void *)(p + pos + sizeof(*h)), subbuf_seq);
		pos += total;
	}
	return pos;
}

void rt_parse_stream(const void *buf, size_t len, struct rt_recs *out)
{
	const uint8_t *p = buf;
	uint64_t subbuf_seq = 0;
	size_t pos = 0;

	while (pos + sizeof(struct bpf_relay_rec_hdr) <= len) {
		const struct bpf_relay_subbuf_hdr *sh = (const void *)(p + pos);

		if (sh->type == BPF_RELAY_HDR_SUBBUF) {
			if (sh->len != sizeof(*sh) || pos + sizeof(*sh) > len) {
				out->framing++;
				return;
			}
			subbuf_seq = sh->seq;
			out->subbufs++;
			pos += sizeof(*sh);
			continue;
		}
		if (sh->type != BPF_RELAY_HDR_RECORD) {
			out->framing++;
			return;
		}
		pos += parse_records(p + pos, len - pos, subbuf_seq, out);
	}
	if (pos != len)
		out->framing++;
}

struct subbuf_ref {
	uint64_t seq;
	size_t idx;
};

static int cmp_subbuf(const void *a, const void *b)
{
	const struct subbuf_ref *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void rt_parse_mmap(const void *base, size_t subbuf_size, size_t n_subbufs,
		   struct rt_recs *out)
{
	struct subbuf_ref *order = calloc(n_subbufs, sizeof(*order));
	uint8_t *copy = malloc(subbuf_size);
	size_t i, n = 0;

	if (!order || !copy)
		abort();

	for (i = 0; i < n_subbufs; i++) {
		const struct bpf_relay_subbuf_hdr *h =
			(const void *)((const uint8_t *)base + i * subbuf_size);
		uint64_t seq = __atomic_load_n(&h->seq, __ATOMIC_ACQUIRE);

		if (seq)
			order[n++] = (struct subbuf_ref){ seq, i };
	}
	qsort(order, n, sizeof(*order), cmp_subbuf);

	for (i = 0; i < n; i++) {
		const struct bpf_relay_subbuf_hdr *h =
			(const void *)((const uint8_t *)base + order[i].idx * subbuf_size);
		uint64_t seq = __atomic_load_n(&h->seq, __ATOMIC_ACQUIRE);
		uint32_t committed = __atomic_load_n(&h->committed, __ATOMIC_ACQUIRE);

		if (committed > subbuf_size - sizeof(*h)) {
			out->framing++;
			continue;
		}
		memcpy(copy, h + 1, committed);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&h->seq, __ATOMIC_RELAXED) != seq) {
			out->raced++;
			continue;
		}
		out->subbufs++;
		if (parse_records(copy, committed, seq, out) != committed)
			out->framing++;
	}
	free(copy);
	free(order);
}

size_t rt_count(const struct rt_recs *r, uint32_t cpu, uint16_t src,
		uint64_t *first, uint64_t *last, int *ordered, uint64_t *gaps)
{
	size_t i, n = 0;
	uint64_t prev = 0;

	*ordered = 1;
	*gaps = 0;
	*first = *last = 0;
	for (i = 0; i < r->n; i++) {
		const struct rt_rec *x = &r->v[i];

		if (x->cpu != cpu || x->src != src)
			continue;
		if (n == 0) {
			*first = x->seq;
		} else if (x->seq <= prev) {
			*ordered = 0;
		} else {
			*gaps += x->seq - prev - 1;
		}
		prev = x->seq;
		*last = x->seq;
		n++;
	}
	return n;
}
