/*
 * The event pipeline (see core.h).  One scratch buffer is reused for every
 * envelope: the envelope is encoded once, copied into the history and
 * handed to the publisher, which copies it into its batch.
 *
 * Gaps.  A rise of the ring's dropped counter is not turned into an event
 * where the loop happens to notice it: that point depends on timing and
 * would not be reproduced after a crash.  Instead the loop writes a
 * HUB_REC_GAP record carrying the counter value into the ring itself, and
 * the gap event is made here when that record is consumed: lost = value -
 * dropped_seen, and dropped_seen is part of the checkpoint.  Replaying the
 * same records therefore yields the same gap with the same seq, and a
 * second gap record for the same drops (written again by a restarted hub)
 * finds nothing new and yields nothing.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "core.h"
#include "message.h"
#include "wire.h"

int
hub_core_init(struct hub_core *c, const struct hub_core_config *cfg)
{
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = hub_state_init(&c->state, &cfg->lim)) < 0)
		return rc;
	if ((rc = hub_history_init(&c->hist, cfg->retain, cfg->history_bytes)) < 0) {
		hub_state_fini(&c->state);
		return rc;
	}
	hub_filters_init(&c->filters);
	pthread_mutex_init(&c->lock, NULL);
	mpbuf_init(&c->buf);
	return 0;
}

void
hub_core_fini(struct hub_core *c)
{
	hub_state_fini(&c->state);
	hub_history_fini(&c->hist);
	hub_filters_fini(&c->filters);
	mpbuf_free(&c->buf);
	pthread_mutex_destroy(&c->lock);
}

/* Envelope in c->buf took SEQ: retain it and hand it to the publisher. */
static void
deliver(struct hub_core *c, int topic, uint64_t seq)
{
	if (c->hist.next != seq)
		hub_history_reset(&c->hist, seq);
	(void)hub_history_append(&c->hist, c->buf.p, (uint32_t)c->buf.len);
	c->events++;
	if (topic && c->emit)
		c->emit(c->emit_arg, topic, seq, c->buf.p,
			(uint32_t)c->buf.len);
}

uint32_t
hub_core_gap_record(uint8_t *buf, uint64_t instance, uint64_t dropped)
{
	uint8_t *p = buf;

	*p++ = 0x92; /* array of 2 */
	*p++ = 0xcf; /* uint64 */
	for (int i = 7; i >= 0; i--)
		*p++ = (uint8_t)(instance >> (8 * i));
	*p++ = 0xcf;
	for (int i = 7; i >= 0; i--)
		*p++ = (uint8_t)(dropped >> (8 * i));
	return (uint32_t)(p - buf);
}

static enum hub_bad
ingest_gap(struct hub_core *c, const void *data, uint32_t len)
{
	struct mp_cur cur;
	uint32_t n;
	uint64_t inst, dropped, seq;

	mp_cur_init(&cur, data, len);
	if (mp_read_array(&cur, &n) < 0 || n != 2 ||
	    mp_read_uint(&cur, &inst) < 0 || mp_read_uint(&cur, &dropped) < 0 ||
	    !mp_cur_done(&cur))
		return BAD_MSGPACK;
	if (inst != c->ring_instance || dropped <= c->dropped_seen)
		return BAD_NONE; /* old or repeated: nothing new was lost */
	seq = c->state.seq + 1;
	hub_state_skip(&c->state, seq);
	c->buf.len = 0;
	hub_msg_pack_gap(&c->buf, seq, dropped - c->dropped_seen);
	c->gaps++;
	c->lost += dropped - c->dropped_seen;
	c->dropped_seen = dropped;
	deliver(c, WIRE_TOPIC_EVENTS, seq);
	return BAD_NONE;
}

enum hub_bad
hub_core_ingest(struct hub_core *c, int32_t type, const void *data,
		uint32_t len)
{
	struct hub_ev ev;
	struct hub_fx fx;
	enum hub_bad bad;
	uint32_t ids[HUB_FILTERS_MAX];
	uint32_t nids = 0;
	uint64_t seq;
	int topic = WIRE_TOPIC_EVENTS;

	c->records++;
	if (type == HUB_REC_GAP) {
		bad = ingest_gap(c, data, len);
		if (bad != BAD_NONE)
			c->bad[bad]++;
		return bad;
	}
	bad = hub_record_decode(type, data, len, &ev);
	if (bad != BAD_NONE) {
		c->bad[bad]++;
		return bad;
	}
	seq = c->state.seq + 1;
	hub_state_apply(&c->state, &ev, seq, &fx);
	if (ev.kind == FH_EV_LOG) {
		nids = hub_filters_match(
			&c->filters, ev.status, ev.f[F_LOG_TAG].p,
			ev.f[F_LOG_TAG].len, ev.f[F_LOG_MODULE].p,
			ev.f[F_LOG_MODULE].len, ids, HUB_FILTERS_MAX);
		topic = WIRE_TOPIC_LOGS;
		if (nids == 0) {
			c->logs_unmatched++;
			topic = 0;
		}
	}
	c->buf.len = 0;
	hub_msg_pack_event(&c->buf, seq, &ev, &fx, &c->state, ids, nids);
	deliver(c, topic, seq);
	if (ev.has_rid && ev.kind == FH_EV_HARDWARE_HEALTH && c->rid_done)
		c->rid_done(c->rid_arg, ev.rid, seq);
	return BAD_NONE;
}
