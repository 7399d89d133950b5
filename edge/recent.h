/*
 * What a newly connecting (or resuming) client needs: the latest state
 * snapshot as a ready frame, with its seq S, and every event frame
 * forwarded since, all with seq > S, in order.  Logs are kept too (with
 * their filter ids) so that a resume can replay them to subscribers.
 */
#ifndef EDGE_RECENT_H
#define EDGE_RECENT_H

#include "fq.h"

struct edge_recent {
	struct edge_frame *snap; /* state frame, or NULL before the first */
	struct edge_fq frames;   /* events with seq > snap->seq */
	size_t soft_n;           /* past this many frames a refresh is due */
	uint64_t lost_upto;      /* frames <= this were dropped (hard bound) */
};

void edge_recent_init(struct edge_recent *r, size_t soft_n, size_t hard_n,
		      size_t hard_bytes);
void edge_recent_fini(struct edge_recent *r);
/* Install SNAP (a state frame; a reference is taken) and drop the frames
 * it covers. */
void edge_recent_set_snapshot(struct edge_recent *r, struct edge_frame *snap);
/* Forget the snapshot and every frame (the stream restarts). */
void edge_recent_reset(struct edge_recent *r);
/* Append F (reference taken).  Past the hard bound the oldest frame is
 * dropped, and the buffer no longer covers what came before it.  Returns
 * 0 or -ENOMEM. */
int edge_recent_add(struct edge_recent *r, struct edge_frame *f);
static inline int
edge_recent_wants_refresh(const struct edge_recent *r)
{
	return r->frames.n >= r->soft_n;
}
/* Whether every event with seq > SINCE is still here: 1 with *idx the
 * first frame to send, 0 when SINCE is older than the snapshot or falls
 * in frames that were dropped. */
int edge_recent_covers(const struct edge_recent *r, uint64_t since,
		       size_t *idx);

#endif /* EDGE_RECENT_H */
