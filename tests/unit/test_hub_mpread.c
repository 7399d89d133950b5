/*
 * The hub's bounded msgpack reader: integers in every width msgpack has,
 * packed by msgpack-c itself, come back with their value and sign; reads
 * out of range or of the wrong kind fail and leave the cursor in place.
 */
#include "config.h"

#include <check.h>
#include <msgpack.h>
#include <stdint.h>
#include <stdlib.h>

#include "mpfixture.h"
#include "mpread.h"


/* Encoded size of the last value packed: checks the width under test is
 * the one msgpack-c chose. */
static size_t
packed_len(void)
{
	return sb.size;
}

START_TEST(shouldReadSignedIntegersOfEveryWidth)
{
	/* value, encoded length (type byte + body) */
	static const struct {
		int64_t v;
		size_t len;
	} cases[] = {
		{-1, 1}, {-32, 1},                     /* negative fixint */
		{-33, 2}, {INT8_MIN, 2},               /* int 8 */
		{INT8_MIN - 1, 3}, {INT16_MIN, 3},     /* int 16 */
		{INT16_MIN - 1, 5}, {INT32_MIN, 5},    /* int 32 */
		{(int64_t)INT32_MIN - 1, 9}, {INT64_MIN, 9}, /* int 64 */
		{0, 1}, {127, 1}, {255, 2}, {65535, 3}, {INT64_MAX, 9},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mp_cur c;
		int64_t got = 0;

		sb.size = 0;
		msgpack_pack_int64(&pk, cases[i].v);
		ck_assert_uint_eq(packed_len(), cases[i].len);
		mp_cur_init(&c, sb.data, sb.size);
		ck_assert_int_eq(mp_read_int(&c, &got), 0);
		ck_assert_int_eq(got, cases[i].v);
		ck_assert(mp_cur_done(&c));
	}
}
END_TEST

/* msgpack-c packs non-negative values as unsigned; a writer may still use
 * the signed forms for them, and their body must not be sign-extended
 * wrongly either. */
START_TEST(shouldReadNonNegativeValuesInSignedForms)
{
	static const uint8_t in[][9] = {
		{0xd0, 0x7f},
		{0xd1, 0x7f, 0xff},
		{0xd2, 0x7f, 0xff, 0xff, 0xff},
		{0xd3, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		{0xd1, 0x00, 0x80},
	};
	static const size_t len[] = {2, 3, 5, 9, 3};
	static const int64_t want[] = {127, 32767, INT32_MAX, INT64_MAX, 128};

	for (size_t i = 0; i < 5; i++) {
		struct mp_cur c;
		int64_t s = 0;
		uint64_t u = 0;

		mp_cur_init(&c, in[i], len[i]);
		ck_assert_int_eq(mp_read_int(&c, &s), 0);
		ck_assert_int_eq(s, want[i]);
		mp_cur_init(&c, in[i], len[i]);
		ck_assert_int_eq(mp_read_uint(&c, &u), 0);
		ck_assert_uint_eq(u, (uint64_t)want[i]);
	}
}
END_TEST

START_TEST(shouldRefuseOutOfRangeIntegersWithoutMoving)
{
	struct mp_cur c;
	int64_t s = 7;
	uint64_t u = 7;

	/* a negative value is no unsigned one */
	msgpack_pack_int64(&pk, -5);
	mp_cur_init(&c, sb.data, sb.size);
	ck_assert_int_eq(mp_read_uint(&c, &u), -1);
	ck_assert_ptr_eq(c.p, (const uint8_t *)sb.data);
	ck_assert_uint_eq(u, 7);

	/* an unsigned value above INT64_MAX does not fit a signed read */
	sb.size = 0;
	msgpack_pack_uint64(&pk, (uint64_t)INT64_MAX + 1);
	mp_cur_init(&c, sb.data, sb.size);
	ck_assert_int_eq(mp_read_int(&c, &s), -1);
	ck_assert_ptr_eq(c.p, (const uint8_t *)sb.data);
	ck_assert_int_eq(s, 7);
	ck_assert_int_eq(mp_read_uint(&c, &u), 0);
	ck_assert_uint_eq(u, (uint64_t)INT64_MAX + 1);

	/* a truncated body and a string are refused */
	sb.size = 0;
	msgpack_pack_int64(&pk, INT32_MIN);
	mp_cur_init(&c, sb.data, sb.size - 1);
	ck_assert_int_eq(mp_read_int(&c, &s), -1);
	ck_assert_ptr_eq(c.p, (const uint8_t *)sb.data);
	sb.size = 0;
	msgpack_pack_str_with_body(&pk, "12", 2);
	mp_cur_init(&c, sb.data, sb.size);
	ck_assert_int_eq(mp_read_int(&c, &s), -1);
	ck_assert_int_eq(s, 7);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("hub msgpack reader");
	TCase *tc = tcase_create("integers");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, shouldReadSignedIntegersOfEveryWidth);
	tcase_add_test(tc, shouldReadNonNegativeValuesInSignedForms);
	tcase_add_test(tc, shouldRefuseOutOfRangeIntegersWithoutMoving);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
