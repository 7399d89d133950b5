/*
 * msgpack -> JSON, strict and streaming.  The input is read with the
 * bounded reader (mpread.c), so lengths are proven before use; the output
 * is written straight into the frame buffer that will go to clients, so
 * an event is translated exactly once whatever the number of clients.
 *
 * Policy for what JSON cannot express: every such value is replaced by
 * null rather than refusing the whole event, because the event's seq must
 * still reach clients (a refused event would look like a hole):
 *   - NaN and infinities -> null;
 *   - ext -> null; bin -> base64 string;
 *   - a map with a key that is not a string -> null (the whole map);
 *   - nesting past max_depth -> null for the deeper value;
 *   - invalid UTF-8 in strings -> U+FFFD per bad sequence.
 * Malformed msgpack (truncated, reserved bytes, lying lengths) cannot be
 * walked past, so it fails the whole object with -EBADMSG.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "mp2json.h"

static int value(struct edge_buf *out, struct edge_mpr *r, int depth,
		 int max_depth, struct edge_mp2json_stats *st);

static void
nulled(struct edge_buf *out, struct edge_mp2json_stats *st)
{
	edge_buf_add(out, "null", 4);
	if (st)
		st->nulled++;
}

/* Replace the container that started at START (reader) / OLEN (output)
 * with null. */
static int
null_container(struct edge_buf *out, struct edge_mpr *r, struct edge_mpr start,
	       size_t olen, struct edge_mp2json_stats *st)
{
	*r = start;
	if (edge_mpr_skip(r) != 0)
		return -EBADMSG;
	if (out->err == 0)
		out->len = olen;
	nulled(out, st);
	return 0;
}

static int
value(struct edge_buf *out, struct edge_mpr *r, int depth, int max_depth,
      struct edge_mp2json_stats *st)
{
	struct edge_mpr start = *r;
	size_t olen = out->len;
	struct edge_mpv v;
	uint32_t i;
	int rc;

	if (edge_mpr_next(r, &v) != 0)
		return -EBADMSG;
	switch (v.type) {
	case EDGE_MPT_NIL:
		edge_buf_add(out, "null", 4);
		return 0;
	case EDGE_MPT_BOOL:
		edge_buf_adds(out, v.b ? "true" : "false");
		return 0;
	case EDGE_MPT_UINT:
		edge_buf_addf(out, "%" PRIu64, v.u);
		return 0;
	case EDGE_MPT_INT:
		edge_buf_addf(out, "%" PRId64, v.i);
		return 0;
	case EDGE_MPT_FLOAT:
		if (!isfinite(v.f))
			nulled(out, st);
		else
			edge_buf_addf(out, v.len == 4 ? "%.9g" : "%.17g", v.f);
		return 0;
	case EDGE_MPT_STR: {
		size_t bad = edge_buf_add_jstr(out, (const char *)v.ptr, v.len);
		if (st)
			st->utf8_replaced += bad;
		return 0;
	}
	case EDGE_MPT_BIN:
		edge_buf_addc(out, '"');
		edge_buf_add_b64(out, v.ptr, v.len);
		edge_buf_addc(out, '"');
		return 0;
	case EDGE_MPT_EXT:
		nulled(out, st);
		return 0;
	case EDGE_MPT_ARRAY:
		if (depth >= max_depth)
			return null_container(out, r, start, olen, st);
		edge_buf_addc(out, '[');
		for (i = 0; i < v.len; i++) {
			if (i)
				edge_buf_addc(out, ',');
			rc = value(out, r, depth + 1, max_depth, st);
			if (rc != 0) {
				*r = start;
				return rc;
			}
		}
		edge_buf_addc(out, ']');
		return 0;
	case EDGE_MPT_MAP:
		if (depth >= max_depth)
			return null_container(out, r, start, olen, st);
		edge_buf_addc(out, '{');
		for (i = 0; i < v.len; i++) {
			struct edge_mpv k;
			size_t bad;

			if (i)
				edge_buf_addc(out, ',');
			if (edge_mpr_next(r, &k) != 0) {
				*r = start;
				return -EBADMSG;
			}
			if (k.type != EDGE_MPT_STR)
				return null_container(out, r, start, olen, st);
			bad = edge_buf_add_jstr(out, (const char *)k.ptr, k.len);
			if (st)
				st->utf8_replaced += bad;
			edge_buf_addc(out, ':');
			rc = value(out, r, depth + 1, max_depth, st);
			if (rc != 0) {
				*r = start;
				return rc;
			}
		}
		edge_buf_addc(out, '}');
		return 0;
	}
	return -EBADMSG;
}

int
edge_mp2json(struct edge_buf *out, struct edge_mpr *r, int max_depth,
	     struct edge_mp2json_stats *st)
{
	int rc = value(out, r, 0, max_depth, st);

	if (rc == 0 && out->err)
		rc = out->err;
	return rc;
}
