/* SPDX-License-Identifier: GPL-2.0 */
/* relay_parse.h: the relay map's framing; structs per kernel/README.md. */
#ifndef RLB_RELAY_PARSE_H
#define RLB_RELAY_PARSE_H

#include <linux/bpf.h>
#include "rlb.h"

enum relay_status {
	RELAY_OK = 0,
	RELAY_EMPTY = 1, /* seq == 0: never written */
	RELAY_TORN = -1, /* overwritten while we read it */
	RELAY_BAD_HEADER = -2,
	RELAY_BAD_RECORD = -3,
	RELAY_TRUNCATED = -4,
};

typedef bool (*relay_rec_fn)(void *ctx, const void *payload, u32 len);

struct relay_subbuf_view {
	u64 seq;
	u32 committed;
	u32 cpu;
	u64 dropped;
	u32 end; /* committed offset (after the header) we stopped at */
	u64 records; /* records handed to fn in this call */
};

/* Seqlock-style read of one mmap'ed sub-buffer: records in
 * [from, committed) are handed to fn, then seq is re-checked.
 */
int relay_read_subbuf(const void *subbuf, size_t subbuf_size, u32 from,
		      struct relay_subbuf_view *view, relay_rec_fn fn,
		      void *ctx);

/* Incremental parser of the read() byte stream of one CPU file. */
struct relay_stream {
	unsigned char carry[RLB_REC_MAX + 64];
	size_t carry_len;
	u64 subbufs;
	u64 records;
	u64 pad_bytes;
	u64 subbuf_gaps; /* sub-buffers skipped (overwritten) */
	u64 last_subbuf_seq;
	u64 dropped; /* latest kernel dropped count seen in a header */
	bool broken; /* a framing error happened: stop trusting it */
};

void relay_stream_init(struct relay_stream *s);
int relay_stream_feed(struct relay_stream *s, const void *data, size_t len,
		      relay_rec_fn fn, void *ctx);
const char *relay_status_str(int st);

#endif /* RLB_RELAY_PARSE_H */
