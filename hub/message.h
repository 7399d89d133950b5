/*
 * Client-facing event messages, encoded once into the wire envelope
 * [seq, type, data, ids] of common/wire.h.  The edge wraps the data as
 * {"type", "seq", "timestamp", "data"} without looking inside.
 */
#ifndef HUB_MESSAGE_H
#define HUB_MESSAGE_H

#include <stdint.h>

#include "mpbuf.h"
#include "record.h"
#include "state.h"

/* Envelope for an applied event.  FX is what hub_state_apply left; IDS
 * are the log filter ids a log matched (N may be 0).  The state S is
 * read for values the event itself does not carry (block type and name
 * for block_executed, context times and counters for
 * execution_finished). */
void hub_msg_pack_event(struct mpbuf *pk, uint64_t seq,
			const struct hub_ev *ev, const struct hub_fx *fx,
			const struct hub_state *s, const uint32_t *ids,
			uint32_t nids);

/* Envelope of a gap: {lost, reason: "ring_overflow"}. */
void hub_msg_pack_gap(struct mpbuf *pk, uint64_t seq, uint64_t lost);

#endif /* HUB_MESSAGE_H */
