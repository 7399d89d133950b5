/*
 * Client message parsing: every row of the bad-input table gets its
 * error code (and field), and the good messages parse to commands.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "wire.h"

static int
parse(const char *s, struct edge_cmd *cmd, struct edge_proto_err *err)
{
	return edge_proto_parse(s, strlen(s), cmd, err);
}

static void
expect_error(const char *msg, const char *code, const char *field)
{
	struct edge_cmd cmd;
	struct edge_proto_err err;

	ck_assert_msg(parse(msg, &cmd, &err) == -1, "accepted: %s", msg);
	ck_assert_msg(strcmp(err.code, code) == 0, "%s: got %s want %s", msg,
		      err.code, code);
	if (field)
		ck_assert_msg(err.field && strcmp(err.field, field) == 0,
			      "%s: field %s want %s", msg,
			      err.field ? err.field : "(none)", field);
	else
		ck_assert_ptr_null(err.field);
	ck_assert(err.message[0] != '\0');
}

START_TEST(shouldReportInvalidJson)
{
	expect_error("", "invalid_json", NULL);
	expect_error("{", "invalid_json", NULL);
	expect_error("{\"type\":\"ping\"} trailing", "invalid_json", NULL);
	expect_error("nope", "invalid_json", NULL);
}
END_TEST

START_TEST(shouldReportNonObjectsAndMissingType)
{
	expect_error("[1,2]", "invalid_message", NULL);
	expect_error("42", "invalid_message", NULL);
	expect_error("\"ping\"", "invalid_message", NULL);
	expect_error("{}", "invalid_message", NULL);
	expect_error("{\"type\":5}", "invalid_message", NULL);
	expect_error("{\"type\":null}", "invalid_message", NULL);
}
END_TEST

START_TEST(shouldReportUnknownTypes)
{
	expect_error("{\"type\":\"pingx\"}", "unknown_type", NULL);
	expect_error("{\"type\":\"\"}", "unknown_type", NULL);
}
END_TEST

START_TEST(shouldReportBadFieldsWithTheirName)
{
	expect_error("{\"type\":\"subscribe_logs\",\"filters\":{\"level\":[\"loud\"]}}",
		     "invalid_field", "filters.level");
	expect_error("{\"type\":\"subscribe_logs\",\"filters\":{\"level\":7}}",
		     "invalid_field", "filters.level");
	expect_error("{\"type\":\"subscribe_logs\",\"filters\":{\"tag\":1}}",
		     "invalid_field", "filters.tag");
	expect_error("{\"type\":\"subscribe_logs\",\"filters\":{\"module\":[]}}",
		     "invalid_field", "filters.module");
	expect_error("{\"type\":\"subscribe_logs\",\"filters\":3}",
		     "invalid_field", "filters");
	expect_error("{\"type\":\"resume\",\"since\":\"12\"}", "invalid_field",
		     "since");
	expect_error("{\"type\":\"resume\",\"since\":1.5}", "invalid_field",
		     "since");
	expect_error("{\"type\":\"resume\",\"since\":-1}", "invalid_field",
		     "since");
	expect_error("{\"type\":\"resume\"}", "invalid_field", "since");
	expect_error("{\"type\":\"hardware_health_update\",\"data\":{"
		     "\"component\":\"p\",\"status\":\"broken\"}}",
		     "invalid_field", "data.status");
	expect_error("{\"type\":\"hardware_health_update\",\"data\":{"
		     "\"status\":\"ok\"}}",
		     "invalid_field", "data.component");
	expect_error("{\"type\":\"hardware_health_update\",\"data\":{"
		     "\"component\":\"p\",\"status\":\"ok\",\"details\":[]}}",
		     "invalid_field", "data.details");
	expect_error("{\"type\":\"hardware_health_update\"}", "invalid_field",
		     "data");
	expect_error("{\"type\":\"identify_client\",\"clientInfo\":\"x\"}",
		     "invalid_field", "clientInfo");
	expect_error("{\"type\":\"identify_client\",\"clientInfo\":{\"name\":1}}",
		     "invalid_field", "clientInfo.name");
}
END_TEST

START_TEST(shouldParseEveryClientMessage)
{
	struct edge_cmd c;
	struct edge_proto_err e;

	ck_assert_int_eq(parse("{\"type\":\"ping\"}", &c, &e), 0);
	ck_assert_int_eq(c.type, EDGE_CMD_PING);
	ck_assert_int_eq(parse("{\"type\":\"request_initial_state\"}", &c, &e), 0);
	ck_assert_int_eq(c.type, EDGE_CMD_REQUEST_STATE);
	ck_assert_int_eq(parse("{\"type\":\"unsubscribe_logs\"}", &c, &e), 0);
	ck_assert_int_eq(c.type, EDGE_CMD_UNSUBSCRIBE_LOGS);
	ck_assert_int_eq(parse("{\"type\":\"identify_client\",\"clientInfo\":"
			       "{\"name\":\"Dash\",\"page\":\"logs\"}}",
			       &c, &e),
			 0);
	ck_assert_int_eq(c.type, EDGE_CMD_IDENTIFY);
	ck_assert_str_eq(c.name, "Dash");
	ck_assert_str_eq(c.page, "logs");
	ck_assert_int_eq(parse("{\"type\":\"resume\",\"since\":18446744073}", &c, &e),
			 0);
	ck_assert_int_eq(c.type, EDGE_CMD_RESUME);
	ck_assert_uint_eq(c.since, 18446744073ull);
	ck_assert_int_eq(parse("{\"type\":\"hardware_health_update\",\"data\":{"
			       "\"component\":\"pump_1\",\"status\":\"fault\","
			       "\"details\":{\"rpm\":0}}}",
			       &c, &e),
			 0);
	ck_assert_int_eq(c.type, EDGE_CMD_HW_UPDATE);
	ck_assert_str_eq(c.component, "pump_1");
	ck_assert_str_eq(c.status, "fault");
	ck_assert_ptr_nonnull(c.details);
	edge_cmd_fini(&c);
}
END_TEST

START_TEST(shouldParseLogFiltersAndCompareThem)
{
	struct edge_cmd a, b;
	struct edge_proto_err e;
	struct edge_buf out;

	ck_assert_int_eq(parse("{\"type\":\"subscribe_logs\",\"filters\":{"
			       "\"level\":[\"error\",\"info\"],\"tag\":\"T\"}}",
			       &a, &e),
			 0);
	ck_assert_uint_eq(a.filter.levels, WIRE_LEVEL_INFO | WIRE_LEVEL_ERROR);
	ck_assert(a.filter.has_tag && !a.filter.has_module);
	ck_assert_int_eq(parse("{\"type\":\"subscribe_logs\",\"filters\":{"
			       "\"tag\":\"T\",\"level\":[\"info\",\"error\"]}}",
			       &b, &e),
			 0);
	ck_assert(edge_logfilter_eq(&a.filter, &b.filter));
	ck_assert_int_eq(parse("{\"type\":\"subscribe_logs\"}", &b, &e), 0);
	ck_assert_uint_eq(b.filter.levels, WIRE_LEVEL_ALL);
	ck_assert(!edge_logfilter_eq(&a.filter, &b.filter));
	edge_buf_init(&out, 0, 0);
	edge_logfilter_json(&out, &a.filter);
	ck_assert_str_eq(edge_buf_data(&out),
			 "{\"level\":[\"info\",\"error\"],\"tag\":\"T\"}");
	edge_buf_fini(&out);
}
END_TEST

START_TEST(shouldWriteErrorRepliesAsJson)
{
	struct edge_buf b;

	edge_buf_init(&b, 0, 0);
	edge_proto_error_json(&b, "invalid_field", "bad \"x\"", "since");
	ck_assert_str_eq(edge_buf_data(&b),
			 "{\"type\":\"error\",\"error\":{\"code\":\"invalid_field\","
			 "\"message\":\"bad \\\"x\\\"\",\"field\":\"since\"}}");
	edge_buf_fini(&b);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("edge_proto");
	TCase *t = tcase_create("core");

	tcase_add_test(t, shouldReportInvalidJson);
	tcase_add_test(t, shouldReportNonObjectsAndMissingType);
	tcase_add_test(t, shouldReportUnknownTypes);
	tcase_add_test(t, shouldReportBadFieldsWithTheirName);
	tcase_add_test(t, shouldParseEveryClientMessage);
	tcase_add_test(t, shouldParseLogFiltersAndCompareThem);
	tcase_add_test(t, shouldWriteErrorRepliesAsJson);
	suite_add_tcase(s, t);
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
