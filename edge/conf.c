/*
 * flowhub-edge configuration: one table of options with defaults and
 * bounds, applied the same way from the command line and from a config
 * file (keys are the long option names), then validated as a whole
 * before anything is opened.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "edge.h"
#include "log.h"

void
edge_conf_defaults(struct edge_conf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->listen_addr, sizeof(c->listen_addr), "127.0.0.1");
	c->port = EDGE_DEFAULT_PORT;
	snprintf(c->www, sizeof(c->www), "%s", FH_WWWDIR);
	c->max_clients = 10000;
	c->max_per_ip = 256;
	c->max_hs_per_ip = 1024;
	c->max_frame = 64 << 10;
	c->queue_limit = 1 << 20;
	c->queue_msgs = 4096;
	c->ping_interval = 30;
	c->idle_timeout = 60;
	c->rate_limit = 100;
	c->rate_burst = 200;
	c->level = LOG_LVL_INFO;
}

static int
copy(char *dst, size_t n, const char *val, char *err, size_t errlen)
{
	if (strlen(val) >= n) {
		snprintf(err, errlen, "value too long");
		return -1;
	}
	memcpy(dst, val, strlen(val) + 1);
	return 0;
}

static int
parse_listen(struct edge_conf *c, const char *v, char *err, size_t errlen)
{
	const char *colon = strrchr(v, ':');
	const char *port = colon ? colon + 1 : v;
	uint64_t p;
	size_t al;

	if (conf_parse_uint(port, 1, 65535, &p) != 0) {
		snprintf(err, errlen, "listen: bad port in '%s'", v);
		return -1;
	}
	c->port = (int)p;
	if (colon == NULL)
		return 0;
	al = (size_t)(colon - v);
	if (al >= 2 && v[0] == '[' && v[al - 1] == ']') {
		v++;
		al -= 2;
	}
	if (al >= sizeof(c->listen_addr)) {
		snprintf(err, errlen, "listen: address too long");
		return -1;
	}
	memcpy(c->listen_addr, v, al);
	c->listen_addr[al] = '\0';
	if (strcmp(c->listen_addr, "*") == 0)
		c->listen_addr[0] = '\0';
	return 0;
}

int
edge_conf_set(struct edge_conf *c, const char *k, const char *v, char *err,
	      size_t errlen)
{
	uint64_t u;
	int b;

#define UINT(name, field, lo, hi)                                               \
	if (strcmp(k, name) == 0) {                                            \
		if (conf_parse_uint(v, lo, hi, &u) != 0) {                     \
			snprintf(err, errlen, "%s: expected %llu..%llu", name, \
				 (unsigned long long)(lo),                     \
				 (unsigned long long)(hi));                    \
			return -1;                                             \
		}                                                              \
		c->field = u;                                                  \
		return 0;                                                      \
	}
#define SIZE(name, field, lo, hi)                                               \
	if (strcmp(k, name) == 0) {                                            \
		if (conf_parse_size(v, lo, hi, &u) != 0) {                     \
			snprintf(err, errlen, "%s: expected a size in %llu..%llu", \
				 name, (unsigned long long)(lo),               \
				 (unsigned long long)(hi));                    \
			return -1;                                             \
		}                                                              \
		c->field = u;                                                  \
		return 0;                                                      \
	}
#define STR(name, field)                                                       \
	if (strcmp(k, name) == 0)                                              \
		return copy(c->field, sizeof(c->field), v, err, errlen);

	if (strcmp(k, "listen") == 0)
		return parse_listen(c, v, err, errlen);
	STR("id", id)
	STR("runtime-dir", runtime_dir)
	STR("hub-events", hub_events)
	STR("hub-rpc", hub_rpc)
	STR("www", www)
	STR("origin", origins)
	STR("read-token", read_token)
	STR("write-token", write_token)
	STR("tls-cert", tls_cert)
	STR("tls-key", tls_key)
	UINT("max-clients", max_clients, 1, 1000000)
	UINT("max-per-ip", max_per_ip, 1, 1000000)
	UINT("max-handshakes-per-ip", max_hs_per_ip, 1, 1000000)
	SIZE("max-frame", max_frame, 256, 16 << 20)
	SIZE("queue-limit", queue_limit, 4096, 1ull << 30)
	UINT("queue-msgs", queue_msgs, 16, 1000000)
	UINT("ping-interval", ping_interval, 1, 3600)
	UINT("idle-timeout", idle_timeout, 2, 86400)
	UINT("rate-limit", rate_limit, 1, 1000000)
	UINT("rate-burst", rate_burst, 1, 1000000)
	if (strcmp(k, "reuseport") == 0 || strcmp(k, "syslog") == 0) {
		if (conf_parse_bool(v, &b) != 0) {
			snprintf(err, errlen, "%s: expected yes or no", k);
			return -1;
		}
		if (k[0] == 'r')
			c->reuseport = b;
		else
			c->use_syslog = b;
		return 0;
	}
	if (strcmp(k, "verbose") == 0) {
		if (conf_parse_bool(v, &b) != 0) {
			snprintf(err, errlen, "verbose: expected yes or no");
			return -1;
		}
		c->level = b ? LOG_LVL_DEBUG : LOG_LVL_INFO;
		return 0;
	}
	snprintf(err, errlen, "unknown option '%s'", k);
	return -1;
#undef UINT
#undef SIZE
#undef STR
}

int
edge_conf_check(struct edge_conf *c, char *err, size_t errlen)
{
	char host[48];

	if (!c->runtime_dir[0]) {
		const char *x = getenv("XDG_RUNTIME_DIR");
		snprintf(c->runtime_dir, sizeof(c->runtime_dir), "%s/flowhub",
			 x && *x ? x : "/tmp");
	}
	if (!c->hub_events[0] &&
	    snprintf(c->hub_events, sizeof(c->hub_events), "ipc://%s/events",
		     c->runtime_dir) >= (int)sizeof(c->hub_events)) {
		snprintf(err, errlen, "runtime-dir too long");
		return -1;
	}
	if (!c->hub_rpc[0] &&
	    snprintf(c->hub_rpc, sizeof(c->hub_rpc), "ipc://%s/rpc",
		     c->runtime_dir) >= (int)sizeof(c->hub_rpc)) {
		snprintf(err, errlen, "runtime-dir too long");
		return -1;
	}
	if (!c->id[0]) {
		if (gethostname(host, sizeof(host)) != 0)
			snprintf(host, sizeof(host), "edge");
		host[sizeof(host) - 1] = '\0';
		snprintf(c->id, sizeof(c->id), "%s-%d", host, c->port);
	}
	if (strspn(c->id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "0123456789-_.") != strlen(c->id)) {
		snprintf(err, errlen, "id: use letters, digits, '-', '_', '.'");
		return -1;
	}
	if (!!c->tls_cert[0] != !!c->tls_key[0]) {
		snprintf(err, errlen, "tls-cert and tls-key go together");
		return -1;
	}
	if (c->tls_cert[0] && (access(c->tls_cert, R_OK) != 0 ||
			       access(c->tls_key, R_OK) != 0)) {
		snprintf(err, errlen, "cannot read the TLS certificate or key");
		return -1;
	}
	if (c->idle_timeout <= c->ping_interval) {
		snprintf(err, errlen, "idle-timeout must be longer than ping-interval");
		return -1;
	}
	if (c->read_token[0] && c->write_token[0] &&
	    strcmp(c->read_token, c->write_token) == 0) {
		snprintf(err, errlen, "read-token and write-token must differ");
		return -1;
	}
	return 0;
}
