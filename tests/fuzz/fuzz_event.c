/*
 * Fuzz target: the producer-side schema checks every reader relies on --
 * the bounded msgpack walk (mp_validate, mp_validate_json), the ring
 * payload check (fh_event_check_mp) and ISO-8601 timestamps.
 *
 * The walk exists so that msgpack-c never sees a container header that
 * lies about its size.  So whenever the walk accepts, the target hands
 * exactly the accepted bytes to msgpack-c and requires that it parses
 * them completely (same size) -- under -malloc_limit_mb a lying header
 * that slipped through shows up as an out-of-memory crash.  An object
 * accepted by mp_validate_json must really be JSON-able: str keys only,
 * no bin/ext, every string valid UTF-8 by jansson's independent check.
 * A payload accepted by fh_event_check_mp is one whole map with a ts
 * that is absent or in range.  A timestamp that parses formats and
 * re-parses to the same value.
 *
 * Input: byte 0 = event kind (low 3 bits) and depth bound (high bits),
 * the rest is the payload / timestamp text.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <msgpack.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "mpvalid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "CHECK failed: %s (%s:%d)\n", #c, __FILE__, __LINE__); abort(); } } while (0)

static int
utf8_ok(const char *s, size_t n)
{
	json_t *j;

	if (n == 0) /* msgpack-c gives NULL for an empty str */
		return 1;
	j = json_stringn(s, n); /* NULL on invalid UTF-8 */
	if (j == NULL)
		return 0;
	json_decref(j);
	return 1;
}

/* The object msgpack-c built is JSON-able; returns its depth. */
static unsigned
check_jsonable(const msgpack_object *o)
{
	unsigned d = 0, sub;
	uint32_t i;

	switch (o->type) {
	case MSGPACK_OBJECT_STR:
		CHECK(utf8_ok(o->via.str.ptr, o->via.str.size));
		return 0;
	case MSGPACK_OBJECT_BIN:
	case MSGPACK_OBJECT_EXT:
		CHECK(!"bin/ext accepted as JSON");
		return 0;
	case MSGPACK_OBJECT_ARRAY:
		for (i = 0; i < o->via.array.size; i++) {
			sub = check_jsonable(&o->via.array.ptr[i]);
			d = sub > d ? sub : d;
		}
		return d + 1;
	case MSGPACK_OBJECT_MAP:
		for (i = 0; i < o->via.map.size; i++) {
			CHECK(o->via.map.ptr[i].key.type == MSGPACK_OBJECT_STR);
			check_jsonable(&o->via.map.ptr[i].key);
			sub = check_jsonable(&o->via.map.ptr[i].val);
			d = sub > d ? sub : d;
		}
		return d + 1;
	default:
		return 0;
	}
}

static unsigned
depth_of(const msgpack_object *o)
{
	unsigned d = 0, sub;
	uint32_t i;

	if (o->type == MSGPACK_OBJECT_ARRAY) {
		for (i = 0; i < o->via.array.size; i++) {
			sub = depth_of(&o->via.array.ptr[i]);
			d = sub > d ? sub : d;
		}
		return d + 1;
	}
	if (o->type == MSGPACK_OBJECT_MAP) {
		for (i = 0; i < o->via.map.size; i++) {
			sub = depth_of(&o->via.map.ptr[i].key);
			d = sub > d ? sub : d;
			sub = depth_of(&o->via.map.ptr[i].val);
			d = sub > d ? sub : d;
		}
		return d + 1;
	}
	return 0;
}

/* msgpack-c must parse exactly LEN bytes as one object, no deeper than
 * the walk allowed. */
static void
unpack_exact(const uint8_t *p, size_t len, int jsonable, unsigned depth)
{
	msgpack_unpacked u;
	size_t off = 0;
	msgpack_unpack_return ret;

	msgpack_unpacked_init(&u);
	ret = msgpack_unpack_next(&u, (const char *)p, len, &off);
	CHECK(ret == MSGPACK_UNPACK_SUCCESS);
	CHECK(off == len);
	CHECK(depth_of(&u.data) <= depth);
	if (jsonable)
		check_jsonable(&u.data);
	msgpack_unpacked_destroy(&u);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data + 1;
	size_t n = size > 0 ? size - 1 : 0, used = 0;
	int ev = size > 0 ? (data[0] & 7) : 0;
	unsigned depth = size > 0 ? (data[0] >> 3) : 0;
	struct fh_event_error err;
	int64_t ts = 0, ms, back;
	char iso[FH_TS_ISO_LEN];
	int rc;

	if (size == 0)
		return 0;

	rc = mp_validate(p, n, depth, &used);
	CHECK(rc == 0 || rc == -EBADMSG || rc == -ELOOP);
	if (rc == 0) {
		CHECK(used > 0 && used <= n);
		unpack_exact(p, used, 0, depth);
	}
	rc = mp_validate_json(p, n, depth, &used);
	CHECK(rc == 0 || rc == -EBADMSG || rc == -ELOOP);
	if (rc == 0) {
		CHECK(mp_validate(p, n, depth, NULL) == 0);
		unpack_exact(p, used, 1, depth);
	}
	CHECK(mp_utf8_valid(p, n) == utf8_ok((const char *)p, n));

	memset(&err, 0, sizeof(err));
	rc = fh_event_check_mp(ev, p, n, &ts, &err);
	if (rc == 0) {
		CHECK(ev >= FH_EV_MIN && ev <= FH_EV_MAX);
		CHECK(mp_validate(p, n, FH_EVENT_MAX_DEPTH, &used) == 0 &&
		      used == n);
		CHECK(p[0] == 0xde || p[0] == 0xdf || (p[0] & 0xf0) == 0x80);
		CHECK(ts == -1 || (ts >= 0 && ts <= FH_TS_MAX));
		unpack_exact(p, n, 0, FH_EVENT_MAX_DEPTH);
	} else {
		CHECK(rc == -EBADMSG);
		CHECK(memchr(err.message, '\0', sizeof(err.message)) != NULL);
		CHECK(err.message[0] != '\0');
	}

	if (fh_ts_parse_iso((const char *)p, n, &ms) == 0) {
		CHECK(ms >= 0 && ms <= FH_TS_MAX);
		CHECK(fh_ts_format_iso(ms, iso, sizeof(iso)) == 0);
		CHECK(fh_ts_parse_iso(iso, strlen(iso), &back) == 0 && back == ms);
	}
	return 0;
}
