/*
 * Growth of struct mpbuf (the fast path is inline in mpbuf.h).
 */
#include "config.h"

#include <stdlib.h>

#include "mpbuf.h"

void
mpbuf_free(struct mpbuf *b)
{
	free(b->p);
	mpbuf_init(b);
}

int
mpbuf_grow(struct mpbuf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 256;
	uint8_t *p;

	if (b->oom)
		return -1;
	while (cap - b->len < n) {
		if (cap > SIZE_MAX / 2) {
			b->oom = 1;
			return -1;
		}
		cap *= 2;
	}
	if (!(p = realloc(b->p, cap))) {
		b->oom = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}
