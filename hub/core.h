/*
 * The hub's event pipeline without any I/O: record -> decode -> state ->
 * envelope -> history -> publisher.  Sequence numbers are handed out here,
 * on consumption, so the same records applied to the same checkpoint give
 * the same seqs.  The ring loop (hub.c), the benchmark and the unit tests
 * all drive this one path.
 *
 * Locking: CORE->lock guards everything in the core.  The ring loop holds
 * it while it applies a batch of records; RPC handlers hold it while they
 * read state or history or change filters.
 */
#ifndef HUB_CORE_H
#define HUB_CORE_H

#include <pthread.h>
#include <stdint.h>

#include "filters.h"
#include "history.h"
#include "mpbuf.h"
#include "record.h"
#include "state.h"

/* Record types the hub itself writes into the ring (outside enum
 * fh_event, so producers' kinds never collide with them). */
#define HUB_REC_GAP 64 /* payload [ring_instance, dropped]: see hub.c */

/* Receives each envelope in seq order (topic 'E' or 'L'; logs that match
 * no filter are not handed out).  May be NULL. */
typedef void (*hub_emit_fn)(void *arg, int topic, uint64_t seq,
			    const void *env, uint32_t len);
/* Called for applied hardware_health records that carry a request id. */
typedef void (*hub_rid_fn)(void *arg, uint64_t rid, uint64_t seq);

struct hub_core {
	pthread_mutex_t lock;
	struct hub_state state;
	struct hub_history hist;
	struct hub_filters filters;
	uint64_t dropped_seen;  /* ring drops already reported by gaps */
	uint64_t ckpt_hist_from; /* checkpoints keep history from here on */
	uint64_t ring_instance; /* the ring whose drops dropped_seen counts */

	hub_emit_fn emit;
	void *emit_arg;
	hub_rid_fn rid_done;
	void *rid_arg;

	struct mpbuf buf; /* scratch for one envelope */

	/* counters (not checkpointed) */
	uint64_t records;           /* ring records seen */
	uint64_t events;            /* events accepted (seqs handed out here) */
	uint64_t gaps, lost;
	uint64_t bad[BAD_KINDS];
	uint64_t logs_unmatched;    /* logs with no filter: not published */
};

struct hub_core_config {
	struct hub_state_limits lim;
	uint32_t retain;
	size_t history_bytes;
};

/* Caller allocates C.  Returns 0 or a negative errno. */
int hub_core_init(struct hub_core *c, const struct hub_core_config *cfg);
void hub_core_fini(struct hub_core *c);

/* The seq of the last accepted event. */
static inline uint64_t
hub_core_seq(const struct hub_core *c)
{
	return c->state.seq;
}

/*
 * Consume one ring record (caller holds the lock).  Returns BAD_NONE if
 * it was accepted (or was a hub record with nothing to report), else why
 * it was refused (counted in c->bad[]).
 */
enum hub_bad hub_core_ingest(struct hub_core *c, int32_t type,
			     const void *data, uint32_t len);

/* Encode a HUB_REC_GAP payload into BUF (>= 32 bytes); returns length. */
uint32_t hub_core_gap_record(uint8_t *buf, uint64_t instance,
			     uint64_t dropped);

#endif /* HUB_CORE_H */
