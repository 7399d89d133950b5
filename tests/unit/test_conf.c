/*
 * Configuration files (common/conf.c): key = value lines, comments,
 * sections, quotes, errors that name the line, and the value parsers.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"

struct seen {
	int n;
	char keys[16][64];
	char vals[16][256];
	const char *reject; /* key the callback refuses */
};

static int
record(const char *key, const char *value, void *arg, char *err,
       size_t errlen)
{
	struct seen *s = arg;

	if (s->reject != NULL && strcmp(key, s->reject) == 0) {
		snprintf(err, errlen, "bad value for %s", key);
		return -1;
	}
	ck_assert_int_lt(s->n, 16);
	snprintf(s->keys[s->n], sizeof(s->keys[0]), "%s", key);
	snprintf(s->vals[s->n], sizeof(s->vals[0]), "%s", value);
	s->n++;
	return 0;
}

static int
parse(const char *text, struct seen *s, char *err, size_t errlen)
{
	return conf_parse("test.conf", text, strlen(text), record, s, err,
			  errlen);
}

START_TEST(reads_keys_and_values_trimmed)
{
	struct seen s = {0};
	char err[256];

	ck_assert_int_eq(parse("ring = /flowhub\n  rate=20  \n"
			       "count\t=\t5\n", &s, err, sizeof(err)), 0);
	ck_assert_int_eq(s.n, 3);
	ck_assert_str_eq(s.keys[0], "ring");
	ck_assert_str_eq(s.vals[0], "/flowhub");
	ck_assert_str_eq(s.keys[1], "rate");
	ck_assert_str_eq(s.vals[1], "20");
	ck_assert_str_eq(s.keys[2], "count");
	ck_assert_str_eq(s.vals[2], "5");
}
END_TEST

START_TEST(skips_comments_blank_lines_and_sections)
{
	struct seen s = {0};
	char err[256];

	ck_assert_int_eq(parse("# comment\n; other comment\n\n   \n"
			       "[emit]\nring = /r\n[ hub ]\n", &s, err,
			       sizeof(err)), 0);
	ck_assert_int_eq(s.n, 1);
	ck_assert_str_eq(s.vals[0], "/r");
}
END_TEST

START_TEST(last_line_needs_no_newline_and_crlf_is_trimmed)
{
	struct seen s = {0};
	char err[256];

	ck_assert_int_eq(parse("a = 1\r\nb = 2", &s, err, sizeof(err)), 0);
	ck_assert_int_eq(s.n, 2);
	ck_assert_str_eq(s.vals[0], "1");
	ck_assert_str_eq(s.vals[1], "2");
}
END_TEST

START_TEST(strips_double_quotes_around_values)
{
	struct seen s = {0};
	char err[256];

	ck_assert_int_eq(parse("name = \"Hydro A\"\nempty = \"\"\n"
			       "half = \"x\nequals = a=b\n", &s, err,
			       sizeof(err)), 0);
	ck_assert_str_eq(s.vals[0], "Hydro A");
	ck_assert_str_eq(s.vals[1], "");
	ck_assert_str_eq(s.vals[2], "\"x");
	ck_assert_str_eq(s.keys[3], "equals");
	ck_assert_str_eq(s.vals[3], "a=b");
}
END_TEST

START_TEST(errors_name_the_file_and_line)
{
	struct seen s = {0};
	char err[256];

	ck_assert_int_eq(parse("a = 1\n\njunk line\n", &s, err, sizeof(err)),
			 -1);
	ck_assert_str_eq(err, "test.conf:3: expected 'key = value'");
	ck_assert_int_eq(parse("= 5\n", &s, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "test.conf:1: empty key");
	ck_assert_int_eq(parse("a=1\n[open\n", &s, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "test.conf:2: unterminated section header");
}
END_TEST

START_TEST(callback_rejection_is_reported_with_its_line)
{
	struct seen s = {0};
	char err[256];

	s.reject = "rate";
	ck_assert_int_eq(parse("ring = /x\nrate = fast\n", &s, err,
			       sizeof(err)), -1);
	ck_assert_str_eq(err, "test.conf:2: bad value for rate");
	ck_assert_int_eq(s.n, 1);
}
END_TEST

START_TEST(rejects_too_long_lines_and_nul_bytes)
{
	struct seen s = {0};
	char err[256];
	size_t n = CONF_MAX_LINE + 10;
	char *big = malloc(n + 1);

	memset(big, 'x', n);
	memcpy(big, "k = ", 4);
	big[n] = '\0';
	ck_assert_int_eq(conf_parse("t", big, n, record, &s, err, sizeof(err)),
			 -1);
	ck_assert_str_eq(err, "t:1: line too long");
	/* exactly the limit is fine */
	big[CONF_MAX_LINE] = '\0';
	ck_assert_int_eq(conf_parse("t", big, CONF_MAX_LINE, record, &s, err,
				    sizeof(err)), 0);
	free(big);
	ck_assert_int_eq(conf_parse("t", "a = 1\nb = x\0y\n", 13, record, &s,
				    err, sizeof(err)), -1);
	ck_assert_str_eq(err, "t:2: NUL byte");
}
END_TEST

START_TEST(load_reads_a_file_and_reports_missing_ones)
{
	char path[] = "/tmp/fhconfXXXXXX";
	int fd = mkstemp(path);
	struct seen s = {0};
	char err[512];

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "rate = 7\n", 9), 9);
	close(fd);
	ck_assert_int_eq(conf_load(path, record, &s, err, sizeof(err)), 0);
	ck_assert_int_eq(s.n, 1);
	ck_assert_str_eq(s.vals[0], "7");
	unlink(path);
	ck_assert_int_eq(conf_load(path, record, &s, err, sizeof(err)), -1);
	ck_assert(strstr(err, path) != NULL);
	ck_assert(strstr(err, "No such file") != NULL);
}
END_TEST

START_TEST(size_parser_takes_binary_suffixes_and_bounds)
{
	uint64_t v = 0;

	ck_assert_int_eq(conf_parse_size("4096", 0, UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(conf_parse_size("16M", 0, UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, 16u << 20);
	ck_assert_int_eq(conf_parse_size("64k", 0, UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, 64u << 10);
	ck_assert_int_eq(conf_parse_size("1GiB", 0, UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, 1u << 30);
	ck_assert_int_eq(conf_parse_size("2KB", 0, UINT64_MAX, &v), 0);
	ck_assert_uint_eq(v, 2048);
	ck_assert_int_eq(conf_parse_size("2T", 0, UINT64_MAX, &v), -1);
	ck_assert_int_eq(conf_parse_size("-1", 0, UINT64_MAX, &v), -1);
	ck_assert_int_eq(conf_parse_size("", 0, UINT64_MAX, &v), -1);
	ck_assert_int_eq(conf_parse_size("12x", 0, UINT64_MAX, &v), -1);
	ck_assert_int_eq(conf_parse_size("1M", 0, 1000, &v), -1);
	ck_assert_int_eq(conf_parse_size("1", 2, 1000, &v), -1);
	ck_assert_int_eq(conf_parse_size("99999999999999999999G", 0,
					 UINT64_MAX, &v), -1);
	ck_assert_int_eq(conf_parse_size("17179869184G", 0, UINT64_MAX, &v),
			 -1); /* 2^34 G overflows 64 bits */
}
END_TEST

START_TEST(uint_parser_is_plain_decimal_within_bounds)
{
	uint64_t v = 0;

	ck_assert_int_eq(conf_parse_uint("0", 0, 10, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(conf_parse_uint("10", 0, 10, &v), 0);
	ck_assert_uint_eq(v, 10);
	ck_assert_int_eq(conf_parse_uint("11", 0, 10, &v), -1);
	ck_assert_int_eq(conf_parse_uint("5", 6, 10, &v), -1);
	ck_assert_int_eq(conf_parse_uint("1k", 0, UINT64_MAX, &v), -1);
	ck_assert_int_eq(conf_parse_uint(" 1", 0, 10, &v), -1);
	ck_assert_int_eq(conf_parse_uint("+1", 0, 10, &v), -1);
	ck_assert_int_eq(conf_parse_uint("", 0, 10, &v), -1);
	ck_assert_int_eq(conf_parse_uint(NULL, 0, 10, &v), -1);
	ck_assert_int_eq(conf_parse_uint("18446744073709551616", 0,
					 UINT64_MAX, &v), -1);
}
END_TEST

START_TEST(bool_parser_knows_the_usual_words)
{
	static const char *const yes[] = {"1", "yes", "true", "on", "YES", "On"};
	static const char *const no[] = {"0", "no", "false", "off", "False"};
	size_t i;
	int v;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		v = 0;
		ck_assert_int_eq(conf_parse_bool(yes[i], &v), 0);
		ck_assert_int_eq(v, 1);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		v = 1;
		ck_assert_int_eq(conf_parse_bool(no[i], &v), 0);
		ck_assert_int_eq(v, 0);
	}
	ck_assert_int_eq(conf_parse_bool("maybe", &v), -1);
	ck_assert_int_eq(conf_parse_bool("", &v), -1);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, reads_keys_and_values_trimmed);
	tcase_add_test(tc, skips_comments_blank_lines_and_sections);
	tcase_add_test(tc, last_line_needs_no_newline_and_crlf_is_trimmed);
	tcase_add_test(tc, strips_double_quotes_around_values);
	tcase_add_test(tc, errors_name_the_file_and_line);
	tcase_add_test(tc, callback_rejection_is_reported_with_its_line);
	tcase_add_test(tc, rejects_too_long_lines_and_nul_bytes);
	tcase_add_test(tc, load_reads_a_file_and_reports_missing_ones);
	tcase_add_test(tc, size_parser_takes_binary_suffixes_and_bounds);
	tcase_add_test(tc, uint_parser_is_plain_decimal_within_bounds);
	tcase_add_test(tc, bool_parser_knows_the_usual_words);
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
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
