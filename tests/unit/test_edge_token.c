/*
 * Tokens: equality only for the exact token, extraction from the
 * Authorization header and the query string.
 */
#include "config.h"

#include <check.h>
#include <string.h>

#include "token.h"

START_TEST(shouldAcceptOnlyTheExactToken)
{
	ck_assert(edge_token_eq("s3cret", 6, "s3cret"));
	ck_assert(!edge_token_eq("s3cre", 5, "s3cret"));
	ck_assert(!edge_token_eq("s3cretX", 7, "s3cret"));
	ck_assert(!edge_token_eq("S3cret", 6, "s3cret"));
	ck_assert(!edge_token_eq("s3creT", 6, "s3cret"));
	ck_assert(!edge_token_eq("", 0, "s3cret"));
	/* an empty configured token never matches */
	ck_assert(!edge_token_eq("", 0, ""));
	/* a longer input is compared only up to the token's length yet fails */
	ck_assert(!edge_token_eq("s3cret\0", 7, "s3cret"));
}
END_TEST

START_TEST(shouldReadBearerTokens)
{
	const char *t;
	size_t n;

	n = edge_token_from_auth("Bearer abc.def", &t);
	ck_assert_uint_eq(n, 7);
	ck_assert(strncmp(t, "abc.def", n) == 0);
	n = edge_token_from_auth("  bearer   tok  ", &t);
	ck_assert_uint_eq(n, 3);
	ck_assert(strncmp(t, "tok", n) == 0);
	ck_assert_uint_eq(edge_token_from_auth("Basic dXNlcg==", &t), 0);
	ck_assert_uint_eq(edge_token_from_auth("Bearer", &t), 0);
}
END_TEST

START_TEST(shouldReadQueryTokens)
{
	const char *t;
	size_t n;

	n = edge_token_from_query("a=1&token=xyz&b=2", &t);
	ck_assert_uint_eq(n, 3);
	ck_assert(strncmp(t, "xyz", 3) == 0);
	n = edge_token_from_query("token=q", &t);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(edge_token_from_query("mytoken=q", &t), 0);
	ck_assert_uint_eq(edge_token_from_query("", &t), 0);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("edge_token");
	TCase *t = tcase_create("core");

	tcase_add_test(t, shouldAcceptOnlyTheExactToken);
	tcase_add_test(t, shouldReadBearerTokens);
	tcase_add_test(t, shouldReadQueryTokens);
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
