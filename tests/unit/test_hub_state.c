/*
 * The hub's event path: ring record -> decode -> state -> envelope, driven
 * through hub_core_ingest exactly as the ring loop drives it.  Records are
 * written as JSON here and packed to msgpack; envelopes and states are
 * turned back into JSON to be checked.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "core.h"
#include "mpjson.h"
#include "wire.h"

struct capture {
	json_t *envs; /* array of {"topic", "env"} */
};

static struct hub_core core;
static struct hub_core *cur = &core; /* where feed() goes */
static struct capture cap;

static void
on_emit(void *arg, int topic, uint64_t seq, const void *env, uint32_t len)
{
	struct capture *c = arg;
	json_t *e = mpjson_to_json(env, len, NULL);
	char t[2] = {(char)topic, 0};

	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq((uint64_t)json_integer_value(json_array_get(e, 0)), seq);
	json_array_append_new(c->envs, json_pack("{s:s, s:o}", "topic", t, "env", e));
}

static void
setup_lim(uint32_t recent, uint32_t max_active, uint32_t max_hw)
{
	struct hub_core_config cfg = {
		.lim = {.recent = recent, .max_active = max_active, .max_hw = max_hw},
		.retain = 1024,
		.history_bytes = 1 << 20,
	};
	ck_assert_int_eq(hub_core_init(&core, &cfg), 0);
	cur = &core;
	cap.envs = json_array();
	core.emit = on_emit;
	core.emit_arg = &cap;
}

static void
setup(void)
{
	setup_lim(20, 4096, 1024);
}

static void
teardown(void)
{
	hub_core_fini(&core);
	json_decref(cap.envs);
}

/* Pack a JSON object text as a record payload and ingest it. */
static enum hub_bad
feed(int type, const char *json)
{
	json_error_t e;
	json_t *v = json_loads(json, 0, &e);
	msgpack_sbuffer sb;
	msgpack_packer pk;
	enum hub_bad bad;

	ck_assert_msg(v != NULL, "bad test JSON %s: %s", json, e.text);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	mpjson_pack(&pk, v);
	bad = hub_core_ingest(cur, type, sb.data, (uint32_t)sb.size);
	msgpack_sbuffer_destroy(&sb);
	json_decref(v);
	return bad;
}

static void
feed_ok(int type, const char *json)
{
	ck_assert_int_eq(feed(type, json), BAD_NONE);
}

static json_t *
state_json(void)
{
	struct mpbuf sb;
	json_t *v;

	mpbuf_init(&sb);
	hub_state_pack(&core.state, &sb);
	v = mpjson_to_json(sb.p, sb.len, NULL);
	mpbuf_free(&sb);
	ck_assert_ptr_nonnull(v);
	return v;
}

/* Last published envelope's [seq, type, data, ids]. */
static json_t *
last_env(void)
{
	size_t n = json_array_size(cap.envs);

	ck_assert_uint_gt(n, 0);
	return json_object_get(json_array_get(cap.envs, n - 1), "env");
}

static const char *
sget(json_t *o, const char *path)
{
	json_t *v = json_object_get(o, path);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static long long
iget(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	ck_assert_msg(json_is_integer(v), "%s is not an integer", k);
	return json_integer_value(v);
}

#define T0 1758223260007LL /* 2025-09-18T19:21:00.007Z */

static void
start_run(void)
{
	feed_ok(FH_EV_EXECUTION_STARTED,
		"{\"sessionId\":\"s-42\",\"programId\":\"p-7\","
		"\"programName\":\"Hydro A\",\"meta\":{\"x\":1},"
		"\"ts\":1758223260007}");
}

START_TEST(shouldStartExecutionAndPublishItsContext)
{
	json_t *env, *d, *st, *ctx;

	start_run();
	env = last_env();
	ck_assert_int_eq(json_integer_value(json_array_get(env, 0)), 1);
	ck_assert_str_eq(json_string_value(json_array_get(env, 1)),
			 "execution_started");
	d = json_array_get(env, 2);
	ck_assert_str_eq(sget(d, "sessionId"), "s-42");
	ck_assert_str_eq(sget(d, "programId"), "p-7");
	ck_assert_str_eq(sget(d, "programName"), "Hydro A");
	ck_assert_int_eq(iget(json_object_get(d, "meta"), "x"), 1);
	ck_assert_str_eq(sget(d, "startTime"), "2025-09-18T19:21:00.007Z");
	ck_assert_uint_eq(json_array_size(json_array_get(env, 3)), 0);

	st = state_json();
	ck_assert_int_eq(iget(st, "seq"), 1);
	ctx = json_object_get(st, "executionContext");
	ck_assert_str_eq(sget(ctx, "status"), "running");
	ck_assert_str_eq(sget(ctx, "sessionId"), "s-42");
	ck_assert_str_eq(sget(ctx, "startTime"), "2025-09-18T19:21:00.007Z");
	ck_assert(json_is_null(json_object_get(ctx, "endTime")));
	ck_assert_int_eq(iget(ctx, "blocksStarted"), 0);
	json_decref(st);
}
END_TEST

START_TEST(shouldStartIdleWithSeqZero)
{
	json_t *st = state_json(), *ctx = json_object_get(st, "executionContext");

	ck_assert_int_eq(iget(st, "seq"), 0);
	ck_assert_str_eq(sget(ctx, "status"), "idle");
	ck_assert(json_is_null(json_object_get(ctx, "sessionId")));
	ck_assert_uint_eq(json_array_size(json_object_get(st, "active")), 0);
	ck_assert_uint_eq(json_object_size(json_object_get(st, "hardware")), 0);
	json_decref(st);
}
END_TEST

START_TEST(shouldTrackBlockFromStartToExecuted)
{
	json_t *env, *d, *st, *b;

	start_run();
	feed_ok(FH_EV_BLOCK_STARTED,
		"{\"blockId\":\"b1\",\"blockType\":\"wait\",\"blockName\":\"Wait 1\","
		"\"displayText\":\"Waiting\",\"params\":{\"ms\":5},\"ts\":1758223261000}");
	env = last_env();
	ck_assert_str_eq(json_string_value(json_array_get(env, 1)),
			 "block_started_enhanced");
	d = json_array_get(env, 2);
	ck_assert_str_eq(sget(d, "blockId"), "b1");
	ck_assert_str_eq(sget(d, "blockType"), "wait");
	ck_assert_str_eq(sget(d, "displayText"), "Waiting");
	ck_assert_int_eq(iget(json_object_get(d, "params"), "ms"), 5);
	ck_assert_str_eq(sget(json_object_get(d, "timing"), "startTime"),
			 "2025-09-18T19:21:01.000Z");

	st = state_json();
	ck_assert_uint_eq(json_array_size(json_object_get(st, "active")), 1);
	b = json_array_get(json_object_get(st, "active"), 0);
	ck_assert_str_eq(sget(b, "status"), "running");
	ck_assert(json_is_null(json_object_get(json_object_get(b, "timing"),
					       "durationMs")));
	json_decref(st);

	feed_ok(FH_EV_BLOCK_EXECUTED,
		"{\"blockId\":\"b1\",\"status\":\"completed\",\"result\":[1,2],"
		"\"ts\":1758223261250}");
	env = last_env();
	ck_assert_str_eq(json_string_value(json_array_get(env, 1)),
			 "block_executed_enhanced");
	d = json_array_get(env, 2);
	ck_assert_str_eq(sget(d, "blockType"), "wait");
	ck_assert_str_eq(sget(d, "blockName"), "Wait 1");
	ck_assert_str_eq(sget(d, "status"), "completed");
	ck_assert_int_eq(iget(json_object_get(d, "timing"), "durationMs"), 250);
	ck_assert_str_eq(sget(json_object_get(d, "timing"), "endTime"),
			 "2025-09-18T19:21:01.250Z");
	ck_assert_uint_eq(json_array_size(json_object_get(d, "result")), 2);
	ck_assert(json_is_null(json_object_get(d, "error")));

	st = state_json();
	ck_assert_uint_eq(json_array_size(json_object_get(st, "active")), 0);
	b = json_array_get(json_object_get(st, "recent"), 0);
	ck_assert_str_eq(sget(b, "blockId"), "b1");
	ck_assert_str_eq(sget(b, "status"), "completed");
	ck_assert_int_eq(iget(json_object_get(b, "timing"), "durationMs"), 250);
	ck_assert_int_eq(iget(json_object_get(st, "executionContext"),
			      "blocksStarted"), 1);
	ck_assert_int_eq(iget(json_object_get(st, "executionContext"),
			      "blocksCompleted"), 1);
	json_decref(st);
}
END_TEST

START_TEST(shouldListActiveOldestFirstAndRecentNewestFirst)
{
	json_t *st;
	char buf[256];

	start_run();
	for (int i = 0; i < 5; i++) {
		snprintf(buf, sizeof(buf),
			 "{\"blockId\":\"b%d\",\"blockType\":\"t\",\"ts\":%lld}", i,
			 T0 + i);
		feed_ok(FH_EV_BLOCK_STARTED, buf);
	}
	feed_ok(FH_EV_BLOCK_EXECUTED, "{\"blockId\":\"b1\",\"status\":\"failed\","
				      "\"error\":\"boom\"}");
	feed_ok(FH_EV_BLOCK_EXECUTED, "{\"blockId\":\"b3\",\"status\":\"skipped\"}");
	st = state_json();
	json_t *act = json_object_get(st, "active"), *rec = json_object_get(st, "recent");
	ck_assert_uint_eq(json_array_size(act), 3);
	ck_assert_str_eq(sget(json_array_get(act, 0), "blockId"), "b0");
	ck_assert_str_eq(sget(json_array_get(act, 1), "blockId"), "b2");
	ck_assert_str_eq(sget(json_array_get(act, 2), "blockId"), "b4");
	ck_assert_str_eq(sget(json_array_get(rec, 0), "blockId"), "b3");
	ck_assert_str_eq(sget(json_array_get(rec, 0), "status"), "skipped");
	ck_assert_str_eq(sget(json_array_get(rec, 1), "blockId"), "b1");
	ck_assert_str_eq(sget(json_array_get(rec, 1), "error"), "boom");
	json_t *ctx = json_object_get(st, "executionContext");
	ck_assert_int_eq(iget(ctx, "blocksStarted"), 5);
	ck_assert_int_eq(iget(ctx, "blocksCompleted"), 0);
	ck_assert_int_eq(iget(ctx, "blocksFailed"), 1);
	json_decref(st);
}
END_TEST

START_TEST(shouldKeepOnlyLastNExecuted)
{
	char buf[256];
	json_t *st;

	teardown();
	setup_lim(3, 4096, 1024);
	for (int i = 0; i < 10; i++) {
		snprintf(buf, sizeof(buf),
			 "{\"blockId\":\"b%d\",\"status\":\"completed\"}", i);
		feed_ok(FH_EV_BLOCK_EXECUTED, buf);
	}
	st = state_json();
	json_t *rec = json_object_get(st, "recent");
	ck_assert_uint_eq(json_array_size(rec), 3);
	ck_assert_str_eq(sget(json_array_get(rec, 0), "blockId"), "b9");
	ck_assert_str_eq(sget(json_array_get(rec, 2), "blockId"), "b7");
	json_decref(st);
}
END_TEST

START_TEST(shouldRecordExecutedBlockThatNeverStarted)
{
	json_t *st, *b, *d;

	start_run();
	feed_ok(FH_EV_BLOCK_EXECUTED,
		"{\"blockId\":\"ghost\",\"status\":\"completed\",\"ts\":1758223262000}");
	d = json_array_get(last_env(), 2);
	ck_assert(json_is_null(json_object_get(d, "blockType")));
	ck_assert(json_is_null(json_object_get(json_object_get(d, "timing"),
					       "startTime")));
	ck_assert(json_is_null(json_object_get(json_object_get(d, "timing"),
					       "durationMs")));
	st = state_json();
	b = json_array_get(json_object_get(st, "recent"), 0);
	ck_assert_str_eq(sget(b, "blockId"), "ghost");
	ck_assert(json_is_null(json_object_get(b, "blockType")));
	ck_assert_str_eq(sget(json_object_get(b, "timing"), "endTime"),
			 "2025-09-18T19:21:02.000Z");
	ck_assert_uint_eq(core.state.st.unknown_block, 1);
	ck_assert_int_eq(iget(json_object_get(st, "executionContext"),
			      "blocksCompleted"), 1);
	json_decref(st);
}
END_TEST

START_TEST(shouldReplaceActiveBlockOnDuplicateStart)
{
	json_t *st, *act;

	start_run();
	feed_ok(FH_EV_BLOCK_STARTED, "{\"blockId\":\"b1\",\"blockType\":\"a\",\"ts\":1}");
	feed_ok(FH_EV_BLOCK_STARTED, "{\"blockId\":\"b2\",\"blockType\":\"a\",\"ts\":2}");
	feed_ok(FH_EV_BLOCK_STARTED, "{\"blockId\":\"b1\",\"blockType\":\"b\",\"ts\":3}");
	st = state_json();
	act = json_object_get(st, "active");
	ck_assert_uint_eq(json_array_size(act), 2);
	ck_assert_str_eq(sget(json_array_get(act, 0), "blockId"), "b2");
	ck_assert_str_eq(sget(json_array_get(act, 1), "blockId"), "b1");
	ck_assert_str_eq(sget(json_array_get(act, 1), "blockType"), "b");
	ck_assert_uint_eq(json_array_size(json_object_get(st, "recent")), 0);
	ck_assert_uint_eq(core.state.st.dup_start, 1);
	json_decref(st);
}
END_TEST

START_TEST(shouldCancelActiveBlocksWhenExecutionFinishes)
{
	json_t *st, *rec, *d;

	start_run();
	feed_ok(FH_EV_BLOCK_STARTED,
		"{\"blockId\":\"b1\",\"blockType\":\"a\",\"ts\":1758223260100}");
	feed_ok(FH_EV_BLOCK_STARTED,
		"{\"blockId\":\"b2\",\"blockType\":\"a\",\"ts\":1758223260200}");
	feed_ok(FH_EV_EXECUTION_FINISHED,
		"{\"status\":\"stopped\",\"summary\":{\"why\":\"user\"},"
		"\"ts\":1758223260500}");
	d = json_array_get(last_env(), 2);
	ck_assert_str_eq(json_string_value(json_array_get(last_env(), 1)),
			 "execution_finished");
	ck_assert_str_eq(sget(d, "status"), "stopped");
	ck_assert_str_eq(sget(json_object_get(d, "summary"), "why"), "user");
	ck_assert_str_eq(sget(d, "startTime"), "2025-09-18T19:21:00.007Z");
	ck_assert_str_eq(sget(d, "endTime"), "2025-09-18T19:21:00.500Z");
	ck_assert_int_eq(iget(d, "blocksStarted"), 2);
	st = state_json();
	ck_assert_uint_eq(json_array_size(json_object_get(st, "active")), 0);
	rec = json_object_get(st, "recent");
	ck_assert_uint_eq(json_array_size(rec), 2);
	ck_assert_str_eq(sget(json_array_get(rec, 0), "blockId"), "b2");
	ck_assert_str_eq(sget(json_array_get(rec, 0), "status"), "cancelled");
	ck_assert_int_eq(iget(json_object_get(json_array_get(rec, 0), "timing"),
			      "durationMs"), 300);
	ck_assert_str_eq(sget(json_array_get(rec, 1), "blockId"), "b1");
	ck_assert_str_eq(sget(json_object_get(st, "executionContext"), "status"),
			 "stopped");
	json_decref(st);
}
END_TEST

START_TEST(shouldResetBlocksAndCountersOnNewExecution)
{
	json_t *st, *ctx;

	start_run();
	feed_ok(FH_EV_BLOCK_STARTED, "{\"blockId\":\"b1\",\"blockType\":\"a\"}");
	feed_ok(FH_EV_BLOCK_STARTED, "{\"blockId\":\"b2\",\"blockType\":\"a\"}");
	feed_ok(FH_EV_BLOCK_EXECUTED, "{\"blockId\":\"b2\",\"status\":\"failed\"}");
	feed_ok(FH_EV_HARDWARE_HEALTH, "{\"component\":\"pump_1\",\"status\":\"ok\"}");
	feed_ok(FH_EV_EXECUTION_STARTED, "{\"sessionId\":\"s-43\",\"ts\":1758223270000}");
	st = state_json();
	ctx = json_object_get(st, "executionContext");
	ck_assert_uint_eq(json_array_size(json_object_get(st, "active")), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(st, "recent")), 0);
	ck_assert_int_eq(iget(ctx, "blocksStarted"), 0);
	ck_assert_int_eq(iget(ctx, "blocksFailed"), 0);
	ck_assert_str_eq(sget(ctx, "sessionId"), "s-43");
	ck_assert(json_is_null(json_object_get(ctx, "programId")));
	/* hardware health is not part of an execution */
	ck_assert_uint_eq(json_object_size(json_object_get(st, "hardware")), 1);
	json_decref(st);
}
END_TEST

START_TEST(shouldStoreHardwareHealthPerComponent)
{
	json_t *st, *hw, *d;

	feed_ok(FH_EV_HARDWARE_HEALTH,
		"{\"component\":\"pump_1\",\"status\":\"ok\",\"details\":{\"rpm\":5},"
		"\"ts\":1758223260007}");
	feed_ok(FH_EV_HARDWARE_HEALTH,
		"{\"component\":\"valve\",\"status\":\"fault\",\"ts\":1758223260008}");
	feed_ok(FH_EV_HARDWARE_HEALTH,
		"{\"component\":\"pump_1\",\"status\":\"degraded\",\"ts\":1758223260009}");
	d = json_array_get(last_env(), 2);
	ck_assert_str_eq(json_string_value(json_array_get(last_env(), 1)),
			 "hardware_health_update");
	ck_assert_str_eq(sget(d, "component"), "pump_1");
	ck_assert_str_eq(sget(d, "status"), "degraded");
	ck_assert_uint_eq(json_object_size(json_object_get(d, "details")), 0);
	ck_assert_str_eq(sget(d, "timestamp"), "2025-09-18T19:21:00.009Z");
	st = state_json();
	hw = json_object_get(st, "hardware");
	ck_assert_uint_eq(json_object_size(hw), 2);
	ck_assert_str_eq(sget(json_object_get(hw, "pump_1"), "status"), "degraded");
	ck_assert_str_eq(sget(json_object_get(hw, "valve"), "status"), "fault");
	ck_assert_str_eq(sget(json_object_get(hw, "valve"), "timestamp"),
			 "2025-09-18T19:21:00.008Z");
	json_decref(st);
}
END_TEST

START_TEST(shouldBoundActiveBlocksAndComponents)
{
	char buf[256];

	teardown();
	setup_lim(20, 4, 2);
	for (int i = 0; i < 10; i++) {
		snprintf(buf, sizeof(buf), "{\"blockId\":\"b%d\",\"blockType\":\"t\"}", i);
		feed_ok(FH_EV_BLOCK_STARTED, buf);
		snprintf(buf, sizeof(buf), "{\"component\":\"c%d\",\"status\":\"ok\"}", i);
		feed_ok(FH_EV_HARDWARE_HEALTH, buf);
	}
	ck_assert_uint_eq(core.state.nactive, 4);
	ck_assert_uint_eq(core.state.st.active_full, 6);
	ck_assert_uint_eq(core.state.nhw, 2);
	ck_assert_uint_eq(core.state.st.hw_full, 8);
	/* every event still got a seq and was published */
	ck_assert_uint_eq(core.state.seq, 20);
	ck_assert_uint_eq(json_array_size(cap.envs), 20);
}
END_TEST

START_TEST(shouldTruncateLongTextAtCharacterBoundary)
{
	char buf[2048], name[700];
	json_t *st;
	const char *got;

	/* 'a' then 300 two-byte characters: cut must not split one */
	strcpy(name, "a");
	for (int i = 0; i < 300; i++)
		strcat(name, "\xc3\xa9");
	snprintf(buf, sizeof(buf),
		 "{\"blockId\":\"b1\",\"blockType\":\"t\",\"blockName\":\"%s\"}", name);
	feed_ok(FH_EV_BLOCK_STARTED, buf);
	st = state_json();
	got = sget(json_array_get(json_object_get(st, "active"), 0), "blockName");
	ck_assert_ptr_nonnull(got);
	ck_assert_uint_le(strlen(got), HUB_TEXT_MAX);
	ck_assert_uint_eq(strlen(got) % 2, 1); /* 'a' + whole characters */
	ck_assert_uint_eq(core.state.st.truncated, 1);
	/* the published event keeps the full text */
	ck_assert_str_eq(sget(json_array_get(last_env(), 2), "blockName"), name);
	json_decref(st);
}
END_TEST

START_TEST(shouldAcceptIsoTimestampsAndInheritMissingOnes)
{
	json_t *d;

	feed_ok(FH_EV_LOG, "{\"level\":\"info\",\"message\":\"m\","
			   "\"ts\":\"2025-09-18T21:21:00.5+02:00\"}");
	/* logs that match no filter are retained but not published */
	ck_assert_uint_eq(json_array_size(cap.envs), 0);
	ck_assert_uint_eq(core.logs_unmatched, 1);
	feed_ok(FH_EV_HARDWARE_HEALTH, "{\"component\":\"p\",\"status\":\"ok\"}");
	d = json_array_get(last_env(), 2);
	ck_assert_str_eq(sget(d, "timestamp"), "2025-09-18T19:21:00.500Z");
	ck_assert_uint_eq(core.state.seq, 2);
}
END_TEST

START_TEST(shouldGiveEveryEventTheNextSeqLogsIncluded)
{
	feed_ok(FH_EV_LOG, "{\"level\":\"info\",\"message\":\"a\"}");
	feed_ok(FH_EV_BLOCK_STARTED, "{\"blockId\":\"b\",\"blockType\":\"t\"}");
	ck_assert_int_eq(feed(99, "{}"), BAD_TYPE);
	feed_ok(FH_EV_LOG, "{\"level\":\"warn\",\"message\":\"b\"}");
	feed_ok(FH_EV_BLOCK_EXECUTED, "{\"blockId\":\"b\",\"status\":\"completed\"}");
	ck_assert_uint_eq(core.state.seq, 4);
	ck_assert_uint_eq(json_array_size(cap.envs), 2);
	ck_assert_int_eq(json_integer_value(json_array_get(
		json_object_get(json_array_get(cap.envs, 0), "env"), 0)), 2);
	ck_assert_int_eq(json_integer_value(json_array_get(
		json_object_get(json_array_get(cap.envs, 1), "env"), 0)), 4);
	/* all four are retained for "since" */
	ck_assert_uint_eq(hub_history_count(&core.hist), 4);
}
END_TEST

START_TEST(shouldPublishLogsWithTheIdsOfMatchingFilters)
{
	int e1 = hub_filters_touch(&core.filters, "e1", 2, 0);
	uint32_t f_warn, f_tag;
	json_t *env;

	ck_assert_int_ge(e1, 0);
	ck_assert_int_eq(hub_filters_add(&core.filters, e1, WIRE_LEVEL_WARN |
				WIRE_LEVEL_ERROR, NULL, 0, NULL, 0, &f_warn), 0);
	ck_assert_int_eq(hub_filters_add(&core.filters, e1, WIRE_LEVEL_ALL, "io",
					 2, NULL, 0, &f_tag), 0);
	feed_ok(FH_EV_LOG, "{\"level\":\"warn\",\"message\":\"m\",\"tag\":\"io\","
			   "\"module\":\"x\",\"data\":{\"k\":1},\"ts\":1758223260007}");
	env = last_env();
	ck_assert_str_eq(json_string_value(json_array_get(env, 1)), "log_entry");
	ck_assert_str_eq(sget(json_array_get(cap.envs, 0), "topic"), "L");
	ck_assert_uint_eq(json_array_size(json_array_get(env, 3)), 2);
	ck_assert_int_eq(json_integer_value(json_array_get(json_array_get(env, 3), 0)),
			 f_warn);
	ck_assert_int_eq(json_integer_value(json_array_get(json_array_get(env, 3), 1)),
			 f_tag);
	json_t *d = json_array_get(env, 2);
	ck_assert_str_eq(sget(d, "level"), "warn");
	ck_assert_str_eq(sget(d, "tag"), "io");
	ck_assert_str_eq(sget(d, "module"), "x");
	ck_assert_str_eq(sget(d, "message"), "m");
	ck_assert_int_eq(iget(json_object_get(d, "data"), "k"), 1);
	ck_assert_str_eq(sget(d, "timestamp"), "2025-09-18T19:21:00.007Z");
	feed_ok(FH_EV_LOG, "{\"level\":\"debug\",\"message\":\"m\",\"tag\":\"io\"}");
	env = last_env();
	ck_assert_uint_eq(json_array_size(json_array_get(env, 3)), 1);
	ck_assert_int_eq(json_integer_value(json_array_get(json_array_get(env, 3), 0)),
			 f_tag);
	/* non-logs go on topic E with no ids */
	feed_ok(FH_EV_HARDWARE_HEALTH, "{\"component\":\"p\",\"status\":\"ok\"}");
	ck_assert_str_eq(sget(json_array_get(cap.envs, 2), "topic"), "E");
}
END_TEST

/* ---- bad records ------------------------------------------------------ */

static enum hub_bad
feed_raw(int type, const char *bytes, size_t len)
{
	return hub_core_ingest(&core, type, bytes, (uint32_t)len);
}

START_TEST(shouldRefuseBadRecordsOfEveryKindAndCountThem)
{
	/* a 17-byte record whose map header claims 4 billion entries */
	static const char lying[17] = "\xdf\xff\xff\xff\xff\xa1" "a" "\xc0";
	static const char bin_claim[] = "\x81\xa1x\xc6\x7f\xff\xff\xff";
	char deep[200];

	ck_assert_int_eq(feed(0, "{}"), BAD_TYPE);
	ck_assert_int_eq(feed(7, "{}"), BAD_TYPE);
	ck_assert_int_eq(feed(-3, "{}"), BAD_TYPE);
	ck_assert_int_eq(feed_raw(FH_EV_LOG, "", 0), BAD_MSGPACK);
	ck_assert_int_eq(feed_raw(FH_EV_LOG, "\xc1", 1), BAD_MSGPACK);
	ck_assert_int_eq(feed_raw(FH_EV_LOG, lying, sizeof(lying)), BAD_MSGPACK);
	ck_assert_int_eq(feed_raw(FH_EV_LOG, bin_claim, sizeof(bin_claim) - 1),
			 BAD_MSGPACK);
	ck_assert_int_eq(feed_raw(FH_EV_LOG, "\x80\x80", 2), BAD_MSGPACK); /* trailing */
	memset(deep, 0x91, sizeof(deep));
	deep[sizeof(deep) - 1] = (char)0xc0;
	ck_assert_int_eq(feed_raw(FH_EV_LOG, deep, sizeof(deep)), BAD_MSGPACK);
	ck_assert_int_eq(feed_raw(FH_EV_LOG, "\x91\xc0", 2), BAD_NOT_MAP);
	ck_assert_int_eq(feed_raw(FH_EV_LOG, "\x81\x01\xc0", 3), BAD_NOT_MAP);
	ck_assert_int_eq(feed(FH_EV_LOG, "{\"level\":\"info\"}"), BAD_MISSING);
	ck_assert_int_eq(feed(FH_EV_BLOCK_STARTED, "{\"blockId\":\"b\"}"), BAD_MISSING);
	ck_assert_int_eq(feed(FH_EV_EXECUTION_STARTED, "{\"sessionId\":null}"),
			 BAD_MISSING);
	ck_assert_int_eq(feed(FH_EV_LOG, "{\"level\":1,\"message\":\"m\"}"),
			 BAD_WRONG_TYPE);
	ck_assert_int_eq(feed(FH_EV_LOG, "{\"level\":\"info\",\"message\":\"m\","
					 "\"data\":[1]}"), BAD_WRONG_TYPE);
	ck_assert_int_eq(feed(FH_EV_LOG, "{\"level\":\"info\",\"message\":\"m\","
					 "\"ts\":[1]}"), BAD_WRONG_TYPE);
	ck_assert_int_eq(feed(FH_EV_LOG, "{\"level\":\"loud\",\"message\":\"m\"}"),
			 BAD_VALUE);
	ck_assert_int_eq(feed(FH_EV_BLOCK_EXECUTED,
			      "{\"blockId\":\"b\",\"status\":\"running\"}"), BAD_VALUE);
	ck_assert_int_eq(feed(FH_EV_EXECUTION_FINISHED, "{\"status\":\"skipped\"}"),
			 BAD_VALUE);
	ck_assert_int_eq(feed(FH_EV_HARDWARE_HEALTH,
			      "{\"component\":\"c\",\"status\":\"fine\"}"), BAD_VALUE);
	ck_assert_int_eq(feed(FH_EV_LOG, "{\"level\":\"info\",\"message\":\"m\","
					 "\"ts\":\"yesterday\"}"), BAD_VALUE);
	ck_assert_int_eq(feed(FH_EV_LOG, "{\"level\":\"info\",\"message\":\"m\","
					 "\"ts\":\"2025-02-30T00:00:00Z\"}"), BAD_VALUE);
	ck_assert_int_eq(feed(FH_EV_LOG, "{\"level\":\"info\",\"message\":\"m\","
					 "\"ts\":-5}"), BAD_VALUE);
	char longid[400];
	snprintf(longid, sizeof(longid), "{\"blockId\":\"%0200d\",\"blockType\":\"t\"}", 7);
	ck_assert_int_eq(feed(FH_EV_BLOCK_STARTED, longid), BAD_TOO_LONG);

	ck_assert_uint_eq(core.bad[BAD_TYPE], 3);
	ck_assert_uint_eq(core.bad[BAD_MSGPACK], 6);
	ck_assert_uint_eq(core.bad[BAD_NOT_MAP], 2);
	ck_assert_uint_eq(core.bad[BAD_MISSING], 3);
	ck_assert_uint_eq(core.bad[BAD_WRONG_TYPE], 3);
	ck_assert_uint_eq(core.bad[BAD_VALUE], 7);
	ck_assert_uint_eq(core.bad[BAD_TOO_LONG], 1);
	/* nothing was accepted, nothing took a seq */
	ck_assert_uint_eq(core.state.seq, 0);
	ck_assert_uint_eq(json_array_size(cap.envs), 0);
	/* and the path still works */
	start_run();
	ck_assert_uint_eq(core.state.seq, 1);
}
END_TEST

START_TEST(shouldIgnoreUnknownFieldsAndTakeLastDuplicate)
{
	feed_ok(FH_EV_HARDWARE_HEALTH,
		"{\"component\":\"c\",\"status\":\"ok\",\"extra\":{\"deep\":[1,2,{}]}}");
	/* duplicate key through raw msgpack: status "ok" then "fault" */
	static const char dup[] = "\x83\xa9" "component" "\xa1" "c"
				  "\xa6" "status" "\xa2" "ok"
				  "\xa6" "status" "\xa5" "fault";
	ck_assert_int_eq(feed_raw(FH_EV_HARDWARE_HEALTH, dup, sizeof(dup) - 1),
			 BAD_NONE);
	ck_assert_str_eq(sget(json_array_get(last_env(), 2), "status"), "fault");
}
END_TEST

/* ---- gaps --------------------------------------------------------------- */

static void
feed_gap(uint64_t inst, uint64_t dropped)
{
	uint8_t rec[32];
	uint32_t len = hub_core_gap_record(rec, inst, dropped);
	ck_assert_int_eq(hub_core_ingest(&core, HUB_REC_GAP, rec, len), BAD_NONE);
}

START_TEST(shouldTurnDropRiseIntoOneGapEvent)
{
	json_t *env;

	core.ring_instance = 77;
	start_run();
	feed_gap(77, 5);
	env = last_env();
	ck_assert_str_eq(json_string_value(json_array_get(env, 1)), "gap");
	ck_assert_int_eq(json_integer_value(json_array_get(env, 0)), 2);
	ck_assert_int_eq(iget(json_array_get(env, 2), "lost"), 5);
	ck_assert_str_eq(sget(json_array_get(env, 2), "reason"), "ring_overflow");
	/* the same value again (a restarted hub wrote it twice): nothing */
	feed_gap(77, 5);
	/* another ring's record: nothing */
	feed_gap(78, 50);
	ck_assert_uint_eq(json_array_size(cap.envs), 2);
	feed_gap(77, 8);
	ck_assert_int_eq(iget(json_array_get(last_env(), 2), "lost"), 3);
	ck_assert_uint_eq(core.state.seq, 3);
	ck_assert_uint_eq(core.lost, 8);
}
END_TEST

/* ---- checkpoints ------------------------------------------------------- */

/* A stream that touches every part of the state. */
static void
busy_stream(int from, int to)
{
	char buf[512];

	for (int i = from; i < to; i++) {
		long long ts = T0 + i * 3;
		switch (i % 9) {
		case 0:
			snprintf(buf, sizeof(buf),
				 "{\"sessionId\":\"s%d\",\"programName\":\"P\",\"ts\":%lld}",
				 i / 90, ts);
			if (i % 90 == 0)
				feed_ok(FH_EV_EXECUTION_STARTED, buf);
			break;
		case 1:
		case 2:
		case 3:
			snprintf(buf, sizeof(buf),
				 "{\"blockId\":\"b%d\",\"blockType\":\"t%d\","
				 "\"displayText\":\"d\",\"ts\":%lld}", i, i % 4, ts);
			feed_ok(FH_EV_BLOCK_STARTED, buf);
			break;
		case 4:
		case 5:
			snprintf(buf, sizeof(buf),
				 "{\"blockId\":\"b%d\",\"status\":\"%s\",\"result\":"
				 "{\"v\":%d},\"error\":\"e\",\"ts\":%lld}", i - 3,
				 i % 2 ? "failed" : "completed", i, ts);
			feed_ok(FH_EV_BLOCK_EXECUTED, buf);
			break;
		case 6:
			snprintf(buf, sizeof(buf),
				 "{\"component\":\"c%d\",\"status\":\"degraded\","
				 "\"details\":{\"i\":%d},\"ts\":%lld}", i % 7, i, ts);
			feed_ok(FH_EV_HARDWARE_HEALTH, buf);
			break;
		case 7:
			feed_ok(FH_EV_LOG, "{\"level\":\"info\",\"message\":\"x\"}");
			break;
		default:
			if (i % 45 == 8)
				feed_ok(FH_EV_EXECUTION_FINISHED,
					"{\"status\":\"completed\"}");
		}
	}
}

static struct mpbuf
pack_state(const struct hub_state *s)
{
	struct mpbuf sb;

	mpbuf_init(&sb);
	hub_state_pack(s, &sb);
	return sb;
}

START_TEST(shouldRestoreCheckpointToTheSameState)
{
	struct hub_core other;
	struct hub_core_config cfg = {
		.lim = {.recent = 20, .max_active = 4096, .max_hw = 1024},
		.retain = 1024,
		.history_bytes = 1 << 20,
	};
	struct mpbuf ck, a, b;
	uint64_t pos = 0;
	char err[128];

	core.ring_instance = 99;
	core.dropped_seen = 12;
	busy_stream(0, 400);
	mpbuf_init(&ck);
	hub_ckpt_encode(&ck, &core, 123456);
	ck_assert_int_eq(hub_core_init(&other, &cfg), 0);
	ck_assert_int_eq(hub_ckpt_decode(&other, ck.p, ck.len, &pos, err,
					 sizeof(err)), 0);
	ck_assert_uint_eq(pos, 123456);
	ck_assert_uint_eq(other.ring_instance, 99);
	ck_assert_uint_eq(other.dropped_seen, 12);
	ck_assert_uint_eq(other.hist.next, core.state.seq + 1);
	/* the newest envelopes came along, byte for byte */
	ck_assert_uint_gt(hub_history_count(&other.hist), 100);
	for (uint64_t sq = other.hist.first; sq < other.hist.next; sq++) {
		uint32_t la, lb;
		const void *ea = hub_history_get(&core.hist, sq, &la);
		const void *eb = hub_history_get(&other.hist, sq, &lb);
		ck_assert_ptr_nonnull(ea);
		ck_assert_ptr_nonnull(eb);
		ck_assert_uint_eq(la, lb);
		ck_assert(memcmp(ea, eb, la) == 0);
	}
	a = pack_state(&core.state);
	b = pack_state(&other.state);
	ck_assert_uint_eq(a.len, b.len);
	ck_assert(memcmp(a.p, b.p, a.len) == 0);
	mpbuf_free(&a);
	mpbuf_free(&b);

	/* continuing both with the same records stays identical */
	busy_stream(400, 700);
	cur = &other;
	busy_stream(400, 700);
	cur = &core;
	a = pack_state(&core.state);
	b = pack_state(&other.state);
	ck_assert_uint_eq(core.state.seq, other.state.seq);
	ck_assert_uint_eq(a.len, b.len);
	ck_assert(memcmp(a.p, b.p, a.len) == 0);
	mpbuf_free(&a);
	mpbuf_free(&b);
	hub_core_fini(&other);
	mpbuf_free(&ck);
}
END_TEST

START_TEST(shouldRejectCorruptCheckpoint)
{
	struct hub_core other;
	struct hub_core_config cfg = {
		.lim = {.recent = 20, .max_active = 4096, .max_hw = 1024},
		.retain = 1024,
		.history_bytes = 1 << 20,
	};
	struct mpbuf ck;
	uint64_t pos;
	char err[128];

	busy_stream(0, 200);
	mpbuf_init(&ck);
	hub_ckpt_encode(&ck, &core, 1);
	ck_assert_int_eq(hub_core_init(&other, &cfg), 0);
	/* every single flipped byte, and every truncation, is refused */
	for (size_t i = 0; i < ck.len; i += 7) {
		ck.p[i] ^= 0x20;
		ck_assert_int_eq(hub_ckpt_decode(&other, ck.p, ck.len, &pos,
						 err, sizeof(err)), -EINVAL);
		ck.p[i] ^= 0x20;
		ck_assert_int_eq(hub_ckpt_decode(&other, ck.p, i, &pos, err,
						 sizeof(err)), -EINVAL);
	}
	ck_assert_uint_eq(other.state.seq, 0);
	ck_assert_int_eq(hub_ckpt_decode(&other, ck.p, ck.len, &pos, err,
					 sizeof(err)), 0);
	ck_assert_uint_eq(other.state.seq, core.state.seq);
	hub_core_fini(&other);
	mpbuf_free(&ck);
}
END_TEST

START_TEST(shouldFormatAndParseTimes)
{
	char buf[HUB_TIME_LEN];
	int64_t ms;

	hub_time_format(0, buf);
	ck_assert_str_eq(buf, "1970-01-01T00:00:00.000Z");
	hub_time_format(951782400123LL, buf);
	ck_assert_str_eq(buf, "2000-02-29T00:00:00.123Z");
	ck_assert_int_eq(hub_time_parse("2000-02-29T00:00:00.123Z", 24, &ms), 0);
	ck_assert_int_eq(ms, 951782400123LL);
	ck_assert_int_eq(hub_time_parse("2000-02-29T01:00:00.123+01:00", 29, &ms), 0);
	ck_assert_int_eq(ms, 951782400123LL);
	ck_assert_int_eq(hub_time_parse("2000-02-29 00:00:00", 19, &ms), 0);
	ck_assert_int_eq(ms, 951782400000LL);
	ck_assert_int_eq(hub_time_parse("2001-02-29T00:00:00Z", 20, &ms), -1);
	ck_assert_int_eq(hub_time_parse("2000-13-01T00:00:00Z", 20, &ms), -1);
	ck_assert_int_eq(hub_time_parse("2000-01-01T00:00:00Zx", 21, &ms), -1);
	ck_assert_int_eq(hub_time_parse("2000-01-01", 10, &ms), -1);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("hub_state");
	TCase *tc = tcase_create("event path");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, shouldStartIdleWithSeqZero);
	tcase_add_test(tc, shouldStartExecutionAndPublishItsContext);
	tcase_add_test(tc, shouldTrackBlockFromStartToExecuted);
	tcase_add_test(tc, shouldListActiveOldestFirstAndRecentNewestFirst);
	tcase_add_test(tc, shouldKeepOnlyLastNExecuted);
	tcase_add_test(tc, shouldRecordExecutedBlockThatNeverStarted);
	tcase_add_test(tc, shouldReplaceActiveBlockOnDuplicateStart);
	tcase_add_test(tc, shouldCancelActiveBlocksWhenExecutionFinishes);
	tcase_add_test(tc, shouldResetBlocksAndCountersOnNewExecution);
	tcase_add_test(tc, shouldStoreHardwareHealthPerComponent);
	tcase_add_test(tc, shouldBoundActiveBlocksAndComponents);
	tcase_add_test(tc, shouldTruncateLongTextAtCharacterBoundary);
	tcase_add_test(tc, shouldAcceptIsoTimestampsAndInheritMissingOnes);
	tcase_add_test(tc, shouldGiveEveryEventTheNextSeqLogsIncluded);
	tcase_add_test(tc, shouldPublishLogsWithTheIdsOfMatchingFilters);
	tcase_add_test(tc, shouldRefuseBadRecordsOfEveryKindAndCountThem);
	tcase_add_test(tc, shouldIgnoreUnknownFieldsAndTakeLastDuplicate);
	tcase_add_test(tc, shouldTurnDropRiseIntoOneGapEvent);
	tcase_add_test(tc, shouldRestoreCheckpointToTheSameState);
	tcase_add_test(tc, shouldRejectCorruptCheckpoint);
	tcase_add_test(tc, shouldFormatAndParseTimes);
	suite_add_tcase(s, tc);
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
	return failed ? 1 : 0;
}
