// SPDX-License-Identifier: GPL-2.0
/* perf ring framing: whole, wrapping and malformed records. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <linux/perf_event.h>
#include "perf_parse.h"

#define RING	64

static u64 ring[RING / 8];

/* A record of len bytes at pos, its bytes after the header numbered. */
static void put(u64 pos, uint16_t len)
{
	unsigned char *r = (unsigned char *)ring;
	struct perf_event_header h = { .type = PERF_RECORD_SAMPLE, .size = len };
	u64 i;

	memset(ring, 0xee, sizeof(ring));
	memcpy(r + pos % RING, &h, sizeof(h));
	for (i = sizeof(h); i < len; i++)
		r[(pos + i) % RING] = i;
}

static void test_whole(void **state)
{
	u64 buf[4];

	put(8, 24);
	assert_ptr_equal(perf_record_at(ring, RING, 8, buf, sizeof(buf)), (char *)ring + 8);
	/* pos counts on past the ring's size */
	assert_ptr_equal(perf_record_at(ring, RING, RING * 3 + 8, buf, sizeof(buf)),
			 (char *)ring + 8);
	put(40, 24);			/* ends exactly at the end: no copy */
	assert_ptr_equal(perf_record_at(ring, RING, 40, buf, sizeof(buf)), (char *)ring + 40);
}

static void test_wrapping(void **state)
{
	const struct perf_event_header *e;
	u64 buf[4];
	const unsigned char *b = (const unsigned char *)buf;
	int i;

	put(48, 32);			/* 16 bytes at the end, 16 at the start */
	e = perf_record_at(ring, RING, 48, buf, sizeof(buf));
	assert_ptr_equal(e, buf);
	assert_int_equal(e->size, 32);
	assert_int_equal(e->type, PERF_RECORD_SAMPLE);
	for (i = sizeof(*e); i < 32; i++)
		assert_int_equal(b[i], i);
}

/* A size that cannot be a record's is refused before anything is copied:
 * ASan would catch a copy past buf. */
static void test_malformed(void **state)
{
	u64 buf[4];

	put(48, 40);			/* wraps, larger than buf */
	assert_null(perf_record_at(ring, RING, 48, buf, sizeof(buf)));
	put(8, 40);			/* whole, still larger than buf */
	assert_null(perf_record_at(ring, RING, 8, buf, sizeof(buf)));
	put(48, 0);			/* would never advance */
	assert_null(perf_record_at(ring, RING, 48, buf, sizeof(buf)));
	put(48, 4);			/* shorter than its header */
	assert_null(perf_record_at(ring, RING, 48, buf, sizeof(buf)));
	put(48, 20);			/* not 8-byte aligned */
	assert_null(perf_record_at(ring, RING, 48, buf, sizeof(buf)));
	put(8, 72);			/* larger than the ring */
	assert_null(perf_record_at(ring, RING, 8, buf, RING * 2));
	/* a header split by the end of the ring: misframed before it */
	assert_null(perf_record_at(ring, RING, RING - 4, buf, sizeof(buf)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole),
		cmocka_unit_test(test_wrapping),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
