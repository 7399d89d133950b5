/*
 * The event schema: names and value sets, JSON lines into ring payloads
 * (every event valid and invalid, the ts forms), the payload check the hub
 * runs, and the shmring_emit_* producer calls read back through a real
 * ring and decoded with msgpack-c.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <msgpack.h>

#include "event.h"
#include "mpvalid.h"
#include "shmring.h"

/* A string literal and its length without the NUL. */
#define LIT(s) s, sizeof(s) - 1

/* ---- helpers ------------------------------------------------------------ */

struct conv {
	int rc, ev;
	msgpack_sbuffer sb;
	struct fh_event_error err;
	msgpack_unpacked u;
};

static void
conv_run(struct conv *c, const char *line)
{
	json_error_t jerr;
	json_t *j = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);

	ck_assert_msg(j != NULL, "test JSON does not parse: %s", line);
	memset(c, 0, sizeof(*c));
	msgpack_sbuffer_init(&c->sb);
	msgpack_unpacked_init(&c->u);
	c->ev = -1;
	c->rc = fh_event_from_json(j, &c->ev, &c->sb, &c->err);
	if (c->rc == 0) {
		size_t off = 0;

		ck_assert_int_eq(msgpack_unpack_next(&c->u, c->sb.data,
						     c->sb.size, &off),
				 MSGPACK_UNPACK_SUCCESS);
		ck_assert_uint_eq(off, c->sb.size);
		ck_assert_int_eq(c->u.data.type, MSGPACK_OBJECT_MAP);
	}
	json_decref(j);
}

static void
conv_done(struct conv *c)
{
	msgpack_unpacked_destroy(&c->u);
	msgpack_sbuffer_destroy(&c->sb);
}

static const msgpack_object *
get(const msgpack_object *map, const char *key)
{
	uint32_t i;

	ck_assert_int_eq(map->type, MSGPACK_OBJECT_MAP);
	for (i = 0; i < map->via.map.size; i++) {
		const msgpack_object *k = &map->via.map.ptr[i].key;

		if (k->type == MSGPACK_OBJECT_STR &&
		    k->via.str.size == strlen(key) &&
		    memcmp(k->via.str.ptr, key, k->via.str.size) == 0)
			return &map->via.map.ptr[i].val;
	}
	return NULL;
}

static void
assert_str(const msgpack_object *map, const char *key, const char *want)
{
	const msgpack_object *v = get(map, key);

	ck_assert_msg(v != NULL, "no key %s", key);
	ck_assert_int_eq(v->type, MSGPACK_OBJECT_STR);
	ck_assert_uint_eq(v->via.str.size, strlen(want));
	ck_assert(memcmp(v->via.str.ptr, want, strlen(want)) == 0);
}

static int64_t
get_ts(const msgpack_object *map)
{
	const msgpack_object *v = get(map, "ts");

	ck_assert(v != NULL);
	ck_assert_int_eq(v->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
	return (int64_t)v->via.u64;
}

/* A line must be rejected, naming FIELD. */
static void
assert_rejected(const char *line, const char *field)
{
	struct conv c;

	conv_run(&c, line);
	ck_assert_msg(c.rc == -EINVAL, "accepted: %s", line);
	ck_assert_msg(strcmp(c.err.field, field) == 0,
		      "line %s: field '%s', want '%s' (%s)", line, c.err.field,
		      field, c.err.message);
	ck_assert(c.err.message[0] != '\0');
	conv_done(&c);
}

/* ---- names and sets ------------------------------------------------------ */

START_TEST(event_names_round_trip)
{
	int ev;

	for (ev = FH_EV_MIN; ev <= FH_EV_MAX; ev++) {
		const char *n = fh_event_name(ev);

		ck_assert_ptr_nonnull(n);
		ck_assert_int_eq(fh_event_from_name(n, strlen(n)), ev);
	}
	ck_assert_str_eq(fh_event_name(FH_EV_LOG), "log");
	ck_assert_str_eq(fh_event_name(FH_EV_BLOCK_EXECUTED), "block_executed");
	ck_assert_ptr_null(fh_event_name(0));
	ck_assert_ptr_null(fh_event_name(FH_EV_MAX + 1));
	ck_assert_int_eq(fh_event_from_name("logs", 4), -1);
	ck_assert_int_eq(fh_event_from_name("lo", 2), -1);
	ck_assert_int_eq(fh_event_from_name("Log", 3), -1);
}
END_TEST

START_TEST(value_sets_round_trip_and_reject_others)
{
	ck_assert_int_eq(fh_level_from_name("warn", 4), FH_LEVEL_WARN);
	ck_assert_int_eq(fh_level_from_name("warning", 7), -1);
	ck_assert_int_eq(fh_level_from_name("INFO", 4), -1);
	ck_assert_str_eq(fh_level_name(FH_LEVEL_DEBUG), "debug");
	ck_assert_ptr_null(fh_level_name(4));
	ck_assert_ptr_null(fh_level_name(-1));
	ck_assert_int_eq(fh_block_status_from_name("cancelled", 9),
			 FH_BLOCK_CANCELLED);
	ck_assert_int_eq(fh_block_status_from_name("stopped", 7), -1);
	ck_assert_str_eq(fh_block_status_name(FH_BLOCK_SKIPPED), "skipped");
	ck_assert_int_eq(fh_hw_status_from_name("offline", 7), FH_HW_OFFLINE);
	ck_assert_int_eq(fh_hw_status_from_name("failed", 6), -1);
	ck_assert_str_eq(fh_hw_status_name(FH_HW_DEGRADED), "degraded");
	ck_assert_int_eq(fh_finish_status_from_name("stopped", 7),
			 FH_FINISH_STOPPED);
	ck_assert_int_eq(fh_finish_status_from_name("skipped", 7), -1);
	ck_assert_str_eq(fh_finish_status_name(FH_FINISH_FAILED), "failed");
	ck_assert_ptr_null(fh_finish_status_name(3));
}
END_TEST

START_TEST(field_tables_mark_required_fields_and_kinds)
{
	const struct fh_field *f;
	size_t n;

	f = fh_event_fields(FH_EV_BLOCK_STARTED, &n);
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(f[0].name, "blockId");
	ck_assert(f[0].required && f[1].required && !f[2].required);
	f = fh_event_field(FH_EV_LOG, "data", 4);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->kind, FH_KIND_OBJECT);
	f = fh_event_field(FH_EV_BLOCK_EXECUTED, "result", 6);
	ck_assert_int_eq(f->kind, FH_KIND_ANY);
	f = fh_event_field(FH_EV_HARDWARE_HEALTH, "status", 6);
	ck_assert_int_eq(fh_field_value_index(f, "fault", 5), FH_HW_FAULT);
	ck_assert_int_eq(fh_field_value_index(f, "completed", 9), -1);
	ck_assert_ptr_null(fh_event_field(FH_EV_LOG, "blockId", 7));
	ck_assert_ptr_null(fh_event_fields(0, &n));
}
END_TEST

/* ---- timestamps ------------------------------------------------------------ */

START_TEST(iso_timestamps_parse_with_zone_and_fraction)
{
	int64_t ms;

	ck_assert_int_eq(fh_ts_parse_iso("2025-09-18T19:21:00.007Z", 24, &ms), 0);
	ck_assert_int_eq(ms, INT64_C(1758223260007));
	ck_assert_int_eq(fh_ts_parse_iso("1970-01-01T00:00:00Z", 20, &ms), 0);
	ck_assert_int_eq(ms, 0);
	ck_assert_int_eq(fh_ts_parse_iso("2025-09-18T21:21:00.5+02:00", 27, &ms), 0);
	ck_assert_int_eq(ms, INT64_C(1758223260500));
	ck_assert_int_eq(fh_ts_parse_iso("2025-09-18 19:21:00.123456789z", 30, &ms), 0);
	ck_assert_int_eq(ms, INT64_C(1758223260123));
	ck_assert_int_eq(fh_ts_parse_iso("2024-02-29T00:00:00-00:30", 25, &ms), 0);
	ck_assert_int_eq(ms, INT64_C(1709166600000));
	ck_assert_int_eq(fh_ts_parse_iso("9999-12-31T23:59:59.999Z", 24, &ms), 0);
	ck_assert_int_eq(ms, FH_TS_MAX);
}
END_TEST

START_TEST(iso_timestamps_reject_garbage)
{
	static const char *const bad[] = {
		"", "2025", "2025-09-18", "2025-09-18T19:21:00",  /* no zone */
		"2025-09-18T19:21Z", "2025-13-01T00:00:00Z", "2025-02-30T00:00:00Z",
		"2023-02-29T00:00:00Z", "2025-09-18T24:00:00Z",
		"2025-09-18T23:60:00Z", "2025-09-18T23:59:60Z",
		"2025-09-18T19:21:00.Z", "2025-09-18T19:21:00.0123456789Z",
		"2025-09-18T19:21:00ZZ", "2025-09-18T19:21:00+0200",
		"2025-09-18T19:21:00+24:00", "1969-12-31T23:59:59Z",
		"1970-01-01T00:00:00+00:01", "yesterday", "2025-09-18X19:21:00Z",
		" 2025-09-18T19:21:00Z", "2025-9-18T19:21:00Z",
	};
	size_t i;
	int64_t ms = 42;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(fh_ts_parse_iso(bad[i], strlen(bad[i]), &ms) ==
				      -EINVAL,
			      "accepted '%s'", bad[i]);
	ck_assert_int_eq(ms, 42);
	/* The length bounds the parse: no NUL needed, no overread. */
	ck_assert_int_eq(fh_ts_parse_iso("2025-09-18T19:21:00Zjunk", 19, &ms),
			 -EINVAL);
}
END_TEST

START_TEST(iso_format_round_trips)
{
	char buf[FH_TS_ISO_LEN];
	int64_t v[] = {0, 1, 999, INT64_C(1758223260007), INT64_C(951782400000),
		       FH_TS_MAX}, ms;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ck_assert_int_eq(fh_ts_format_iso(v[i], buf, sizeof(buf)), 0);
		ck_assert_uint_eq(strlen(buf), 24);
		ck_assert_int_eq(fh_ts_parse_iso(buf, strlen(buf), &ms), 0);
		ck_assert_int_eq(ms, v[i]);
	}
	fh_ts_format_iso(INT64_C(1758223260007), buf, sizeof(buf));
	ck_assert_str_eq(buf, "2025-09-18T19:21:00.007Z");
	ck_assert_int_eq(fh_ts_format_iso(-1, buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(fh_ts_format_iso(FH_TS_MAX + 1, buf, sizeof(buf)),
			 -EINVAL);
	ck_assert_int_eq(fh_ts_format_iso(0, buf, 24), -EINVAL);
}
END_TEST

/* ---- JSON lines -------------------------------------------------------- */

START_TEST(converts_execution_started)
{
	struct conv c;

	conv_run(&c, "{\"event\":\"execution_started\",\"sessionId\":\"s-1\","
		     "\"programId\":\"p-7\",\"programName\":\"Hydro A\","
		     "\"meta\":{\"v\":2,\"tags\":[\"a\",true,null,1.5]},"
		     "\"ts\":1758223260007}");
	ck_assert_int_eq(c.rc, 0);
	ck_assert_int_eq(c.ev, FH_EV_EXECUTION_STARTED);
	ck_assert_uint_eq(c.u.data.via.map.size, 5);
	ck_assert_ptr_null(get(&c.u.data, "event"));
	assert_str(&c.u.data, "sessionId", "s-1");
	assert_str(&c.u.data, "programId", "p-7");
	assert_str(&c.u.data, "programName", "Hydro A");
	ck_assert_int_eq(get_ts(&c.u.data), INT64_C(1758223260007));
	{
		const msgpack_object *m = get(&c.u.data, "meta"), *t;

		ck_assert_int_eq(m->type, MSGPACK_OBJECT_MAP);
		ck_assert_int_eq(get(m, "v")->via.u64, 2);
		t = get(m, "tags");
		ck_assert_int_eq(t->type, MSGPACK_OBJECT_ARRAY);
		ck_assert_int_eq(t->via.array.ptr[1].type, MSGPACK_OBJECT_BOOLEAN);
		ck_assert_int_eq(t->via.array.ptr[2].type, MSGPACK_OBJECT_NIL);
		ck_assert_int_eq(t->via.array.ptr[3].type,
				 MSGPACK_OBJECT_FLOAT64);
	}
	ck_assert_int_eq(fh_event_check_mp(c.ev, c.sb.data, c.sb.size, NULL,
					   NULL), 0);
	conv_done(&c);
	assert_rejected("{\"event\":\"execution_started\"}", "sessionId");
	assert_rejected("{\"event\":\"execution_started\",\"sessionId\":7}",
			"sessionId");
	assert_rejected("{\"event\":\"execution_started\",\"sessionId\":\"s\","
			"\"meta\":[1]}", "meta");
	assert_rejected("{\"event\":\"execution_started\",\"sessionId\":\"s\","
			"\"programName\":{}}", "programName");
}
END_TEST

START_TEST(converts_block_started_with_non_ascii_text)
{
	struct conv c;

	conv_run(&c, "{\"event\":\"block_started\",\"blockId\":\"b1\","
		     "\"blockType\":\"sensor_read\",\"blockName\":\"EC\","
		     "\"displayText\":\"Измерва EC...\","
		     "\"params\":{\"sensor\":\"ec_1\"}}");
	ck_assert_int_eq(c.rc, 0);
	ck_assert_int_eq(c.ev, FH_EV_BLOCK_STARTED);
	assert_str(&c.u.data, "displayText", "Измерва EC...");
	assert_str(&c.u.data, "blockType", "sensor_read");
	conv_done(&c);
	assert_rejected("{\"event\":\"block_started\",\"blockId\":\"b1\"}",
			"blockType");
	assert_rejected("{\"event\":\"block_started\",\"blockType\":\"x\"}",
			"blockId");
	assert_rejected("{\"event\":\"block_started\",\"blockId\":\"b\","
			"\"blockType\":\"x\",\"params\":\"p\"}", "params");
}
END_TEST

START_TEST(converts_block_executed_with_any_result)
{
	static const char *const results[] = {"1", "\"x\"", "[1,2]",
					      "{\"value\":6.1}", "false"};
	size_t i;
	struct conv c;
	char line[256];

	for (i = 0; i < sizeof(results) / sizeof(results[0]); i++) {
		snprintf(line, sizeof(line),
			 "{\"event\":\"block_executed\",\"blockId\":\"b1\","
			 "\"status\":\"completed\",\"result\":%s}", results[i]);
		conv_run(&c, line);
		ck_assert_int_eq(c.rc, 0);
		ck_assert_ptr_nonnull(get(&c.u.data, "result"));
		conv_done(&c);
	}
	conv_run(&c, "{\"event\":\"block_executed\",\"blockId\":\"b1\","
		     "\"status\":\"failed\",\"error\":\"timeout\"}");
	ck_assert_int_eq(c.rc, 0);
	assert_str(&c.u.data, "status", "failed");
	assert_str(&c.u.data, "error", "timeout");
	conv_done(&c);
	assert_rejected("{\"event\":\"block_executed\",\"blockId\":\"b1\","
			"\"status\":\"done\"}", "status");
	assert_rejected("{\"event\":\"block_executed\",\"blockId\":\"b1\"}",
			"status");
	assert_rejected("{\"event\":\"block_executed\",\"blockId\":\"b1\","
			"\"status\":\"failed\",\"error\":{}}", "error");
}
END_TEST

START_TEST(converts_log_and_checks_level)
{
	static const char *const levels[] = {"debug", "info", "warn", "error"};
	size_t i;
	struct conv c;
	char line[256];

	for (i = 0; i < 4; i++) {
		snprintf(line, sizeof(line),
			 "{\"event\":\"log\",\"level\":\"%s\",\"message\":\"m\","
			 "\"tag\":\"Pump\",\"module\":\"hw\",\"data\":{\"a\":1}}",
			 levels[i]);
		conv_run(&c, line);
		ck_assert_int_eq(c.rc, 0);
		ck_assert_int_eq(c.ev, FH_EV_LOG);
		assert_str(&c.u.data, "level", levels[i]);
		assert_str(&c.u.data, "tag", "Pump");
		conv_done(&c);
	}
	assert_rejected("{\"event\":\"log\",\"level\":\"trace\",\"message\":\"m\"}",
			"level");
	assert_rejected("{\"event\":\"log\",\"level\":\"info\"}", "message");
	assert_rejected("{\"event\":\"log\",\"message\":\"m\"}", "level");
	assert_rejected("{\"event\":\"log\",\"level\":\"info\",\"message\":\"m\","
			"\"data\":5}", "data");
}
END_TEST

START_TEST(converts_hardware_health_and_checks_status)
{
	struct conv c;

	conv_run(&c, "{\"event\":\"hardware_health\",\"component\":\"pump_1\","
		     "\"status\":\"degraded\",\"details\":{\"rpm\":900}}");
	ck_assert_int_eq(c.rc, 0);
	ck_assert_int_eq(c.ev, FH_EV_HARDWARE_HEALTH);
	assert_str(&c.u.data, "status", "degraded");
	conv_done(&c);
	assert_rejected("{\"event\":\"hardware_health\",\"component\":\"p\","
			"\"status\":\"completed\"}", "status");
	assert_rejected("{\"event\":\"hardware_health\",\"status\":\"ok\"}",
			"component");
}
END_TEST

START_TEST(converts_execution_finished_and_checks_status)
{
	struct conv c;

	conv_run(&c, "{\"event\":\"execution_finished\",\"status\":\"stopped\","
		     "\"summary\":{\"blocks\":3}}");
	ck_assert_int_eq(c.rc, 0);
	ck_assert_int_eq(c.ev, FH_EV_EXECUTION_FINISHED);
	assert_str(&c.u.data, "status", "stopped");
	conv_done(&c);
	assert_rejected("{\"event\":\"execution_finished\",\"status\":\"cancelled\"}",
			"status");
	assert_rejected("{\"event\":\"execution_finished\"}", "status");
}
END_TEST

START_TEST(rejects_unknown_events_and_fields)
{
	assert_rejected("{\"event\":\"block_finished\",\"blockId\":\"b\"}", "event");
	assert_rejected("{\"blockId\":\"b\"}", "event");
	assert_rejected("{\"event\":3}", "event");
	assert_rejected("[1,2]", "");
	assert_rejected("{\"event\":\"log\",\"level\":\"info\",\"message\":\"m\","
			"\"lvl\":\"x\"}", "lvl");
	assert_rejected("{\"event\":\"log\",\"level\":\"info\",\"message\":\"m\","
			"\"blockId\":\"x\"}", "blockId");
}
END_TEST

START_TEST(null_optional_fields_are_left_out)
{
	struct conv c;

	conv_run(&c, "{\"event\":\"log\",\"level\":\"info\",\"message\":\"m\","
		     "\"tag\":null,\"data\":null}");
	ck_assert_int_eq(c.rc, 0);
	ck_assert_ptr_null(get(&c.u.data, "tag"));
	ck_assert_ptr_null(get(&c.u.data, "data"));
	ck_assert_uint_eq(c.u.data.via.map.size, 3);
	conv_done(&c);
	assert_rejected("{\"event\":\"log\",\"level\":null,\"message\":\"m\"}",
			"level");
}
END_TEST

START_TEST(ts_accepts_integer_and_iso_and_stamps_when_absent)
{
	struct conv c;
	int64_t before, after;

	conv_run(&c, "{\"event\":\"log\",\"level\":\"info\",\"message\":\"m\","
		     "\"ts\":\"2025-09-18T19:21:00.007Z\"}");
	ck_assert_int_eq(c.rc, 0);
	ck_assert_int_eq(get_ts(&c.u.data), INT64_C(1758223260007));
	conv_done(&c);
	conv_run(&c, "{\"event\":\"log\",\"level\":\"info\",\"message\":\"m\","
		     "\"ts\":0}");
	ck_assert_int_eq(c.rc, 0);
	ck_assert_int_eq(get_ts(&c.u.data), 0);
	conv_done(&c);
	before = fh_now_ms();
	conv_run(&c, "{\"event\":\"log\",\"level\":\"info\",\"message\":\"m\"}");
	after = fh_now_ms();
	ck_assert_int_eq(c.rc, 0);
	ck_assert_int_ge(get_ts(&c.u.data), before);
	ck_assert_int_le(get_ts(&c.u.data), after);
	conv_done(&c);
	assert_rejected("{\"event\":\"log\",\"level\":\"info\",\"message\":\"m\","
			"\"ts\":\"now\"}", "ts");
	assert_rejected("{\"event\":\"log\",\"level\":\"info\",\"message\":\"m\","
			"\"ts\":-5}", "ts");
	assert_rejected("{\"event\":\"log\",\"level\":\"info\",\"message\":\"m\","
			"\"ts\":1.5e12}", "ts");
	assert_rejected("{\"event\":\"log\",\"level\":\"info\",\"message\":\"m\","
			"\"ts\":253402300800000}", "ts");
	assert_rejected("{\"event\":\"log\",\"level\":\"info\",\"message\":\"m\","
			"\"ts\":null}", "ts");
}
END_TEST

START_TEST(rejects_nesting_deeper_than_the_payload_limit)
{
	char line[512];
	size_t n = 0;
	int i;
	struct conv c;

	/* data at depth 2 holding 30 more levels: 32 in all, the limit. */
	n += (size_t)snprintf(line, sizeof(line),
			      "{\"event\":\"log\",\"level\":\"info\","
			      "\"message\":\"m\",\"data\":{\"x\":");
	for (i = 0; i < 30; i++)
		line[n++] = '[';
	for (i = 0; i < 30; i++)
		line[n++] = ']';
	n += (size_t)snprintf(line + n, sizeof(line) - n, "}}");
	conv_run(&c, line);
	ck_assert_int_eq(c.rc, 0);
	ck_assert_int_eq(fh_event_check_mp(c.ev, c.sb.data, c.sb.size, NULL,
					   NULL), 0);
	conv_done(&c);
	/* one level more */
	memmove(line + 60, line + 59, strlen(line + 59) + 1);
	line[59] = '[';
	memmove(line + 62 + 30, line + 61 + 30, strlen(line + 61 + 30) + 1);
	line[91] = ']';
	assert_rejected(line, "data");
}
END_TEST

/* ---- payload check (the hub's side) --------------------------------------- */

static size_t
pack_log(char *out, const char *level, int with_message, int ts_kind)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	size_t n;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2 + (with_message ? 1 : 0));
	msgpack_pack_str_with_body(&pk, "ts", 2);
	if (ts_kind == 0)
		msgpack_pack_uint64(&pk, 1758223260007u);
	else if (ts_kind == 1)
		msgpack_pack_int64(&pk, -1);
	else
		msgpack_pack_str_with_body(&pk, "2025", 4);
	msgpack_pack_str_with_body(&pk, "level", 5);
	msgpack_pack_str_with_body(&pk, level, strlen(level));
	if (with_message) {
		msgpack_pack_str_with_body(&pk, "message", 7);
		msgpack_pack_str_with_body(&pk, "hi", 2);
	}
	memcpy(out, sb.data, sb.size);
	n = sb.size;
	msgpack_sbuffer_destroy(&sb);
	return n;
}

START_TEST(payload_check_accepts_valid_and_reports_ts)
{
	char buf[128];
	size_t n = pack_log(buf, "warn", 1, 0);
	int64_t ts = 0;

	ck_assert_int_eq(fh_event_check_mp(FH_EV_LOG, buf, n, &ts, NULL), 0);
	ck_assert_int_eq(ts, INT64_C(1758223260007));
	/* A log payload is not a valid block_started. */
	ck_assert_int_eq(fh_event_check_mp(FH_EV_BLOCK_STARTED, buf, n, NULL,
					   NULL), -EBADMSG);
}
END_TEST

START_TEST(payload_check_rejects_bad_payloads)
{
	char buf[128];
	struct fh_event_error err;
	size_t n;

	n = pack_log(buf, "loud", 1, 0);
	ck_assert_int_eq(fh_event_check_mp(FH_EV_LOG, buf, n, NULL, &err),
			 -EBADMSG);
	ck_assert_str_eq(err.field, "level");
	n = pack_log(buf, "info", 0, 0);
	ck_assert_int_eq(fh_event_check_mp(FH_EV_LOG, buf, n, NULL, &err),
			 -EBADMSG);
	ck_assert_str_eq(err.field, "message");
	n = pack_log(buf, "info", 1, 1);
	ck_assert_int_eq(fh_event_check_mp(FH_EV_LOG, buf, n, NULL, &err),
			 -EBADMSG);
	ck_assert_str_eq(err.field, "ts");
	n = pack_log(buf, "info", 1, 2);
	ck_assert_int_eq(fh_event_check_mp(FH_EV_LOG, buf, n, NULL, &err),
			 -EBADMSG);
	n = pack_log(buf, "info", 1, 0);
	/* trailing byte, truncation, unknown type, not a map */
	buf[n] = 0x01;
	ck_assert_int_eq(fh_event_check_mp(FH_EV_LOG, buf, n + 1, NULL, NULL),
			 -EBADMSG);
	ck_assert_int_eq(fh_event_check_mp(FH_EV_LOG, buf, n - 1, NULL, NULL),
			 -EBADMSG);
	ck_assert_int_eq(fh_event_check_mp(99, buf, n, NULL, NULL), -EBADMSG);
	ck_assert_int_eq(fh_event_check_mp(FH_EV_LOG, "\x91\x01", 2, NULL,
					   NULL), -EBADMSG);
	ck_assert_int_eq(fh_event_check_mp(FH_EV_LOG, "", 0, NULL, NULL),
			 -EBADMSG);
	/* The 17-byte map that claims four billion entries. */
	ck_assert_int_eq(fh_event_check_mp(FH_EV_LOG,
					   "\xdf\xff\xff\xff\xff\0\0\0\0\0\0\0\0\0\0\0\0",
					   17, NULL, NULL), -EBADMSG);
	/* duplicate key: {"level":"info","level":"info","message":"m"} */
	ck_assert_int_eq(fh_event_check_mp(FH_EV_LOG,
					   LIT("\x83\xa5level\xa4info\xa5level\xa4info"
					   "\xa7message\xa1m"), NULL, &err),
			 -EBADMSG);
	ck_assert_str_eq(err.field, "level");
	/* unknown keys are ignored (newer producers) */
	ck_assert_int_eq(fh_event_check_mp(FH_EV_LOG,
					   LIT("\x83\xa5level\xa4info\xa3new\x01"
					   "\xa7message\xa1m"), NULL, NULL),
			 0);
	/* a map key that is not a string */
	ck_assert_int_eq(fh_event_check_mp(FH_EV_LOG,
					   LIT("\x83\xa5level\xa4info\x01\x01"
					   "\xa7message\xa1m"), NULL, NULL),
			 -EBADMSG);
	/* invalid UTF-8 in the message */
	ck_assert_int_eq(fh_event_check_mp(FH_EV_LOG,
					   LIT("\x82\xa5level\xa4info"
					   "\xa7message\xa1\xff"), NULL, NULL),
			 -EBADMSG);
}
END_TEST

/* Mutated payloads (flipped bytes, truncations) never crash the check,
 * and whatever it accepts msgpack-c unpacks into a map.  Run under ASan
 * this also proves the check reads nothing outside the buffer. */
START_TEST(payload_check_survives_mutations)
{
	struct conv c;
	uint32_t seed = 99;
	int i, accepted = 0;

	conv_run(&c, "{\"event\":\"block_executed\",\"blockId\":\"b1\","
		     "\"status\":\"completed\",\"result\":{\"v\":[1,\"x\","
		     "{\"k\":-3.5}],\"u\":\"°C\"},\"error\":\"e\"}");
	ck_assert_int_eq(c.rc, 0);
	for (i = 0; i < 100000; i++) {
		char *m;
		size_t len = c.sb.size, off = 0;
		int flips, j;
		msgpack_unpacked u;

		seed = seed * 1103515245u + 12345u;
		if (seed % 4 == 0)
			len = (seed >> 8) % len;
		m = malloc(len ? len : 1);
		memcpy(m, c.sb.data, len);
		flips = 1 + (int)((seed >> 4) % 3);
		for (j = 0; j < flips && len > 0; j++) {
			seed = seed * 1103515245u + 12345u;
			m[(seed >> 8) % len] = (char)(seed >> 20);
		}
		if (fh_event_check_mp(FH_EV_BLOCK_EXECUTED, m, len, NULL,
				      NULL) == 0) {
			accepted++;
			msgpack_unpacked_init(&u);
			ck_assert_int_eq(msgpack_unpack_next(&u, m, len, &off),
					 MSGPACK_UNPACK_SUCCESS);
			ck_assert_uint_eq(off, len);
			ck_assert_int_eq(u.data.type, MSGPACK_OBJECT_MAP);
			msgpack_unpacked_destroy(&u);
		}
		free(m);
	}
	ck_assert_int_gt(accepted, 100); /* some flips land in values */
	conv_done(&c);
}
END_TEST

/* ---- producer API through a real ring ------------------------------------- */

struct rec {
	int32_t type;
	char data[4096];
	uint32_t len;
};

struct recs {
	struct rec r[16];
	int n;
	uint64_t end;
};

static void
collect(int32_t type, const void *data, uint32_t len, uint64_t pos_end,
	void *arg)
{
	struct recs *rs = arg;

	ck_assert_int_lt(rs->n, 16);
	ck_assert_uint_le(len, sizeof(rs->r[0].data));
	rs->r[rs->n].type = type;
	memcpy(rs->r[rs->n].data, data, len);
	rs->r[rs->n].len = len;
	rs->n++;
	rs->end = pos_end;
}

static char ring_name[64];
static struct shmring *ring;

static void
ring_setup(void)
{
	struct shmring_opts o = {0};

	snprintf(ring_name, sizeof(ring_name), "/fhtest-event-%d", getpid());
	shmring_unlink(ring_name);
	o.capacity = SHMRING_MIN_CAPACITY;
	o.max_record = 8192;
	ck_assert_int_eq(shmring_open(&ring, ring_name, &o), 0);
	ck_assert_int_eq(shmring_consumer_attach(ring), 0);
}

static void
ring_teardown(void)
{
	shmring_close(ring);
	ring = NULL;
	shmring_unlink(ring_name);
}

/* Read the one record the last call wrote; decode and check it. */
static void
read_one(struct recs *rs, msgpack_unpacked *u, int want_type)
{
	size_t off = 0;

	memset(rs, 0, sizeof(*rs));
	ck_assert_int_eq(shmring_read(ring, collect, rs, 16), 1);
	ck_assert_int_eq(shmring_release(ring, rs->end), 0);
	ck_assert_int_eq(rs->r[0].type, want_type);
	ck_assert_int_eq(fh_event_check_mp(want_type, rs->r[0].data,
					   rs->r[0].len, NULL, NULL), 0);
	msgpack_unpacked_init(u);
	ck_assert_int_eq(msgpack_unpack_next(u, rs->r[0].data, rs->r[0].len,
					     &off), MSGPACK_UNPACK_SUCCESS);
	ck_assert_uint_eq(off, rs->r[0].len);
}

static void
assert_ring_empty(void)
{
	struct recs rs = {0};

	ck_assert_int_eq(shmring_read(ring, collect, &rs, 16), 0);
}

START_TEST(producer_writes_every_event_kind_decodable_by_msgpack_c)
{
	struct recs rs;
	msgpack_unpacked u;
	const msgpack_object *v;
	/* {"unit":"mS/cm","value":1.8} packed by hand */
	static const char obj[] = "\x82\xa4unit\xa5mS/cm\xa5value\xcb\x3f\xfc\xcc"
				  "\xcc\xcc\xcc\xcc\xcd";
	size_t objlen = sizeof(obj) - 1;
	int64_t before = fh_now_ms(), ts;

	ck_assert_int_eq(shmring_emit_execution_started(ring, "s-1", "p-7",
				 "Hydro A", obj, objlen), 0);
	read_one(&rs, &u, FH_EV_EXECUTION_STARTED);
	ck_assert_uint_eq(u.data.via.map.size, 5);
	assert_str(&u.data, "sessionId", "s-1");
	assert_str(&u.data, "programId", "p-7");
	assert_str(&u.data, "programName", "Hydro A");
	v = get(&u.data, "meta");
	ck_assert_int_eq(v->type, MSGPACK_OBJECT_MAP);
	assert_str(v, "unit", "mS/cm");
	ck_assert(get(v, "value")->via.f64 == 1.8);
	ts = get_ts(&u.data);
	ck_assert_int_ge(ts, before);
	ck_assert_int_le(ts, fh_now_ms());
	msgpack_unpacked_destroy(&u);

	ck_assert_int_eq(shmring_emit_block_started(ring, "b1", "sensor_read",
				 NULL, "Измерва EC...", NULL, 0), 0);
	read_one(&rs, &u, FH_EV_BLOCK_STARTED);
	ck_assert_uint_eq(u.data.via.map.size, 4);
	assert_str(&u.data, "blockId", "b1");
	assert_str(&u.data, "blockType", "sensor_read");
	assert_str(&u.data, "displayText", "Измерва EC...");
	ck_assert_ptr_null(get(&u.data, "blockName"));
	ck_assert_ptr_null(get(&u.data, "params"));
	msgpack_unpacked_destroy(&u);

	ck_assert_int_eq(shmring_emit_block_executed(ring, "b1", "completed",
				 "\x93\x01\x02\x03", 4, NULL), 0);
	read_one(&rs, &u, FH_EV_BLOCK_EXECUTED);
	assert_str(&u.data, "status", "completed");
	v = get(&u.data, "result");
	ck_assert_int_eq(v->type, MSGPACK_OBJECT_ARRAY);
	ck_assert_uint_eq(v->via.array.size, 3);
	ck_assert_ptr_null(get(&u.data, "error"));
	msgpack_unpacked_destroy(&u);

	ck_assert_int_eq(shmring_emit_log(ring, "warn", "pH high", "Sensor",
				 "ph", obj, objlen), 0);
	read_one(&rs, &u, FH_EV_LOG);
	ck_assert_uint_eq(u.data.via.map.size, 6);
	assert_str(&u.data, "level", "warn");
	assert_str(&u.data, "message", "pH high");
	assert_str(&u.data, "tag", "Sensor");
	assert_str(&u.data, "module", "ph");
	msgpack_unpacked_destroy(&u);

	ck_assert_int_eq(shmring_emit_hardware_health(ring, "pump_1", "fault",
				 NULL, 0), 0);
	read_one(&rs, &u, FH_EV_HARDWARE_HEALTH);
	ck_assert_uint_eq(u.data.via.map.size, 3);
	assert_str(&u.data, "component", "pump_1");
	assert_str(&u.data, "status", "fault");
	msgpack_unpacked_destroy(&u);

	ck_assert_int_eq(shmring_emit_execution_finished(ring, "failed", obj,
				 objlen), 0);
	read_one(&rs, &u, FH_EV_EXECUTION_FINISHED);
	assert_str(&u.data, "status", "failed");
	ck_assert_ptr_nonnull(get(&u.data, "summary"));
	msgpack_unpacked_destroy(&u);
	assert_ring_empty();
}
END_TEST

START_TEST(producer_writes_long_strings_with_wide_headers)
{
	static char big[3000];
	struct recs rs;
	msgpack_unpacked u;
	size_t lens[] = {31, 32, 255, 256, 2999};
	size_t i;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(big, 'm', sizeof(big));
		big[lens[i]] = '\0';
		ck_assert_int_eq(shmring_emit_log(ring, "info", big, NULL, NULL,
						  NULL, 0), 0);
		read_one(&rs, &u, FH_EV_LOG);
		assert_str(&u.data, "message", big);
		msgpack_unpacked_destroy(&u);
	}
}
END_TEST

START_TEST(producer_rejects_bad_arguments_without_writing)
{
	/* required fields */
	ck_assert_int_eq(shmring_emit_execution_started(ring, NULL, "p", "n",
				 NULL, 0), -EINVAL);
	ck_assert_int_eq(shmring_emit_block_started(ring, "b", NULL, NULL, NULL,
				 NULL, 0), -EINVAL);
	ck_assert_int_eq(shmring_emit_block_executed(ring, NULL, "completed",
				 NULL, 0, NULL), -EINVAL);
	ck_assert_int_eq(shmring_emit_log(ring, "info", NULL, NULL, NULL, NULL,
				 0), -EINVAL);
	ck_assert_int_eq(shmring_emit_hardware_health(ring, NULL, "ok", NULL,
				 0), -EINVAL);
	ck_assert_int_eq(shmring_emit_execution_finished(ring, NULL, NULL, 0),
			 -EINVAL);
	/* values outside the sets */
	ck_assert_int_eq(shmring_emit_log(ring, "trace", "m", NULL, NULL, NULL,
				 0), -EINVAL);
	ck_assert_int_eq(shmring_emit_block_executed(ring, "b", "done", NULL, 0,
				 NULL), -EINVAL);
	ck_assert_int_eq(shmring_emit_hardware_health(ring, "c", "failed",
				 NULL, 0), -EINVAL);
	ck_assert_int_eq(shmring_emit_execution_finished(ring, "cancelled",
				 NULL, 0), -EINVAL);
	/* invalid UTF-8 */
	ck_assert_int_eq(shmring_emit_log(ring, "info", "\xc3\x28", NULL, NULL,
				 NULL, 0), -EINVAL);
	/* pre-packed objects: not a map, truncated, trailing bytes, lying
	 * count, zero length, binary */
	ck_assert_int_eq(shmring_emit_log(ring, "info", "m", NULL, NULL,
				 "\x91\x01", 2), -EINVAL);
	ck_assert_int_eq(shmring_emit_log(ring, "info", "m", NULL, NULL,
				 "\x81\xa1k", 3), -EINVAL);
	ck_assert_int_eq(shmring_emit_log(ring, "info", "m", NULL, NULL,
				 "\x80\x01", 2), -EINVAL);
	ck_assert_int_eq(shmring_emit_log(ring, "info", "m", NULL, NULL,
				 "\xdf\xff\xff\xff\xff", 5), -EINVAL);
	ck_assert_int_eq(shmring_emit_log(ring, "info", "m", NULL, NULL,
				 "\x80", 0), -EINVAL);
	ck_assert_int_eq(shmring_emit_block_executed(ring, "b", "completed",
				 "\xc4\x01\x00", 3, NULL), -EINVAL);
	ck_assert_int_eq(shmring_emit_log(NULL, "info", "m", NULL, NULL, NULL,
				 0), -EINVAL);
	assert_ring_empty();
}
END_TEST

START_TEST(producer_reports_too_large_and_full)
{
	static char big[9000];
	int i, rc = 0;

	memset(big, 'x', sizeof(big) - 1);
	ck_assert_int_eq(shmring_emit_log(ring, "info", big, NULL, NULL, NULL,
				 0), -EMSGSIZE);
	assert_ring_empty();
	big[4000] = '\0';
	/* 64 KiB of ring, ~4 KiB records, nobody releasing: fills up. */
	for (i = 0; i < 100 && rc == 0; i++)
		rc = shmring_emit_log(ring, "info", big, NULL, NULL, NULL, 0);
	ck_assert_int_eq(rc, SHMRING_FULL);
	ck_assert_int_gt(i, 5);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("event");
	TCase *tc = tcase_create("schema");
	TCase *tp = tcase_create("producer");

	tcase_add_test(tc, event_names_round_trip);
	tcase_add_test(tc, value_sets_round_trip_and_reject_others);
	tcase_add_test(tc, field_tables_mark_required_fields_and_kinds);
	tcase_add_test(tc, iso_timestamps_parse_with_zone_and_fraction);
	tcase_add_test(tc, iso_timestamps_reject_garbage);
	tcase_add_test(tc, iso_format_round_trips);
	tcase_add_test(tc, converts_execution_started);
	tcase_add_test(tc, converts_block_started_with_non_ascii_text);
	tcase_add_test(tc, converts_block_executed_with_any_result);
	tcase_add_test(tc, converts_log_and_checks_level);
	tcase_add_test(tc, converts_hardware_health_and_checks_status);
	tcase_add_test(tc, converts_execution_finished_and_checks_status);
	tcase_add_test(tc, rejects_unknown_events_and_fields);
	tcase_add_test(tc, null_optional_fields_are_left_out);
	tcase_add_test(tc, ts_accepts_integer_and_iso_and_stamps_when_absent);
	tcase_add_test(tc, rejects_nesting_deeper_than_the_payload_limit);
	tcase_add_test(tc, payload_check_accepts_valid_and_reports_ts);
	tcase_add_test(tc, payload_check_rejects_bad_payloads);
	tcase_add_test(tc, payload_check_survives_mutations);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(tp, ring_setup, ring_teardown);
	tcase_add_test(tp, producer_writes_every_event_kind_decodable_by_msgpack_c);
	tcase_add_test(tp, producer_writes_long_strings_with_wide_headers);
	tcase_add_test(tp, producer_rejects_bad_arguments_without_writing);
	tcase_add_test(tp, producer_reports_too_large_and_full);
	suite_add_tcase(s, tp);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
