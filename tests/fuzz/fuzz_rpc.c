/*
 * Fuzz target: the hub's RPC request handler (hub_rpc_handle), which
 * answers whatever reaches its NNG rep socket -- edges on this host or,
 * with tcp:// URLs, on others.
 *
 * One real hub is opened per process (its own ring, inproc:// endpoints,
 * a state dir under /tmp, no ring-loop thread) and given some history by
 * a few hardware updates that its ring loop then consumes; every input
 * is then one request body.  Must hold: the handler returns 0 or 1
 * (deferred), and the reply is exactly one bounded msgpack value, an
 * array whose first element is "ok", "error" or "too_old" -- an edge can
 * always parse what it gets back.  Requests change hub state across runs
 * (filters, edges, ring records), which is what a long-lived hub sees.
 */
#include "config.h"

#include <msgpack.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub.h"
#include "log.h"
#include "mpbuf.h"
#include "mpvalid.h"
#include "rpc.h"
#include "shmring.h"
#include "wire.h"
#include "fuzz_stale.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "CHECK failed: %s (%s:%d)\n", #c, __FILE__, __LINE__); abort(); } } while (0)

static struct hub *hub;
static char ring_name[64], state_dir[128], ev_url[64], rpc_url[64];
static struct mpbuf out;

static void
teardown(void)
{
	char cmd[256];

	if (hub)
		hub_close(hub);
	(void)shmring_unlink(ring_name);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", state_dir);
}

static void
setup(void)
{
	struct hub_config cfg;
	char err[256];
	int i;

	log_init("fuzz_rpc", 0, LOG_LVL_ERROR);
	remove_stale("/dev/shm", "fhfuzz-rpc-", 0);
	remove_stale("/tmp", "fhfuzz-rpc-", 1);
	snprintf(ring_name, sizeof(ring_name), "/fhfuzz-rpc-%d", getpid());
	snprintf(ev_url, sizeof(ev_url), "inproc://fuzz-ev-%d", getpid());
	snprintf(rpc_url, sizeof(rpc_url), "inproc://fuzz-rpc-%d", getpid());
	snprintf(state_dir, sizeof(state_dir), "/tmp/fhfuzz-rpc-%d", getpid());
	(void)shmring_unlink(ring_name);
	memset(&cfg, 0, sizeof(cfg));
	cfg.ring_name = ring_name;
	cfg.ring_size = 1 << 20;
	cfg.events_urls[0] = ev_url;
	cfg.nevents = 1;
	cfg.rpc_urls[0] = rpc_url;
	cfg.nrpc = 1;
	cfg.state_dir = state_dir;
	cfg.retain = 64;
	cfg.recent = 20;
	cfg.history_bytes = 1 << 20;
	cfg.ckpt_ms = 1000;
	cfg.rpc_workers = 2;
	if (hub_open(&hub, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "hub_open: %s\n", err);
		abort();
	}
	atexit(teardown);
	mpbuf_init(&out);
	/* Some history: hardware updates, consumed by the ring loop. */
	for (i = 0; i < 20; i++) {
		static const uint8_t hw[] = {
			0x94, 0xa2, 'h', 'w', 0xa6, 'p', 'u', 'm', 'p', '_', '1',
			0xa2, 'o', 'k', 0x81, 0xa1, 'x', 0x01};
		(void)hub_rpc_handle(hub->rpc, -1, hw, sizeof(hw), &out);
	}
	for (i = 0; i < 5; i++)
		(void)hub_poll(hub, 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	msgpack_unpacked u;
	const msgpack_object *first;
	size_t used = 0, off = 0;
	int rc;

	if (hub == NULL)
		setup();
	rc = hub_rpc_handle(hub->rpc, -1, data, size, &out);
	CHECK(rc == 0 || rc == 1);
	if (rc == 1)
		return 0;
	CHECK(!out.oom);
	CHECK(out.len > 0 && out.len <= WIRE_MAX_MSG);
	CHECK(mp_validate(out.p, out.len, 64, &used) == 0 && used == out.len);
	msgpack_unpacked_init(&u);
	CHECK(msgpack_unpack_next(&u, (const char *)out.p, out.len, &off) ==
	      MSGPACK_UNPACK_SUCCESS);
	CHECK(u.data.type == MSGPACK_OBJECT_ARRAY && u.data.via.array.size >= 1);
	first = &u.data.via.array.ptr[0];
	CHECK(first->type == MSGPACK_OBJECT_STR);
	CHECK((first->via.str.size == 2 && memcmp(first->via.str.ptr, "ok", 2) == 0) ||
	      (first->via.str.size == 5 && memcmp(first->via.str.ptr, "error", 5) == 0) ||
	      (first->via.str.size == 7 && memcmp(first->via.str.ptr, "too_old", 7) == 0));
	msgpack_unpacked_destroy(&u);
	return 0;
}
