/*
 * Frame header coding for the load tool.  Lengths use the shortest form
 * (7 bits, then 16, then 64) as RFC 6455 requires of senders; the decoder
 * accepts any form, since only the server's correctness is under test
 * elsewhere.
 */
#include "config.h"

#include "wsframe.h"

#include <string.h>

int
wsframe_header(const uint8_t *p, size_t n, struct wsframe *f)
{
	size_t hl = 2, i;
	uint64_t len;

	if (n < 2)
		return 0;
	f->fin = (p[0] & 0x80) != 0;
	f->op = p[0] & 0x0f;
	f->masked = (p[1] & 0x80) != 0;
	len = p[1] & 0x7f;
	if (len == 126) {
		if (n < 4)
			return 0;
		len = (uint64_t)p[2] << 8 | p[3];
		hl = 4;
	} else if (len == 127) {
		if (n < 10)
			return 0;
		len = 0;
		for (i = 0; i < 8; i++)
			len = len << 8 | p[2 + i];
		hl = 10;
	}
	if (f->masked) {
		if (n < hl + 4)
			return 0;
		memcpy(f->mask, p + hl, 4);
		hl += 4;
	}
	f->hlen = hl;
	f->plen = len;
	return 1;
}

size_t
wsframe_client_header(uint8_t out[WSFRAME_MAX_HEADER], int op, uint64_t len,
    const uint8_t mask[4])
{
	size_t hl = 0, i;

	out[hl++] = 0x80 | (uint8_t)(op & 0x0f);
	if (len < 126) {
		out[hl++] = 0x80 | (uint8_t)len;
	} else if (len < 65536) {
		out[hl++] = 0x80 | 126;
		out[hl++] = (uint8_t)(len >> 8);
		out[hl++] = (uint8_t)len;
	} else {
		out[hl++] = 0x80 | 127;
		for (i = 0; i < 8; i++)
			out[hl++] = (uint8_t)(len >> (56 - 8 * i));
	}
	memcpy(out + hl, mask, 4);
	return hl + 4;
}

void
wsframe_mask(uint8_t *p, size_t len, const uint8_t mask[4])
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] ^= mask[i & 3];
}
