// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the bench's relay reader (benchs/relay_parse.c):
 * relay_read_subbuf() on one corrupted mmap()ed sub-buffer, and
 * relay_stream_feed() on a corrupted read() stream cut into chunks.
 * Input layout (see gen_corpus.c):
 *   byte 0      mode: bit 0 set = stream, clear = sub-buffer
 *   sub-buffer: byte 1 = record after which the callback changes the
 *               header's seq (0: never), bytes 2-3 = start offset,
 *               byte 4 = bytes cut off the declared size, rest = the
 *               sub-buffer
 *   stream:     byte 1 = n, the next n bytes = chunk lengths (0 = 256),
 *               rest = the stream, fed in those chunks (cycled)
 * Every buffer handed to the parser is its own allocation of exactly the
 * declared size, so any read past it is an AddressSanitizer report.
 * Besides "no crash, no hang", it checks what the API promises: statuses
 * from enum relay_status, views inside the sub-buffer, one callback per
 * counted record, a torn status when seq changed, and a stream result
 * that does not depend on how the stream was cut.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "relay_parse.h"

struct cb_state {
	const unsigned char *lo, *hi;	/* where payloads may live */
	const struct relay_stream *stream;	/* its carry is allowed too */
	u64 calls;
	u64 sum;
	u64 tear_at;			/* sub-buffer mode: change seq here */
	struct bpf_relay_subbuf_hdr *hdr;
};

static void die(const char *what)
{
	fprintf(stderr, "fuzz_relay_parse: %s\n", what);
	abort();
}

static bool in_range(const unsigned char *p, u32 len, const unsigned char *lo,
		     const unsigned char *hi)
{
	return p >= lo && p <= hi && len <= (size_t)(hi - p);
}

/* Touches every payload byte; refuses payloads that start with 0xee so
 * that the "callback said corrupt" path runs too. */
static bool on_record(void *ctx, const void *payload, u32 len)
{
	struct cb_state *s = ctx;
	const unsigned char *p = payload;
	u32 i;

	if (!in_range(p, len, s->lo, s->hi) &&
	    !(s->stream && in_range(p, len, s->stream->carry,
				    s->stream->carry + sizeof(s->stream->carry))))
		die("payload outside the input");
	for (i = 0; i < len; i++)
		s->sum += p[i];
	s->calls++;
	if (s->hdr && s->calls == s->tear_at)
		s->hdr->seq++;		/* the writer lapped the reader */
	return !(len && p[0] == 0xee);
}

static void fuzz_subbuf(const uint8_t *data, size_t size)
{
	struct relay_subbuf_view v;
	struct cb_state s = {};
	size_t declared, cut;
	unsigned char *buf;
	u64 seq_before;
	u32 from;
	int st;

	if (size < 5)
		return;
	s.tear_at = data[1];
	from = data[2] | (u32)data[3] << 8;
	cut = data[4];
	data += 5;
	size -= 5;
	declared = size > cut ? size - cut : 0;
	buf = malloc(declared ? declared : 1);
	if (!buf)
		return;
	memcpy(buf, data, declared);
	s.lo = buf;
	s.hi = buf + declared;
	s.hdr = declared >= sizeof(struct bpf_relay_subbuf_hdr) ? (void *)buf : NULL;
	seq_before = s.hdr ? s.hdr->seq : 0;

	st = relay_read_subbuf(buf, declared, from, &v, on_record, &s);
	if (st != RELAY_OK && st != RELAY_EMPTY && st != RELAY_TORN &&
	    st != RELAY_BAD_HEADER && st != RELAY_BAD_RECORD && st != RELAY_TRUNCATED)
		die("unknown status");
	if (!relay_status_str(st) || !strcmp(relay_status_str(st), "unknown"))
		die("status without a name");
	if (v.records != s.calls)
		die("records counted without a callback");
	if (s.hdr && s.hdr->seq != seq_before && st != RELAY_TORN)
		die("seq changed during the read but the status is not torn");
	if (st == RELAY_EMPTY && (v.seq || s.calls))
		die("empty sub-buffer with records");
	if (st == RELAY_OK) {
		if (v.end > v.committed || v.end < from || (v.end - from) % 8)
			die("view end out of place");
		if (v.committed > declared - sizeof(struct bpf_relay_subbuf_hdr))
			die("committed beyond the sub-buffer");
	}
	free(buf);
}

struct stream_result {
	struct relay_stream s;
	u64 calls, sum;
	int last;
};

static void feed_stream(const uint8_t *lens, size_t nlens, const uint8_t *data,
			size_t size, struct stream_result *r)
{
	struct cb_state cb = {};
	size_t off = 0, i = 0;
	bool broken_before;

	relay_stream_init(&r->s);
	cb.stream = &r->s;
	r->last = RELAY_OK;
	while (off < size) {
		size_t n = nlens ? (lens[i++ % nlens] ?: 256) : size;
		unsigned char *chunk;
		int st;

		if (n > size - off)
			n = size - off;
		chunk = malloc(n);
		if (!chunk)
			abort();
		memcpy(chunk, data + off, n);
		cb.lo = chunk;
		cb.hi = chunk + n;
		broken_before = r->s.broken;
		st = relay_stream_feed(&r->s, chunk, n, on_record, &cb);
		free(chunk);
		if (st != RELAY_OK && st != RELAY_BAD_HEADER && st != RELAY_BAD_RECORD)
			die("unknown stream status");
		if ((st < 0) != r->s.broken)
			die("an error without a broken stream, or the reverse");
		if (broken_before && st >= 0)
			die("a broken stream parsed more input");
		if (r->s.carry_len >= sizeof(r->s.carry))
			die("carry overflow");
		if (st < 0 && r->last >= 0)
			r->last = st;
		off += n;
	}
	if (cb.calls != r->s.records)
		die("stream records counted without a callback");
	r->calls = cb.calls;
	r->sum = cb.sum;
}

static void fuzz_stream(const uint8_t *data, size_t size)
{
	static struct stream_result whole, cut;
	size_t nlens;

	if (size < 2)
		return;
	nlens = data[1];
	if (size < 2 + nlens)
		return;
	feed_stream(NULL, 0, data + 2 + nlens, size - 2 - nlens, &whole);
	feed_stream(data + 2, nlens, data + 2 + nlens, size - 2 - nlens, &cut);
	/* Where read() happened to cut the stream must not matter. */
	if (whole.calls != cut.calls || whole.sum != cut.sum ||
	    whole.s.subbufs != cut.s.subbufs || whole.s.pad_bytes != cut.s.pad_bytes ||
	    whole.s.subbuf_gaps != cut.s.subbuf_gaps ||
	    whole.s.last_subbuf_seq != cut.s.last_subbuf_seq ||
	    whole.s.dropped != cut.s.dropped || whole.s.broken != cut.s.broken ||
	    whole.last != cut.last ||
	    (!whole.s.broken && whole.s.carry_len != cut.s.carry_len))
		die("the result depends on how the stream was cut");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (data[0] & 1)
		fuzz_stream(data, size);
	else
		fuzz_subbuf(data, size);
	return 0;
}
