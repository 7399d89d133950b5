/*
 * A bounded FIFO of frame references: each client's unsent queue and the
 * edge's recent-events buffer are both one of these.  Storage grows by
 * doubling up to the message limit, so an idle client costs a few
 * pointers, not the whole limit.
 */
#ifndef EDGE_FQ_H
#define EDGE_FQ_H

#include <stddef.h>

#include "frame.h"

struct edge_fq {
	struct edge_frame **v;
	size_t head;      /* index of the oldest */
	size_t n;         /* frames held */
	size_t cap;       /* slots allocated (power of two) */
	size_t bytes;     /* sum of frame lengths */
	size_t max_n;     /* limits; 0 = none */
	size_t max_bytes;
};

#define EDGE_FQ_FULL 1 /* the push would pass a limit: nothing was added */

void edge_fq_init(struct edge_fq *q, size_t max_n, size_t max_bytes);
/* Drops every reference held. */
void edge_fq_fini(struct edge_fq *q);
void edge_fq_clear(struct edge_fq *q);
/*
 * Append F, taking a new reference.  EXTRA counts bytes held elsewhere
 * for the same consumer (lws' partial-send buffer) against max_bytes.
 * Returns 0, EDGE_FQ_FULL (over a limit), or -ENOMEM.
 */
int edge_fq_push(struct edge_fq *q, struct edge_frame *f, size_t extra);
/* An empty queue gives back storage past its first few slots (cheap
 * enough after every drain: a busy queue keeps its small array). */
void edge_fq_shrink(struct edge_fq *q);
/* An empty queue gives back all its storage (for queues that have been
 * idle for a while: the next push allocates again). */
void edge_fq_trim(struct edge_fq *q);
/* Oldest frame (reference stays in the queue) or NULL. */
struct edge_frame *edge_fq_peek(const struct edge_fq *q);
/* I-th oldest frame, I < n. */
struct edge_frame *edge_fq_at(const struct edge_fq *q, size_t i);
/* Remove the oldest and hand its reference to the caller (NULL if empty). */
struct edge_frame *edge_fq_pop(struct edge_fq *q);
/* Index of the first frame whose seq is > SEQ (frames in seq order), n
 * if none. */
size_t edge_fq_after(const struct edge_fq *q, uint64_t seq);

#endif /* EDGE_FQ_H */
