// SPDX-License-Identifier: GPL-2.0
/* Summary statistics over iterations. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "stats.h"

static void test_odd(void **state)
{
	double v[] = { 5, 1, 3 };
	struct summary s;

	assert_int_equal(summarize(v, 3, &s), 0);
	assert_float_equal(s.median, 3, 1e-12);
	assert_float_equal(s.min, 1, 1e-12);
	assert_float_equal(s.max, 5, 1e-12);
	assert_float_equal(s.mean, 3, 1e-12);
	assert_float_equal(s.stddev, 2, 1e-12);	/* sample stddev */
	assert_float_equal(v[0], 5, 0);		/* input untouched */
}

static void test_even(void **state)
{
	double v[] = { 4, 1, 2, 3 };
	struct summary s;

	summarize(v, 4, &s);
	assert_float_equal(s.median, 2.5, 1e-12);
	assert_float_equal(s.stddev, 1.2909944487358056, 1e-12);
}

static void test_single_and_empty(void **state)
{
	double v[] = { 42 };
	struct summary s;

	summarize(v, 1, &s);
	assert_float_equal(s.median, 42, 0);
	assert_float_equal(s.stddev, 0, 0);
	assert_int_equal(summarize(v, 0, &s), -1);
}

static void test_constant(void **state)
{
	double v[] = { 7, 7, 7, 7, 7 };
	struct summary s;

	summarize(v, 5, &s);
	assert_float_equal(s.stddev, 0, 1e-12);
	assert_float_equal(s.median, 7, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_odd),
		cmocka_unit_test(test_even),
		cmocka_unit_test(test_single_and_empty),
		cmocka_unit_test(test_constant),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
