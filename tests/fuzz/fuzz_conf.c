/*
 * Fuzz target: the configuration-file parser shared by flowhub and
 * flowhub-edge (conf_parse) and the value parsers the daemons apply to
 * what it hands them (conf_parse_size/uint/bool).
 *
 * Beyond "no crash", it checks what a caller relies on: every key handed
 * to the callback is non-empty, trimmed, free of '=' and of comment or
 * section starters; no value contains a newline; a failure always comes
 * with a non-empty, terminated reason that names the file; a callback
 * refusal stops the parse and is reported; the number parsers never
 * return a value outside the bounds they were given.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) abort(); } while (0)

struct seen {
	unsigned keys;
	int refused;
};

static int
on_key(const char *key, const char *value, void *arg, char *err,
       size_t errlen)
{
	struct seen *s = arg;
	size_t kl = strlen(key), vl = strlen(value);
	uint64_t u;
	int b;

	CHECK(s->refused == 0); /* nothing after a refusal */
	CHECK(kl > 0 && kl <= CONF_MAX_LINE && vl <= CONF_MAX_LINE);
	CHECK(!isspace((unsigned char)key[0]));
	CHECK(!isspace((unsigned char)key[kl - 1]));
	CHECK(key[0] != '#' && key[0] != ';' && key[0] != '[');
	CHECK(strchr(key, '=') == NULL);
	CHECK(strchr(key, '\n') == NULL && strchr(value, '\n') == NULL);
	s->keys++;

	if (conf_parse_uint(value, 10, 1000000, &u) == 0)
		CHECK(u >= 10 && u <= 1000000);
	if (conf_parse_uint(value, 0, UINT64_MAX, &u) == 0)
		CHECK(isdigit((unsigned char)value[0]));
	if (conf_parse_size(value, 4096, 1u << 30, &u) == 0)
		CHECK(u >= 4096 && u <= (1u << 30));
	if (conf_parse_size(value, 0, UINT64_MAX, &u) == 0)
		CHECK(isdigit((unsigned char)value[0]));
	if (conf_parse_bool(value, &b) == 0)
		CHECK(b == 0 || b == 1);

	/* The daemons refuse unknown keys; exercise that path too. */
	if (strcmp(key, "refuse") == 0) {
		s->refused = 1;
		strncpy(err, "refused by test", errlen - 1);
		err[errlen - 1] = '\0';
		return -1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s = {0, 0};
	char err[256];
	int rc;

	memset(err, 'x', sizeof(err));
	rc = conf_parse("fuzz.conf", (const char *)data, size, on_key, &s,
			err, sizeof(err));
	CHECK(rc == 0 || rc == -1);
	if (rc == -1) {
		CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		CHECK(strncmp(err, "fuzz.conf:", 10) == 0);
	} else {
		CHECK(s.refused == 0);
	}
	if (s.refused)
		CHECK(rc == -1 && strstr(err, "refused by test") != NULL);
	return 0;
}
