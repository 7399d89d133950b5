/*
 * The hub's wire side: retained history, log filter table, and a real
 * hub (ring, loop thread, NNG pub and rep over inproc://) answering every
 * request of the hub<->edge wire.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/req.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "history.h"
#include "hub.h"
#include "log.h"
#include "mpjson.h"
#include "wire.h"

/* ---- history ------------------------------------------------------------ */

static void
append_n(struct hub_history *h, uint64_t n, uint32_t size)
{
	char buf[4096];

	for (uint64_t i = 0; i < n; i++) {
		memset(buf, 0, size);
		snprintf(buf, size, "%llu", (unsigned long long)h->next);
		ck_assert_int_eq(hub_history_append(h, buf, size), 0);
	}
}

START_TEST(shouldServeRetainedEnvelopesBySeq)
{
	struct hub_history h;
	uint32_t len;
	const char *p;

	ck_assert_int_eq(hub_history_init(&h, 100, 1 << 20), 0);
	append_n(&h, 250, 64);
	ck_assert_uint_eq(hub_history_count(&h), 100);
	ck_assert_uint_eq(h.first, 151);
	ck_assert_ptr_null(hub_history_get(&h, 150, &len));
	ck_assert_ptr_null(hub_history_get(&h, 251, &len));
	for (uint64_t s = 151; s <= 250; s++) {
		char want[32];
		p = hub_history_get(&h, s, &len);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq(len, 64);
		snprintf(want, sizeof(want), "%llu", (unsigned long long)s);
		ck_assert_str_eq(p, want);
	}
	hub_history_fini(&h);
}
END_TEST

START_TEST(shouldBoundHistoryInBytes)
{
	struct hub_history h;
	uint32_t len;

	ck_assert_int_eq(hub_history_init(&h, 1 << 20, 256 << 10), 0);
	append_n(&h, 1000, 3000); /* 3 MB through a 256 KiB arena */
	ck_assert_uint_le(hub_history_count(&h) * 3000, 256 << 10);
	ck_assert_uint_ge(hub_history_count(&h), 80);
	for (uint64_t s = h.first; s < h.next; s++) {
		char want[32];
		const char *p = hub_history_get(&h, s, &len);
		snprintf(want, sizeof(want), "%llu", (unsigned long long)s);
		ck_assert_str_eq(p, want);
	}
	/* restart at a checkpoint: history starts there */
	hub_history_reset(&h, 5000);
	ck_assert_uint_eq(hub_history_count(&h), 0);
	append_n(&h, 3, 10);
	ck_assert_uint_eq(h.first, 5000);
	ck_assert_ptr_nonnull(hub_history_get(&h, 5002, &len));
	hub_history_fini(&h);
}
END_TEST

/* ---- filters --------------------------------------------------------- */

struct fdef {
	uint8_t levels;
	const char *tag, *module;
};

static const struct fdef pool[] = {
	{WIRE_LEVEL_ALL, NULL, NULL},
	{WIRE_LEVEL_ERROR, NULL, NULL},
	{WIRE_LEVEL_WARN | WIRE_LEVEL_ERROR, "io", NULL},
	{WIRE_LEVEL_ALL, NULL, "core"},
	{WIRE_LEVEL_INFO, "t1", "io"},
	{WIRE_LEVEL_DEBUG | WIRE_LEVEL_INFO, "t2", NULL},
};
#define NPOOL (sizeof(pool) / sizeof(pool[0]))

static int
fdef_match(const struct fdef *f, int level, const char *tag, const char *mod)
{
	if (!(f->levels & (1 << level)))
		return 0;
	if (f->tag && (!tag || strcmp(f->tag, tag) != 0))
		return 0;
	if (f->module && (!mod || strcmp(f->module, mod) != 0))
		return 0;
	return 1;
}

static uint32_t
add_def(struct hub_filters *fs, int slot, const struct fdef *f)
{
	uint32_t id;

	ck_assert_int_eq(hub_filters_add(fs, slot, f->levels, f->tag,
					 f->tag ? strlen(f->tag) : 0, f->module,
					 f->module ? strlen(f->module) : 0, &id), 0);
	return id;
}

START_TEST(shouldMatchEachLogWithExactlyTheFiltersItSatisfies)
{
	static struct hub_filters fs;
	static const char *const tags[] = {NULL, "io", "t1", "t2", "x"};
	static const char *const mods[] = {NULL, "io", "core"};
	uint32_t ids[NPOOL], got[64];
	int held[16][NPOOL] = {{0}};
	unsigned seed = 7;

	hub_filters_init(&fs);
	for (int e = 0; e < 16; e++) {
		char name[16];
		snprintf(name, sizeof(name), "edge-%d", e);
		int slot = hub_filters_touch(&fs, name, strlen(name), 0);
		ck_assert_int_ge(slot, 0);
		for (size_t f = 0; f < NPOOL; f++) {
			seed = seed * 1103515245 + 12345;
			if ((seed >> 16) % 3 == 0 || (e == 0 && f == 0)) {
				uint32_t id = add_def(&fs, slot, &pool[f]);
				/* the same filter from many edges is one id */
				if (held[0][f] || e > 0) {
					for (int k = 0; k < e; k++)
						if (held[k][f])
							ck_assert_uint_eq(id, ids[f]);
				}
				ids[f] = id;
				held[e][f] = 1;
			}
		}
	}
	/* distinct filters only */
	int distinct = 0;
	for (size_t f = 0; f < NPOOL; f++) {
		int any = 0;
		for (int e = 0; e < 16; e++)
			any |= held[e][f];
		distinct += any;
	}
	ck_assert_uint_eq(fs.nlive, (uint32_t)distinct);
	for (int lv = 0; lv < 4; lv++)
		for (size_t t = 0; t < 5; t++)
			for (size_t m = 0; m < 3; m++) {
				uint32_t n = hub_filters_match(
					&fs, lv, tags[t], tags[t] ? strlen(tags[t]) : 0,
					mods[m], mods[m] ? strlen(mods[m]) : 0, got, 64);
				uint32_t want[NPOOL], k = 0;
				for (size_t f = 0; f < NPOOL; f++) {
					int any = 0;
					for (int e = 0; e < 16; e++)
						any |= held[e][f];
					if (any && fdef_match(&pool[f], lv, tags[t], mods[m]))
						want[k++] = ids[f];
				}
				/* ids come out ascending */
				for (uint32_t x = 1; x < k; x++)
					for (uint32_t y = x; y > 0 && want[y - 1] > want[y]; y--) {
						uint32_t tmp = want[y];
						want[y] = want[y - 1];
						want[y - 1] = tmp;
					}
				ck_assert_uint_eq(k, n);
				for (uint32_t x = 0; x < k; x++)
					ck_assert_uint_eq(got[x], want[x]);
			}
	hub_filters_fini(&fs);
}
END_TEST

START_TEST(shouldDropFiltersOfSilentEdgesOnly)
{
	static struct hub_filters fs;
	uint32_t a, b, c, got[8];

	hub_filters_init(&fs);
	int e1 = hub_filters_touch(&fs, "e1", 2, 1000);
	int e2 = hub_filters_touch(&fs, "e2", 2, 1000);
	a = add_def(&fs, e1, &pool[1]);
	b = add_def(&fs, e2, &pool[1]);
	ck_assert_uint_eq(a, b);
	c = add_def(&fs, e1, &pool[0]);
	/* e2 keeps sending heartbeats, e1 goes quiet */
	ck_assert_int_eq(hub_filters_touch(&fs, "e2", 2, 9000), e2);
	ck_assert_int_eq(hub_filters_expire(&fs, 12000, WIRE_EDGE_TIMEOUT_MS), 1);
	ck_assert_uint_eq(hub_filters_edges(&fs), 1);
	ck_assert_uint_eq(fs.nlive, 1);
	ck_assert_uint_eq(hub_filters_match(&fs, LV_ERROR, NULL, 0, NULL, 0, got, 8), 1);
	ck_assert_uint_eq(got[0], a);
	ck_assert_uint_eq(hub_filters_match(&fs, LV_INFO, NULL, 0, NULL, 0, got, 8), 0);
	(void)c;
	/* deleting by its last holder removes it */
	ck_assert_int_eq(hub_filters_del(&fs, e2, a), 0);
	ck_assert_int_eq(hub_filters_del(&fs, e2, a), -ENOENT);
	ck_assert_uint_eq(fs.nlive, 0);
	/* bounds */
	ck_assert_int_eq(hub_filters_add(&fs, e2, 0, NULL, 0, NULL, 0, &a), -EINVAL);
	ck_assert_int_eq(hub_filters_touch(&fs, "", 0, 0), -EINVAL);
	hub_filters_fini(&fs);
}
END_TEST

START_TEST(shouldRefuseEdgesAndFiltersPastTheirBounds)
{
	static struct hub_filters fs;
	char name[32];
	uint32_t id, cid;

	hub_filters_init(&fs);
	for (int i = 0; i < HUB_EDGES_MAX; i++) {
		snprintf(name, sizeof(name), "e%d", i);
		ck_assert_int_ge(hub_filters_touch(&fs, name, strlen(name), 0), 0);
	}
	ck_assert_int_eq(hub_filters_touch(&fs, "one-more", 8, 0), -ENOSPC);
	for (int i = 0; i < HUB_FILTERS_MAX; i++) {
		snprintf(name, sizeof(name), "tag%d", i);
		ck_assert_int_eq(hub_filters_add(&fs, 0, 1, name, strlen(name), NULL,
						 0, &id), 0);
	}
	ck_assert_int_eq(hub_filters_add(&fs, 0, 1, "x", 1, NULL, 0, &id), -ENOSPC);
	/* the catch-all still fits, once, and is shared */
	ck_assert_int_eq(hub_filters_add(&fs, 0, WIRE_LEVEL_ALL, NULL, 0, NULL, 0,
					 &id), 0);
	ck_assert_int_eq(hub_filters_add(&fs, 1, WIRE_LEVEL_ALL, NULL, 0, NULL, 0,
					 &cid), 0);
	ck_assert_uint_eq(cid, id);
	ck_assert_uint_eq(fs.nlive, HUB_FILTERS_MAX + 1);
	ck_assert_int_eq(hub_filters_add(&fs, 1, WIRE_LEVEL_ALL, "y", 1, NULL, 0,
					 &cid), -ENOSPC);
	hub_filters_fini(&fs);
}
END_TEST

/* ---- a real hub over inproc ---------------------------------------------- */

static struct hub *hub;
static pthread_t loop;
static volatile sig_atomic_t stop_loop;
static char ring_name[64], state_dir[128], ev_url[64], rpc_url[64];
static struct shmring *prod;

static void *
loop_main(void *arg)
{
	(void)arg;
	hub_run(hub, &stop_loop);
	return NULL;
}

static void
hub_start(void)
{
	struct hub_config cfg;
	char err[256];

	memset(&cfg, 0, sizeof(cfg));
	cfg.ring_name = ring_name;
	cfg.ring_size = 1 << 20;
	cfg.events_urls[0] = ev_url;
	cfg.nevents = 1;
	cfg.rpc_urls[0] = rpc_url;
	cfg.nrpc = 1;
	cfg.state_dir = state_dir;
	cfg.retain = 1000;
	cfg.recent = 20;
	cfg.history_bytes = 1 << 20;
	cfg.ckpt_ms = 50;
	cfg.rpc_workers = 4;
	ck_assert_msg(hub_open(&hub, &cfg, err, sizeof(err)) == 0, "%s", err);
	stop_loop = 0;
	ck_assert_int_eq(pthread_create(&loop, NULL, loop_main, NULL), 0);
}

static void
hub_stop(void)
{
	__atomic_store_n(&stop_loop, 1, __ATOMIC_RELAXED);
	pthread_join(loop, NULL);
	hub_close(hub);
	hub = NULL;
}

static void
hub_setup(void)
{
	struct shmring_opts o;

	log_init("test", 0, LOG_LVL_ERROR);
	snprintf(ring_name, sizeof(ring_name), "/fhtest-wire-%d", getpid());
	snprintf(ev_url, sizeof(ev_url), "inproc://ev-%d", getpid());
	snprintf(rpc_url, sizeof(rpc_url), "inproc://rpc-%d", getpid());
	snprintf(state_dir, sizeof(state_dir), "/tmp/fhtest-wire-%d", getpid());
	(void)shmring_unlink(ring_name);
	hub_start();
	memset(&o, 0, sizeof(o));
	o.no_create = 1;
	ck_assert_int_eq(shmring_open(&prod, ring_name, &o), 0);
}

static void
hub_teardown(void)
{
	char cmd[256];

	if (hub)
		hub_stop();
	shmring_close(prod);
	(void)shmring_unlink(ring_name);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", state_dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void
produce(int type, const char *json)
{
	json_t *v = json_loads(json, 0, NULL);
	msgpack_sbuffer sb;
	msgpack_packer pk;

	ck_assert_ptr_nonnull(v);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	mpjson_pack(&pk, v);
	ck_assert_int_eq(shmring_write(prod, type, sb.data, (uint32_t)sb.size), 0);
	msgpack_sbuffer_destroy(&sb);
	json_decref(v);
}

static json_t *
request_raw(const void *buf, size_t len)
{
	nng_socket s;
	nng_msg *m;
	json_t *rep;

	ck_assert_int_eq(nng_req0_open(&s), 0);
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 5000);
	ck_assert_int_eq(nng_dial(s, rpc_url, NULL, 0), 0);
	ck_assert_int_eq(nng_send(s, (void *)buf, len, 0), 0);
	ck_assert_int_eq(nng_recvmsg(s, &m, 0), 0);
	rep = mpjson_to_json(nng_msg_body(m), nng_msg_len(m), NULL);
	ck_assert_ptr_nonnull(rep);
	nng_msg_free(m);
	nng_close(s);
	return rep;
}

static json_t *
request(const char *json)
{
	json_t *v = json_loads(json, 0, NULL);
	msgpack_sbuffer sb;
	msgpack_packer pk;
	json_t *rep;

	ck_assert_ptr_nonnull(v);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	mpjson_pack(&pk, v);
	rep = request_raw(sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
	json_decref(v);
	return rep;
}

static const char *
rep_status(json_t *rep)
{
	return json_string_value(json_array_get(rep, 0));
}

static uint64_t
hub_seq(void)
{
	json_t *rep = request("[\"state\"]");
	uint64_t s = (uint64_t)json_integer_value(json_array_get(rep, 1));
	json_decref(rep);
	return s;
}

static void
wait_seq(uint64_t want)
{
	for (int i = 0; i < 500 && hub_seq() < want; i++)
		usleep(10000);
	ck_assert_uint_eq(hub_seq(), want);
}

START_TEST(shouldAnswerStateAndSinceFromTheRing)
{
	json_t *rep, *st;

	rep = request("[\"state\"]");
	ck_assert_str_eq(rep_status(rep), "ok");
	ck_assert_int_eq(json_integer_value(json_array_get(rep, 1)), 0);
	json_decref(rep);

	produce(FH_EV_EXECUTION_STARTED, "{\"sessionId\":\"s1\",\"ts\":1000}");
	for (int i = 0; i < 9; i++)
		produce(FH_EV_LOG, "{\"level\":\"info\",\"message\":\"m\"}");
	produce(FH_EV_BLOCK_STARTED, "{\"blockId\":\"b\",\"blockType\":\"t\"}");
	wait_seq(11);

	rep = request("[\"state\"]");
	st = json_array_get(rep, 2);
	ck_assert_int_eq(json_integer_value(json_object_get(st, "seq")), 11);
	ck_assert_uint_eq(json_array_size(json_object_get(st, "active")), 1);
	json_decref(rep);

	rep = request("[\"since\", 0]");
	ck_assert_str_eq(rep_status(rep), "ok");
	ck_assert_uint_eq(json_array_size(json_array_get(rep, 1)), 11);
	for (int i = 0; i < 11; i++)
		ck_assert_int_eq(json_integer_value(json_array_get(
			json_array_get(json_array_get(rep, 1), (size_t)i), 0)), i + 1);
	ck_assert(json_is_false(json_array_get(rep, 2)));
	json_decref(rep);

	rep = request("[\"since\", 4, 3]");
	ck_assert_uint_eq(json_array_size(json_array_get(rep, 1)), 3);
	ck_assert_int_eq(json_integer_value(json_array_get(
		json_array_get(json_array_get(rep, 1), 0), 0)), 5);
	ck_assert(json_is_true(json_array_get(rep, 2)));
	json_decref(rep);

	rep = request("[\"since\", 11]");
	ck_assert_uint_eq(json_array_size(json_array_get(rep, 1)), 0);
	json_decref(rep);

	rep = request("[\"hello\", \"edge-a\"]");
	ck_assert_str_eq(rep_status(rep), "ok");
	ck_assert_int_eq(json_integer_value(json_array_get(rep, 2)), 11);
	ck_assert_int_eq(json_integer_value(json_array_get(rep, 3)), 1);
	json_decref(rep);
}
END_TEST

START_TEST(shouldSayTooOldPastTheRetention)
{
	json_t *rep;

	for (int i = 0; i < 1200; i++)
		produce(FH_EV_LOG, "{\"level\":\"info\",\"message\":\"m\"}");
	wait_seq(1200);
	rep = request("[\"since\", 5]");
	ck_assert_str_eq(rep_status(rep), "too_old");
	ck_assert_int_eq(json_integer_value(json_array_get(rep, 1)), 201);
	json_decref(rep);
	rep = request("[\"since\", 200]");
	ck_assert_str_eq(rep_status(rep), "ok");
	ck_assert_uint_eq(json_array_size(json_array_get(rep, 1)), 1000);
	json_decref(rep);
}
END_TEST

START_TEST(shouldAnswerBadRequestsWithErrors)
{
	static const char *const bad[] = {
		"[]", "{}", "[1]", "[\"nope\"]", "[\"since\"]", "[\"since\", \"x\"]",
		"[\"since\", -1]", "[\"state\", 1]", "[\"hello\"]", "[\"hello\", 5]",
		"[\"filter_add\", \"e\", 99, null, null]",
		"[\"filter_add\", \"e\", [\"loud\"], null, null]",
		"[\"filter_add\", \"e\", null, 5, null]",
		"[\"filter_del\", \"e\", 12345]",
		"[\"hw\", \"pump\", \"fine\", {}]", "[\"hw\", \"\", \"ok\"]",
		"[\"hw\", \"pump\", \"ok\", [1]]", "[\"heartbeat\", \"e\", \"x\"]",
	};
	static const char lying[] = "\xdd\xff\xff\xff\xff\xa5state";
	json_t *rep;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rep = request(bad[i]);
		ck_assert_msg(strcmp(rep_status(rep), "error") == 0, "%s", bad[i]);
		ck_assert(json_is_string(json_array_get(rep, 1)));
		ck_assert(json_is_string(json_array_get(rep, 2)));
		json_decref(rep);
	}
	rep = request_raw(lying, sizeof(lying) - 1);
	ck_assert_str_eq(rep_status(rep), "error");
	json_decref(rep);
	rep = request_raw("\xc1", 1);
	ck_assert_str_eq(rep_status(rep), "error");
	json_decref(rep);
	/* still serving */
	rep = request("[\"state\"]");
	ck_assert_str_eq(rep_status(rep), "ok");
	json_decref(rep);
}
END_TEST

START_TEST(shouldSequenceHardwareUpdatesFromClients)
{
	json_t *rep, *hw;

	produce(FH_EV_LOG, "{\"level\":\"info\",\"message\":\"m\"}");
	wait_seq(1);
	rep = request("[\"hw\", \"pump_9\", \"degraded\", {\"rpm\": 3}]");
	ck_assert_str_eq(rep_status(rep), "ok");
	ck_assert_int_eq(json_integer_value(json_array_get(rep, 1)), 2);
	json_decref(rep);
	rep = request("[\"state\"]");
	hw = json_object_get(json_object_get(json_array_get(rep, 2), "hardware"),
			     "pump_9");
	ck_assert_str_eq(json_string_value(json_object_get(hw, "status")), "degraded");
	ck_assert_int_eq(json_integer_value(json_object_get(
		json_object_get(hw, "details"), "rpm")), 3);
	json_decref(rep);
}
END_TEST

START_TEST(shouldManageFiltersPerEdge)
{
	json_t *rep;
	long long id1, id2;

	rep = request("[\"filter_add\", \"e1\", [\"warn\", \"error\"], \"io\", null]");
	ck_assert_str_eq(rep_status(rep), "ok");
	id1 = json_integer_value(json_array_get(rep, 1));
	json_decref(rep);
	rep = request("[\"filter_add\", \"e2\", 12, \"io\", null]");
	id2 = json_integer_value(json_array_get(rep, 1));
	json_decref(rep);
	ck_assert_int_eq(id1, id2);
	rep = request("[\"heartbeat\", \"e1\", 3]");
	ck_assert_str_eq(rep_status(rep), "ok");
	json_decref(rep);
	rep = request("[\"filter_del\", \"e1\", 999]");
	ck_assert_str_eq(rep_status(rep), "error");
	ck_assert_str_eq(json_string_value(json_array_get(rep, 1)), "not_found");
	json_decref(rep);
	char buf[64];
	snprintf(buf, sizeof(buf), "[\"filter_del\", \"e1\", %lld]", id1);
	rep = request(buf);
	ck_assert_str_eq(rep_status(rep), "ok");
	json_decref(rep);
	rep = request("[\"status\"]");
	ck_assert_str_eq(rep_status(rep), "ok");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(rep, 1),
							    "filters")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(rep, 1),
							    "edges")), 2);
	json_decref(rep);
}
END_TEST

static nng_socket
sub_open(const char *topics)
{
	nng_socket s;

	ck_assert_int_eq(nng_sub0_open(&s), 0);
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 5000);
	for (const char *t = topics; *t; t++)
		nng_socket_set(s, NNG_OPT_SUB_SUBSCRIBE, t, 1);
	ck_assert_int_eq(nng_dial(s, ev_url, NULL, 0), 0);
	return s;
}

/* Receive one message: topic, [prev_e, prev_l, events]. */
static json_t *
sub_recv(nng_socket s, char *topic)
{
	nng_msg *m;
	json_t *v;

	ck_assert_int_eq(nng_recvmsg(s, &m, 0), 0);
	*topic = ((char *)nng_msg_body(m))[0];
	v = mpjson_to_json((char *)nng_msg_body(m) + 1, nng_msg_len(m) - 1, NULL);
	ck_assert_ptr_nonnull(v);
	nng_msg_free(m);
	return v;
}

START_TEST(shouldPublishEventsAndMatchedLogsWithTheirPredecessors)
{
	nng_socket s = sub_open("EL");
	json_t *rep, *msg;
	char topic;
	uint64_t seen = 0, last_e = 0, last_l = 0;
	int logs = 0;

	rep = request("[\"filter_add\", \"e1\", [\"error\"], null, null]");
	long long fid = json_integer_value(json_array_get(rep, 1));
	json_decref(rep);
	produce(FH_EV_EXECUTION_STARTED, "{\"sessionId\":\"s1\"}");     /* 1 E */
	produce(FH_EV_LOG, "{\"level\":\"info\",\"message\":\"no\"}");   /* 2 - */
	produce(FH_EV_LOG, "{\"level\":\"error\",\"message\":\"yes\"}"); /* 3 L */
	produce(FH_EV_BLOCK_STARTED, "{\"blockId\":\"b\",\"blockType\":\"t\"}"); /* 4 E */
	wait_seq(4);
	while (seen < 3) {
		msg = sub_recv(s, &topic);
		ck_assert_int_eq(json_integer_value(json_array_get(msg, 0)), last_e);
		ck_assert_int_eq(json_integer_value(json_array_get(msg, 1)), last_l);
		json_t *evs = json_array_get(msg, 2), *env;
		size_t i;
		json_array_foreach(evs, i, env) {
			uint64_t sq = (uint64_t)json_integer_value(json_array_get(env, 0));
			const char *type = json_string_value(json_array_get(env, 1));
			seen++;
			if (topic == 'L') {
				ck_assert_str_eq(type, "log_entry");
				ck_assert_int_eq(json_integer_value(json_array_get(
					json_array_get(env, 3), 0)), fid);
				ck_assert_uint_eq(sq, 3);
				last_l = sq;
				logs++;
			} else {
				ck_assert(sq == 1 || sq == 4);
				last_e = sq;
			}
		}
		json_decref(msg);
	}
	ck_assert_int_eq(logs, 1);
	ck_assert_uint_eq(last_e, 4);
	nng_close(s);
}
END_TEST

START_TEST(shouldContinueSeqAfterRestartFromCheckpoint)
{
	json_t *rep, *st;

	produce(FH_EV_EXECUTION_STARTED, "{\"sessionId\":\"s1\"}");
	produce(FH_EV_BLOCK_STARTED, "{\"blockId\":\"b\",\"blockType\":\"t\"}");
	wait_seq(2);
	hub_stop();
	/* written while the hub is down */
	produce(FH_EV_BLOCK_EXECUTED, "{\"blockId\":\"b\",\"status\":\"completed\"}");
	hub_start();
	wait_seq(3);
	rep = request("[\"state\"]");
	st = json_array_get(rep, 2);
	ck_assert_uint_eq(json_array_size(json_object_get(st, "active")), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(st, "recent")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(
		json_object_get(st, "executionContext"), "blocksCompleted")), 1);
	json_decref(rep);
	/* the history reaches back before the restart: the checkpoint
	 * carried the newest envelopes, the replay made the rest */
	rep = request("[\"since\", 0]");
	ck_assert_str_eq(rep_status(rep), "ok");
	ck_assert_uint_eq(json_array_size(json_array_get(rep, 1)), 3);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(json_integer_value(json_array_get(
			json_array_get(json_array_get(rep, 1), (size_t)i), 0)), i + 1);
	ck_assert_str_eq(json_string_value(json_array_get(
		json_array_get(json_array_get(rep, 1), 0), 1)), "execution_started");
	json_decref(rep);
}
END_TEST

START_TEST(shouldReportRingOverflowAsOneGap)
{
	json_t *rep;
	int written = 0, dropped = 0;

	hub_stop();
	/* fill the 1 MiB ring while nobody reads it */
	while (dropped < 25) {
		int rc = shmring_write(prod, FH_EV_LOG, "\x82\xa5level\xa4info\xa7message\xa1m", 22);
		if (rc == SHMRING_FULL)
			dropped++;
		else {
			ck_assert_int_eq(rc, 0);
			written++;
		}
	}
	hub_start();
	wait_seq((uint64_t)written + 1);
	rep = request("[\"status\"]");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(rep, 1),
							    "gaps")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(rep, 1),
							    "lost")), 25);
	json_decref(rep);
	char buf[64];
	snprintf(buf, sizeof(buf), "[\"since\", %d]", written);
	rep = request(buf);
	json_t *env = json_array_get(json_array_get(rep, 1), 0);
	ck_assert_str_eq(json_string_value(json_array_get(env, 1)), "gap");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(env, 2),
							    "lost")), 25);
	json_decref(rep);
	/* and only one */
	usleep(300000);
	ck_assert_uint_eq(hub_seq(), (uint64_t)written + 1);
}
END_TEST

START_TEST(shouldKeepStateAndSeqWhenTheRingIsRecreated)
{
	struct shmring_opts o;
	json_t *rep;

	produce(FH_EV_EXECUTION_STARTED, "{\"sessionId\":\"s1\"}");
	produce(FH_EV_BLOCK_STARTED, "{\"blockId\":\"b\",\"blockType\":\"t\"}");
	wait_seq(2);
	hub_stop();
	shmring_close(prod);
	ck_assert_int_eq(shmring_unlink(ring_name), 0);
	hub_start(); /* a new ring: new instance, position 0 */
	memset(&o, 0, sizeof(o));
	o.no_create = 1;
	ck_assert_int_eq(shmring_open(&prod, ring_name, &o), 0);
	produce(FH_EV_BLOCK_EXECUTED, "{\"blockId\":\"b\",\"status\":\"completed\"}");
	wait_seq(3);
	rep = request("[\"state\"]");
	ck_assert_uint_eq(json_array_size(json_object_get(json_array_get(rep, 2),
							  "recent")), 1);
	json_decref(rep);
}
END_TEST

START_TEST(shouldGiveLogsInHistoryTheIdsOfFiltersRegisteredNow)
{
	json_t *rep, *evs;
	long long fid;

	/* published while no edge wanted logs: retained with no ids */
	produce(FH_EV_LOG, "{\"level\":\"warn\",\"message\":\"a\",\"tag\":\"io\"}");
	produce(FH_EV_LOG, "{\"level\":\"debug\",\"message\":\"b\"}");
	produce(FH_EV_HARDWARE_HEALTH, "{\"component\":\"p\",\"status\":\"ok\"}");
	wait_seq(3);
	rep = request("[\"filter_add\", \"e1\", [\"warn\"], \"io\", null]");
	fid = json_integer_value(json_array_get(rep, 1));
	/* the hub's head at registration: logs after it are matched */
	ck_assert_uint_eq(json_array_size(rep), 3);
	ck_assert_int_eq(json_integer_value(json_array_get(rep, 2)), 3);
	json_decref(rep);
	rep = request("[\"since\", 0]");
	evs = json_array_get(rep, 1);
	ck_assert_uint_eq(json_array_size(evs), 3);
	ck_assert_uint_eq(json_array_size(json_array_get(json_array_get(evs, 0), 3)), 1);
	ck_assert_int_eq(json_integer_value(json_array_get(
		json_array_get(json_array_get(evs, 0), 3), 0)), fid);
	ck_assert_str_eq(json_string_value(json_object_get(
		json_array_get(json_array_get(evs, 0), 2), "message")), "a");
	ck_assert_uint_eq(json_array_size(json_array_get(json_array_get(evs, 1), 3)), 0);
	ck_assert_uint_eq(json_array_size(json_array_get(json_array_get(evs, 2), 3)), 0);
	ck_assert_str_eq(json_string_value(json_array_get(json_array_get(evs, 2), 1)),
			 "hardware_health_update");
	json_decref(rep);
}
END_TEST

struct stress {
	int id;
	int hw_ok;
	int failures;
};

/* Requests of every kind from one client thread, with its own socket. */
static void *
stress_client(void *arg)
{
	struct stress *st = arg;
	static const char *const reqs[] = {
		"[\"state\"]", "[\"since\", 0, 50]", "[\"heartbeat\", \"E\", 1]",
		"[\"filter_add\", \"E\", [\"warn\"], \"io\", null]",
		"[\"hw\", \"pump_s\", \"ok\", {\"n\": 1}]", "[\"status\"]",
		"[\"filter_del\", \"E\", 1]", "[\"since\", 1000000]",
	};
	char buf[128];
	nng_socket s;

	if (nng_req0_open(&s) != 0)
		return NULL;
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 10000);
	nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, WIRE_MAX_MSG);
	if (nng_dial(s, rpc_url, NULL, 0) != 0) {
		st->failures++;
		return NULL;
	}
	for (int i = 0; i < 120; i++) {
		const char *r = reqs[(i + st->id) % 8];
		json_t *v, *rep;
		msgpack_sbuffer sb;
		msgpack_packer pk;
		nng_msg *m;

		snprintf(buf, sizeof(buf), "%s", r);
		char *e = strstr(buf, "\"E\"");
		if (e)
			e[1] = (char)('a' + st->id); /* edge id per thread */
		v = json_loads(buf, 0, NULL);
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		mpjson_pack(&pk, v);
		json_decref(v);
		if (nng_send(s, sb.data, sb.size, 0) != 0 || nng_recvmsg(s, &m, 0) != 0) {
			st->failures++;
			msgpack_sbuffer_destroy(&sb);
			continue;
		}
		msgpack_sbuffer_destroy(&sb);
		rep = mpjson_to_json(nng_msg_body(m), nng_msg_len(m), NULL);
		nng_msg_free(m);
		const char *status = rep ? json_string_value(json_array_get(rep, 0)) : NULL;
		if (!status)
			st->failures++;
		else if (strstr(r, "hw") && strcmp(status, "ok") == 0)
			st->hw_ok++;
		else if (strcmp(status, "ok") != 0 && strcmp(status, "too_old") != 0 &&
			 !(strstr(r, "filter_del") && strcmp(status, "error") == 0))
			st->failures++;
		json_decref(rep);
	}
	nng_close(s);
	return NULL;
}

static void *
stress_producer(void *arg)
{
	static const char rec[] = "\x83\xa5level\xa4warn\xa7message\xa1m\xa3tag\xa2io";
	int *n = arg;

	for (int i = 0; i < *n;) {
		if (shmring_write(prod, FH_EV_LOG, rec, sizeof(rec) - 1) == 0)
			i++;
		else
			usleep(100);
	}
	return NULL;
}

START_TEST(shouldServeConcurrentRequestsWhileConsuming)
{
	pthread_t th[8], pt;
	struct stress st[8];
	int n = 10000, hw = 0; /* fits the 1 MiB ring: a refused write would be a gap */

	ck_assert_int_eq(pthread_create(&pt, NULL, stress_producer, &n), 0);
	for (int i = 0; i < 8; i++) {
		st[i] = (struct stress){.id = i};
		ck_assert_int_eq(pthread_create(&th[i], NULL, stress_client, &st[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		ck_assert_int_eq(st[i].failures, 0);
		hw += st[i].hw_ok;
	}
	pthread_join(pt, NULL);
	ck_assert_int_eq(hw, 8 * 15);
	/* every log and every client update took exactly one seq */
	wait_seq((uint64_t)(n + hw));
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("hub_wire");
	TCase *tc = tcase_create("history and filters");
	TCase *th = tcase_create("hub over inproc");

	tcase_add_test(tc, shouldServeRetainedEnvelopesBySeq);
	tcase_add_test(tc, shouldBoundHistoryInBytes);
	tcase_add_test(tc, shouldMatchEachLogWithExactlyTheFiltersItSatisfies);
	tcase_add_test(tc, shouldDropFiltersOfSilentEdgesOnly);
	tcase_add_test(tc, shouldRefuseEdgesAndFiltersPastTheirBounds);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(th, hub_setup, hub_teardown);
	tcase_set_timeout(th, 30);
	tcase_add_test(th, shouldAnswerStateAndSinceFromTheRing);
	tcase_add_test(th, shouldSayTooOldPastTheRetention);
	tcase_add_test(th, shouldAnswerBadRequestsWithErrors);
	tcase_add_test(th, shouldSequenceHardwareUpdatesFromClients);
	tcase_add_test(th, shouldManageFiltersPerEdge);
	tcase_add_test(th, shouldPublishEventsAndMatchedLogsWithTheirPredecessors);
	tcase_add_test(th, shouldContinueSeqAfterRestartFromCheckpoint);
	tcase_add_test(th, shouldReportRingOverflowAsOneGap);
	tcase_add_test(th, shouldKeepStateAndSeqWhenTheRingIsRecreated);
	tcase_add_test(th, shouldGiveLogsInHistoryTheIdsOfFiltersRegisteredNow);
	tcase_add_test(th, shouldServeConcurrentRequestsWhileConsuming);
	suite_add_tcase(s, th);
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
