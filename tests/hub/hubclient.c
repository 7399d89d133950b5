/*
 * hubclient: a small NNG client of the hub for tests and for poking at a
 * running hub by hand.  Output is JSON, one value per line.
 *
 *   hubclient req URL JSON           send one request (a JSON array, e.g.
 *                                    '["since", 0, 10]'), print the reply
 *   hubclient since URL S            every retained envelope after S, one
 *                                    per line, following "more"; a too_old
 *                                    reply is printed as is (exit 3)
 *   hubclient wait URL SEQ [MS]      until the hub's seq reaches SEQ
 *                                    (exit 1 on timeout)
 *   hubclient sub URL [-t TOPICS] [-n COUNT] [-w IDLE_MS]
 *                                    subscribe (TOPICS: E, L or EL) and
 *                                    print each envelope with its message's
 *                                    topic and prev_e/prev_l, until COUNT
 *                                    envelopes or IDLE_MS without one
 *
 * Envelope lines: {"seq":N,"type":T,"data":{...},"ids":[...]} (sub adds
 * "topic", "prev_e", "prev_l").
 */
#include "config.h"

#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mpjson.h"
#include "mpread.h"
#include "wire.h"

static void
die(const char *what, int rc)
{
	fprintf(stderr, "hubclient: %s: %s\n", what, nng_strerror(rc));
	exit(2);
}

static void
print_json(json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);

	if (s) {
		puts(s);
		free(s);
	}
	fflush(stdout);
}

static nng_socket
req_open(const char *url)
{
	nng_socket s;
	int rc;

	if ((rc = nng_req0_open(&s)) != 0)
		die("req socket", rc);
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 5000);
	nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, 5000);
	nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, WIRE_MAX_MSG);
	if ((rc = nng_dial(s, url, NULL, 0)) != 0)
		die(url, rc);
	return s;
}

/* Send a msgpack request, return the reply as JSON (caller frees). */
static json_t *
call(nng_socket s, const json_t *req)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	nng_msg *m;
	json_t *rep;
	int rc;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	mpjson_pack(&pk, req);
	if ((rc = nng_send(s, sb.data, sb.size, 0)) != 0)
		die("send", rc);
	msgpack_sbuffer_destroy(&sb);
	if ((rc = nng_recvmsg(s, &m, 0)) != 0)
		die("recv", rc);
	rep = mpjson_to_json(nng_msg_body(m), nng_msg_len(m), NULL);
	nng_msg_free(m);
	if (!rep) {
		fprintf(stderr, "hubclient: malformed reply\n");
		exit(2);
	}
	return rep;
}

static json_t *
envelope_json(json_t *env)
{
	json_t *o = json_object();

	json_object_set(o, "seq", json_array_get(env, 0));
	json_object_set(o, "type", json_array_get(env, 1));
	json_object_set(o, "data", json_array_get(env, 2));
	json_object_set(o, "ids", json_array_get(env, 3));
	return o;
}

static int
cmd_req(const char *url, const char *text)
{
	json_error_t e;
	json_t *req = json_loads(text, JSON_DECODE_ANY, &e), *rep;
	nng_socket s;

	if (!req) {
		fprintf(stderr, "hubclient: bad JSON: %s\n", e.text);
		return 2;
	}
	s = req_open(url);
	rep = call(s, req);
	print_json(rep);
	json_decref(rep);
	json_decref(req);
	nng_close(s);
	return 0;
}

static int
cmd_since(const char *url, unsigned long long since)
{
	nng_socket s = req_open(url);

	for (;;) {
		json_t *req = json_pack("[s, I, i]", "since", (json_int_t)since,
					WIRE_SINCE_MAX);
		json_t *rep = call(s, req);
		const char *st = json_string_value(json_array_get(rep, 0));
		json_t *evs = json_array_get(rep, 1), *env;
		size_t i;

		json_decref(req);
		if (!st || strcmp(st, "ok") != 0) {
			print_json(rep);
			json_decref(rep);
			nng_close(s);
			return 3;
		}
		json_array_foreach(evs, i, env) {
			json_t *o = envelope_json(env);
			print_json(o);
			json_decref(o);
			since = (unsigned long long)json_integer_value(
				json_array_get(env, 0));
		}
		int more = json_is_true(json_array_get(rep, 2));
		json_decref(rep);
		if (!more)
			break;
	}
	nng_close(s);
	return 0;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
cmd_wait(const char *url, unsigned long long seq, long ms)
{
	long long end = now_ms() + ms;
	nng_socket s = req_open(url);

	for (;;) {
		json_t *req = json_pack("[s]", "state");
		json_t *rep = call(s, req);
		unsigned long long cur =
			(unsigned long long)json_integer_value(json_array_get(rep, 1));
		json_decref(req);
		json_decref(rep);
		if (cur >= seq)
			break;
		if (now_ms() > end) {
			fprintf(stderr, "hubclient: seq %llu, waited for %llu\n",
				cur, seq);
			nng_close(s);
			return 1;
		}
		usleep(20000);
	}
	nng_close(s);
	return 0;
}

static int
cmd_sub(const char *url, const char *topics, long count, long idle_ms)
{
	nng_socket s;
	nng_msg *m;
	long got = 0;
	int rc;

	if ((rc = nng_sub0_open(&s)) != 0)
		die("sub socket", rc);
	nng_socket_set_int(s, NNG_OPT_RECVBUF, 8192);
	nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, WIRE_MAX_MSG);
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, (nng_duration)idle_ms);
	for (const char *t = topics; *t; t++)
		nng_socket_set(s, NNG_OPT_SUB_SUBSCRIBE, t, 1);
	if ((rc = nng_dial(s, url, NULL, NNG_FLAG_NONBLOCK)) != 0)
		die(url, rc);
	fprintf(stderr, "hubclient: subscribed\n");
	while (count <= 0 || got < count) {
		if ((rc = nng_recvmsg(s, &m, 0)) != 0) {
			if (rc == NNG_ETIMEDOUT)
				break;
			die("recv", rc);
		}
		uint8_t *b = nng_msg_body(m);
		size_t len = nng_msg_len(m);
		json_t *msg = len > 1 ? mpjson_to_json(b + 1, len - 1, NULL) : NULL;
		json_t *env;
		size_t i;
		if (!msg) {
			fprintf(stderr, "hubclient: malformed message\n");
			nng_msg_free(m);
			return 2;
		}
		json_array_foreach(json_array_get(msg, 2), i, env) {
			json_t *o = envelope_json(env);
			char t[2] = {(char)b[0], 0};
			json_object_set_new(o, "topic", json_string(t));
			json_object_set(o, "prev_e", json_array_get(msg, 0));
			json_object_set(o, "prev_l", json_array_get(msg, 1));
			print_json(o);
			json_decref(o);
			got++;
		}
		json_decref(msg);
		nng_msg_free(m);
	}
	nng_close(s);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: hubclient req URL JSON\n"
		"       hubclient since URL S\n"
		"       hubclient wait URL SEQ [MS]\n"
		"       hubclient sub URL [-t TOPICS] [-n COUNT] [-w IDLE_MS]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	if (argc < 3)
		usage();
	if (strcmp(argv[1], "req") == 0 && argc == 4)
		return cmd_req(argv[2], argv[3]);
	if (strcmp(argv[1], "since") == 0 && argc == 4)
		return cmd_since(argv[2], strtoull(argv[3], NULL, 10));
	if (strcmp(argv[1], "wait") == 0 && (argc == 4 || argc == 5))
		return cmd_wait(argv[2], strtoull(argv[3], NULL, 10),
				argc == 5 ? atol(argv[4]) : 10000);
	if (strcmp(argv[1], "sub") == 0) {
		const char *topics = "E";
		long count = 0, idle = 2000;
		for (int i = 3; i < argc; i++) {
			if (strcmp(argv[i], "-t") == 0 && i + 1 < argc)
				topics = argv[++i];
			else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
				count = atol(argv[++i]);
			else if (strcmp(argv[i], "-w") == 0 && i + 1 < argc)
				idle = atol(argv[++i]);
			else
				usage();
		}
		return cmd_sub(argv[2], topics, count, idle);
	}
	usage();
	return 2;
}
