/*
 * History arena.  Entries are laid end to end in one byte arena addressed
 * by monotonic positions (position % size is the offset), like the ring
 * itself.  An entry never wraps: if it does not fit before the end of the
 * arena, the space to the end is skipped.  Appending first evicts from
 * the front until both the count and the byte bound hold, so memory is
 * fixed at start whatever the event sizes are.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"

int
hub_history_init(struct hub_history *h, uint32_t cap, size_t bytes)
{
	memset(h, 0, sizeof(*h));
	if (cap < 1 || bytes < (256u << 10))
		return -EINVAL;
	h->cap = cap;
	h->bytes = bytes;
	h->arena = malloc(bytes);
	h->ent = calloc(cap, sizeof(*h->ent));
	if (!h->arena || !h->ent) {
		free(h->arena);
		free(h->ent);
		memset(h, 0, sizeof(*h));
		return -ENOMEM;
	}
	h->first = h->next = 1;
	return 0;
}

void
hub_history_fini(struct hub_history *h)
{
	free(h->arena);
	free(h->ent);
	memset(h, 0, sizeof(*h));
}

void
hub_history_reset(struct hub_history *h, uint64_t next)
{
	h->first = h->next = next;
	h->head = h->tail;
}

static void
evict_one(struct hub_history *h)
{
	h->first++;
	if (h->first == h->next)
		h->head = h->tail;
	else
		h->head = h->ent[h->first % h->cap].pos;
}

int
hub_history_append(struct hub_history *h, const void *p, uint32_t len)
{
	uint64_t pos = h->tail;
	size_t off = (size_t)(pos % h->bytes);

	if (len > h->bytes / 4) {
		hub_history_reset(h, h->next + 1);
		return -E2BIG;
	}
	if (off + len > h->bytes)
		pos += h->bytes - off; /* skip to the start of the arena */
	while (h->first < h->next &&
	       (pos + len - h->head > h->bytes || h->next - h->first >= h->cap))
		evict_one(h);
	if (h->first == h->next)
		h->head = pos;
	memcpy(h->arena + pos % h->bytes, p, len);
	h->ent[h->next % h->cap].pos = pos;
	h->ent[h->next % h->cap].len = len;
	h->tail = pos + len;
	h->next++;
	return 0;
}

const void *
hub_history_get(const struct hub_history *h, uint64_t seq, uint32_t *len)
{
	const struct hub_hent *e;

	if (seq < h->first || seq >= h->next)
		return NULL;
	e = &h->ent[seq % h->cap];
	*len = e->len;
	return h->arena + e->pos % h->bytes;
}
