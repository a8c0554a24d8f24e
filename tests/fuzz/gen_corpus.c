// SPDX-License-Identifier: GPL-2.0
/*
 * gen_corpus DIR: writes the seed inputs of fuzz_relay_parse into DIR, in
 * its input layout (see fuzz_relay_parse.c): well-formed sub-buffers and
 * read() streams as the kernel lays them out, from which the fuzzer
 * mutates corrupted ones.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "relay_parse.h"

static unsigned char out[16384];
static size_t out_len;

static void put(const void *p, size_t n)
{
	if (out_len + n > sizeof(out)) {
		fprintf(stderr, "gen_corpus: seed too large\n");
		exit(1);
	}
	memcpy(out + out_len, p, n);
	out_len += n;
}

static void put_u8(unsigned char b)
{
	put(&b, 1);
}

/* A sub-buffer header and nrec records of payload bytes each. */
static void put_subbuf(u64 seq, u32 cpu, int nrec, u32 payload, bool pad_tail)
{
	struct bpf_relay_subbuf_hdr h = {
		.len = sizeof(h), .type = BPF_RELAY_HDR_SUBBUF, .seq = seq,
		.cpu = cpu, .dropped = seq - 1,
	};
	u32 framed = (sizeof(struct bpf_relay_rec_hdr) + payload + 7) & ~7u;
	unsigned char rec[RLB_REC_MAX + 16];
	int i;

	h.committed = nrec * framed;
	put(&h, sizeof(h));
	for (i = 0; i < nrec; i++) {
		struct bpf_relay_rec_hdr *rh = (void *)rec;
		struct rlb_record *r = (void *)(rh + 1);

		memset(rec, 0, framed);
		rh->len = payload;
		rh->type = BPF_RELAY_HDR_RECORD;
		if (payload >= sizeof(*r)) {
			r->seq = (seq - 1) * nrec + i + 1;
			r->ts_ns = 1000 * r->seq;
			r->cpu = cpu;
			r->len = payload;
		}
		put(rec, framed);
	}
	if (pad_tail)
		put((u64[2]){ 0, 0 }, 16);	/* zeroed end of a sub-buffer */
}

static void save(const char *dir, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(out, 1, out_len, f) != out_len || fclose(f)) {
		fprintf(stderr, "gen_corpus: cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	out_len = 0;
}

/* Sub-buffer mode: tear after record, start offset, bytes cut. */
static void subbuf_seed(const char *dir, const char *name, uint8_t tear, uint16_t from,
			uint8_t cut, u64 seq, int nrec, u32 payload)
{
	put_u8(0);
	put_u8(tear);
	put_u8(from & 0xff);
	put_u8(from >> 8);
	put_u8(cut);
	put_subbuf(seq, 1, nrec, payload, true);
	save(dir, name);
}

static void stream_head(const unsigned char *lens, size_t n)
{
	put_u8(1);
	put_u8(n);
	put(lens, n);
}

int main(int argc, char **argv)
{
	static const unsigned char bytewise[] = { 1 };
	static const unsigned char odd[] = { 7, 13, 200, 3 };
	static const unsigned char pages[] = { 0 };

	if (argc != 2) {
		fprintf(stderr, "usage: gen_corpus DIR\n");
		return 2;
	}
	subbuf_seed(argv[1], "subbuf-3-records", 0, 0, 0, 1, 3, 40);
	subbuf_seed(argv[1], "subbuf-resume", 0, 48, 0, 2, 4, 40);
	subbuf_seed(argv[1], "subbuf-torn", 2, 0, 0, 5, 4, 64);
	subbuf_seed(argv[1], "subbuf-cut", 0, 0, 24, 1, 2, 24);
	subbuf_seed(argv[1], "subbuf-empty", 0, 0, 0, 0, 0, 0);
	subbuf_seed(argv[1], "subbuf-big-record", 0, 0, 0, 1, 1, 2000);

	stream_head(pages, 0);
	put_subbuf(1, 0, 3, 40, true);
	put_subbuf(2, 0, 2, 100, false);
	save(argv[1], "stream-whole");

	stream_head(bytewise, sizeof(bytewise));
	put_subbuf(1, 0, 2, 24, false);
	put_subbuf(4, 0, 1, 24, false);		/* 2 and 3 overwritten */
	save(argv[1], "stream-bytewise-gap");

	stream_head(odd, sizeof(odd));
	put_subbuf(7, 1, 5, 33, true);
	put_subbuf(8, 1, 1, RLB_REC_MAX, false);
	save(argv[1], "stream-odd-chunks");

	stream_head(pages, sizeof(pages));
	put_subbuf(1, 0, 4, 0, true);		/* empty payloads */
	save(argv[1], "stream-empty-records");
	return 0;
}
