/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The selftests' own reader of relay map buffers: a stream parser for what
 * read() and cat return, and a snapshot reader for the mmap() protocol.
 * It is deliberately independent of the bench's reader, so that each one
 * checks the other's understanding of kernel/README.md.
 */
#ifndef RELAY_PARSE_H
#define RELAY_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include "relay_test.h"

struct rt_rec {
	uint64_t seq;
	uint64_t subbuf_seq;
	uint32_t cpu;
	uint16_t src;
};

struct rt_recs {
	struct rt_rec *v;
	size_t n, cap;
	uint64_t subbufs;	/* sub-buffer headers seen */
	uint64_t torn;		/* records whose payload is wrong */
	uint64_t framing;	/* framing errors: unknown type, bad length */
	uint64_t raced;		/* sub-buffers reused while being read */
};

void rt_recs_reset(struct rt_recs *r);
void rt_recs_free(struct rt_recs *r);

/* Parses a read()/cat byte stream: sub-buffer headers and records. */
void rt_parse_stream(const void *buf, size_t len, struct rt_recs *out);

/* Reads every sub-buffer of a mapped buffer, oldest first. */
void rt_parse_mmap(const void *base, size_t subbuf_size, size_t n_subbufs,
		   struct rt_recs *out);

/* Counts the records of one source and CPU, and checks their seq order. */
size_t rt_count(const struct rt_recs *r, uint32_t cpu, uint16_t src,
		uint64_t *first, uint64_t *last, int *ordered,
		uint64_t *gaps);

#endif /* RELAY_PARSE_H */
