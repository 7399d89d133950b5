/*
 * Retained history: the last H envelopes as the exact bytes that were
 * published, so a "since" request is answered by copying, not encoding.
 * Bounded by count (--retain) and by bytes (an arena sized at start).
 * Sequence numbers in the history are consecutive: every seq the hub
 * hands out is appended, logs and gaps included.
 */
#ifndef HUB_HISTORY_H
#define HUB_HISTORY_H

#include <stddef.h>
#include <stdint.h>

struct hub_hent {
	uint64_t pos; /* arena position (monotonic byte count) */
	uint32_t len;
};

struct hub_history {
	uint32_t cap;      /* most entries */
	size_t bytes;      /* arena size */
	uint8_t *arena;
	struct hub_hent *ent; /* entry of seq s at ent[s % cap] */
	uint64_t first;    /* oldest retained seq */
	uint64_t next;     /* seq the next append must carry */
	uint64_t head;     /* arena position of the oldest entry */
	uint64_t tail;     /* arena position after the newest entry */
};

#define HUB_RETAIN_DEFAULT 65536
#define HUB_RETAIN_MAX (1u << 24)
#define HUB_HISTORY_BYTES_DEFAULT (64u << 20)

/* Caller allocates H.  Returns 0 or -ENOMEM / -EINVAL (bytes < 256 KiB). */
int hub_history_init(struct hub_history *h, uint32_t cap, size_t bytes);
void hub_history_fini(struct hub_history *h);

/* Forget everything; the next append carries NEXT. */
void hub_history_reset(struct hub_history *h, uint64_t next);

/* Append the envelope of seq h->next (copied).  Evicts the oldest entries
 * as needed.  Returns 0, or -E2BIG if LEN cannot fit the arena at all (the
 * history is then reset past it). */
int hub_history_append(struct hub_history *h, const void *p, uint32_t len);

/* Number of retained entries. */
static inline uint64_t
hub_history_count(const struct hub_history *h)
{
	return h->next - h->first;
}

/* Envelope bytes of SEQ, or NULL if not retained. */
const void *hub_history_get(const struct hub_history *h, uint64_t seq,
			    uint32_t *len);

#endif /* HUB_HISTORY_H */
