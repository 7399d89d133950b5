/*
 * Log-linear latency histogram: see hist.h for the bucket layout.  The
 * bucket of v >= 128 is found from its most significant bit e+6 (e >= 1):
 * the top seven bits of v, (v >> e) in [64, 127], select the sub-bucket.
 */
#include "hist.h"

#include <string.h>

static unsigned
bucket_of(uint64_t v)
{
	unsigned msb, e;

	if (v < 128)
		return (unsigned)v;
	msb = 63u - (unsigned)__builtin_clzll(v);
	e = msb - 6;
	return 128 + (e - 1) * 64 + (unsigned)((v >> e) - 64);
}

/* Largest value that falls into bucket i. */
static uint64_t
bucket_top(unsigned i)
{
	unsigned e, sub;

	if (i < 128)
		return i;
	e = (i - 128) / 64 + 1;
	sub = (i - 128) % 64 + 64;
	return (((uint64_t)sub + 1) << e) - 1;
}

void
hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void
hist_add(struct hist *h, uint64_t v)
{
	h->b[bucket_of(v)]++;
	h->count++;
	h->sum += v;
	if (v > h->max)
		h->max = v;
	if (v < h->min)
		h->min = v;
}

void
hist_merge(struct hist *dst, const struct hist *src)
{
	unsigned i;

	for (i = 0; i < HIST_BUCKETS; i++)
		dst->b[i] += src->b[i];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->max > dst->max)
		dst->max = src->max;
	if (src->min < dst->min)
		dst->min = src->min;
}

uint64_t
hist_quantile(const struct hist *h, double q)
{
	uint64_t rank, seen = 0, top;
	unsigned i;

	if (h->count == 0)
		return 0;
	rank = (uint64_t)(q * (double)h->count);
	if (rank >= h->count)
		rank = h->count - 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen > rank) {
			top = bucket_top(i);
			return top > h->max ? h->max : top;
		}
	}
	return h->max;
}

double
hist_mean(const struct hist *h)
{
	return h->count ? (double)(h->sum / h->count) : 0.0;
}
