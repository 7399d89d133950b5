/*
 * Frame FIFO: a power-of-two ring of pointers that grows on demand.
 * Limits are checked before anything is added, so a full queue is left
 * exactly as it was and the caller decides (close 1013, drop, refresh).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "fq.h"

void
edge_fq_init(struct edge_fq *q, size_t max_n, size_t max_bytes)
{
	q->v = NULL;
	q->head = q->n = q->cap = q->bytes = 0;
	q->max_n = max_n;
	q->max_bytes = max_bytes;
}

void
edge_fq_clear(struct edge_fq *q)
{
	struct edge_frame *f;

	while ((f = edge_fq_pop(q)) != NULL)
		edge_frame_unref(f);
}

void
edge_fq_fini(struct edge_fq *q)
{
	if (q == NULL)
		return;
	edge_fq_clear(q);
	free(q->v);
	q->v = NULL;
	q->cap = 0;
}

int
edge_fq_push(struct edge_fq *q, struct edge_frame *f, size_t extra)
{
	if ((q->max_n && q->n + 1 > q->max_n) ||
	    (q->max_bytes && q->bytes + extra + f->len > q->max_bytes))
		return EDGE_FQ_FULL;
	if (q->n == q->cap) {
		size_t ncap = q->cap ? q->cap * 2 : 8, i;
		struct edge_frame **nv = malloc(ncap * sizeof(*nv));

		if (nv == NULL)
			return -ENOMEM;
		for (i = 0; i < q->n; i++)
			nv[i] = q->v[(q->head + i) & (q->cap - 1)];
		free(q->v);
		q->v = nv;
		q->cap = ncap;
		q->head = 0;
	}
	q->v[(q->head + q->n) & (q->cap - 1)] = edge_frame_ref(f);
	q->n++;
	q->bytes += f->len;
	return 0;
}

struct edge_frame *
edge_fq_peek(const struct edge_fq *q)
{
	return q->n ? q->v[q->head] : NULL;
}

struct edge_frame *
edge_fq_at(const struct edge_fq *q, size_t i)
{
	return q->v[(q->head + i) & (q->cap - 1)];
}

struct edge_frame *
edge_fq_pop(struct edge_fq *q)
{
	struct edge_frame *f;

	if (q->n == 0)
		return NULL;
	f = q->v[q->head];
	q->head = (q->head + 1) & (q->cap - 1);
	q->n--;
	q->bytes -= f->len;
	return f;
}

size_t
edge_fq_after(const struct edge_fq *q, uint64_t seq)
{
	size_t lo = 0, hi = q->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (edge_fq_at(q, mid)->seq <= seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void
edge_fq_shrink(struct edge_fq *q)
{
	if (q->n == 0 && q->cap > 16) {
		free(q->v);
		q->v = NULL;
		q->cap = 0;
		q->head = 0;
	}
}

void
edge_fq_trim(struct edge_fq *q)
{
	if (q->n == 0 && q->v != NULL) {
		free(q->v);
		q->v = NULL;
		q->cap = 0;
		q->head = 0;
	}
}
