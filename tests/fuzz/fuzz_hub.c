/*
 * Fuzz target: the hub's ring-record path -- decode, state application,
 * envelope encoding and history (hub_core_ingest, the function the ring
 * loop calls for every record) -- and its checkpoint parser.
 *
 * Mode (byte 0, bit 7 clear): the rest is a stream of ring records
 * {type byte, u16 length, payload}, ingested in order into a core with
 * small limits (8 active blocks, 4 recent, 4 hardware components, 32
 * retained envelopes in 256 KiB, the least allowed) and one registered log filter.  Must
 * hold: every record is accepted or refused with a known reason; each
 * accepted event takes exactly the next seq; every envelope handed to the
 * publisher is one bounded msgpack value [seq, type, data, ids] with that
 * seq; the state stays within its limits; the client view packs to valid
 * msgpack; and a checkpoint restores to a state that saves to the same
 * bytes (replay after a crash depends on it).
 * Mode (bit 7 set): the rest is an untrusted checkpoint for
 * hub_state_restore: refused, or restored to a state that round-trips.
 * Allocation is bounded by the input (run with -malloc_limit_mb).
 */
#include "config.h"

#include <errno.h>
#include <msgpack.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "mpbuf.h"
#include "mpvalid.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "CHECK failed: %s (%s:%d)\n", #c, __FILE__, __LINE__); abort(); } } while (0)

static const struct hub_state_limits lim = { .recent = 4, .max_active = 8, .max_hw = 4 };

struct seen {
	uint64_t last_seq;
	uint64_t emits;
};

static void
on_emit(void *arg, int topic, uint64_t seq, const void *env, uint32_t len)
{
	struct seen *s = arg;
	msgpack_unpacked u;
	size_t used = 0, off = 0;

	CHECK(topic == WIRE_TOPIC_EVENTS || topic == WIRE_TOPIC_LOGS);
	CHECK(seq > s->last_seq);
	s->last_seq = seq;
	s->emits++;
	CHECK(mp_validate(env, len, 64, &used) == 0 && used == len);
	msgpack_unpacked_init(&u);
	CHECK(msgpack_unpack_next(&u, env, len, &off) == MSGPACK_UNPACK_SUCCESS);
	CHECK(u.data.type == MSGPACK_OBJECT_ARRAY && u.data.via.array.size == 4);
	CHECK(u.data.via.array.ptr[0].type == MSGPACK_OBJECT_POSITIVE_INTEGER);
	CHECK(u.data.via.array.ptr[0].via.u64 == seq);
	CHECK(u.data.via.array.ptr[1].type == MSGPACK_OBJECT_STR);
	CHECK(u.data.via.array.ptr[3].type == MSGPACK_OBJECT_ARRAY);
	msgpack_unpacked_destroy(&u);
}

static void
check_bounds(const struct hub_state *s)
{
	CHECK(s->nactive <= lim.max_active);
	CHECK(s->nrecent <= lim.recent);
	CHECK(s->nhw <= lim.max_hw);
}

/* save(S) -> restore -> save: same bytes. */
static void
roundtrip(const struct hub_state *s)
{
	struct mpbuf a, b;
	struct hub_state t;

	mpbuf_init(&a);
	hub_state_save(s, &a);
	CHECK(!a.oom && mp_validate(a.p, a.len, MP_DEPTH_LIMIT, NULL) == 0);
	CHECK(hub_state_init(&t, &s->lim) == 0);
	CHECK(hub_state_restore(&t, a.p, a.len) == 0);
	check_bounds(&t);
	CHECK(t.seq == s->seq);
	mpbuf_init(&b);
	hub_state_save(&t, &b);
	CHECK(a.len == b.len && memcmp(a.p, b.p, a.len) == 0);
	hub_state_fini(&t);
	mpbuf_free(&a);
	mpbuf_free(&b);
}

static void
check_view(const struct hub_state *s)
{
	struct mpbuf sb;
	size_t used = 0;

	mpbuf_init(&sb);
	hub_state_pack(s, &sb);
	CHECK(!sb.oom && mp_validate(sb.p, sb.len, MP_DEPTH_LIMIT, &used) == 0 &&
	      used == sb.len);
	mpbuf_free(&sb);
}

static void
restore_mode(const uint8_t *p, size_t n)
{
	struct hub_state s;

	CHECK(hub_state_init(&s, &lim) == 0);
	if (hub_state_restore(&s, p, n) == 0) {
		check_bounds(&s);
		check_view(&s);
		roundtrip(&s);
	} else {
		CHECK(s.seq == 0 && s.nactive == 0 && s.nhw == 0);
	}
	hub_state_fini(&s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hub_core_config cfg = { .lim = lim, .retain = 32, .history_bytes = 256u << 10 };
	struct hub_core c;
	struct seen seen = { 0, 0 };
	size_t at = 1;
	uint32_t fid;
	int slot;

	if (size == 0)
		return 0;
	if (data[0] & 0x80) {
		restore_mode(data + 1, size - 1);
		return 0;
	}
	CHECK(hub_core_init(&c, &cfg) == 0);
	c.emit = on_emit;
	c.emit_arg = &seen;
	slot = hub_filters_touch(&c.filters, "fuzz-edge", 9, 0);
	CHECK(slot >= 0);
	CHECK(hub_filters_add(&c.filters, slot, WIRE_LEVEL_WARN | WIRE_LEVEL_ERROR,
			      NULL, 0, NULL, 0, &fid) == 0);

	while (at + 3 <= size) {
		uint8_t t = data[at];
		uint32_t len = (uint32_t)data[at + 1] | (uint32_t)data[at + 2] << 8;
		int32_t type;
		uint64_t before = hub_core_seq(&c), events = c.events;
		enum hub_bad bad;

		at += 3;
		if (len > size - at)
			len = (uint32_t)(size - at);
		switch (t % 10) {
		case 8: type = HUB_REC_GAP; break;
		case 9: type = (int32_t)t * 1000 - 100000; break;
		default: type = t % 10; break; /* 0 and 7 are no event kind */
		}
		bad = hub_core_ingest(&c, type, data + at, len);
		at += len;
		CHECK((int)bad >= 0 && bad < BAD_KINDS);
		if (bad != BAD_NONE)
			CHECK(hub_core_seq(&c) == before);
		else if (type >= FH_EV_MIN && type <= FH_EV_MAX)
			CHECK(hub_core_seq(&c) == before + 1);
		CHECK(c.events - events == hub_core_seq(&c) - before);
		check_bounds(&c.state);
	}
	CHECK(seen.last_seq <= hub_core_seq(&c));
	check_view(&c.state);
	roundtrip(&c.state);
	hub_core_fini(&c);
	return 0;
}
