/*
 * msgpack -> JSON translation for hub event data (see mp2json.c).
 */
#ifndef EDGE_MP2JSON_H
#define EDGE_MP2JSON_H

#include <stddef.h>

#include "buf.h"
#include "mpread.h"

#define EDGE_MP2JSON_DEPTH 32 /* default nesting bound */

struct edge_mp2json_stats {
	size_t utf8_replaced; /* invalid UTF-8 sequences replaced by U+FFFD */
	size_t nulled;        /* values written as null (ext, non-finite,
				 non-string keys, too deep) */
};

/*
 * Write the one msgpack object at R into OUT as JSON.  Returns 0 with R
 * advanced past the object, or -EBADMSG when the input is malformed (R is
 * restored; OUT keeps a partial value the caller must discard) or OUT's
 * error when it could not grow.  Values JSON cannot carry are written as
 * null, each counted in ST (may be NULL): non-finite floats, ext, maps
 * with a non-string key, and anything nested deeper than MAX_DEPTH.  bin
 * becomes a base64 string.
 */
int edge_mp2json(struct edge_buf *out, struct edge_mpr *r, int max_depth,
		 struct edge_mp2json_stats *st);

#endif /* EDGE_MP2JSON_H */
