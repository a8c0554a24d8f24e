// SPDX-License-Identifier: GPL-2.0
/* stats.c: median, sample stddev, min, max, mean of per-iteration values. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "stats.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int summarize(const double *vals, int n, struct summary *out)
{
	double sorted[n > 0 ? n : 1], sum = 0, sq = 0;
	int i;

	memset(out, 0, sizeof(*out));
	if (n <= 0)
		return -1;
	memcpy(sorted, vals, n * sizeof(*vals));
	qsort(sorted, n, sizeof(*sorted), cmp_double);
	for (i = 0; i < n; i++)
		sum += sorted[i];
	out->n = n;
	out->mean = sum / n;
	for (i = 0; i < n; i++)
		sq += (sorted[i] - out->mean) * (sorted[i] - out->mean);
	out->stddev = n > 1 ? sqrt(sq / (n - 1)) : 0;
	out->min = sorted[0];
	out->max = sorted[n - 1];
	out->median = n % 2 ? sorted[n / 2] :
			      (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
	return 0;
}
