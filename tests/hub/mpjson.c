/*
 * msgpack <-> JSON for the hub's test programs.  Parsing goes through
 * msgpack-c's unpacker after the hub's own bounded validation (mp_skip),
 * so that a malformed message in a test cannot make the tool allocate
 * what a header claims.
 */
#include "config.h"

#include <string.h>

#include "mpjson.h"
#include "mpread.h"

static json_t *
conv(const msgpack_object *o)
{
	json_t *v;

	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		return json_null();
	case MSGPACK_OBJECT_BOOLEAN:
		return json_boolean(o->via.boolean);
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		return json_integer((json_int_t)o->via.u64);
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return json_integer((json_int_t)o->via.i64);
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		return json_real(o->via.f64);
	case MSGPACK_OBJECT_STR:
		return json_stringn_nocheck(o->via.str.ptr, o->via.str.size);
	case MSGPACK_OBJECT_ARRAY:
		v = json_array();
		for (uint32_t i = 0; i < o->via.array.size; i++)
			json_array_append_new(v, conv(&o->via.array.ptr[i]));
		return v;
	case MSGPACK_OBJECT_MAP:
		v = json_object();
		for (uint32_t i = 0; i < o->via.map.size; i++) {
			const msgpack_object_kv *kv = &o->via.map.ptr[i];
			char key[512];
			if (kv->key.type == MSGPACK_OBJECT_STR) {
				size_t n = kv->key.via.str.size;
				if (n >= sizeof(key))
					n = sizeof(key) - 1;
				memcpy(key, kv->key.via.str.ptr, n);
				key[n] = '\0';
			} else {
				snprintf(key, sizeof(key), "?%u", i);
			}
			json_object_set_new(v, key, conv(&kv->val));
		}
		return v;
	default:
		return json_null();
	}
}

json_t *
mpjson_to_json(const void *buf, size_t len, size_t *used)
{
	struct mp_cur c;
	struct mp_span sp;
	msgpack_unpacked u;
	size_t off = 0;
	json_t *v = NULL;

	mp_cur_init(&c, buf, len);
	if (mp_skip(&c, &sp) < 0)
		return NULL;
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, buf, sp.len, &off) == MSGPACK_UNPACK_SUCCESS)
		v = conv(&u.data);
	msgpack_unpacked_destroy(&u);
	if (used)
		*used = sp.len;
	return v;
}

void
mpjson_pack(msgpack_packer *pk, const json_t *v)
{
	const char *key;
	json_t *val;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		msgpack_pack_map(pk, json_object_size(v));
		json_object_foreach((json_t *)v, key, val) {
			msgpack_pack_str(pk, strlen(key));
			msgpack_pack_str_body(pk, key, strlen(key));
			mpjson_pack(pk, val);
		}
		break;
	case JSON_ARRAY:
		msgpack_pack_array(pk, json_array_size(v));
		json_array_foreach(v, i, val)
			mpjson_pack(pk, val);
		break;
	case JSON_STRING:
		msgpack_pack_str(pk, json_string_length(v));
		msgpack_pack_str_body(pk, json_string_value(v),
				      json_string_length(v));
		break;
	case JSON_INTEGER:
		if (json_integer_value(v) >= 0)
			msgpack_pack_uint64(pk, (uint64_t)json_integer_value(v));
		else
			msgpack_pack_int64(pk, json_integer_value(v));
		break;
	case JSON_REAL:
		msgpack_pack_double(pk, json_real_value(v));
		break;
	case JSON_TRUE:
		msgpack_pack_true(pk);
		break;
	case JSON_FALSE:
		msgpack_pack_false(pk);
		break;
	default:
		msgpack_pack_nil(pk);
	}
}
