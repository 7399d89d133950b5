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

static inline uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t
be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
}

static inline uint64_t
be64(const uint8_t *p)
{
	return ((uint64_t)be32(p) << 32) | be32(p + 4);
}

int
mp_peek(const struct mp_cur *c)
{
	uint8_t b;

	if (c->p >= c->end)
		return -1;
	b = *c->p;
	if (b <= 0x7f)
		return MP_UINT;
	if (b <= 0x8f)
		return MP_MAP;
	if (b <= 0x9f)
		return MP_ARRAY;
	if (b <= 0xbf)
		return MP_STR;
	if (b >= 0xe0)
		return MP_INT;
	switch (b) {
	case 0xc0:
		return MP_NIL;
	case 0xc2:
	case 0xc3:
		return MP_BOOL;
	case 0xc4:
	case 0xc5:
	case 0xc6:
		return MP_BIN;
	case 0xc7:
	case 0xc8:
	case 0xc9:
	case 0xd4:
	case 0xd5:
	case 0xd6:
	case 0xd7:
	case 0xd8:
		return MP_EXT;
	case 0xca:
	case 0xcb:
		return MP_FLOAT;
	case 0xcc:
	case 0xcd:
	case 0xce:
	case 0xcf:
		return MP_UINT;
	case 0xd0:
	case 0xd1:
	case 0xd2:
	case 0xd3:
		return MP_INT; /* may still be non-negative: mp_read_int */
	case 0xd9:
	case 0xda:
	case 0xdb:
		return MP_STR;
	case 0xdc:
	case 0xdd:
		return MP_ARRAY;
	case 0xde:
	case 0xdf:
		return MP_MAP;
	default:
		return -1; /* 0xc1 */
	}
}

/*
 * Decode one header at p (end bounds it).  Sets *hdr (header bytes),
 * *body (payload bytes that follow, for scalars/str/bin/ext) and *count
 * (child values, for containers: maps count keys and values).  Returns
 * -1 on truncation or the reserved byte.
 */
static int
head(const uint8_t *p, const uint8_t *end, size_t *hdr, uint64_t *body,
     uint64_t *count)
{
	size_t left = (size_t)(end - p);
	uint8_t b;

	if (left < 1)
		return -1;
	b = p[0];
	*hdr = 1;
	*body = 0;
	*count = 0;
	if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
		return 0;
	if (b <= 0x8f) {
		*count = 2u * (b & 0x0f);
		return 0;
	}
	if (b <= 0x9f) {
		*count = b & 0x0f;
		return 0;
	}
	if (b <= 0xbf) {
		*body = b & 0x1f;
		return 0;
	}
	switch (b) {
	case 0xc4: case 0xd9: /* bin8, str8 */
		if (left < 2)
			return -1;
		*hdr = 2;
		*body = p[1];
		return 0;
	case 0xc5: case 0xda:
		if (left < 3)
			return -1;
		*hdr = 3;
		*body = be16(p + 1);
		return 0;
	case 0xc6: case 0xdb:
		if (left < 5)
			return -1;
		*hdr = 5;
		*body = be32(p + 1);
		return 0;
	case 0xc7: /* ext8: len, type */
		if (left < 3)
			return -1;
		*hdr = 3;
		*body = p[1];
		return 0;
	case 0xc8:
		if (left < 4)
			return -1;
		*hdr = 4;
		*body = be16(p + 1);
		return 0;
	case 0xc9:
		if (left < 6)
			return -1;
		*hdr = 6;
		*body = be32(p + 1);
		return 0;
	case 0xca: *body = 4; return 0;
	case 0xcb: *body = 8; return 0;
	case 0xcc: case 0xd0: *body = 1; return 0;
	case 0xcd: case 0xd1: *body = 2; return 0;
	case 0xce: case 0xd2: *body = 4; return 0;
	case 0xcf: case 0xd3: *body = 8; return 0;
	case 0xd4: *hdr = 2; *body = 1; return 0; /* fixext: type byte + data */
	case 0xd5: *hdr = 2; *body = 2; return 0;
	case 0xd6: *hdr = 2; *body = 4; return 0;
	case 0xd7: *hdr = 2; *body = 8; return 0;
	case 0xd8: *hdr = 2; *body = 16; return 0;
	case 0xdc:
		if (left < 3)
			return -1;
		*hdr = 3;
		*count = be16(p + 1);
		return 0;
	case 0xdd:
		if (left < 5)
			return -1;
		*hdr = 5;
		*count = be32(p + 1);
		return 0;
	case 0xde:
		if (left < 3)
			return -1;
		*hdr = 3;
		*count = 2u * be16(p + 1);
		return 0;
	case 0xdf:
		if (left < 5)
			return -1;
		*hdr = 5;
		*count = 2u * (uint64_t)be32(p + 1);
		return 0;
	default:
		return -1;
	}
}

int
mp_skip(struct mp_cur *c, struct mp_span *out)
{
	uint64_t owed[MP_MAX_DEPTH + 1];
	const uint8_t *p = c->p, *start = c->p;
	int depth = 0;

	owed[0] = 1;
	while (depth >= 0) {
		size_t hdr;
		uint64_t body, count;

		if (owed[depth] == 0) {
			depth--;
			continue;
		}
		owed[depth]--;
		if (head(p, c->end, &hdr, &body, &count) < 0)
			return -1;
		if (hdr + body > (uint64_t)(c->end - p))
			return -1;
		p += hdr + body;
		if (count > 0) {
			/* each child needs at least one byte */
			if (count > (uint64_t)(c->end - p))
				return -1;
			if (depth == MP_MAX_DEPTH)
				return -1;
			owed[++depth] = count;
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
	uint8_t b;

	if (left < 1)
		return -1;
	b = *p;
	*neg = false;
	if (b <= 0x7f) {
		*u = b;
		c->p += 1;
		return 0;
	}
	if (b >= 0xe0) {
		*neg = true;
		*s = (int8_t)b;
		c->p += 1;
		return 0;
	}
	switch (b) {
	case 0xcc:
		if (left < 2)
			return -1;
		*u = p[1];
		c->p += 2;
		return 0;
	case 0xcd:
		if (left < 3)
			return -1;
		*u = be16(p + 1);
		c->p += 3;
		return 0;
	case 0xce:
		if (left < 5)
			return -1;
		*u = be32(p + 1);
		c->p += 5;
		return 0;
	case 0xcf:
		if (left < 9)
			return -1;
		*u = be64(p + 1);
		c->p += 9;
		return 0;
	case 0xd0:
		if (left < 2)
			return -1;
		*s = (int8_t)p[1];
		c->p += 2;
		break;
	case 0xd1:
		if (left < 3)
			return -1;
		*s = (int16_t)be16(p + 1);
		c->p += 3;
		break;
	case 0xd2:
		if (left < 5)
			return -1;
		*s = (int32_t)be32(p + 1);
		c->p += 5;
		break;
	case 0xd3:
		if (left < 9)
			return -1;
		*s = (int64_t)be64(p + 1);
		c->p += 9;
		break;
	default:
		return -1;
	}
	if (*s >= 0) {
		*u = (uint64_t)*s;
	} else {
		*neg = true;
	}
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
	size_t hdr;
	uint64_t blen, count;
	uint8_t b;

	if (c->p >= c->end)
		return -1;
	b = *c->p;
	if (!((b >= 0xa0 && b <= 0xbf) || (b >= 0xd9 && b <= 0xdb)))
		return -1;
	if (head(c->p, c->end, &hdr, &blen, &count) < 0)
		return -1;
	if (hdr + blen > (uint64_t)(c->end - c->p))
		return -1;
	body->p = c->p + hdr;
	body->len = (uint32_t)blen;
	c->p += hdr + blen;
	return 0;
}

static int
read_container(struct mp_cur *c, uint32_t *n, int want)
{
	size_t hdr;
	uint64_t body, count;

	if (mp_peek(c) != want)
		return -1;
	if (head(c->p, c->end, &hdr, &body, &count) < 0)
		return -1;
	if (count > (uint64_t)(c->end - c->p - hdr))
		return -1;
	*n = (uint32_t)(want == MP_MAP ? count / 2 : count);
	c->p += hdr;
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
