/*
 * Growable buffer and the JSON string encoder.  The encoder is the single
 * place where text from the hub (and so from the interpreter) becomes
 * JSON: it escapes quotes, backslashes and every control character, and
 * it validates UTF-8 itself (RFC 3629: no overlongs, no surrogates,
 * nothing past U+10FFFF), replacing each bad sequence with U+FFFD so a
 * browser never receives a frame it would reject.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
edge_buf_init(struct edge_buf *b, size_t head, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->head = head;
	b->max = max;
}

void
edge_buf_fini(struct edge_buf *b)
{
	if (b == NULL)
		return;
	free(b->mem);
	b->mem = NULL;
	b->len = b->cap = 0;
}

static int
grow(struct edge_buf *b, size_t n)
{
	size_t want, ncap;
	char *m;

	if (b->err)
		return -1;
	if (n > SIZE_MAX / 2 - b->len - b->head) {
		b->err = -E2BIG;
		return -1;
	}
	want = b->len + n;
	if (b->max && want > b->max) {
		b->err = -E2BIG;
		return -1;
	}
	if (want <= b->cap && b->mem != NULL)
		return 0;
	ncap = b->cap ? b->cap : 256;
	while (ncap < want)
		ncap *= 2;
	if (b->max && ncap > b->max)
		ncap = b->max;
	m = realloc(b->mem, b->head + ncap + 1);
	if (m == NULL) {
		b->err = -ENOMEM;
		return -1;
	}
	b->mem = m;
	b->cap = ncap;
	return 0;
}

void
edge_buf_add(struct edge_buf *b, const void *p, size_t n)
{
	if (grow(b, n) != 0)
		return;
	if (n)
		memcpy(b->mem + b->head + b->len, p, n);
	b->len += n;
	b->mem[b->head + b->len] = '\0';
}

void
edge_buf_addc(struct edge_buf *b, char c)
{
	edge_buf_add(b, &c, 1);
}

void
edge_buf_adds(struct edge_buf *b, const char *s)
{
	edge_buf_add(b, s, strlen(s));
}

void
edge_buf_addf(struct edge_buf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		b->err = -E2BIG;
		return;
	}
	edge_buf_add(b, tmp, (size_t)n);
}

size_t
edge_utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t need, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need;
}

size_t
edge_buf_add_jstr(struct edge_buf *b, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0, bad = 0;

	edge_buf_addc(b, '"');
	while (i < n) {
		unsigned char c = s[i];
		size_t k;

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			i++;
			run++;
			continue;
		}
		if (c >= 0x80) {
			k = edge_utf8_seq(s + i, n - i);
			if (k > 0) {
				i += k;
				run += k;
				continue;
			}
		}
		edge_buf_add(b, s + i - run, run);
		run = 0;
		if (c >= 0x80) {
			edge_buf_add(b, "\xef\xbf\xbd", 3);
			bad++;
			i++;
			continue;
		}
		switch (c) {
		case '"': edge_buf_add(b, "\\\"", 2); break;
		case '\\': edge_buf_add(b, "\\\\", 2); break;
		case '\n': edge_buf_add(b, "\\n", 2); break;
		case '\r': edge_buf_add(b, "\\r", 2); break;
		case '\t': edge_buf_add(b, "\\t", 2); break;
		case '\b': edge_buf_add(b, "\\b", 2); break;
		case '\f': edge_buf_add(b, "\\f", 2); break;
		default: {
			char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			edge_buf_add(b, u, 6);
		}
		}
		i++;
	}
	edge_buf_add(b, s + i - run, run);
	edge_buf_addc(b, '"');
	return bad;
}

void
edge_buf_add_b64(struct edge_buf *b, const unsigned char *p, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		char o[4] = {tab[p[i] >> 2], tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)],
			     tab[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)],
			     tab[p[i + 2] & 63]};
		edge_buf_add(b, o, 4);
	}
	if (n - i == 1) {
		char o[4] = {tab[p[i] >> 2], tab[(p[i] & 3) << 4], '=', '='};
		edge_buf_add(b, o, 4);
	} else if (n - i == 2) {
		char o[4] = {tab[p[i] >> 2], tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)],
			     tab[(p[i + 1] & 15) << 2], '='};
		edge_buf_add(b, o, 4);
	}
}

char *
edge_buf_steal(struct edge_buf *b)
{
	char *m = b->mem;

	b->mem = NULL;
	b->len = b->cap = 0;
	return m;
}
