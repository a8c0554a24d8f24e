// SPDX-License-Identifier: GPL-2.0
/*
 * workload.c: a fixed, syscall-heavy traced application for the overhead
 * measurement (scripts/overhead.sh): N calls of the trigger syscall, which
 * `bench --external` traces with each mechanism's producer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned long long n, i;
	char *end;

	if (argc != 2) {
		fprintf(stderr, "usage: rlb_workload CALLS\n");
		return 2;
	}
	errno = 0;
	n = strtoull(argv[1], &end, 10);
	if (errno || *end || !n || argv[1][0] == '-') {
		fprintf(stderr, "invalid call count '%s'\n", argv[1]);
		return 2;
	}
	for (i = 0; i < n; i++)
		syscall(__NR_getpgid, 0);
	return 0;
}
