/*
 * A fixed-size log-linear histogram of non-negative 64-bit values
 * (nanoseconds here), shared by the load tools.
 *
 * Values below 128 have their own bucket; above that every power of two
 * is split into 64 linear sub-buckets, so a reported percentile is within
 * 1/64 (1.6 %) of the true value.  Recording is one clz and one increment,
 * cheap enough to do for every message; each thread keeps its own
 * histogram and they are merged at the end, so there is no sharing.
 */
#ifndef BENCH_HIST_H
#define BENCH_HIST_H

#include <stdint.h>

#define HIST_BUCKETS (128 + 57 * 64)

struct hist {
	uint64_t count;
	uint64_t max;
	uint64_t min;
	long double sum;
	uint64_t b[HIST_BUCKETS];
};

void hist_init(struct hist *h);
void hist_add(struct hist *h, uint64_t v);
void hist_merge(struct hist *dst, const struct hist *src);
/* Value at quantile q (0..1): the upper edge of the bucket that holds it,
 * capped by the largest value seen; 0 for an empty histogram. */
uint64_t hist_quantile(const struct hist *h, double q);
double hist_mean(const struct hist *h);

#endif /* BENCH_HIST_H */
