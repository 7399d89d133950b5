/*
 * Small helpers over msgpack-c's packer for what the hub writes: C
 * strings, byte spans, pre-encoded values copied verbatim (the objects
 * a producer sent are never re-encoded) and ISO times.  The packer's
 * data must be a msgpack_sbuffer so that raw bytes can be appended.
 */
#ifndef HUB_PACK_H
#define HUB_PACK_H

#include <msgpack.h>
#include <string.h>

#include "record.h"

#define HUB_TS_NONE INT64_MIN /* a time that is not known: packed as nil */

static inline void
pack_cstr(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);

	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

/* A string body, or nil when p is NULL. */
static inline void
pack_strn(msgpack_packer *pk, const void *p, uint32_t len)
{
	if (!p) {
		msgpack_pack_nil(pk);
		return;
	}
	msgpack_pack_str(pk, len);
	msgpack_pack_str_body(pk, p, len);
}

/* Pre-encoded msgpack bytes; DFLT ("nil" or "{}") when p is NULL. */
static inline void
pack_raw(msgpack_packer *pk, const void *p, uint32_t len, int empty_map)
{
	if (!p) {
		if (empty_map)
			msgpack_pack_map(pk, 0);
		else
			msgpack_pack_nil(pk);
		return;
	}
	msgpack_sbuffer_write(pk->data, p, len);
}

static inline void
pack_time(msgpack_packer *pk, int64_t ts)
{
	char buf[HUB_TIME_LEN];

	if (ts == HUB_TS_NONE) {
		msgpack_pack_nil(pk);
		return;
	}
	hub_time_format(ts, buf);
	msgpack_pack_str(pk, HUB_TIME_LEN - 1);
	msgpack_pack_str_body(pk, buf, HUB_TIME_LEN - 1);
}

#endif /* HUB_PACK_H */
