/*
 * Small helpers over msgpack-c's packer for what the hub writes: C
 * strings, byte spans, pre-encoded values copied verbatim (the objects
 * a producer sent are never re-encoded) and ISO times.  The packer's
 * data must be a struct mpbuf so that raw bytes can be appended.
 */
#ifndef HUB_PACK_H
#define HUB_PACK_H

#include <string.h>

#include "mpbuf.h"
#include "record.h"

#define HUB_TS_NONE INT64_MIN /* a time that is not known: packed as nil */

/* always_inline: for a literal the strlen folds into a constant */
static inline __attribute__((always_inline)) void
pack_cstr(struct mpbuf *pk, const char *s)
{
	size_t n = strlen(s);

	mpb_str(pk, n);
	mpb_str_body(pk, s, n);
}

/* A string body, or nil when p is NULL. */
static inline __attribute__((always_inline)) void
pack_strn(struct mpbuf *pk, const void *p, uint32_t len)
{
	if (!p) {
		mpb_nil(pk);
		return;
	}
	mpb_str(pk, len);
	mpb_str_body(pk, p, len);
}

/* Pre-encoded msgpack bytes; DFLT ("nil" or "{}") when p is NULL. */
static inline void
pack_raw(struct mpbuf *pk, const void *p, uint32_t len, int empty_map)
{
	if (!p) {
		if (empty_map)
			mpb_map(pk, 0);
		else
			mpb_nil(pk);
		return;
	}
	mpbuf_put(pk, p, len);
}

/* ISO time of TS, or nil.  Consecutive events mostly share a
 * millisecond or a few, so the last formatting is kept (per thread). */
static inline void
pack_time(struct mpbuf *pk, int64_t ts)
{
	static __thread int64_t last = HUB_TS_NONE;
	static __thread char buf[HUB_TIME_LEN];

	if (ts == HUB_TS_NONE) {
		mpb_nil(pk);
		return;
	}
	if (ts != last) {
		hub_time_format(ts, buf);
		last = ts;
	}
	mpb_str(pk, HUB_TIME_LEN - 1);
	mpb_str_body(pk, buf, HUB_TIME_LEN - 1);
}

#endif /* HUB_PACK_H */
