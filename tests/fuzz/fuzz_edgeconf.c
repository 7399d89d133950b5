/*
 * Fuzz target: a flowhub-edge configuration file end to end -- the shared
 * parser (conf_parse) feeding the edge's option table (edge_conf_set),
 * then the whole-configuration check (edge_conf_check), as
 * flowhub-edge --config does before it opens anything.
 *
 * Must hold: each step answers 0 or -1 with a terminated reason; a
 * configuration that passes the check has a valid port, an id made of
 * the allowed characters, hub URLs and terminated strings throughout.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "edge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "CHECK failed: %s (%s:%d)\n", #c, __FILE__, __LINE__); abort(); } } while (0)

static int
on_key(const char *key, const char *value, void *arg, char *err, size_t errlen)
{
	int rc = edge_conf_set(arg, key, value, err, errlen);

	CHECK(rc == 0 || rc == -1);
	if (rc != 0)
		CHECK(memchr(err, '\0', errlen) != NULL);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct edge_conf c;
	char err[512];
	int rc;

	edge_conf_defaults(&c);
	rc = conf_parse("edge.conf", (const char *)data, size, on_key, &c, err,
			sizeof(err));
	CHECK(rc == 0 || rc == -1);
	if (rc != 0) {
		CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		return 0;
	}
	rc = edge_conf_check(&c, err, sizeof(err));
	CHECK(rc == 0 || rc == -1);
	if (rc == 0) {
		CHECK(c.port >= 0 && c.port <= 65535);
		CHECK(memchr(c.id, '\0', sizeof(c.id)) != NULL);
		CHECK(strspn(c.id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789-_.") == strlen(c.id));
		CHECK(memchr(c.read_token, '\0', sizeof(c.read_token)) != NULL);
		CHECK(memchr(c.hub_events, '\0', sizeof(c.hub_events)) != NULL);
		CHECK(c.hub_events[0] != '\0' && c.hub_rpc[0] != '\0');
	} else {
		CHECK(memchr(err, '\0', sizeof(err)) != NULL && err[0] != '\0');
	}
	return 0;
}
