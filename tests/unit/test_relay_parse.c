// SPDX-License-Identifier: GPL-2.0
/* Relay sub-buffer and read() stream parsers on crafted buffers: normal,
 * overwritten while reading, truncated, garbage.  Never crash, never loop. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "relay_parse.h"

#define SUBBUF 4096

static u64 subbuf_store[SUBBUF / 8 * 4];
static unsigned char *sb = (unsigned char *)subbuf_store;

struct seen {
	int records;
	u64 last_seq;
	u64 seq_to_set;		/* torn test: overwrite hdr seq on 2nd record */
};

static bool count_rec(void *ctx, const void *payload, u32 len)
{
	struct seen *s = ctx;
	const struct rlb_record *r = payload;

	if (len < sizeof(*r) || r->len != len)
		return false;
	s->records++;
	s->last_seq = r->seq;
	if (s->seq_to_set && s->records == 2)
		((struct bpf_relay_subbuf_hdr *)sb)->seq = s->seq_to_set;
	return true;
}

/* Lay out one sub-buffer at p: header + n records of rec_len payload bytes. */
static u32 build_subbuf(unsigned char *p, u64 seq, int n, u32 rec_len)
{
	struct bpf_relay_subbuf_hdr *h = (void *)p;
	u32 off = sizeof(*h);
	int i;

	memset(p, 0, SUBBUF);
	for (i = 0; i < n; i++) {
		struct bpf_relay_rec_hdr *rh = (void *)(p + off);
		struct rlb_record *r = (void *)(rh + 1);

		rh->len = rec_len;
		rh->type = BPF_RELAY_HDR_RECORD;
		r->seq = i + 1;
		r->len = rec_len;
		off += (sizeof(*rh) + rec_len + 7) & ~7u;
	}
	h->len = sizeof(*h);
	h->type = BPF_RELAY_HDR_SUBBUF;
	h->seq = seq;
	h->committed = off - sizeof(*h);
	h->cpu = 0;
	return off;
}

static void test_normal(void **state)
{
	struct relay_subbuf_view v;
	struct seen s = {0};

	build_subbuf(sb, 1, 3, 60);	/* 60 -> padded to 72 with header */
	assert_int_equal(relay_read_subbuf(sb, SUBBUF, 0, &v, count_rec, &s), RELAY_OK);
	assert_int_equal(s.records, 3);
	assert_int_equal(v.records, 3);
	assert_int_equal(v.end, v.committed);
	assert_int_equal(v.committed, 3 * 72);
	/* resume after the first record */
	memset(&s, 0, sizeof(s));
	assert_int_equal(relay_read_subbuf(sb, SUBBUF, 72, &v, count_rec, &s), RELAY_OK);
	assert_int_equal(s.records, 2);
	assert_int_equal(s.last_seq, 3);
}

/* Refuses the second record it is handed. */
static bool refuse_second(void *ctx, const void *payload, u32 len)
{
	int *calls = ctx;

	return ++*calls != 2;
}

/* Found by tests/fuzz: a record the callback refused was handed to it but
 * not counted in view.records (the stream parser counts it). */
static void test_refused_record_counted(void **state)
{
	struct relay_subbuf_view v;
	int calls = 0;

	build_subbuf(sb, 1, 3, 60);
	assert_int_equal(relay_read_subbuf(sb, SUBBUF, 0, &v, refuse_second, &calls),
			 RELAY_BAD_RECORD);
	assert_int_equal(calls, 2);
	assert_int_equal(v.records, 2);
	assert_int_equal(v.end, 72);	/* resume point: after the first record */
}

static void test_empty(void **state)
{
	struct relay_subbuf_view v;

	memset(sb, 0, SUBBUF);
	assert_int_equal(relay_read_subbuf(sb, SUBBUF, 0, &v, count_rec, NULL), RELAY_EMPTY);
}

static void test_overwritten_during_read(void **state)
{
	struct relay_subbuf_view v;
	struct seen s = { .seq_to_set = 9 };

	build_subbuf(sb, 1, 3, 64);
	assert_int_equal(relay_read_subbuf(sb, SUBBUF, 0, &v, count_rec, &s), RELAY_TORN);
}

static void test_truncated(void **state)
{
	struct bpf_relay_subbuf_hdr *h = (void *)sb;
	struct relay_subbuf_view v;
	struct seen s = {0};

	build_subbuf(sb, 1, 2, 64);
	h->committed -= 8;		/* last record sticks out */
	assert_int_equal(relay_read_subbuf(sb, SUBBUF, 0, &v, count_rec, &s), RELAY_TRUNCATED);
	assert_int_equal(s.records, 1);
	h->committed = 4;		/* not even a record header */
	assert_int_equal(relay_read_subbuf(sb, SUBBUF, 0, &v, count_rec, &s), RELAY_TRUNCATED);
	assert_int_equal(relay_read_subbuf(sb, 16, 0, &v, count_rec, &s), RELAY_TRUNCATED);
}

static void test_bad_headers(void **state)
{
	struct bpf_relay_subbuf_hdr *h = (void *)sb;
	struct bpf_relay_rec_hdr *rh = (void *)(h + 1);
	struct relay_subbuf_view v;

	build_subbuf(sb, 1, 2, 64);
	h->committed = SUBBUF;		/* beyond the sub-buffer */
	assert_int_equal(relay_read_subbuf(sb, SUBBUF, 0, &v, NULL, NULL), RELAY_BAD_HEADER);
	build_subbuf(sb, 1, 2, 64);
	h->type = 7;
	assert_int_equal(relay_read_subbuf(sb, SUBBUF, 0, &v, NULL, NULL), RELAY_BAD_HEADER);
	build_subbuf(sb, 1, 2, 64);
	assert_int_equal(relay_read_subbuf(sb, SUBBUF, 3, &v, NULL, NULL), RELAY_BAD_HEADER);
	rh->type = 1;			/* a sub-buffer header where a record belongs */
	assert_int_equal(relay_read_subbuf(sb, SUBBUF, 0, &v, NULL, NULL), RELAY_BAD_RECORD);
	build_subbuf(sb, 1, 1, 60);
	sb[sizeof(*h) + 8 + 61] = 0xff;	/* padding must be zero */
	assert_int_equal(relay_read_subbuf(sb, SUBBUF, 0, &v, NULL, NULL), RELAY_BAD_RECORD);
	build_subbuf(sb, 1, 1, 64);
	rh->len = UINT32_MAX;		/* huge length must not overflow */
	assert_int_equal(relay_read_subbuf(sb, SUBBUF, 0, &v, NULL, NULL), RELAY_TRUNCATED);
}

static void test_garbage_subbuf(void **state)
{
	struct relay_subbuf_view v;
	int round, st;
	size_t i;

	srand(1);
	for (round = 0; round < 2000; round++) {
		for (i = 0; i < SUBBUF; i++)
			sb[i] = rand();
		if (round % 2) {	/* plausible header, random body */
			struct bpf_relay_subbuf_hdr *h = (void *)sb;

			h->len = sizeof(*h);
			h->type = BPF_RELAY_HDR_SUBBUF;
			h->committed %= SUBBUF;
		}
		st = relay_read_subbuf(sb, SUBBUF, 0, &v, NULL, NULL);
		assert_true(st == RELAY_OK || st == RELAY_EMPTY || st < 0);
		assert_true(v.end <= SUBBUF);
	}
}

static void feed_in_chunks(struct relay_stream *st, const unsigned char *p, size_t len,
			   size_t chunk, struct seen *s)
{
	size_t off;

	for (off = 0; off < len; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;

		assert_int_equal(relay_stream_feed(st, p + off, n, count_rec, s), RELAY_OK);
	}
}

static void test_stream_chunks(void **state)
{
	static unsigned char stream[3 * SUBBUF];
	struct relay_stream st;
	size_t len, chunk;
	struct seen s;

	len = build_subbuf(stream, 1, 5, 100);
	len += 16;			/* zero padding to the sub-buffer end */
	len += build_subbuf(stream + len, 2, 4, 2000);
	for (chunk = 1; chunk <= len; chunk += chunk < 64 ? 1 : 97) {
		relay_stream_init(&st);
		memset(&s, 0, sizeof(s));
		feed_in_chunks(&st, stream, len, chunk, &s);
		assert_int_equal(s.records, 9);
		assert_int_equal(st.subbufs, 2);
		assert_int_equal(st.pad_bytes, 16);
		assert_int_equal(st.carry_len, 0);
		assert_int_equal(st.subbuf_gaps, 0);
	}
}

static void test_stream_subbuf_gap(void **state)
{
	static unsigned char stream[2 * SUBBUF];
	struct relay_stream st;
	struct seen s = {0};
	size_t len;

	len = build_subbuf(stream, 1, 1, 64);
	len += build_subbuf(stream + len, 4, 1, 64);	/* 2 and 3 overwritten */
	relay_stream_init(&st);
	assert_int_equal(relay_stream_feed(&st, stream, len, count_rec, &s), RELAY_OK);
	assert_int_equal(st.subbuf_gaps, 2);
}

static void test_stream_garbage(void **state)
{
	static unsigned char junk[SUBBUF];
	struct relay_stream st;
	struct seen s = {0};
	int round, ret;
	size_t i;

	srand(2);
	for (round = 0; round < 500; round++) {
		for (i = 0; i < sizeof(junk); i++)
			junk[i] = rand();
		relay_stream_init(&st);
		ret = relay_stream_feed(&st, junk, sizeof(junk), count_rec, &s);
		assert_true(ret <= 0);
		if (ret < 0) {
			assert_true(st.broken);
			/* once broken, further input is refused, not parsed */
			assert_true(relay_stream_feed(&st, junk, 64, count_rec, &s) < 0);
		}
	}
	/* a record claiming more than RLB_REC_MAX bytes is corruption */
	relay_stream_init(&st);
	((struct bpf_relay_rec_hdr *)junk)->len = RLB_REC_MAX + 8;
	((struct bpf_relay_rec_hdr *)junk)->type = BPF_RELAY_HDR_RECORD;
	assert_int_equal(relay_stream_feed(&st, junk, 8, count_rec, &s), RELAY_BAD_RECORD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normal),
		cmocka_unit_test(test_refused_record_counted),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_overwritten_during_read),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_garbage_subbuf),
		cmocka_unit_test(test_stream_chunks),
		cmocka_unit_test(test_stream_subbuf_gap),
		cmocka_unit_test(test_stream_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
