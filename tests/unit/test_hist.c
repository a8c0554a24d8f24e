// SPDX-License-Identifier: GPL-2.0
/* Histogram: bucket edges and percentiles on known distributions. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "hist.h"

static struct hist h;

static void test_exact_small_values(void **state)
{
	u64 v;

	for (v = 0; v < 2 * HIST_SUB; v++) {
		assert_int_equal(hist_bucket(v), v);
		assert_int_equal(hist_bucket_low(v), v);
		assert_int_equal(hist_bucket_high(v), v);
	}
}

static void test_edges_are_contiguous(void **state)
{
	u32 i;

	for (i = 0; i + 1 < HIST_NBUCKETS; i++) {
		assert_int_equal(hist_bucket_high(i) + 1, hist_bucket_low(i + 1));
		assert_int_equal(hist_bucket(hist_bucket_low(i)), i);
		assert_int_equal(hist_bucket(hist_bucket_high(i)), i);
	}
	assert_int_equal(hist_bucket(UINT64_MAX), HIST_NBUCKETS - 1);
	assert_true(hist_bucket_high(HIST_NBUCKETS - 1) == UINT64_MAX);
}

static void test_relative_width(void **state)
{
	u32 i;

	/* Above the exact range no bucket is wider than 1/HIST_SUB of its low edge. */
	for (i = 2 * HIST_SUB; i + 1 < HIST_NBUCKETS; i++) {
		u64 lo = hist_bucket_low(i), width = hist_bucket_high(i) - lo + 1;

		assert_true(width * HIST_SUB <= lo);
	}
}

static void test_percentiles_uniform(void **state)
{
	u64 v;

	hist_reset(&h);
	for (v = 1; v <= 100; v++)
		hist_add(&h, v);
	assert_int_equal(h.count, 100);
	assert_int_equal(h.min, 1);
	assert_int_equal(h.max, 100);
	/* 1..63 exact: rank 50 is 50, rank 10 is 10 */
	assert_int_equal(hist_percentile(&h, 50), 50);
	assert_int_equal(hist_percentile(&h, 10), 10);
	/* p90 = 90 lives in bucket [90,91]: upper edge 91 */
	assert_int_equal(hist_percentile(&h, 90), 91);
	assert_int_equal(hist_percentile(&h, 100), 100);	/* clamped to max */
	assert_int_equal(hist_percentile(&h, 0), 1);
}

static void test_percentiles_bimodal(void **state)
{
	int i;

	hist_reset(&h);
	for (i = 0; i < 990; i++)
		hist_add(&h, 10);
	for (i = 0; i < 10; i++)
		hist_add(&h, 1000000);
	assert_int_equal(hist_percentile(&h, 50), 10);
	assert_int_equal(hist_percentile(&h, 99), 10);
	/* p99.9 is in the slow mode, within one bucket (3 %) of 1e6 */
	assert_true(hist_percentile(&h, 99.9) >= 1000000);
	assert_true(hist_percentile(&h, 99.9) <= 1000000);	/* clamped to max */
}

static void test_empty_and_merge(void **state)
{
	struct hist a, b;

	hist_reset(&a);
	hist_reset(&b);
	assert_int_equal(hist_percentile(&a, 50), 0);
	hist_add(&a, 5);
	hist_add(&b, 7000);
	hist_merge(&a, &b);
	assert_int_equal(a.count, 2);
	assert_int_equal(a.min, 5);
	assert_int_equal(a.max, 7000);
	assert_int_equal(hist_percentile(&a, 50), 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_small_values),
		cmocka_unit_test(test_edges_are_contiguous),
		cmocka_unit_test(test_relative_width),
		cmocka_unit_test(test_percentiles_uniform),
		cmocka_unit_test(test_percentiles_bimodal),
		cmocka_unit_test(test_empty_and_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
