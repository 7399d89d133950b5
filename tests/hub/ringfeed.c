/*
 * ringfeed: a test producer for the hub, on libshmring.
 *
 *   ringfeed -r RING [-z SIZE] -g N [-s START] [-w]   generate events
 *   ringfeed -r RING [-z SIZE] [-w] < lines.json      JSON lines (PROTOCOL §2)
 *   ringfeed -r RING -x TYPE HEX                      one raw record
 *
 * -g writes a deterministic mixed stream (event i depends on i only):
 * execution start/finish every 1000 events, block starts and executions,
 * logs at every level with tags and modules, hardware health.  -w retries
 * a write that finds the ring full instead of dropping it, so a stream is
 * delivered complete while the hub is down or slow.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "mpjson.h"
#include "shmring.h"

static struct shmring *ring;
static int retry;
static unsigned long long dropped_here;

static void
put(int type, const msgpack_sbuffer *sb)
{
	for (;;) {
		int rc = shmring_write(ring, type, sb->data, (uint32_t)sb->size);
		if (rc == 0)
			return;
		if (rc == SHMRING_FULL) {
			if (!retry) {
				dropped_here++;
				return;
			}
			struct timespec ts = {0, 200000};
			nanosleep(&ts, NULL);
			continue;
		}
		fprintf(stderr, "ringfeed: write: %s\n", shmring_strerror(rc));
		exit(1);
	}
}

static void
kstr(msgpack_packer *pk, const char *k, const char *v)
{
	msgpack_pack_str(pk, strlen(k));
	msgpack_pack_str_body(pk, k, strlen(k));
	msgpack_pack_str(pk, strlen(v));
	msgpack_pack_str_body(pk, v, strlen(v));
}

static void
key(msgpack_packer *pk, const char *k)
{
	msgpack_pack_str(pk, strlen(k));
	msgpack_pack_str_body(pk, k, strlen(k));
}

/* Event number I of the generated stream. */
static void
gen_one(unsigned long long i, msgpack_sbuffer *sb, int *type)
{
	static const char *const levels[] = {"debug", "info", "warn", "error"};
	msgpack_packer pk;
	char a[64], b[64];
	long long ts = 1758223260000LL + (long long)i * 7;

	sb->size = 0;
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	if (i % 1000 == 0) {
		*type = FH_EV_EXECUTION_STARTED;
		msgpack_pack_map(&pk, 5);
		snprintf(a, sizeof(a), "s-%llu", i / 1000);
		kstr(&pk, "sessionId", a);
		kstr(&pk, "programId", "p-7");
		kstr(&pk, "programName", "Hydro A");
		key(&pk, "meta");
		msgpack_pack_map(&pk, 1);
		key(&pk, "run");
		msgpack_pack_uint64(&pk, i / 1000);
	} else if (i % 1000 == 999) {
		*type = FH_EV_EXECUTION_FINISHED;
		msgpack_pack_map(&pk, 3);
		kstr(&pk, "status", i % 3000 == 2999 ? "failed" : "completed");
		key(&pk, "summary");
		msgpack_pack_map(&pk, 1);
		key(&pk, "n");
		msgpack_pack_uint64(&pk, i);
	} else {
		switch (i % 10) {
		case 0:
		case 1:
		case 2:
			*type = FH_EV_BLOCK_STARTED;
			msgpack_pack_map(&pk, 6);
			snprintf(a, sizeof(a), "blk-%llu", i);
			kstr(&pk, "blockId", a);
			kstr(&pk, "blockType", i % 3 ? "sensor_read" : "wait");
			snprintf(b, sizeof(b), "Block %llu", i % 97);
			kstr(&pk, "blockName", b);
			kstr(&pk, "displayText", "Read the tank level");
			key(&pk, "params");
			msgpack_pack_map(&pk, 1);
			key(&pk, "sensor");
			msgpack_pack_uint64(&pk, i % 13);
			break;
		case 3:
		case 4:
		case 8:
			*type = FH_EV_BLOCK_EXECUTED;
			msgpack_pack_map(&pk, 5);
			snprintf(a, sizeof(a), "blk-%llu",
				 i - (i % 10 == 8 ? 6 : 3));
			kstr(&pk, "blockId", a);
			kstr(&pk, "status", i % 10 == 8 ? "failed" : "completed");
			key(&pk, "result");
			msgpack_pack_map(&pk, 1);
			key(&pk, "value");
			msgpack_pack_double(&pk, (double)(i % 1000) / 8.0);
			if (i % 10 == 8)
				kstr(&pk, "error", "sensor timeout");
			else {
				key(&pk, "error");
				msgpack_pack_nil(&pk);
			}
			break;
		case 7:
			*type = FH_EV_HARDWARE_HEALTH;
			msgpack_pack_map(&pk, 4);
			snprintf(a, sizeof(a), "pump_%llu", (i / 10) % 5);
			kstr(&pk, "component", a);
			kstr(&pk, "status", i % 20 == 7 ? "degraded" : "ok");
			key(&pk, "details");
			msgpack_pack_map(&pk, 1);
			key(&pk, "rpm");
			msgpack_pack_uint64(&pk, 1000 + i % 500);
			break;
		default: /* 5, 6, 9: logs */
			*type = FH_EV_LOG;
			msgpack_pack_map(&pk, 6);
			kstr(&pk, "level", levels[(i / 10) % 4]);
			snprintf(a, sizeof(a), "log line %llu", i);
			kstr(&pk, "message", a);
			snprintf(b, sizeof(b), "t%llu", i % 3);
			kstr(&pk, "tag", b);
			kstr(&pk, "module", i % 2 ? "io" : "core");
			key(&pk, "data");
			msgpack_pack_map(&pk, 1);
			key(&pk, "i");
			msgpack_pack_uint64(&pk, i);
			break;
		}
	}
	key(&pk, "ts");
	msgpack_pack_int64(&pk, ts);
}

static int
kind_of(const char *name)
{
	static const char *const names[] = {
		NULL, "execution_started", "block_started", "block_executed",
		"log", "hardware_health", "execution_finished"};
	for (int i = FH_EV_MIN; i <= FH_EV_MAX; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

static int
feed_json(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int lineno = 0, bad = 0;
	msgpack_sbuffer sb;

	msgpack_sbuffer_init(&sb);
	while ((n = getline(&line, &cap, stdin)) > 0) {
		json_error_t e;
		json_t *v, *ev;
		int type;

		lineno++;
		if (n <= 1)
			continue;
		v = json_loads(line, 0, &e);
		ev = v ? json_object_get(v, "event") : NULL;
		if (!ev || !json_is_string(ev) ||
		    (type = kind_of(json_string_value(ev))) < 0) {
			fprintf(stderr, "ringfeed: line %d rejected\n", lineno);
			bad = 1;
			json_decref(v);
			continue;
		}
		json_object_del(v, "event");
		sb.size = 0;
		msgpack_packer pk;
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		mpjson_pack(&pk, v);
		put(type, &sb);
		json_decref(v);
	}
	free(line);
	msgpack_sbuffer_destroy(&sb);
	return bad;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
main(int argc, char **argv)
{
	const char *name = SHMRING_DEFAULT_NAME;
	unsigned long long gen = 0, start = 0;
	size_t size = 0;
	int raw_type = 0, c, rc;
	struct shmring_opts o;

	while ((c = getopt(argc, argv, "r:z:g:s:wx:")) != -1) {
		switch (c) {
		case 'r': name = optarg; break;
		case 'z': size = strtoull(optarg, NULL, 0); break;
		case 'g': gen = strtoull(optarg, NULL, 10); break;
		case 's': start = strtoull(optarg, NULL, 10); break;
		case 'w': retry = 1; break;
		case 'x': raw_type = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: ringfeed -r RING [-z SIZE] "
					"[-g N [-s START]] [-w] [-x TYPE HEX]\n");
			return 2;
		}
	}
	memset(&o, 0, sizeof(o));
	o.capacity = size;
	if ((rc = shmring_open(&ring, name, &o)) < 0) {
		fprintf(stderr, "ringfeed: %s: %s\n", name, shmring_strerror(rc));
		return 1;
	}
	if (raw_type) {
		const char *hex = optind < argc ? argv[optind] : "";
		size_t n = strlen(hex) / 2;
		msgpack_sbuffer sb;
		msgpack_sbuffer_init(&sb);
		for (size_t i = 0; i < n; i++) {
			char byte = (char)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
			msgpack_sbuffer_write(&sb, &byte, 1);
		}
		put(raw_type, &sb);
		msgpack_sbuffer_destroy(&sb);
		shmring_close(ring);
		return 0;
	}
	if (gen) {
		msgpack_sbuffer sb;
		int type;
		msgpack_sbuffer_init(&sb);
		for (unsigned long long i = start; i < start + gen; i++) {
			gen_one(i, &sb, &type);
			put(type, &sb);
		}
		msgpack_sbuffer_destroy(&sb);
		rc = 0;
	} else {
		rc = feed_json();
	}
	if (dropped_here)
		fprintf(stderr, "ringfeed: %llu records dropped (ring full)\n",
			dropped_here);
	shmring_close(ring);
	return rc;
}
