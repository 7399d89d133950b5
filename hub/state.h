/*
 * The execution state the hub keeps and serves: active blocks, the last
 * N executed ones, the execution context and hardware health.  Applying
 * an event is a pure function of (state, event, seq): a hub that replays
 * the same records from a checkpoint reaches the same state.  Memory is
 * bounded by struct hub_state_limits whatever the stream contains.
 */
#ifndef HUB_STATE_H
#define HUB_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "mpbuf.h"
#include "record.h"

struct hub_str {
	char *p; /* NULL: absent */
	uint32_t len;
};

struct hub_block {
	struct hub_block *hnext;       /* hash chain (active only) */
	struct hub_block *prev, *next; /* active list, oldest first */
	uint32_t hash;
	int status;                    /* enum hub_bstatus */
	int64_t start_ts, end_ts;      /* HUB_TS_NONE when unknown */
	struct hub_str id, type, name, text; /* stored in the same allocation */
	struct hub_str error;          /* separately allocated */
	uint8_t *result;               /* msgpack encoding, NULL = nil */
	uint32_t result_len;
};

struct hub_hw {
	struct hub_hw *hnext;
	uint32_t hash;
	int status; /* enum hub_hwstatus */
	int64_t ts;
	struct hub_str component;
	uint8_t *details; /* msgpack map, NULL = {} */
	uint32_t details_len;
};

struct hub_ctx {
	struct hub_str session, program_id, program_name;
	int status; /* enum hub_xstatus */
	int64_t start_ts, end_ts;
	uint64_t started, completed, failed;
};

struct hub_state_limits {
	uint32_t recent;     /* executed blocks kept, >= 1 */
	uint32_t max_active; /* active blocks kept */
	uint32_t max_hw;     /* hardware components kept */
};
#define HUB_RECENT_DEFAULT 20
#define HUB_RECENT_MAX 256
#define HUB_ACTIVE_MAX 4096
#define HUB_HW_MAX 1024

/* What was refused or changed on the way in; never reset. */
struct hub_state_stats {
	uint64_t unknown_block; /* block_executed without an active start */
	uint64_t dup_start;     /* block_started for an active blockId */
	uint64_t active_full;   /* starts not kept: max_active reached */
	uint64_t hw_full;       /* components not kept: max_hw reached */
	uint64_t truncated;     /* text fields shortened to HUB_TEXT_MAX */
	uint64_t oversize;      /* result/details too big to keep */
};

struct hub_state {
	struct hub_state_limits lim;
	uint64_t seq;    /* seq of the last event applied, 0 before any */
	int64_t last_ts; /* ts of the last event that had one */
	struct hub_ctx ctx;

	struct hub_block **abuckets;
	uint32_t nbuckets;
	struct hub_block *ahead, *atail;
	uint32_t nactive;

	struct hub_block **recent; /* ring, recent[rpos] is the newest */
	uint32_t nrecent, rpos;

	struct hub_hw **hw; /* insertion order */
	uint32_t nhw;
	struct hub_hw **hbuckets;
	uint32_t nhbuckets;

	struct hub_state_stats st;
};

/* What an applied event left for its message (valid until the next
 * call that changes the state). */
struct hub_fx {
	int64_t ts;                    /* the event's effective ts */
	const struct hub_block *block; /* block_executed: the finished block */
};

/* Caller allocates S.  Returns 0 or -ENOMEM (S then needs no fini). */
int hub_state_init(struct hub_state *s, const struct hub_state_limits *lim);
void hub_state_fini(struct hub_state *s);

/* Apply a decoded event that was given SEQ.  Never fails: what cannot be
 * kept is counted in s->st.  Out of memory is treated like a full table. */
void hub_state_apply(struct hub_state *s, const struct hub_ev *ev,
		     uint64_t seq, struct hub_fx *fx);
/* An event without state effect (a gap) took SEQ. */
void hub_state_skip(struct hub_state *s, uint64_t seq);

/* Pack the client view (the initial_execution_state data object). */
void hub_state_pack(const struct hub_state *s, struct mpbuf *pk);
/* The run's times and block counts (five map entries: startTime,
 * endTime, blocksStarted, blocksCompleted, blocksFailed), shared by the
 * state's executionContext and execution_finished's data. */
void hub_state_pack_run(const struct hub_state *s, struct mpbuf *pk);

/* Pack / restore everything, for checkpoints.  hub_state_restore parses
 * an untrusted buffer: returns 0, or -EINVAL leaving S as it was on
 * entry (S must be freshly initialised). */
void hub_state_save(const struct hub_state *s, struct mpbuf *pk);
int hub_state_restore(struct hub_state *s, const void *buf, size_t len);

#endif /* HUB_STATE_H */
