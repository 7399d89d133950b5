/*
 * The client -> server half of the WebSocket protocol: parsing and
 * validating one text frame into a command, and the error replies.
 */
#ifndef EDGE_PROTO_H
#define EDGE_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"

#define EDGE_STR_MAX 256 /* longest tag, module, client name or page */

enum edge_cmd_type {
	EDGE_CMD_IDENTIFY,
	EDGE_CMD_PING,
	EDGE_CMD_REQUEST_STATE,
	EDGE_CMD_SUBSCRIBE_LOGS,
	EDGE_CMD_UNSUBSCRIBE_LOGS,
	EDGE_CMD_HW_UPDATE,
	EDGE_CMD_RESUME,
};

/* A log filter as clients give it; equal filters compare equal with
 * edge_logfilter_eq (levels as a bit set of WIRE_LEVEL_*). */
struct edge_logfilter {
	unsigned levels; /* WIRE_LEVEL_ALL when absent */
	int has_levels;
	int has_tag, has_module;
	char tag[EDGE_STR_MAX + 1];
	char module[EDGE_STR_MAX + 1];
};

struct edge_cmd {
	enum edge_cmd_type type;
	char name[EDGE_STR_MAX + 1]; /* identify_client */
	char page[EDGE_STR_MAX + 1];
	struct edge_logfilter filter; /* subscribe_logs */
	uint64_t since;               /* resume */
	/* hardware_health_update (component and status point into hw) */
	json_t *hw; /* the "data" object, a reference the caller drops */
	const char *component;
	const char *status;
	json_t *details; /* borrowed from hw; may be NULL */
};

struct edge_proto_err {
	const char *code;  /* invalid_json, invalid_message, unknown_type, invalid_field */
	const char *field; /* NULL unless invalid_field */
	char message[160];
};

/*
 * Parse the LEN bytes at BUF.  Returns 0 with *cmd filled (call
 * edge_cmd_fini after), or -1 with *err filled; nothing to free then.
 */
int edge_proto_parse(const char *buf, size_t len, struct edge_cmd *cmd,
		     struct edge_proto_err *err);
void edge_cmd_fini(struct edge_cmd *cmd);

int edge_logfilter_eq(const struct edge_logfilter *a,
		      const struct edge_logfilter *b);
/* Append the filter as the JSON object clients sent (normalised). */
void edge_logfilter_json(struct edge_buf *b, const struct edge_logfilter *f);

/* Append {"type":"error","error":{"code":..,"message":..,"field":..}}. */
void edge_proto_error_json(struct edge_buf *b, const char *code,
			   const char *message, const char *field);

#endif /* EDGE_PROTO_H */
