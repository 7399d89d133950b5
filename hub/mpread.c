/*
 * Bounded msgpack reader (see mpread.h).  mp_skip walks nested values
 * with an explicit stack of "values still owed" counters instead of
 * recursion, so depth is a checked number rather than C stack.  A
 * container header is accepted only if its count could fit the bytes
 * that are left (every value takes at least one byte), which is what
 * keeps a 17-byte input from claiming four billion elements.
 */
#include "config.h"

#include <string.h>

#include "mpread.h"

int
mp_peek(const struct mp_cur *c)
{
	return c->p < c->end ? mp_kind_of(*c->p) : -1;
}

int
mp_skip(struct mp_cur *c, struct mp_span *out)
{
	uint64_t owed[MP_MAX_DEPTH + 1];
	const uint8_t *p = c->p, *start = c->p;
	int depth = 0;

	owed[0] = 1;
	while (depth >= 0) {
		struct mp_head h;

		if (owed[depth] == 0) {
			depth--;
			continue;
		}
		owed[depth]--;
		if (mp_head(p, (size_t)(c->end - p), &h) < 0)
			return -1;
		if ((uint64_t)h.hdr + h.body > (uint64_t)(c->end - p))
			return -1;
		p += h.hdr + h.body;
		if (h.count > 0) {
			/* each child needs at least one byte */
			if (h.count > (uint64_t)(c->end - p))
				return -1;
			if (depth == MP_MAX_DEPTH)
				return -1;
			owed[++depth] = h.count;
		}
	}
	if ((uint64_t)(p - start) > UINT32_MAX)
		return -1;
	if (out) {
		out->p = start;
		out->len = (uint32_t)(p - start);
	}
	c->p = p;
	return 0;
}

int
mp_read_nil(struct mp_cur *c)
{
	if (c->p >= c->end || *c->p != 0xc0)
		return -1;
	c->p++;
	return 0;
}

int
mp_read_bool(struct mp_cur *c, bool *v)
{
	if (c->p >= c->end || (*c->p != 0xc2 && *c->p != 0xc3))
		return -1;
	*v = *c->p == 0xc3;
	c->p++;
	return 0;
}

/* Read any integer as a sign flag and magnitude-ish 64-bit value. */
static int
read_integer(struct mp_cur *c, bool *neg, uint64_t *u, int64_t *s)
{
	const uint8_t *p = c->p;
	size_t left = (size_t)(c->end - p);
	struct mp_head h;

	if (mp_head(p, left, &h) < 0 ||
	    (h.kind != MP_UINT && h.kind != MP_INT) || h.hdr + h.body > left)
		return -1;
	c->p += h.hdr + h.body;
	*neg = false;
	if (h.body == 0) { /* fixint: the type byte is the value */
		if (h.kind == MP_INT) {
			*neg = true;
			*s = (int8_t)p[0];
		} else {
			*u = p[0];
		}
		return 0;
	}
	if (h.kind == MP_UINT) {
		*u = mp_be(p + 1, h.body);
		return 0;
	}
	*s = mp_int_body(p + 1, h.body);
	if (*s >= 0)
		*u = (uint64_t)*s;
	else
		*neg = true;
	return 0;
}

int
mp_read_uint(struct mp_cur *c, uint64_t *v)
{
	const uint8_t *save = c->p;
	bool neg;
	uint64_t u = 0;
	int64_t s = 0;

	if (read_integer(c, &neg, &u, &s) < 0)
		return -1;
	if (neg) {
		c->p = save;
		return -1;
	}
	*v = u;
	return 0;
}

int
mp_read_int(struct mp_cur *c, int64_t *v)
{
	const uint8_t *save = c->p;
	bool neg;
	uint64_t u = 0;
	int64_t s = 0;

	if (read_integer(c, &neg, &u, &s) < 0)
		return -1;
	if (neg) {
		*v = s;
		return 0;
	}
	if (u > INT64_MAX) {
		c->p = save;
		return -1;
	}
	*v = (int64_t)u;
	return 0;
}

int
mp_read_str(struct mp_cur *c, struct mp_span *body)
{
	size_t left = (size_t)(c->end - c->p);
	struct mp_head h;

	if (mp_head(c->p, left, &h) < 0 || h.kind != MP_STR ||
	    (uint64_t)h.hdr + h.body > left)
		return -1;
	body->p = c->p + h.hdr;
	body->len = h.body;
	c->p += h.hdr + h.body;
	return 0;
}

static int
read_container(struct mp_cur *c, uint32_t *n, enum mp_kind want)
{
	size_t left = (size_t)(c->end - c->p);
	struct mp_head h;

	if (mp_head(c->p, left, &h) < 0 || h.kind != want ||
	    h.count > left - h.hdr)
		return -1;
	*n = (uint32_t)(want == MP_MAP ? h.count / 2 : h.count);
	c->p += h.hdr;
	return 0;
}

int
mp_read_array(struct mp_cur *c, uint32_t *n)
{
	return read_container(c, n, MP_ARRAY);
}

int
mp_read_map(struct mp_cur *c, uint32_t *n)
{
	return read_container(c, n, MP_MAP);
}
