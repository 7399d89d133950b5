/*
 * Fuzz target: the edge's msgpack -> JSON writer (edge/mp2json.c), which
 * turns every hub event into the one JSON frame all clients share.
 *
 * Arbitrary msgpack in; what must come out is either a clean refusal
 * (-EBADMSG, reader restored) or JSON that jansson parses -- the real
 * proof of validity, done in the target.  Also: the writer consumes
 * exactly one object (as far as the edge's own bounded skip and, when it
 * accepts, the shared mp_validate say), never refuses what mp_validate
 * accepts, and with a small output limit fails with the buffer's error
 * instead of writing past it.  Input byte 0 sets the depth bound.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp2json.h"
#include "mpvalid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "CHECK failed: %s (%s:%d)\n", #c, __FILE__, __LINE__); abort(); } } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct edge_buf out, small;
	struct edge_mpr r, r2;
	struct edge_mp2json_stats st = { 0, 0 };
	const uint8_t *p = data + 1;
	size_t n = size > 0 ? size - 1 : 0, used = 0;
	int depth = size > 0 ? (data[0] % 40) : 0;
	int rc, rc2, skip_rc, valid;
	json_error_t jerr;
	json_t *j;

	if (size == 0)
		return 0;
	edge_buf_init(&out, 16, 0);
	edge_mpr_init(&r, p, n);
	rc = edge_mp2json(&out, &r, depth, &st);
	edge_mpr_init(&r2, p, n);
	skip_rc = edge_mpr_skip(&r2);
	valid = mp_validate(p, n, MP_DEPTH_LIMIT, &used) == 0;

	if (rc == 0) {
		CHECK(out.err == 0);
		CHECK(skip_rc == 0 && r.p == r2.p);
		if (valid)
			CHECK((size_t)(r.p - p) == used);
		j = json_loadb(edge_buf_data(&out), out.len,
			       JSON_DECODE_ANY | JSON_ALLOW_NUL |
			       JSON_DECODE_INT_AS_REAL, &jerr);
		/* jansson's one limit on valid JSON: "\u0000" in a key. */
		if (j == NULL && strstr(jerr.text, "NUL byte in object key") == NULL) {
			fprintf(stderr, "invalid JSON (%s at %d): %.*s\n",
				jerr.text, jerr.position,
				(int)(out.len < 400 ? out.len : 400),
				edge_buf_data(&out));
			abort();
		}
		if (j != NULL)
			json_decref(j);

		/* The same input into a buffer too small for it fails with
		 * the buffer's error and never writes past the limit. */
		if (out.len > 1) {
			edge_buf_init(&small, 16, out.len - 1);
			edge_mpr_init(&r2, p, n);
			rc2 = edge_mp2json(&small, &r2, depth, NULL);
			CHECK(rc2 != 0 || small.err != 0);
			CHECK(small.len <= out.len - 1);
			edge_buf_fini(&small);
		}
	} else {
		CHECK(rc == -EBADMSG || rc == -ENOMEM || rc == -E2BIG);
		CHECK(r.p == p); /* restored */
		/* Malformed for the writer means malformed for the walk. */
		if (rc == -EBADMSG)
			CHECK(!valid);
	}
	edge_buf_fini(&out);
	return 0;
}
