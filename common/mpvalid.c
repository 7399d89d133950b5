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

#include "mpvalid.h"

static uint32_t
be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

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
		uint8_t b;
		size_t hdr = 1;    /* header bytes, including b */
		uint64_t skip = 0; /* payload bytes after the header */
		uint64_t elems = 0;
		int container = 0, iskey, isstr;

		while (stack[sp] == 0) {
			if (sp == 0)
				goto done;
			sp--;
		}
		iskey = ismap[sp] && stack[sp] % 2 == 0;
		stack[sp]--;
		if (off >= len)
			return -EBADMSG;
		b = p[off];
		isstr = (b >= 0xa0 && b <= 0xbf) || (b >= 0xd9 && b <= 0xdb);
		if (json && iskey && !isstr)
			return -EBADMSG;
		if (json && ((b >= 0xc4 && b <= 0xc9) || (b >= 0xd4 && b <= 0xd8)))
			return -EBADMSG; /* bin and ext have no JSON form */
		if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 ||
		    b == 0xc3) {
			/* fixint, nil, bool: the byte is the object */
		} else if (b <= 0x8f) {
			container = 1;
			elems = 2u * (b & 0x0f);
		} else if (b <= 0x9f) {
			container = 1;
			elems = b & 0x0f;
		} else if (b <= 0xbf) {
			skip = b & 0x1f;
		} else {
			/* sized headers: LEN-OF-LEN bytes follow b */
			size_t ll = 0;
			uint64_t n = 0;

			switch (b) {
			case 0xc1:
				return -EBADMSG;
			case 0xc4: case 0xd9: ll = 1; break; /* bin8, str8 */
			case 0xc5: case 0xda: ll = 2; break; /* bin16, str16 */
			case 0xc6: case 0xdb: ll = 4; break; /* bin32, str32 */
			case 0xc7: ll = 1; hdr++; break;     /* ext8 + type */
			case 0xc8: ll = 2; hdr++; break;     /* ext16 + type */
			case 0xc9: ll = 4; hdr++; break;     /* ext32 + type */
			case 0xca: skip = 4; break;          /* float32 */
			case 0xcb: skip = 8; break;          /* float64 */
			case 0xcc: case 0xd0: skip = 1; break;
			case 0xcd: case 0xd1: skip = 2; break;
			case 0xce: case 0xd2: skip = 4; break;
			case 0xcf: case 0xd3: skip = 8; break;
			case 0xd4: skip = 2; break; /* fixext1: type + 1 */
			case 0xd5: skip = 3; break;
			case 0xd6: skip = 5; break;
			case 0xd7: skip = 9; break;
			case 0xd8: skip = 17; break;
			case 0xdc: case 0xde: ll = 2; container = 1; break;
			case 0xdd: case 0xdf: ll = 4; container = 1; break;
			default:
				return -EBADMSG; /* unreachable: all bytes covered */
			}
			if (ll > 0) {
				if (len - off < 1 + ll)
					return -EBADMSG;
				n = ll == 1 ? p[off + 1] :
				    ll == 2 ? be16(p + off + 1) :
					      be32(p + off + 1);
				hdr += ll;
				if (container)
					elems = (b == 0xde || b == 0xdf) ? 2 * n
									 : n;
				else
					skip = n;
			}
		}
		if (len - off < hdr)
			return -EBADMSG;
		off += hdr;
		if (skip > len - off)
			return -EBADMSG;
		if (json && isstr && !mp_utf8_valid(p + off, (size_t)skip))
			return -EBADMSG;
		off += (size_t)skip;
		if (container) {
			if (sp + 1 > max_depth)
				return -ELOOP;
			/* Each element takes at least one byte. */
			if (elems > len - off)
				return -EBADMSG;
			if (elems > 0) {
				sp++;
				stack[sp] = elems;
				ismap[sp] = (b & 0xf0) == 0x80 || b == 0xde ||
					    b == 0xdf;
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
