/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The runner both VM selftest programs share: CHECK() records a failed
 * check and carries on, a test returns TEST_PASS, TEST_FAIL or TEST_SKIP
 * (with skip() saying why), and run_selftests() prints one TAP-like line
 * per test and a "N passed, N failed, N skipped" summary.
 */
#ifndef RELAYBENCH_SELFTEST_H
#define RELAYBENCH_SELFTEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define TEST_PASS 0
#define TEST_FAIL 1
#define TEST_SKIP 2

static int failed_checks;
static char skip_reason[256];

#define CHECK(cond, fmt, ...)						\
	({								\
		bool __ok = (cond);					\
		if (!__ok) {						\
			failed_checks++;				\
			fprintf(stderr, "    check failed at line %d: %s: " fmt "\n", \
				__LINE__, #cond, ##__VA_ARGS__);	\
		}							\
		__ok;							\
	})

static inline void skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(skip_reason, sizeof(skip_reason), fmt, ap);
	va_end(ap);
}

struct selftest {
	const char *name;
	int (*run)(void);
};

/* Runs the tests whose name contains filter (all when NULL), names printed
 * after prefix.  Returns the exit status: 1 if any test failed. */
static inline int run_selftests(const char *prefix, const struct selftest *tests,
				size_t n, const char *filter)
{
	int passed = 0, failed = 0, skipped = 0;
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < n; i++) {
		const struct selftest *t = &tests[i];
		bool bad;
		int ret;

		if (filter && !strstr(t->name, filter))
			continue;
		failed_checks = 0;
		skip_reason[0] = 0;
		ret = t->run();
		bad = ret == TEST_FAIL || failed_checks;
		if (ret == TEST_SKIP && !failed_checks) {
			printf("ok %zu %s%s # SKIP %s\n", i + 1, prefix, t->name, skip_reason);
			skipped++;
		} else if (bad) {
			printf("not ok %zu %s%s\n", i + 1, prefix, t->name);
			failed++;
		} else {
			printf("ok %zu %s%s\n", i + 1, prefix, t->name);
			passed++;
		}
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}

#endif /* RELAYBENCH_SELFTEST_H */
