/*
 * mp_validate: every msgpack type accepted with its exact size, every
 * truncation and lying length rejected, depth bounded, 0xc1 refused, and
 * a randomized cross-check against msgpack-c's own unpacker.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "mpvalid.h"

#define B(...) ((const uint8_t[]){__VA_ARGS__})
#define NB(...) sizeof((const uint8_t[]){__VA_ARGS__})
/* Check that BYTES validate with exactly their size consumed. */
#define OK(...)                                                                \
	do {                                                                   \
		size_t used_ = 0;                                              \
		ck_assert_int_eq(mp_validate(B(__VA_ARGS__), NB(__VA_ARGS__), \
					     8, &used_),                       \
				 0);                                           \
		ck_assert_uint_eq(used_, NB(__VA_ARGS__));                     \
		assert_truncations_fail(B(__VA_ARGS__), NB(__VA_ARGS__));      \
	} while (0)
#define BAD(...)                                                               \
	ck_assert_int_eq(mp_validate(B(__VA_ARGS__), NB(__VA_ARGS__), 8, NULL), \
			 -EBADMSG)

/* Every proper prefix of a valid object is truncated, hence rejected. */
static void
assert_truncations_fail(const uint8_t *buf, size_t len)
{
	size_t n;

	for (n = 0; n < len; n++) {
		uint8_t *copy = malloc(n ? n : 1);

		memcpy(copy, buf, n);
		ck_assert_msg(mp_validate(copy, n, 8, NULL) == -EBADMSG,
			      "prefix of %zu/%zu bytes accepted", n, len);
		free(copy);
	}
}

START_TEST(accepts_every_scalar_type_with_its_exact_size)
{
	OK(0xc0);                   /* nil */
	OK(0xc2);                   /* false */
	OK(0xc3);                   /* true */
	OK(0x00);                   /* positive fixint */
	OK(0x7f);
	OK(0xe0);                   /* negative fixint */
	OK(0xff);
	OK(0xcc, 0xff);             /* uint8 */
	OK(0xcd, 1, 2);             /* uint16 */
	OK(0xce, 1, 2, 3, 4);       /* uint32 */
	OK(0xcf, 1, 2, 3, 4, 5, 6, 7, 8);
	OK(0xd0, 0x80);             /* int8 */
	OK(0xd1, 1, 2);
	OK(0xd2, 1, 2, 3, 4);
	OK(0xd3, 1, 2, 3, 4, 5, 6, 7, 8);
	OK(0xca, 0, 0, 0x80, 0x3f); /* float32 */
	OK(0xcb, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f);
}
END_TEST

START_TEST(accepts_strings_bins_and_exts_of_every_width)
{
	OK(0xa0);                       /* empty fixstr */
	OK(0xa3, 'a', 'b', 'c');
	OK(0xd9, 2, 'h', 'i');          /* str8 */
	OK(0xda, 0, 1, 'x');            /* str16 */
	OK(0xdb, 0, 0, 0, 1, 'x');      /* str32 */
	OK(0xc4, 2, 0, 1);              /* bin8 */
	OK(0xc5, 0, 1, 9);              /* bin16 */
	OK(0xc6, 0, 0, 0, 0);           /* bin32, empty */
	OK(0xd4, 1, 9);                 /* fixext1 */
	OK(0xd5, 1, 9, 9);
	OK(0xd6, 1, 9, 9, 9, 9);
	OK(0xd7, 1, 1, 2, 3, 4, 5, 6, 7, 8);
	OK(0xd8, 1, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8);
	OK(0xc7, 1, 5, 9);              /* ext8: len 1, type 5 */
	OK(0xc8, 0, 1, 5, 9);           /* ext16 */
	OK(0xc9, 0, 0, 0, 2, 5, 9, 9);  /* ext32 */
	OK(0xc7, 0, 5);                 /* ext8, empty */
}
END_TEST

START_TEST(accepts_containers_of_every_width)
{
	OK(0x90);                                    /* [] */
	OK(0x80);                                    /* {} */
	OK(0x92, 0x01, 0xa1, 'x');                   /* [1,"x"] */
	OK(0x81, 0xa1, 'k', 0xc0);                   /* {"k":nil} */
	OK(0xdc, 0, 2, 1, 2);                        /* array16 */
	OK(0xdd, 0, 0, 0, 1, 0xc3);                  /* array32 */
	OK(0xde, 0, 1, 0xa1, 'k', 1);                /* map16 */
	OK(0xdf, 0, 0, 0, 1, 1, 2);                  /* map32, int key */
	OK(0x82, 0xa1, 'a', 0x91, 0x80, 0xa1, 'b', 0x92, 0x90, 0x80);
}
END_TEST

START_TEST(rejects_reserved_byte_anywhere)
{
	BAD(0xc1);
	BAD(0x91, 0xc1);
	BAD(0x81, 0xa1, 'k', 0xc1);
	BAD(0x81, 0xc1, 0x01);
}
END_TEST

START_TEST(rejects_counts_larger_than_the_bytes_left)
{
	/* The 17-byte input that made msgpack-c ask for 256 GiB. */
	BAD(0xdf, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	BAD(0xdd, 0xff, 0xff, 0xff, 0xff, 1, 2, 3);
	BAD(0xdc, 0, 3, 1, 2);           /* says 3, has 2 */
	BAD(0x93, 1, 2);
	BAD(0x82, 0xa1, 'a', 1);         /* 2 entries, 1.5 present */
	BAD(0xde, 0, 2, 1, 2, 3);        /* map16 of 2 needs 4 bytes */
	BAD(0xdb, 0xff, 0xff, 0xff, 0xff, 'x');
	BAD(0xc6, 0x7f, 0xff, 0xff, 0xff);
	BAD(0xc9, 0xff, 0xff, 0xff, 0xff, 1);
	BAD(0xa5, 'a', 'b');
	BAD(0xd9, 3, 'a');
}
END_TEST

START_TEST(rejects_empty_and_truncated_headers)
{
	ck_assert_int_eq(mp_validate("", 0, 8, NULL), -EBADMSG);
	ck_assert_int_eq(mp_validate(NULL, 0, 8, NULL), -EBADMSG);
	BAD(0xcf, 1, 2, 3);
	BAD(0xda, 0);
	BAD(0xdf, 0, 0);
	BAD(0xc8, 0, 1);                 /* ext16 without its type byte */
	BAD(0xd8, 1);
}
END_TEST

START_TEST(reports_the_size_of_the_first_object_only)
{
	size_t used = 0;

	ck_assert_int_eq(mp_validate(B(0x91, 0x01, 0x02, 0x03), 4, 8, &used), 0);
	ck_assert_uint_eq(used, 2);
}
END_TEST

START_TEST(leaves_consumed_untouched_on_error)
{
	size_t used = 77;

	ck_assert_int_eq(mp_validate(B(0x92, 0x01), 2, 8, &used), -EBADMSG);
	ck_assert_uint_eq(used, 77);
}
END_TEST

static uint8_t *
nested_arrays(unsigned depth, size_t *len)
{
	uint8_t *b = malloc(depth + 1);

	memset(b, 0x91, depth);
	b[depth] = 0x01;
	*len = depth + 1;
	return b;
}

START_TEST(bounds_nesting_depth)
{
	size_t len, used;
	uint8_t *b = nested_arrays(32, &len);

	ck_assert_int_eq(mp_validate(b, len, 32, &used), 0);
	ck_assert_uint_eq(used, len);
	ck_assert_int_eq(mp_validate(b, len, 31, &used), -ELOOP);
	ck_assert_int_eq(mp_validate(B(0x01), 1, 0, NULL), 0);
	ck_assert_int_eq(mp_validate(B(0x90), 1, 0, NULL), -ELOOP);
	ck_assert_int_eq(mp_validate(B(0x81, 0xa1, 'k', 0x80), 4, 1, NULL),
			 -ELOOP);
	free(b);
	/* Deeper than any caller may allow: refused, no stack overflow. */
	b = nested_arrays(100000, &len);
	ck_assert_int_eq(mp_validate(b, len, MP_DEPTH_LIMIT, NULL), -ELOOP);
	free(b);
	ck_assert_int_eq(mp_validate(B(0x01), 1, MP_DEPTH_LIMIT + 1, NULL),
			 -EINVAL);
}
END_TEST

START_TEST(json_mode_requires_string_keys_utf8_and_no_binary)
{
	size_t used;

	ck_assert_int_eq(mp_validate_json(B(0x81, 0xa1, 'k', 0x91, 0xa2, 0xc3,
					    0xa9), 7, 8, &used), 0);
	ck_assert_uint_eq(used, 7);
	/* integer key */
	ck_assert_int_eq(mp_validate_json(B(0x81, 0x01, 0x02), 3, 8, NULL),
			 -EBADMSG);
	/* a nested map's key */
	ck_assert_int_eq(mp_validate_json(B(0x91, 0x81, 0xc0, 0x02), 4, 8,
					  NULL), -EBADMSG);
	/* values that are maps still allowed after a string key */
	ck_assert_int_eq(mp_validate_json(B(0x81, 0xa1, 'a', 0x81, 0xa1, 'b',
					    0x01), 7, 8, NULL), 0);
	ck_assert_int_eq(mp_validate_json(B(0xc4, 1, 0), 3, 8, NULL), -EBADMSG);
	ck_assert_int_eq(mp_validate_json(B(0xd4, 1, 0), 3, 8, NULL), -EBADMSG);
	ck_assert_int_eq(mp_validate_json(B(0xa1, 0xff), 2, 8, NULL), -EBADMSG);
	ck_assert_int_eq(mp_validate_json(B(0x81, 0xa2, 0xc3, 0x28, 1), 5, 8,
					  NULL), -EBADMSG);
	/* the same bytes are fine for the plain walk */
	ck_assert_int_eq(mp_validate(B(0x81, 0x01, 0x02), 3, 8, NULL), 0);
	ck_assert_int_eq(mp_validate(B(0xa1, 0xff), 2, 8, NULL), 0);
}
END_TEST

START_TEST(utf8_rejects_overlong_surrogates_and_out_of_range)
{
	ck_assert(mp_utf8_valid("", 0));
	ck_assert(mp_utf8_valid("plain", 5));
	ck_assert(mp_utf8_valid("\xd0\x98\xd0\xb7", 4));        /* Из */
	ck_assert(mp_utf8_valid("\xe2\x82\xac", 3));            /* € */
	ck_assert(mp_utf8_valid("\xf0\x9f\x8c\xb1", 4));        /* 🌱 */
	ck_assert(mp_utf8_valid("a\0b", 3));
	ck_assert(!mp_utf8_valid("\xc0\xaf", 2));               /* overlong / */
	ck_assert(!mp_utf8_valid("\xe0\x80\xaf", 3));
	ck_assert(!mp_utf8_valid("\xf0\x80\x80\xaf", 4));
	ck_assert(!mp_utf8_valid("\xed\xa0\x80", 3));           /* U+D800 */
	ck_assert(!mp_utf8_valid("\xf4\x90\x80\x80", 4));       /* >10FFFF */
	ck_assert(!mp_utf8_valid("\xf5\x80\x80\x80", 4));
	ck_assert(!mp_utf8_valid("\x80", 1));
	ck_assert(!mp_utf8_valid("\xe2\x82", 2));               /* truncated */
	ck_assert(!mp_utf8_valid("\xe2\x28\xa1", 3));
	ck_assert(!mp_utf8_valid("\xd0", 1));                    /* cut 2-byte */
	ck_assert(!mp_utf8_valid("\xd0\x41", 2));
	/* past the eight-byte ASCII fast path, and right at its edges */
	ck_assert(mp_utf8_valid("0123456789abcdefXYZ\xd0\x98", 21));
	ck_assert(!mp_utf8_valid("0123456789abcdefXYZ\xff", 20));
	ck_assert(!mp_utf8_valid("01234567\x80", 9));
	ck_assert(!mp_utf8_valid("a01234567\x80", 10));
	ck_assert(mp_utf8_valid("a0123456789abcdefghij", 21));
	ck_assert(!mp_utf8_valid("\xd0\x98" "01234567" "\xc0\x80", 12));
}
END_TEST

/* Random bytes: whenever mp_validate accepts, msgpack-c must unpack the
 * same number of bytes successfully. */
START_TEST(agrees_with_msgpack_c_on_random_input)
{
	uint32_t seed = 12345;
	int i, accepted = 0;

	for (i = 0; i < 200000; i++) {
		uint8_t buf[24];
		size_t len, j, used, off = 0;
		msgpack_unpacked u;

		seed = seed * 1103515245u + 12345u;
		len = 1 + (seed >> 16) % sizeof(buf);
		for (j = 0; j < len; j++) {
			seed = seed * 1103515245u + 12345u;
			buf[j] = (uint8_t)(seed >> 16);
			/* Small counts are likelier to be valid. */
			if ((seed >> 8) % 3 == 0)
				buf[j] &= 0x9f;
		}
		if (mp_validate(buf, len, 16, &used) != 0)
			continue;
		accepted++;
		msgpack_unpacked_init(&u);
		ck_assert_int_eq(msgpack_unpack_next(&u, (const char *)buf, len,
						     &off),
				 MSGPACK_UNPACK_SUCCESS);
		ck_assert_uint_eq(off, used);
		msgpack_unpacked_destroy(&u);
	}
	ck_assert_int_gt(accepted, 1000);
}
END_TEST

/* Objects packed by msgpack-c validate with their packed size. */
START_TEST(accepts_what_msgpack_c_packs)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	size_t used, i;
	char big[70000];

	memset(big, 'x', sizeof(big));
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 4);
	msgpack_pack_str_with_body(&pk, "big", 3);
	msgpack_pack_str_with_body(&pk, big, sizeof(big));
	msgpack_pack_str_with_body(&pk, "bin", 3);
	msgpack_pack_bin_with_body(&pk, big, 300);
	msgpack_pack_str_with_body(&pk, "arr", 3);
	msgpack_pack_array(&pk, 20);
	for (i = 0; i < 20; i++)
		msgpack_pack_int64(&pk, (int64_t)1 << (i * 3));
	msgpack_pack_str_with_body(&pk, "f", 1);
	msgpack_pack_double(&pk, 2.5);
	ck_assert_int_eq(mp_validate(sb.data, sb.size, 4, &used), 0);
	ck_assert_uint_eq(used, sb.size);
	ck_assert_int_eq(mp_validate(sb.data, sb.size - 1, 4, &used), -EBADMSG);
	msgpack_sbuffer_destroy(&sb);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("mpvalid");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, accepts_every_scalar_type_with_its_exact_size);
	tcase_add_test(tc, accepts_strings_bins_and_exts_of_every_width);
	tcase_add_test(tc, accepts_containers_of_every_width);
	tcase_add_test(tc, rejects_reserved_byte_anywhere);
	tcase_add_test(tc, rejects_counts_larger_than_the_bytes_left);
	tcase_add_test(tc, rejects_empty_and_truncated_headers);
	tcase_add_test(tc, reports_the_size_of_the_first_object_only);
	tcase_add_test(tc, leaves_consumed_untouched_on_error);
	tcase_add_test(tc, bounds_nesting_depth);
	tcase_add_test(tc, json_mode_requires_string_keys_utf8_and_no_binary);
	tcase_add_test(tc, utf8_rejects_overlong_surrogates_and_out_of_range);
	tcase_add_test(tc, agrees_with_msgpack_c_on_random_input);
	tcase_add_test(tc, accepts_what_msgpack_c_packs);
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
