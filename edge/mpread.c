/*
 * Bounded msgpack reader.  The layout of a value comes from mp_head
 * (common/mphead.h, shared with the hub's reader and the validator); the
 * header is checked against the end of input and only then read.
 * Payload lengths (str, bin, ext) are checked before
 * the payload is exposed; container counts are checked against the bytes
 * left, one byte per element being the smallest possible encoding, so a
 * 5-byte input cannot claim four billion elements.  Skipping a nested
 * object counts pending elements in a 64-bit integer instead of
 * recursing, so depth cannot exhaust the stack.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "mphead.h"
#include "mpread.h"

/* edge_mpv's types are mp_head's kinds, by value. */
_Static_assert(EDGE_MPT_NIL == (int)MP_NIL && EDGE_MPT_UINT == (int)MP_UINT &&
	       EDGE_MPT_INT == (int)MP_INT && EDGE_MPT_STR == (int)MP_STR &&
	       EDGE_MPT_ARRAY == (int)MP_ARRAY && EDGE_MPT_MAP == (int)MP_MAP &&
	       EDGE_MPT_EXT == (int)MP_EXT,
	       "edge_mpt follows mp_kind");

int
edge_mpr_next(struct edge_mpr *r, struct edge_mpv *v)
{
	const uint8_t *p = r->p;
	size_t left = (size_t)(r->end - p);
	struct mp_head h;
	uint64_t raw;

	if (mp_head(p, left, &h) < 0 || (uint64_t)h.hdr + h.body > left)
		return -EBADMSG;
	memset(v, 0, sizeof(*v));
	v->type = (enum edge_mpt)h.kind;
	switch (h.kind) {
	case MP_NIL:
		break;
	case MP_BOOL:
		v->b = p[0] == 0xc3;
		break;
	case MP_UINT:
		v->u = h.body ? mp_be(p + 1, h.body) : p[0];
		break;
	case MP_INT:
		if (h.body == 0) {
			v->i = (int8_t)p[0];
			break;
		}
		v->i = mp_int_body(p + 1, h.body);
		if (v->i >= 0) {
			v->type = EDGE_MPT_UINT;
			v->u = (uint64_t)v->i;
		}
		break;
	case MP_FLOAT:
		raw = mp_be(p + 1, h.body);
		if (h.body == 4) {
			uint32_t b32 = (uint32_t)raw;
			float f;

			memcpy(&f, &b32, 4);
			v->f = f;
		} else {
			memcpy(&v->f, &raw, 8);
		}
		v->len = h.body;
		break;
	case MP_EXT:
		v->ext_type = (int8_t)p[h.hdr - 1];
		/* fall through */
	case MP_STR:
	case MP_BIN:
		v->ptr = p + h.hdr;
		v->len = h.body;
		break;
	case MP_ARRAY:
	case MP_MAP:
		/* every element takes at least one byte */
		if (h.count > left - h.hdr)
			return -EBADMSG;
		v->len = (uint32_t)(h.kind == MP_MAP ? h.count / 2 : h.count);
		break;
	}
	r->p = p + h.hdr + h.body;
	return 0;
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
