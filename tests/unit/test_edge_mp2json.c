/*
 * msgpack -> JSON translation of hub event data: every output must be
 * JSON that a strict parser (jansson) accepts, with the documented
 * replacements for what JSON cannot carry.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <msgpack.h>

#include "buf.h"
#include "mp2json.h"
#include "mpfixture.h"
#include "mpread.h"

static void
pstr(const char *s, size_t n)
{
	msgpack_pack_str(&pk, n);
	msgpack_pack_str_body(&pk, s, n);
}

/* Translate RAW (N bytes); returns malloc'd JSON or NULL on error
 * (with *rc set). */
static char *
conv(const void *raw, size_t n, int depth, int *rc,
     struct edge_mp2json_stats *st)
{
	struct edge_buf b;
	struct edge_mpr r;
	char *out;

	edge_buf_init(&b, 0, 0);
	edge_mpr_init(&r, raw, n);
	*rc = edge_mp2json(&b, &r, depth, st);
	if (*rc != 0) {
		edge_buf_fini(&b);
		return NULL;
	}
	ck_assert_ptr_eq(r.p, (const uint8_t *)raw + n);
	out = strdup(b.mem ? edge_buf_data(&b) : "");
	edge_buf_fini(&b);
	return out;
}

static char *
conv_sb(int *rc, struct edge_mp2json_stats *st)
{
	return conv(sb.data, sb.size, EDGE_MP2JSON_DEPTH, rc, st);
}

static void
assert_valid_json(const char *s)
{
	json_error_t e;
	json_t *j = json_loads(s, JSON_DECODE_ANY, &e);

	ck_assert_msg(j != NULL, "not JSON: %s (%s)", s, e.text);
	json_decref(j);
}

START_TEST(shouldEscapeQuotesBackslashesAndControlChars)
{
	const char in[] = "a\"b\\c\n\r\t\b\f\x01\x1f/";
	int rc;
	char *out;

	pstr(in, sizeof(in) - 1);
	out = conv_sb(&rc, NULL);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(out, "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f/\"");
	assert_valid_json(out);
	free(out);
}
END_TEST

START_TEST(shouldKeepValidUtf8AndReplaceInvalidSequences)
{
	/* Cyrillic (2-byte), CJK (3-byte), emoji (4-byte) stay as they are. */
	const char good[] = "\xd0\x98\xd0\xb7 \xe6\xb0\xb4 \xf0\x9f\x8c\xb1";
	/* lone continuation, overlong '/', surrogate, > U+10FFFF, truncated */
	const char bad[] = "x\x80y\xc0\xafz\xed\xa0\x80w\xf4\x90\x80\x80v\xe6\xb0";
	struct edge_mp2json_stats st = {0};
	char *out;
	int rc;

	pstr(good, sizeof(good) - 1);
	out = conv_sb(&rc, &st);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(out, "\"\xd0\x98\xd0\xb7 \xe6\xb0\xb4 \xf0\x9f\x8c\xb1\"");
	ck_assert_uint_eq(st.utf8_replaced, 0);
	free(out);

	msgpack_sbuffer_clear(&sb);
	pstr(bad, sizeof(bad) - 1);
	out = conv_sb(&rc, &st);
	ck_assert_int_eq(rc, 0);
	assert_valid_json(out);
	ck_assert(st.utf8_replaced >= 5);
	ck_assert_ptr_nonnull(strstr(out, "\xef\xbf\xbd"));
	ck_assert_ptr_null(strstr(out, "\x80y"));
	free(out);
}
END_TEST

START_TEST(shouldWriteIntegersExactlyIncluding64Bit)
{
	char *out;
	int rc;

	msgpack_pack_array(&pk, 6);
	msgpack_pack_uint64(&pk, UINT64_MAX);
	msgpack_pack_int64(&pk, INT64_MIN);
	msgpack_pack_int8(&pk, -1);
	msgpack_pack_uint8(&pk, 0);
	msgpack_pack_int32(&pk, 123456);
	msgpack_pack_int16(&pk, -300);
	out = conv_sb(&rc, NULL);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(out, "[18446744073709551615,-9223372036854775808,-1,0,"
			      "123456,-300]");
	free(out);
}
END_TEST

START_TEST(shouldWriteNonFiniteFloatsAsNull)
{
	struct edge_mp2json_stats st = {0};
	char *out;
	int rc;

	msgpack_pack_array(&pk, 5);
	msgpack_pack_double(&pk, 1.5);
	msgpack_pack_double(&pk, NAN);
	msgpack_pack_double(&pk, INFINITY);
	msgpack_pack_float(&pk, -INFINITY);
	msgpack_pack_double(&pk, 1e300);
	out = conv_sb(&rc, &st);
	ck_assert_int_eq(rc, 0);
	assert_valid_json(out);
	ck_assert_str_eq(out, "[1.5,null,null,null,1.0000000000000001e+300]");
	ck_assert_uint_eq(st.nulled, 3);
	free(out);
}
END_TEST

START_TEST(shouldWriteBinAsBase64AndExtAsNull)
{
	char *out;
	int rc;

	msgpack_pack_array(&pk, 4);
	msgpack_pack_bin(&pk, 5);
	msgpack_pack_bin_body(&pk, "hello", 5);
	msgpack_pack_bin(&pk, 0);
	msgpack_pack_ext(&pk, 3, 7);
	msgpack_pack_ext_body(&pk, "abc", 3);
	msgpack_pack_bin(&pk, 4);
	msgpack_pack_bin_body(&pk, "\xff\x00\x10\x20", 4);
	out = conv_sb(&rc, NULL);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(out, "[\"aGVsbG8=\",\"\",null,\"/wAQIA==\"]");
	free(out);
}
END_TEST

START_TEST(shouldNullMapsWithNonStringKeys)
{
	char *out;
	int rc;

	msgpack_pack_map(&pk, 2);
	pstr("ok", 2);
	msgpack_pack_map(&pk, 1);
	msgpack_pack_int(&pk, 1);
	msgpack_pack_true(&pk);
	pstr("next", 4);
	msgpack_pack_nil(&pk);
	out = conv_sb(&rc, NULL);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(out, "{\"ok\":null,\"next\":null}");
	free(out);
}
END_TEST

START_TEST(shouldNullValuesNestedDeeperThanTheBound)
{
	char *out;
	int rc, i;

	for (i = 0; i < 10; i++)
		msgpack_pack_array(&pk, 1);
	msgpack_pack_int(&pk, 7);
	out = conv(sb.data, sb.size, 4, &rc, NULL);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(out, "[[[[null]]]]");
	free(out);
	out = conv(sb.data, sb.size, 32, &rc, NULL);
	ck_assert_str_eq(out, "[[[[[[[[[[7]]]]]]]]]]");
	free(out);
}
END_TEST

START_TEST(shouldRefuseTruncatedOrLyingInput)
{
	static const unsigned char cases[][8] = {
		{0xdd, 0xff, 0xff, 0xff, 0xff}, /* array claims 4G elements */
		{0xdf, 0x7f, 0xff, 0xff, 0xff}, /* map claims 2G pairs */
		{0xdb, 0xff, 0xff, 0xff, 0xff}, /* str claims 4 GiB */
		{0xc1},                         /* reserved */
		{0x92, 0x01},                   /* array of 2 with one */
		{0xcb, 0x00, 0x00},             /* short double */
		{0x81, 0xa1, 'k'},              /* map without value */
		{0xc7, 0x05, 0x01, 0x00},       /* ext past the end */
	};
	static const size_t lens[] = {5, 5, 5, 1, 2, 3, 3, 4};
	size_t i;
	int rc;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		char *out = conv(cases[i], lens[i], 32, &rc, NULL);
		ck_assert_msg(out == NULL, "case %zu accepted", i);
		ck_assert_int_eq(rc, -EBADMSG);
	}
	ck_assert_ptr_null(conv("", 0, 32, &rc, NULL));
}
END_TEST

START_TEST(shouldTranslateAnEventLikeObject)
{
	char *out;
	int rc;
	json_t *j;

	msgpack_pack_map(&pk, 4);
	pstr("blockId", 7);
	pstr("b-1", 3);
	pstr("timing", 6);
	msgpack_pack_map(&pk, 1);
	pstr("durationMs", 10);
	msgpack_pack_uint32(&pk, 250);
	pstr("result", 6);
	msgpack_pack_array(&pk, 2);
	msgpack_pack_true(&pk);
	msgpack_pack_false(&pk);
	pstr("error", 5);
	msgpack_pack_nil(&pk);
	out = conv_sb(&rc, NULL);
	ck_assert_int_eq(rc, 0);
	j = json_loads(out, 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(json_string_value(json_object_get(j, "blockId")), "b-1");
	ck_assert_int_eq(json_integer_value(json_object_get(
				 json_object_get(j, "timing"), "durationMs")),
			 250);
	ck_assert(json_is_null(json_object_get(j, "error")));
	json_decref(j);
	free(out);
}
END_TEST

START_TEST(shouldSkipDeepNestingWithoutRecursion)
{
	/* 100 000 nested arrays: skipping must not recurse per level. */
	size_t n = 100000, i;
	unsigned char *raw = malloc(n + 1);
	struct edge_mpr r;

	for (i = 0; i < n; i++)
		raw[i] = 0x91;
	raw[n] = 0x01;
	edge_mpr_init(&r, raw, n + 1);
	ck_assert_int_eq(edge_mpr_skip(&r), 0);
	ck_assert_ptr_eq(r.p, raw + n + 1);
	free(raw);
}
END_TEST

START_TEST(shouldRespectTheOutputLimit)
{
	struct edge_buf b;
	struct edge_mpr r;
	char big[1000];

	memset(big, 'x', sizeof(big));
	pstr(big, sizeof(big));
	edge_buf_init(&b, 16, 100);
	edge_mpr_init(&r, sb.data, sb.size);
	ck_assert_int_eq(edge_mp2json(&b, &r, 8, NULL), -E2BIG);
	edge_buf_fini(&b);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("edge_mp2json");
	TCase *t = tcase_create("core");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, shouldEscapeQuotesBackslashesAndControlChars);
	tcase_add_test(t, shouldKeepValidUtf8AndReplaceInvalidSequences);
	tcase_add_test(t, shouldWriteIntegersExactlyIncluding64Bit);
	tcase_add_test(t, shouldWriteNonFiniteFloatsAsNull);
	tcase_add_test(t, shouldWriteBinAsBase64AndExtAsNull);
	tcase_add_test(t, shouldNullMapsWithNonStringKeys);
	tcase_add_test(t, shouldNullValuesNestedDeeperThanTheBound);
	tcase_add_test(t, shouldRefuseTruncatedOrLyingInput);
	tcase_add_test(t, shouldTranslateAnEventLikeObject);
	tcase_add_test(t, shouldSkipDeepNestingWithoutRecursion);
	tcase_add_test(t, shouldRespectTheOutputLimit);
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
