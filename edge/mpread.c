/*
 * Bounded msgpack reader.  The decoder looks at the first byte, works out
 * how many header bytes follow, checks them against the end of input and
 * only then reads.  Payload lengths (str, bin, ext) are checked before
 * the payload is exposed; container counts are checked against the bytes
 * left, one byte per element being the smallest possible encoding, so a
 * 5-byte input cannot claim four billion elements.  Skipping a nested
 * object counts pending elements in a 64-bit integer instead of
 * recursing, so depth cannot exhaust the stack.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "mpread.h"

static uint64_t
be(const uint8_t *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

int
edge_mpr_next(struct edge_mpr *r, struct edge_mpv *v)
{
	const uint8_t *p = r->p;
	size_t left = (size_t)(r->end - p);
	uint8_t c;
	int hl = 0; /* header bytes after the type byte */
	uint64_t n = 0;

	if (left < 1)
		return -EBADMSG;
	c = *p;
	memset(v, 0, sizeof(*v));
	left--;
	p++;
#define NEED(k)                                                                \
	do {                                                                   \
		if (left < (size_t)(k))                                        \
			return -EBADMSG;                                       \
	} while (0)
	if (c <= 0x7f) {
		v->type = EDGE_MPT_UINT;
		v->u = c;
		goto done;
	}
	if (c >= 0xe0) {
		v->type = EDGE_MPT_INT;
		v->i = (int8_t)c;
		goto done;
	}
	if ((c & 0xf0) == 0x80) {
		v->type = EDGE_MPT_MAP;
		n = c & 0x0f;
		goto container;
	}
	if ((c & 0xf0) == 0x90) {
		v->type = EDGE_MPT_ARRAY;
		n = c & 0x0f;
		goto container;
	}
	if ((c & 0xe0) == 0xa0) {
		v->type = EDGE_MPT_STR;
		n = c & 0x1f;
		goto payload;
	}
	switch (c) {
	case 0xc0:
		v->type = EDGE_MPT_NIL;
		goto done;
	case 0xc2:
	case 0xc3:
		v->type = EDGE_MPT_BOOL;
		v->b = c == 0xc3;
		goto done;
	case 0xc4: case 0xc5: case 0xc6:
		v->type = EDGE_MPT_BIN;
		hl = 1 << (c - 0xc4);
		NEED(hl);
		n = be(p, hl);
		goto payload;
	case 0xd9: case 0xda: case 0xdb:
		v->type = EDGE_MPT_STR;
		hl = 1 << (c - 0xd9);
		NEED(hl);
		n = be(p, hl);
		goto payload;
	case 0xc7: case 0xc8: case 0xc9:
		v->type = EDGE_MPT_EXT;
		hl = 1 << (c - 0xc7);
		NEED(hl + 1);
		n = be(p, hl);
		v->ext_type = (int8_t)p[hl];
		hl++;
		goto payload;
	case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:
		v->type = EDGE_MPT_EXT;
		NEED(1);
		v->ext_type = (int8_t)p[0];
		hl = 1;
		n = 1u << (c - 0xd4);
		goto payload;
	case 0xca: {
		uint32_t b32;
		float f;
		NEED(4);
		b32 = (uint32_t)be(p, 4);
		memcpy(&f, &b32, 4);
		v->type = EDGE_MPT_FLOAT;
		v->f = f;
		v->len = 4;
		hl = 4;
		goto done;
	}
	case 0xcb: {
		uint64_t b64;
		NEED(8);
		b64 = be(p, 8);
		memcpy(&v->f, &b64, 8);
		v->type = EDGE_MPT_FLOAT;
		v->len = 8;
		hl = 8;
		goto done;
	}
	case 0xcc: case 0xcd: case 0xce: case 0xcf:
		hl = 1 << (c - 0xcc);
		NEED(hl);
		v->type = EDGE_MPT_UINT;
		v->u = be(p, hl);
		goto done;
	case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
		uint64_t raw;
		hl = 1 << (c - 0xd0);
		NEED(hl);
		raw = be(p, hl);
		/* sign-extend from hl bytes */
		if (hl < 8 && (raw >> (hl * 8 - 1)) & 1)
			raw |= ~(uint64_t)0 << (hl * 8);
		v->i = (int64_t)raw;
		if (v->i >= 0) {
			v->type = EDGE_MPT_UINT;
			v->u = (uint64_t)v->i;
		} else {
			v->type = EDGE_MPT_INT;
		}
		goto done;
	}
	case 0xdc: case 0xdd:
		v->type = EDGE_MPT_ARRAY;
		hl = c == 0xdc ? 2 : 4;
		NEED(hl);
		n = be(p, hl);
		goto container;
	case 0xde: case 0xdf:
		v->type = EDGE_MPT_MAP;
		hl = c == 0xde ? 2 : 4;
		NEED(hl);
		n = be(p, hl);
		goto container;
	default: /* 0xc1 is reserved */
		return -EBADMSG;
	}
payload:
	NEED((uint64_t)hl + n);
	v->ptr = p + hl;
	v->len = (uint32_t)n;
	r->p = p + hl + n;
	return 0;
container:
	left -= (size_t)hl;
	if (n > left / (v->type == EDGE_MPT_MAP ? 2 : 1))
		return -EBADMSG;
	v->len = (uint32_t)n;
	r->p = p + hl;
	return 0;
done:
	r->p = p + hl;
	return 0;
#undef NEED
}

int
edge_mpr_skip(struct edge_mpr *r)
{
	struct edge_mpr save = *r;
	struct edge_mpv v;
	uint64_t pending = 1;

	while (pending > 0) {
		if (edge_mpr_next(r, &v) != 0) {
			*r = save;
			return -EBADMSG;
		}
		pending--;
		if (v.type == EDGE_MPT_ARRAY)
			pending += v.len;
		else if (v.type == EDGE_MPT_MAP)
			pending += 2 * (uint64_t)v.len;
	}
	return 0;
}

static int
expect(struct edge_mpr *r, enum edge_mpt t, struct edge_mpv *v)
{
	struct edge_mpr save = *r;
	int rc = edge_mpr_next(r, v);

	if (rc != 0)
		return rc;
	if (v->type != t) {
		*r = save;
		return -EPROTO;
	}
	return 0;
}

int
edge_mpr_uint(struct edge_mpr *r, uint64_t *out)
{
	struct edge_mpv v;
	int rc = expect(r, EDGE_MPT_UINT, &v);

	if (rc == 0)
		*out = v.u;
	return rc;
}

int
edge_mpr_str(struct edge_mpr *r, const char **s, uint32_t *len)
{
	struct edge_mpv v;
	int rc = expect(r, EDGE_MPT_STR, &v);

	if (rc == 0) {
		*s = (const char *)v.ptr;
		*len = v.len;
	}
	return rc;
}

int
edge_mpr_array(struct edge_mpr *r, uint32_t *n)
{
	struct edge_mpv v;
	int rc = expect(r, EDGE_MPT_ARRAY, &v);

	if (rc == 0)
		*n = v.len;
	return rc;
}

int
edge_mpr_map(struct edge_mpr *r, uint32_t *n)
{
	struct edge_mpv v;
	int rc = expect(r, EDGE_MPT_MAP, &v);

	if (rc == 0)
		*n = v.len;
	return rc;
}

int
edge_mpr_str_eq(struct edge_mpr *r, const char *want)
{
	const char *s;
	uint32_t n;
	int rc = edge_mpr_str(r, &s, &n);

	if (rc != 0)
		return rc;
	return n == strlen(want) && memcmp(s, want, n) == 0;
}

int
edge_mpr_nil(struct edge_mpr *r)
{
	if (r->p < r->end && *r->p == 0xc0) {
		r->p++;
		return 1;
	}
	return 0;
}
