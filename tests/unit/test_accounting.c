// SPDX-License-Identifier: GPL-2.0
/* Seq-gap tracking, per-record checks and the loss invariant. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "bench.h"

static struct rb_consumer c;

static void test_gaps(void **state)
{
	struct seqtrack t;
	u64 bpf_seq[RB_MAX_CPUS] = {0};

	seqtrack_reset(&t);
	seqtrack_add(&t, 0, 1);
	seqtrack_add(&t, 0, 2);
	seqtrack_add(&t, 0, 5);		/* 3, 4 missing */
	seqtrack_add(&t, 1, 1);
	seqtrack_add(&t, 1, 3);		/* 2 missing */
	assert_int_equal(t.gaps, 3);
	seqtrack_add(&t, 0, 5);		/* duplicate */
	seqtrack_add(&t, 0, 4);		/* backwards */
	assert_int_equal(t.reordered, 2);
	seqtrack_add(&t, RB_MAX_CPUS, 1);	/* impossible cpu */
	seqtrack_add(&t, 0, 0);		/* seq starts at 1 */
	assert_int_equal(t.corrupt, 2);
	bpf_seq[0] = 7;			/* 6, 7 written, never seen */
	bpf_seq[1] = 3;
	assert_int_equal(seqtrack_tail_lost(&t, bpf_seq, 2), 2);
}

static void test_consume_record(void **state)
{
	unsigned char buf[128] = {0};
	struct rb_record *r = (void *)buf;

	consumer_reset(&c, 0);
	r->seq = 1;
	r->cpu = 0;
	r->len = 64;
	assert_true(consume_record(&c, buf, 64));
	r->seq = 2;
	assert_true(consume_record(&c, buf, 68));	/* perf raw padding */
	r->seq = 3;
	assert_false(consume_record(&c, buf, 72));	/* 8 extra: wrong */
	assert_false(consume_record(&c, buf, 16));	/* shorter than header */
	r->len = 100;
	assert_false(consume_record(&c, buf, 64));	/* len beyond size */
	assert_int_equal(c.consumed, 2);
	assert_int_equal(c.bytes, 128);
	assert_int_equal(c.seq.corrupt, 3);
}

static void test_latency_only_when_measuring(void **state)
{
	unsigned char buf[64] = {0};
	struct rb_record *r = (void *)buf;

	consumer_reset(&c, 0);
	r->len = 64;
	r->seq = 1;
	rb_measuring = 0;
	consume_record(&c, buf, 64);
	assert_int_equal(c.lat.count, 0);
	rb_measuring = 1;
	r->seq = 2;
	consume_record(&c, buf, 64);
	assert_int_equal(c.lat.count, 1);
	rb_measuring = 0;
}

static void test_loss_invariant(void **state)
{
	struct loss_accounting a = { .produced = 100, .consumed = 90, .dropped = 7, .in_buffer = 3 };
	char why[RB_ERRLEN];

	assert_int_equal(loss_check(&a, why, sizeof(why)), 0);
	a.consumed = 89;
	assert_int_equal(loss_check(&a, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "produced 100"));
	a.lost = 1;			/* balances, but lost without overwrite */
	assert_int_equal(loss_check(&a, why, sizeof(why)), -1);
	a.overwrite = true;
	assert_int_equal(loss_check(&a, why, sizeof(why)), 0);
	a.corrupt = 1;
	assert_int_equal(loss_check(&a, why, sizeof(why)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gaps),
		cmocka_unit_test(test_consume_record),
		cmocka_unit_test(test_latency_only_when_measuring),
		cmocka_unit_test(test_loss_invariant),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
