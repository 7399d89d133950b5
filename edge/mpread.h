/*
 * A bounded msgpack reader over a byte range.  Every length and count a
 * header claims is checked against the bytes that remain before anything
 * is read, so hostile input can neither over-read nor make us allocate:
 * the reader never allocates at all.  The hub's wire messages (common/
 * wire.h) are read with it, and edge/mp2json.c walks event data with it.
 */
#ifndef EDGE_MPREAD_H
#define EDGE_MPREAD_H

#include <stddef.h>
#include <stdint.h>

struct edge_mpr {
	const uint8_t *p;
	const uint8_t *end;
};

enum edge_mpt {
	EDGE_MPT_NIL,
	EDGE_MPT_BOOL,
	EDGE_MPT_UINT,
	EDGE_MPT_INT, /* negative integers */
	EDGE_MPT_FLOAT,
	EDGE_MPT_STR,
	EDGE_MPT_BIN,
	EDGE_MPT_ARRAY,
	EDGE_MPT_MAP,
	EDGE_MPT_EXT,
};

/* One decoded header.  For STR/BIN/EXT, ptr/len is the payload (already
 * bounds-checked); for ARRAY/MAP, len is the element (pair) count. */
struct edge_mpv {
	enum edge_mpt type;
	int8_t ext_type;
	int b;
	uint64_t u;
	int64_t i;
	double f;
	const uint8_t *ptr;
	uint32_t len;
};

static inline void
edge_mpr_init(struct edge_mpr *r, const void *buf, size_t len)
{
	r->p = buf;
	r->end = (const uint8_t *)buf + len;
}

/* Read one header (and the payload of a scalar/str/bin/ext).  Returns 0,
 * or -EBADMSG on truncated or reserved input; R is not advanced then.
 * Array and map counts are checked against the remaining bytes (each
 * element needs at least one). */
int edge_mpr_next(struct edge_mpr *r, struct edge_mpv *v);
/* Skip one complete object, however nested (iterative: no recursion).
 * Returns 0 or -EBADMSG. */
int edge_mpr_skip(struct edge_mpr *r);

/* Typed reads: 0, -EBADMSG (malformed) or -EPROTO (other type). */
int edge_mpr_uint(struct edge_mpr *r, uint64_t *out);
int edge_mpr_str(struct edge_mpr *r, const char **s, uint32_t *len);
int edge_mpr_array(struct edge_mpr *r, uint32_t *n);
int edge_mpr_map(struct edge_mpr *r, uint32_t *n);
/* A str compared with a C string: 1 equal, 0 not, <0 error. */
int edge_mpr_str_eq(struct edge_mpr *r, const char *want);
/* True when the next object is nil (consumed then). */
int edge_mpr_nil(struct edge_mpr *r);

#endif /* EDGE_MPREAD_H */
