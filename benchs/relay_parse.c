// SPDX-License-Identifier: GPL-2.0
/*
 * relay_parse.c: parsers for BPF_MAP_TYPE_RELAY output.  Input is untrusted
 * (the kernel may overwrite it under us), so every length is bounds-checked
 * and every step makes forward progress: no input can crash or loop.
 */
#include <string.h>
#include "relay_parse.h"

#define ALIGN8(x) (((x) + 7) & ~(u64)7)
#define SUBBUF_HDR sizeof(struct bpf_relay_subbuf_hdr)
#define REC_HDR sizeof(struct bpf_relay_rec_hdr)

const char *relay_status_str(int st)
{
	switch (st) {
	case RELAY_OK:
		return "ok";
	case RELAY_EMPTY:
		return "empty";
	case RELAY_TORN:
		return "overwritten while reading";
	case RELAY_BAD_HEADER:
		return "bad sub-buffer header";
	case RELAY_BAD_RECORD:
		return "bad record";
	case RELAY_TRUNCATED:
		return "truncated";
	default:
		return "unknown";
	}
}

static u64 load_acquire_u64(const void *p)
{
	return __atomic_load_n((const u64 *)p, __ATOMIC_ACQUIRE);
}

static u32 load_acquire_u32(const void *p)
{
	return __atomic_load_n((const u32 *)p, __ATOMIC_ACQUIRE);
}

static bool padding_is_zero(const unsigned char *p, u64 n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/* Walk records in data[from, end): each must be a type-2 header whose padded
 * size fits.  Stops at the first bad one.
 */
static int walk_records(const unsigned char *data, u32 from, u32 end,
			struct relay_subbuf_view *view, relay_rec_fn fn,
			void *ctx)
{
	u32 off = from;

	while (off < end) {
		struct bpf_relay_rec_hdr rh;
		u64 size;

		if (end - off < REC_HDR)
			return RELAY_TRUNCATED;
		memcpy(&rh, data + off, sizeof(rh));
		if (rh.type != BPF_RELAY_HDR_RECORD)
			return RELAY_BAD_RECORD;
		size = ALIGN8(REC_HDR + (u64)rh.len);
		if (size > end - off)
			return RELAY_TRUNCATED;
		if (!padding_is_zero(data + off + REC_HDR + rh.len,
				     size - REC_HDR - rh.len))
			return RELAY_BAD_RECORD;
		/* counted as handed to fn even if fn finds it corrupt, as in
		 * the stream parser
		 */
		view->records++;
		if (fn && !fn(ctx, data + off + REC_HDR, rh.len))
			return RELAY_BAD_RECORD;
		off += size;
		view->end = off;
	}
	return RELAY_OK;
}

int relay_read_subbuf(const void *subbuf, size_t subbuf_size, u32 from,
		      struct relay_subbuf_view *view, relay_rec_fn fn,
		      void *ctx)
{
	const struct bpf_relay_subbuf_hdr *hdr = subbuf;
	const unsigned char *data = (const unsigned char *)subbuf + SUBBUF_HDR;
	u64 seq;
	int st;

	memset(view, 0, sizeof(*view));
	if (subbuf_size < SUBBUF_HDR)
		return RELAY_TRUNCATED;
	seq = load_acquire_u64(&hdr->seq); /* seqlock: read seq first */
	view->seq = seq;
	if (!seq)
		return RELAY_EMPTY;
	view->committed = load_acquire_u32(&hdr->committed);
	view->cpu = hdr->cpu;
	view->dropped = hdr->dropped;
	view->end = from;
	if (hdr->len != SUBBUF_HDR || hdr->type != BPF_RELAY_HDR_SUBBUF)
		st = RELAY_BAD_HEADER;
	else if (view->committed > subbuf_size - SUBBUF_HDR ||
		 from > view->committed || from % 8)
		st = RELAY_BAD_HEADER;
	else
		st = walk_records(data, from, view->committed, view, fn, ctx);
	/* Re-check: a changed seq means the writer lapped us mid-read and
	 * whatever we parsed may be garbage; that outranks any parse error.
	 */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (load_acquire_u64(&hdr->seq) != seq)
		return RELAY_TORN;
	return st;
}

void relay_stream_init(struct relay_stream *s)
{
	memset(s, 0, sizeof(*s));
}

/* Size of the unit (sub-buffer header, record, or 8 bytes of padding) that
 * starts at p, or a negative status.  Needs 8 bytes at p.
 */
static long long unit_size(const unsigned char *p)
{
	struct bpf_relay_rec_hdr rh;

	memcpy(&rh, p, sizeof(rh));
	if (rh.type == BPF_RELAY_HDR_SUBBUF)
		return rh.len == SUBBUF_HDR ? (long long)SUBBUF_HDR :
					      RELAY_BAD_HEADER;
	if (rh.type == BPF_RELAY_HDR_RECORD)
		return rh.len <= RLB_REC_MAX ?
			       (long long)ALIGN8(REC_HDR + (u64)rh.len) :
			       RELAY_BAD_RECORD;
	if (rh.type == 0 && rh.len == 0)
		return 8; /* zero padding at the end of a sub-buffer */
	return RELAY_BAD_RECORD;
}

static int handle_unit(struct relay_stream *s, const unsigned char *p, u64 size,
		       relay_rec_fn fn, void *ctx)
{
	struct bpf_relay_subbuf_hdr sh;
	struct bpf_relay_rec_hdr rh;

	memcpy(&rh, p, sizeof(rh));
	if (rh.type == BPF_RELAY_HDR_SUBBUF) {
		memcpy(&sh, p, sizeof(sh));
		if (s->last_subbuf_seq && sh.seq > s->last_subbuf_seq + 1)
			s->subbuf_gaps += sh.seq - s->last_subbuf_seq - 1;
		s->last_subbuf_seq = sh.seq;
		s->dropped = sh.dropped;
		s->subbufs++;
		return RELAY_OK;
	}
	if (rh.type == 0) {
		s->pad_bytes += size;
		return RELAY_OK;
	}
	if (!padding_is_zero(p + REC_HDR + rh.len, size - REC_HDR - rh.len))
		return RELAY_BAD_RECORD;
	s->records++;
	if (fn && !fn(ctx, p + REC_HDR, rh.len))
		return RELAY_BAD_RECORD;
	return RELAY_OK;
}

/* Fill the carry buffer with up to need bytes from data; returns bytes used. */
static size_t carry_fill(struct relay_stream *s, const unsigned char *data,
			 size_t len, size_t need)
{
	size_t take = need - s->carry_len;

	if (take > len)
		take = len;
	memcpy(s->carry + s->carry_len, data, take);
	s->carry_len += take;
	return take;
}

/* Finish a unit that straddled the previous chunk; returns bytes of data used
 * or a negative status.  Only this copy exists, and only across reads.
 */
static long long finish_carry(struct relay_stream *s, const unsigned char *data,
			      size_t len, relay_rec_fn fn, void *ctx)
{
	size_t used = 0;
	long long size;
	int st;

	if (s->carry_len < REC_HDR)
		used += carry_fill(s, data, len, REC_HDR);
	if (s->carry_len < REC_HDR)
		return used;
	size = unit_size(s->carry);
	if (size < 0)
		return size;
	used += carry_fill(s, data + used, len - used, size);
	if (s->carry_len < (size_t)size)
		return used;
	st = handle_unit(s, s->carry, size, fn, ctx);
	s->carry_len = 0;
	return st < 0 ? st : (long long)used;
}

int relay_stream_feed(struct relay_stream *s, const void *data, size_t len,
		      relay_rec_fn fn, void *ctx)
{
	const unsigned char *p = data;
	size_t off = 0;
	long long n;
	int st;

	if (s->broken)
		return RELAY_BAD_RECORD;
	if (s->carry_len) {
		n = finish_carry(s, p, len, fn, ctx);
		if (n < 0)
			goto broken;
		off = n;
		if (s->carry_len)
			return RELAY_OK; /* still incomplete: wait for more */
	}
	while (off < len) {
		if (len - off < REC_HDR)
			break;
		n = unit_size(p + off);
		if (n < 0)
			goto broken;
		if ((size_t)n > len - off)
			break;
		st = handle_unit(s, p + off, n, fn, ctx);
		if (st < 0) {
			n = st;
			goto broken;
		}
		off += n;
	}
	carry_fill(s, p + off, len - off, len - off);
	return RELAY_OK;
broken:
	s->broken = true;
	s->carry_len = 0;
	return (int)n;
}
