// SPDX-License-Identifier: GPL-2.0
/* Seq-gap tracking, per-record checks and the loss invariant. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "consumer.h"

static struct rlb_consumer c;

static void test_gaps(void **state)
{
	struct seqtrack t;
	u64 bpf_seq[RLB_MAX_CPUS] = {0};

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
	seqtrack_add(&t, RLB_MAX_CPUS, 1);	/* impossible cpu */
	seqtrack_add(&t, 0, 0);		/* seq starts at 1 */
	assert_int_equal(t.corrupt, 2);
	bpf_seq[0] = 7;			/* 6, 7 written, never seen */
	bpf_seq[1] = 3;
	assert_int_equal(seqtrack_tail_lost(&t, bpf_seq, 2), 2);
}

/* Two consumers' views fold into one: newest and oldest per CPU, counts
 * summed, a CPU only one of them saw kept as it was. */
static void test_merge(void **state)
{
	struct seqtrack a, b, all;

	seqtrack_reset(&a);
	seqtrack_reset(&b);
	seqtrack_add(&a, 0, 3);
	seqtrack_add(&a, 0, 5);		/* a break, 4 missing */
	seqtrack_add(&a, 2, 7);
	seqtrack_add(&b, 0, 2);
	seqtrack_add(&b, 0, 2);		/* duplicate */
	seqtrack_add(&b, 1, 1);
	seqtrack_add(&b, 1, 0);		/* corrupt */
	seqtrack_reset(&all);
	seqtrack_merge(&all, &a);
	seqtrack_merge(&all, &b);
	assert_int_equal(all.first[0], 2);
	assert_int_equal(all.last[0], 5);
	assert_int_equal(all.first[1], 1);
	assert_int_equal(all.last[1], 1);
	assert_int_equal(all.first[2], 7);
	assert_int_equal(all.last[2], 7);
	assert_int_equal(all.first[3], 0);	/* seen by nobody */
	assert_int_equal(all.gaps, a.gaps + b.gaps);
	assert_int_equal(all.breaks, 1);
	assert_int_equal(all.reordered, 1);
	assert_int_equal(all.corrupt, 1);
}

/* CPU 0 kept its newest 3 of 10 (overwrite); CPU 1 kept 1..4 of 6 with a
 * hole at 3 (no overwrite, and a break). */
static void test_snapshot_summary(void **state)
{
	u64 bpf_seq[RLB_MAX_CPUS] = { 10, 6 };
	struct snapshot_summary s;
	struct seqtrack t;

	seqtrack_reset(&t);
	seqtrack_add(&t, 0, 8);
	seqtrack_add(&t, 0, 9);
	seqtrack_add(&t, 0, 10);
	seqtrack_add(&t, 1, 1);
	seqtrack_add(&t, 1, 2);
	seqtrack_add(&t, 1, 4);
	seqtrack_add(&t, 1, 4);		/* duplicate */
	assert_int_equal(t.first[0], 8);
	assert_int_equal(t.breaks, 1);
	snapshot_summarize(&t, 1000, 5000, 6000, bpf_seq, 2, 12, 6, 1, &s);
	assert_int_equal(s.recovered, 6);
	assert_true(s.retention > 0.49 && s.retention < 0.51);
	assert_false(s.newest_present);	/* CPU 1 lost 5 and 6 */
	assert_int_equal(s.oldest_seq, 1);
	assert_int_equal(s.newest_seq, 10);
	assert_int_equal(s.last_seq, 10);
	assert_int_equal(s.oldest_age_ns, 5000);
	assert_int_equal(s.newest_age_ns, 1000);
	assert_int_equal(s.duplicates, 1);
	assert_int_equal(s.seq_breaks, 1);
	assert_int_equal(s.torn, 1);
	bpf_seq[1] = 4;
	snapshot_summarize(&t, 1000, 5000, 6000, bpf_seq, 2, 12, 6, 0, &s);
	assert_true(s.newest_present);
	snapshot_summarize(&t, 0, 0, 6000, bpf_seq, 2, 12, 0, 0, &s);
	assert_false(s.newest_present);	/* nothing recovered */
	assert_int_equal(s.oldest_age_ns, 0);
}

static void test_consume_record(void **state)
{
	unsigned char buf[128] = {0};
	struct rlb_record *r = (void *)buf;

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
	struct rlb_record *r = (void *)buf;

	consumer_reset(&c, 0);
	r->len = 64;
	r->seq = 1;
	flag_set(rlb_measuring, 0);
	consume_record(&c, buf, 64);
	assert_int_equal(c.lat.count, 0);
	flag_set(rlb_measuring, 1);
	r->seq = 2;
	consume_record(&c, buf, 64);
	assert_int_equal(c.lat.count, 1);
	flag_set(rlb_measuring, 0);
}

/* --lat-every 4: of seqs 1..8 only 4 and 8 are timed, all are counted. */
static void test_latency_sampled_by_seq(void **state)
{
	unsigned char buf[64] = {0};
	struct rlb_record *r = (void *)buf;
	u64 seq;

	consumer_reset(&c, 0);
	seqtrack_reset(&c.seq);
	r->len = 64;
	rlb_lat_mask = 3;
	flag_set(rlb_measuring, 1);
	for (seq = 1; seq <= 8; seq++) {
		r->seq = seq;
		assert_true(consume_record(&c, buf, 64));
	}
	flag_set(rlb_measuring, 0);
	rlb_lat_mask = 0;
	assert_int_equal(c.lat.count, 2);
	assert_int_equal(c.consumed, 8);
	assert_int_equal(c.seq.gaps, 0);
}

static void test_loss_invariant(void **state)
{
	struct loss_accounting a = { .produced = 100, .consumed = 90, .dropped = 7, .in_buffer = 3 };
	char why[RLB_ERRLEN];

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
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_snapshot_summary),
		cmocka_unit_test(test_consume_record),
		cmocka_unit_test(test_latency_only_when_measuring),
		cmocka_unit_test(test_latency_sampled_by_seq),
		cmocka_unit_test(test_loss_invariant),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
