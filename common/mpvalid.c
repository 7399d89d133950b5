/*
 * mp_validate: an allocation-free walk over one msgpack object.
 *
 * The walk is iterative: stack[d] holds how many objects are still
 * expected in the container open at depth d (stack[0] = the one top-level
 * object).  Each step reads one header, checks it against the bytes left
 * and either skips the payload (scalars, str, bin, ext) or opens a
 * container.  Every step consumes at least one byte and every count was
 * checked against the bytes left, so the walk ends after at most LEN
 * steps whatever the input claims.
 *
 * This file is compiled into libshmring as well (the producer API checks
 * the caller's pre-packed objects with it); there it is not exported.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "mphead.h"
#include "mpvalid.h"

static int
walk(const void *buf, size_t len, unsigned max_depth, int json,
     size_t *consumed)
{
	const uint8_t *p = buf;
	uint64_t stack[MP_DEPTH_LIMIT + 1];
	/* ismap[d]: the container at depth d is a map, so its elements
	 * alternate key, value (a key when the remaining count is even). */
	uint8_t ismap[MP_DEPTH_LIMIT + 1];
	unsigned sp = 0;
	size_t off = 0;

	if (max_depth > MP_DEPTH_LIMIT || (p == NULL && len > 0))
		return -EINVAL;
	stack[0] = 1;
	ismap[0] = 0;
	for (;;) {
		struct mp_head h;
		int iskey;

		while (stack[sp] == 0) {
			if (sp == 0)
				goto done;
			sp--;
		}
		iskey = ismap[sp] && stack[sp] % 2 == 0;
		stack[sp]--;
		if (mp_head(p + off, len - off, &h) < 0)
			return -EBADMSG;
		if (json && iskey && h.kind != MP_STR)
			return -EBADMSG;
		if (json && (h.kind == MP_BIN || h.kind == MP_EXT))
			return -EBADMSG; /* no JSON form */
		if ((uint64_t)h.hdr + h.body > len - off)
			return -EBADMSG;
		off += h.hdr;
		if (json && h.kind == MP_STR && !mp_utf8_valid(p + off, h.body))
			return -EBADMSG;
		off += h.body;
		if (h.kind == MP_ARRAY || h.kind == MP_MAP) {
			if (sp + 1 > max_depth)
				return -ELOOP;
			/* Each element takes at least one byte. */
			if (h.count > len - off)
				return -EBADMSG;
			if (h.count > 0) {
				sp++;
				stack[sp] = h.count;
				ismap[sp] = h.kind == MP_MAP;
			}
		}
	}
done:
	if (consumed != NULL)
		*consumed = off;
	return 0;
}

int
mp_validate(const void *buf, size_t len, unsigned max_depth, size_t *consumed)
{
	return walk(buf, len, max_depth, 0, consumed);
}

int
mp_validate_json(const void *buf, size_t len, unsigned max_depth,
		 size_t *consumed)
{
	return walk(buf, len, max_depth, 1, consumed);
}

int
mp_utf8_valid(const void *s, size_t len)
{
	const uint8_t *p = s, *end = p + len;

	while (p < end) {
		uint8_t c = *p;
		uint32_t cp;
		size_t n, i;

		if (c < 0x80) {
			/* ASCII: skip eight bytes at a time while it lasts,
			 * most text on the producer's fast path is ASCII. */
			p++;
			while (end - p >= 8) {
				uint64_t w;

				memcpy(&w, p, 8);
				if (w & UINT64_C(0x8080808080808080))
					break;
				p += 8;
			}
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) { /* 2 bytes: never overlong */
			if (end - p < 2 || (p[1] & 0xc0) != 0x80)
				return 0;
			p += 2;
			continue;
		}
		if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0; /* continuation byte, 0xc0/0xc1, 0xf5.. */
		}
		if ((size_t)(end - p) < n + 1)
			return 0;
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		p += n + 1;
	}
	return 1;
}
