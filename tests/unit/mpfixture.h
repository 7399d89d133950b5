/*
 * Check fixture for tests that pack msgpack input with msgpack-c: one
 * buffer and packer per test (tcase_add_checked_fixture(tc, setup,
 * teardown)); set sb.size = 0 to start over within a test.
 */
#ifndef TESTS_UNIT_MPFIXTURE_H
#define TESTS_UNIT_MPFIXTURE_H

#include <msgpack.h>

static msgpack_sbuffer sb;
static msgpack_packer pk;

static void
setup(void)
{
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
}

static void
teardown(void)
{
	msgpack_sbuffer_destroy(&sb);
}

#endif
