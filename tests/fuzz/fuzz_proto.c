/*
 * Fuzz target: the edge's client-message handler -- the bytes of one
 * WebSocket text frame in, a command or an error reply out
 * (edge_proto_parse, edge_proto_error_json, edge_logfilter_json).
 *
 * Whatever the frame: the result is a command or an error, never both or
 * neither; an error has a code of the protocol's table and a field
 * exactly when the code is invalid_field; input jansson cannot parse is
 * always invalid_json; every reply the edge would send for it (the error,
 * the client_identified echo of name and page, the logs_subscribed
 * filter) is valid JSON by jansson; and a filter survives a round trip:
 * the JSON the edge echoes, sent back as a subscribe_logs, parses to an
 * equal filter.  Strings kept from the input are bounded and
 * terminated.
 */
#include "config.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "CHECK failed: %s (%s:%d)\n", #c, __FILE__, __LINE__); abort(); } } while (0)

static void
check_json(struct edge_buf *b)
{
	json_error_t jerr;
	json_t *j;

	CHECK(b->err == 0);
	j = json_loadb(edge_buf_data(b), b->len, JSON_ALLOW_NUL, &jerr);
	if (j == NULL) {
		fprintf(stderr, "invalid JSON reply (%s): %.*s\n", jerr.text,
			(int)(b->len < 400 ? b->len : 400), edge_buf_data(b));
		abort();
	}
	json_decref(j);
}

static const char *const codes[] = {
	"invalid_json", "invalid_message", "unknown_type", "invalid_field",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct edge_cmd cmd, again;
	struct edge_proto_err err;
	struct edge_buf b;
	json_error_t jerr;
	json_t *j;
	size_t i;
	int rc, known = 0;

	memset(&err, 0, sizeof(err));
	rc = edge_proto_parse((const char *)data, size, &cmd, &err);
	j = json_loadb((const char *)data, size, JSON_DECODE_ANY, &jerr);
	if (rc != 0) {
		CHECK(rc == -1);
		CHECK(err.code != NULL);
		for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
			known |= strcmp(err.code, codes[i]) == 0;
		CHECK(known);
		CHECK((strcmp(err.code, "invalid_field") == 0) == (err.field != NULL));
		CHECK(memchr(err.message, '\0', sizeof(err.message)) != NULL);
		if (j == NULL)
			CHECK(strcmp(err.code, "invalid_json") == 0);
		edge_buf_init(&b, 16, 0);
		edge_proto_error_json(&b, err.code, err.message, err.field);
		check_json(&b);
		edge_buf_fini(&b);
		json_decref(j);
		return 0;
	}
	CHECK(j != NULL && json_is_object(j)); /* accepted means JSON object */
	json_decref(j);

	edge_buf_init(&b, 16, 0);
	switch (cmd.type) {
	case EDGE_CMD_IDENTIFY:
		CHECK(strlen(cmd.name) <= EDGE_STR_MAX);
		CHECK(strlen(cmd.page) <= EDGE_STR_MAX);
		edge_buf_adds(&b, "{\"name\":");
		edge_buf_add_jstr(&b, cmd.name, strlen(cmd.name));
		edge_buf_adds(&b, ",\"page\":");
		edge_buf_add_jstr(&b, cmd.page, strlen(cmd.page));
		edge_buf_adds(&b, "}");
		check_json(&b);
		break;
	case EDGE_CMD_SUBSCRIBE_LOGS:
		CHECK((cmd.filter.levels & ~(unsigned)WIRE_LEVEL_ALL) == 0);
		CHECK(strlen(cmd.filter.tag) <= EDGE_STR_MAX);
		CHECK(strlen(cmd.filter.module) <= EDGE_STR_MAX);
		edge_buf_adds(&b, "{\"type\":\"subscribe_logs\",\"filters\":");
		edge_logfilter_json(&b, &cmd.filter);
		edge_buf_adds(&b, "}");
		check_json(&b);
		memset(&err, 0, sizeof(err));
		CHECK(edge_proto_parse(edge_buf_data(&b), b.len, &again, &err) == 0);
		CHECK(again.type == EDGE_CMD_SUBSCRIBE_LOGS);
		CHECK(edge_logfilter_eq(&cmd.filter, &again.filter));
		edge_cmd_fini(&again);
		break;
	case EDGE_CMD_HW_UPDATE:
		CHECK(cmd.hw != NULL && cmd.component != NULL && cmd.status != NULL);
		break;
	default:
		break;
	}
	edge_buf_fini(&b);
	edge_cmd_fini(&cmd);
	return 0;
}
