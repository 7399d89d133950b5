/*
 * A growable byte buffer with optional headroom in front of the data (for
 * libwebsockets, which needs LWS_PRE bytes before every frame it writes)
 * and a hard size limit.  Appends never fail loudly: a buffer that could
 * not grow (out of memory or over its limit) remembers it in "err", and
 * the writer checks once at the end, which keeps the JSON writer free of
 * error paths after every byte.
 */
#ifndef EDGE_BUF_H
#define EDGE_BUF_H

#include <stddef.h>

struct edge_buf {
	char *mem;     /* allocation; data starts at mem + head */
	size_t head;   /* headroom bytes */
	size_t len;    /* data bytes */
	size_t cap;    /* data capacity */
	size_t max;    /* data limit; 0 = unlimited */
	int err;       /* -ENOMEM or -E2BIG once an append failed */
};

/* Caller-allocated BUF; no memory until the first append. */
void edge_buf_init(struct edge_buf *b, size_t head, size_t max);
void edge_buf_fini(struct edge_buf *b);
static inline char *
edge_buf_data(struct edge_buf *b)
{
	return b->mem ? b->mem + b->head : NULL;
}
void edge_buf_add(struct edge_buf *b, const void *p, size_t n);
void edge_buf_addc(struct edge_buf *b, char c);
void edge_buf_adds(struct edge_buf *b, const char *s);
void edge_buf_addf(struct edge_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append S (N bytes) as a JSON string with quotes, escaping as needed and
 * replacing invalid UTF-8 sequences by U+FFFD.  Returns the number of
 * replacements made. */
size_t edge_buf_add_jstr(struct edge_buf *b, const char *s, size_t n);
/* Append base64 of N bytes. */
void edge_buf_add_b64(struct edge_buf *b, const unsigned char *p, size_t n);
/* Take the allocation (headroom included); the buffer is reset. */
char *edge_buf_steal(struct edge_buf *b);

/* Length of the valid UTF-8 sequence at S (of N bytes): 1-4, or 0 when
 * invalid (overlong, surrogate, beyond U+10FFFF, truncated). */
size_t edge_utf8_seq(const unsigned char *s, size_t n);

#endif /* EDGE_BUF_H */
