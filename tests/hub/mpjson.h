/*
 * Test helpers shared by the hub's test programs: msgpack <-> JSON text
 * (jansson on the JSON side), so scripts can read and write what travels
 * over the hub's wire.
 */
#ifndef TESTS_HUB_MPJSON_H
#define TESTS_HUB_MPJSON_H

#include <jansson.h>
#include <msgpack.h>
#include <stddef.h>

/* msgpack bytes -> new jansson value (NULL if malformed).  Binary and ext
 * values become null; map keys that are not strings are printed. */
json_t *mpjson_to_json(const void *buf, size_t len, size_t *used);
/* jansson value -> msgpack appended to PK.  Integers that fit uint64 pack
 * as unsigned. */
void mpjson_pack(msgpack_packer *pk, const json_t *v);

#endif
