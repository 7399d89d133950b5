/*
 * Client message parsing.  Frames arrive here already bounded by the
 * frame limit (client.c enforces it while reassembling), so jansson never
 * sees more than --max-frame bytes.  Validation is strict and names the
 * offending field, so a dashboard developer sees exactly what was wrong;
 * nothing here closes a connection: that is the caller's decision.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "proto.h"
#include "wire.h"

static const char *const level_names[] = {"debug", "info", "warn", "error"};
static const char *const hw_status[] = {"ok", "degraded", "fault", "offline"};

static int
fail(struct edge_proto_err *err, const char *code, const char *field,
     const char *msg)
{
	err->code = code;
	err->field = field;
	snprintf(err->message, sizeof(err->message), "%s", msg);
	return -1;
}

/* Copy an optional string member; 0 ok (absent/null leaves *has 0), -1 bad. */
static int
opt_str(json_t *obj, const char *key, char *out, int *has)
{
	json_t *v = json_object_get(obj, key);

	if (has)
		*has = 0;
	out[0] = '\0';
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || json_string_length(v) > EDGE_STR_MAX ||
	    memchr(json_string_value(v), '\0', json_string_length(v)) != NULL)
		return -1;
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	if (has)
		*has = 1;
	return 0;
}

static int
parse_filter(json_t *msg, struct edge_logfilter *f, struct edge_proto_err *err)
{
	json_t *fl = json_object_get(msg, "filters"), *lv;

	memset(f, 0, sizeof(*f));
	f->levels = WIRE_LEVEL_ALL;
	if (fl == NULL || json_is_null(fl))
		return 0;
	if (!json_is_object(fl))
		return fail(err, "invalid_field", "filters",
			    "filters must be an object");
	lv = json_object_get(fl, "level");
	if (lv != NULL && !json_is_null(lv)) {
		size_t i, k;
		json_t *e;
		unsigned set = 0;

		if (json_is_string(lv)) {
			json_t *tmp = json_array();
			json_array_append(tmp, lv);
			lv = tmp;
		} else if (json_is_array(lv)) {
			json_incref(lv);
		} else {
			return fail(err, "invalid_field", "filters.level",
				    "level must be an array of level names");
		}
		json_array_foreach(lv, i, e) {
			for (k = 0; k < 4; k++)
				if (json_is_string(e) &&
				    strcmp(json_string_value(e), level_names[k]) == 0)
					break;
			if (k == 4) {
				json_decref(lv);
				return fail(err, "invalid_field", "filters.level",
					    "unknown level (debug, info, warn, error)");
			}
			set |= 1u << k;
		}
		json_decref(lv);
		f->levels = set;
		f->has_levels = 1;
	}
	if (opt_str(fl, "tag", f->tag, &f->has_tag) != 0)
		return fail(err, "invalid_field", "filters.tag",
			    "tag must be a string of at most 256 bytes");
	if (opt_str(fl, "module", f->module, &f->has_module) != 0)
		return fail(err, "invalid_field", "filters.module",
			    "module must be a string of at most 256 bytes");
	return 0;
}

static int
parse_hw(json_t *msg, struct edge_cmd *cmd, struct edge_proto_err *err)
{
	json_t *d = json_object_get(msg, "data"), *c, *s, *det;
	size_t k;

	if (!json_is_object(d))
		return fail(err, "invalid_field", "data",
			    "data must be an object");
	c = json_object_get(d, "component");
	if (!json_is_string(c) || json_string_length(c) == 0 ||
	    json_string_length(c) > EDGE_STR_MAX)
		return fail(err, "invalid_field", "data.component",
			    "component must be a non-empty string");
	s = json_object_get(d, "status");
	for (k = 0; k < 4; k++)
		if (json_is_string(s) &&
		    strcmp(json_string_value(s), hw_status[k]) == 0)
			break;
	if (k == 4)
		return fail(err, "invalid_field", "data.status",
			    "status must be ok, degraded, fault or offline");
	det = json_object_get(d, "details");
	if (det != NULL && !json_is_null(det) && !json_is_object(det))
		return fail(err, "invalid_field", "data.details",
			    "details must be an object");
	cmd->hw = json_incref(d);
	cmd->component = json_string_value(c);
	cmd->status = json_string_value(s);
	cmd->details = json_is_object(det) ? det : NULL;
	return 0;
}

int
edge_proto_parse(const char *buf, size_t len, struct edge_cmd *cmd,
		 struct edge_proto_err *err)
{
	json_error_t jerr;
	json_t *msg, *t;
	const char *type;
	int rc = -1;

	memset(cmd, 0, sizeof(*cmd));
	memset(err, 0, sizeof(*err));
	msg = json_loadb(buf, len, JSON_DECODE_ANY, &jerr);
	if (msg == NULL)
		return fail(err, "invalid_json", NULL, "message is not valid JSON");
	if (!json_is_object(msg)) {
		fail(err, "invalid_message", NULL, "message must be a JSON object");
		goto out;
	}
	t = json_object_get(msg, "type");
	if (!json_is_string(t)) {
		fail(err, "invalid_message", NULL,
		     "message needs a string \"type\"");
		goto out;
	}
	type = json_string_value(t);
	if (strcmp(type, "identify_client") == 0) {
		json_t *ci = json_object_get(msg, "clientInfo");
		cmd->type = EDGE_CMD_IDENTIFY;
		if (ci != NULL && !json_is_null(ci)) {
			if (!json_is_object(ci)) {
				fail(err, "invalid_field", "clientInfo",
				     "clientInfo must be an object");
				goto out;
			}
			if (opt_str(ci, "name", cmd->name, NULL) != 0) {
				fail(err, "invalid_field", "clientInfo.name",
				     "name must be a string of at most 256 bytes");
				goto out;
			}
			if (opt_str(ci, "page", cmd->page, NULL) != 0) {
				fail(err, "invalid_field", "clientInfo.page",
				     "page must be a string of at most 256 bytes");
				goto out;
			}
		}
	} else if (strcmp(type, "ping") == 0) {
		cmd->type = EDGE_CMD_PING;
	} else if (strcmp(type, "request_initial_state") == 0) {
		cmd->type = EDGE_CMD_REQUEST_STATE;
	} else if (strcmp(type, "subscribe_logs") == 0) {
		cmd->type = EDGE_CMD_SUBSCRIBE_LOGS;
		if (parse_filter(msg, &cmd->filter, err) != 0)
			goto out;
	} else if (strcmp(type, "unsubscribe_logs") == 0) {
		cmd->type = EDGE_CMD_UNSUBSCRIBE_LOGS;
	} else if (strcmp(type, "hardware_health_update") == 0) {
		cmd->type = EDGE_CMD_HW_UPDATE;
		if (parse_hw(msg, cmd, err) != 0)
			goto out;
	} else if (strcmp(type, "resume") == 0) {
		json_t *s = json_object_get(msg, "since");
		cmd->type = EDGE_CMD_RESUME;
		if (!json_is_integer(s) || json_integer_value(s) < 0) {
			fail(err, "invalid_field", "since",
			     "since must be a non-negative integer");
			goto out;
		}
		cmd->since = (uint64_t)json_integer_value(s);
	} else {
		fail(err, "unknown_type", NULL, "unknown message type");
		goto out;
	}
	rc = 0;
out:
	json_decref(msg);
	if (rc != 0)
		edge_cmd_fini(cmd);
	return rc;
}

void
edge_cmd_fini(struct edge_cmd *cmd)
{
	if (cmd->hw)
		json_decref(cmd->hw);
	cmd->hw = NULL;
	cmd->details = NULL;
	cmd->component = cmd->status = NULL;
}

int
edge_logfilter_eq(const struct edge_logfilter *a, const struct edge_logfilter *b)
{
	return a->levels == b->levels && a->has_tag == b->has_tag &&
	       a->has_module == b->has_module &&
	       (!a->has_tag || strcmp(a->tag, b->tag) == 0) &&
	       (!a->has_module || strcmp(a->module, b->module) == 0);
}

void
edge_logfilter_json(struct edge_buf *b, const struct edge_logfilter *f)
{
	int first = 1;
	size_t k;

	edge_buf_addc(b, '{');
	if (f->has_levels) {
		edge_buf_adds(b, "\"level\":[");
		for (k = 0; k < 4; k++) {
			if (!(f->levels & (1u << k)))
				continue;
			if (!first)
				edge_buf_addc(b, ',');
			first = 0;
			edge_buf_add_jstr(b, level_names[k], strlen(level_names[k]));
		}
		edge_buf_addc(b, ']');
	}
	if (f->has_tag) {
		edge_buf_adds(b, f->has_levels ? ",\"tag\":" : "\"tag\":");
		edge_buf_add_jstr(b, f->tag, strlen(f->tag));
	}
	if (f->has_module) {
		edge_buf_adds(b, (f->has_levels || f->has_tag) ? ",\"module\":"
							       : "\"module\":");
		edge_buf_add_jstr(b, f->module, strlen(f->module));
	}
	edge_buf_addc(b, '}');
}

void
edge_proto_error_json(struct edge_buf *b, const char *code, const char *message,
		      const char *field)
{
	edge_buf_adds(b, "{\"type\":\"error\",\"error\":{\"code\":");
	edge_buf_add_jstr(b, code, strlen(code));
	edge_buf_adds(b, ",\"message\":");
	edge_buf_add_jstr(b, message, strlen(message));
	if (field) {
		edge_buf_adds(b, ",\"field\":");
		edge_buf_add_jstr(b, field, strlen(field));
	}
	edge_buf_adds(b, "}}");
}
