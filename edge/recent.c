/*
 * Recent buffer.  Bounded twice: a soft count past which the edge asks
 * the hub for a fresh snapshot (which trims the buffer), and a hard
 * count/byte limit that holds memory even when the hub never answers: the
 * oldest frames are dropped and lost_upto remembers that the buffer no
 * longer covers them, so resume falls back to the hub's history instead
 * of silently skipping events.
 */
#include "config.h"

#include "recent.h"

void
edge_recent_init(struct edge_recent *r, size_t soft_n, size_t hard_n,
		 size_t hard_bytes)
{
	r->snap = NULL;
	r->soft_n = soft_n;
	r->lost_upto = 0;
	edge_fq_init(&r->frames, hard_n, hard_bytes);
}

void
edge_recent_reset(struct edge_recent *r)
{
	edge_frame_unref(r->snap);
	r->snap = NULL;
	r->lost_upto = 0;
	edge_fq_clear(&r->frames);
}

void
edge_recent_fini(struct edge_recent *r)
{
	edge_recent_reset(r);
	edge_fq_fini(&r->frames);
}

void
edge_recent_set_snapshot(struct edge_recent *r, struct edge_frame *snap)
{
	struct edge_frame *f;

	edge_frame_ref(snap);
	edge_frame_unref(r->snap);
	r->snap = snap;
	while ((f = edge_fq_peek(&r->frames)) != NULL && f->seq <= snap->seq)
		edge_frame_unref(edge_fq_pop(&r->frames));
	/* Frames older than the snapshot are no longer needed anyway. */
	if (r->lost_upto <= snap->seq)
		r->lost_upto = 0;
}

int
edge_recent_add(struct edge_recent *r, struct edge_frame *f)
{
	int rc;

	while ((rc = edge_fq_push(&r->frames, f, 0)) == EDGE_FQ_FULL) {
		struct edge_frame *old = edge_fq_pop(&r->frames);

		if (old == NULL)
			return 0; /* a single frame over the byte bound */
		r->lost_upto = old->seq;
		edge_frame_unref(old);
	}
	return rc;
}

int
edge_recent_covers(const struct edge_recent *r, uint64_t since, size_t *idx)
{
	if (r->snap == NULL || since < r->snap->seq)
		return 0;
	if (r->lost_upto != 0 && since < r->lost_upto)
		return 0;
	*idx = edge_fq_after(&r->frames, since);
	return 1;
}
