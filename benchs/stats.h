/* SPDX-License-Identifier: GPL-2.0 */
/* stats.h: summary statistics of per-iteration values. */
#ifndef RLB_STATS_H
#define RLB_STATS_H

struct summary {
	double median;
	double stddev; /* sample standard deviation, 0 for n < 2 */
	double min;
	double max;
	double mean;
	int n;
};

int summarize(const double *vals, int n, struct summary *out);

#endif /* RLB_STATS_H */
