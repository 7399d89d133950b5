/*
 * A bounded msgpack reader.  Everything the hub decodes (ring records,
 * RPC requests, its own checkpoint) is untrusted, and msgpack-c's unpacker
 * allocates whatever a container header claims before it looks at the
 * bytes behind it.  This reader never allocates: it walks a buffer with a
 * cursor, checks every length against the bytes that are really left and
 * bounds nesting, so the cost of a hostile input is proportional to its
 * size.
 */
#ifndef HUB_MPREAD_H
#define HUB_MPREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mphead.h"

#define MP_MAX_DEPTH 32

struct mp_cur {
	const uint8_t *p;
	const uint8_t *end;
};

/* A byte range of the input: one complete encoded value, or a string's
 * body (mp_read_str). */
struct mp_span {
	const uint8_t *p;
	uint32_t len;
};

static inline void
mp_cur_init(struct mp_cur *c, const void *buf, size_t len)
{
	c->p = buf;
	c->end = (const uint8_t *)buf + len;
}

static inline bool
mp_cur_done(const struct mp_cur *c)
{
	return c->p == c->end;
}

/* Kind of the next value without consuming it; -1 on end of input or the
 * reserved byte 0xc1. */
int mp_peek(const struct mp_cur *c);

/* Skip one complete value, validating it (bounds, depth, and that every
 * container's claimed count fits the bytes left).  On success *out (may be
 * NULL) spans the value's encoding.  Returns 0 or -1 (cursor unchanged). */
int mp_skip(struct mp_cur *c, struct mp_span *out);

/* Typed reads.  Each returns 0 and advances, or -1 and leaves the cursor
 * where it was (wrong kind, truncated, out of range). */
int mp_read_nil(struct mp_cur *c);
int mp_read_bool(struct mp_cur *c, bool *v);
int mp_read_uint(struct mp_cur *c, uint64_t *v);
int mp_read_int(struct mp_cur *c, int64_t *v); /* any integer fitting int64 */
int mp_read_str(struct mp_cur *c, struct mp_span *body);
int mp_read_array(struct mp_cur *c, uint32_t *n);
int mp_read_map(struct mp_cur *c, uint32_t *n);

/* True when SPAN's body equals the NUL-terminated S (inline, so that the
 * length of a literal folds away). */
static inline bool
mp_span_eq(const struct mp_span *span, const char *s)
{
	size_t n = __builtin_strlen(s);

	return span->len == n && __builtin_memcmp(span->p, s, n) == 0;
}

#endif /* HUB_MPREAD_H */
