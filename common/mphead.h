/*
 * The one place that knows how a msgpack value is laid out: what kind of
 * value a type byte starts, and how many header bytes, payload bytes and
 * child values follow it.  The hub's reader (hub/mpread.c), the edge's
 * reader (edge/mpread.c) and the validator (common/mpvalid.c, also inside
 * libshmring) are all walks over this; each adds only its own checks.
 *
 * mp_head looks no further than the header: the caller compares hdr +
 * body, and then count, with the bytes it really has.
 */
#ifndef FH_MPHEAD_H
#define FH_MPHEAD_H

#include <stddef.h>
#include <stdint.h>

enum mp_kind {
	MP_NIL,
	MP_BOOL,
	MP_UINT,
	MP_INT, /* negative fixint, and every signed encoding (0xd0-0xd3),
		 * whose value may still be >= 0 */
	MP_FLOAT,
	MP_STR,
	MP_BIN,
	MP_ARRAY,
	MP_MAP,
	MP_EXT,
};

struct mp_head {
	enum mp_kind kind;
	uint32_t hdr;   /* header bytes: the type byte, a length, an ext's type */
	uint32_t body;  /* bytes after the header: a str/bin/ext payload, or a
			 * number's big-endian bytes (0 for fixint, nil, bool) */
	uint64_t count; /* values inside an array or map (a map's keys and
			 * values both count) */
};

static inline uint64_t
mp_be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * The value of a signed integer whose N big-endian body bytes start at P
 * (N is 1, 2, 4 or 8, as mp_head gives for 0xd0-0xd3; a fixint has no
 * body and is (int8_t) of its type byte instead).  Sign extension without
 * a branch: flipping the sign bit and subtracting it again leaves a
 * non-negative value as it was and carries a negative one through the
 * upper bits.
 */
static inline int64_t
mp_int_body(const uint8_t *p, unsigned n)
{
	uint64_t sign = (uint64_t)1 << (n * 8 - 1);

	return (int64_t)((mp_be(p, n) ^ sign) - sign);
}

/* The kind a value starting with byte B has, or -1 for 0xc1 (reserved). */
static inline int
mp_kind_of(uint8_t b)
{
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
	if (b == 0xc0)
		return MP_NIL;
	if (b == 0xc1)
		return -1;
	if (b <= 0xc3)
		return MP_BOOL;
	if (b <= 0xc6)
		return MP_BIN;
	if (b <= 0xc9)
		return MP_EXT;
	if (b <= 0xcb)
		return MP_FLOAT;
	if (b <= 0xcf)
		return MP_UINT;
	if (b <= 0xd3)
		return MP_INT;
	if (b <= 0xd8)
		return MP_EXT;
	if (b <= 0xdb)
		return MP_STR;
	if (b <= 0xdd)
		return MP_ARRAY;
	return MP_MAP;
}

/*
 * Decode the header of the value at P, LEFT bytes available.  Returns 0,
 * or -1 when the header itself is cut short or the byte is reserved.
 */
static inline int
mp_head(const uint8_t *p, size_t left, struct mp_head *h)
{
	uint8_t b;
	unsigned ll = 0; /* bytes of the length field after the type byte */
	int k;

	if (left < 1 || (k = mp_kind_of(b = p[0])) < 0)
		return -1;
	h->kind = (enum mp_kind)k;
	h->hdr = 1;
	h->body = 0;
	h->count = 0;
	if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
		return 0;
	if (b <= 0x8f) {
		h->count = 2u * (b & 0x0fu);
		return 0;
	}
	if (b <= 0x9f) {
		h->count = b & 0x0fu;
		return 0;
	}
	if (b <= 0xbf) {
		h->body = b & 0x1fu;
		return 0;
	}
	switch (b) {
	case 0xc4: case 0xd9: case 0xc7: ll = 1; break; /* bin8 str8 ext8 */
	case 0xc5: case 0xda: case 0xc8: ll = 2; break;
	case 0xc6: case 0xdb: case 0xc9: ll = 4; break;
	case 0xdc: case 0xde: ll = 2; break;            /* array16 map16 */
	case 0xdd: case 0xdf: ll = 4; break;
	case 0xca: h->body = 4; return 0;               /* float32 */
	case 0xcb: h->body = 8; return 0;
	case 0xcc: case 0xd0: h->body = 1; return 0;
	case 0xcd: case 0xd1: h->body = 2; return 0;
	case 0xce: case 0xd2: h->body = 4; return 0;
	case 0xcf: case 0xd3: h->body = 8; return 0;
	default: /* fixext 1..16: the ext type, then 1 << (b - 0xd4) bytes */
		if (left < 2)
			return -1;
		h->hdr = 2;
		h->body = 1u << (b - 0xd4);
		return 0;
	}
	if (left < 1 + ll + (h->kind == MP_EXT))
		return -1;
	h->hdr = 1 + ll + (h->kind == MP_EXT); /* ext: its type byte too */
	if (h->kind == MP_ARRAY || h->kind == MP_MAP)
		h->count = mp_be(p + 1, ll) * (h->kind == MP_MAP ? 2 : 1);
	else
		h->body = (uint32_t)mp_be(p + 1, ll);
	return 0;
}

#endif /* FH_MPHEAD_H */
