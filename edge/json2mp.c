/*
 * jansson -> msgpack, for the one client message the edge passes on to
 * the hub (hardware_health_update details).  Depth is bounded; the input
 * was already bounded by the frame limit.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "edge.h"

#define MAX_DEPTH 32

int
edge_json2mp(msgpack_packer *pk, json_t *v, int depth)
{
	const char *k;
	json_t *x;
	size_t i;

	if (depth > MAX_DEPTH)
		return -EINVAL;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		msgpack_pack_map(pk, json_object_size(v));
		json_object_foreach(v, k, x) {
			msgpack_pack_str(pk, strlen(k));
			msgpack_pack_str_body(pk, k, strlen(k));
			if (edge_json2mp(pk, x, depth + 1) != 0)
				return -EINVAL;
		}
		return 0;
	case JSON_ARRAY:
		msgpack_pack_array(pk, json_array_size(v));
		json_array_foreach(v, i, x)
			if (edge_json2mp(pk, x, depth + 1) != 0)
				return -EINVAL;
		return 0;
	case JSON_STRING:
		msgpack_pack_str(pk, json_string_length(v));
		msgpack_pack_str_body(pk, json_string_value(v),
				      json_string_length(v));
		return 0;
	case JSON_INTEGER:
		msgpack_pack_int64(pk, json_integer_value(v));
		return 0;
	case JSON_REAL:
		msgpack_pack_double(pk, json_real_value(v));
		return 0;
	case JSON_TRUE:
		msgpack_pack_true(pk);
		return 0;
	case JSON_FALSE:
		msgpack_pack_false(pk);
		return 0;
	case JSON_NULL:
		msgpack_pack_nil(pk);
		return 0;
	}
	return -EINVAL;
}
