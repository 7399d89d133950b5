/*
 * Frames: one server -> client WebSocket message, written once into one
 * buffer with LWS_PRE bytes of headroom and shared by reference between
 * every client queue that holds it (and the recent buffer), so memory per
 * event does not grow with the number of clients.  Reference counts are
 * touched only on the service thread, so they are plain integers.
 */
#ifndef EDGE_FRAME_H
#define EDGE_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "buf.h"
#include "mpread.h"

#define EDGE_PRE LWS_PRE

enum edge_frame_kind {
	EDGE_FRAME_EVENT, /* an event with a seq, for every client */
	EDGE_FRAME_LOG,   /* log_entry: for clients whose filter id is in ids */
	EDGE_FRAME_STATE, /* initial_execution_state */
	EDGE_FRAME_REPLY, /* an answer to one client */
};

struct edge_frame {
	int refs;
	enum edge_frame_kind kind;
	uint64_t seq;       /* events: the seq; state: the state's seq */
	uint32_t nids;      /* log filter ids that matched (logs only) */
	uint32_t *ids;
	int type_idx;       /* edge_type_index() of the message type */
	char *mem;          /* EDGE_PRE headroom, then len bytes of JSON */
	size_t len;
	size_t data_off;    /* state frames: where the "data" value is */
	size_t data_len;
	/* logs: what filters look at (level as a WIRE_LEVEL_* bit, 0 when
	 * unknown; tag and module NUL-terminated copies or NULL) */
	unsigned log_level;
	char *log_tag;
	char *log_module;
};

static inline char *
edge_frame_data(const struct edge_frame *f)
{
	return f->mem + EDGE_PRE;
}

/* Server -> client message types, for counters. */
enum {
	EDGE_T_EXECUTION_STARTED,
	EDGE_T_BLOCK_STARTED,
	EDGE_T_BLOCK_EXECUTED,
	EDGE_T_EXECUTION_FINISHED,
	EDGE_T_LOG_ENTRY,
	EDGE_T_HARDWARE,
	EDGE_T_GAP,
	EDGE_T_INITIAL_STATE,
	EDGE_T_OTHER, /* replies and anything unknown */
	EDGE_T_COUNT
};
extern const char *const edge_type_names[EDGE_T_COUNT];
int edge_type_index(const char *type, size_t len);

/* Take ownership of B's JSON (headroom EDGE_PRE) as a frame with one
 * reference.  Returns 0 or -ENOMEM (B is finalised either way). */
int edge_frame_from_buf(struct edge_frame **out, struct edge_buf *b,
			enum edge_frame_kind kind, uint64_t seq);

/*
 * Build {"type":TYPE,"seq":SEQ,"timestamp":"<now>","data":<DATA>} from a
 * hub envelope's fields.  DATA is read from R (msgpack); IDS (N of them)
 * are copied.  MAX_BYTES bounds the frame.  Returns 0 with *out holding
 * one reference, -EBADMSG when DATA is malformed, -E2BIG or -ENOMEM.
 */
int edge_frame_event(struct edge_frame **out, const char *type, size_t tlen,
		     uint64_t seq, struct edge_mpr *data, const uint32_t *ids,
		     uint32_t nids, size_t max_bytes);

/* {"type":"initial_execution_state","timestamp":..,"data":<STATE>} from
 * the msgpack state map at R; the frame's seq is SEQ. */
int edge_frame_state(struct edge_frame **out, uint64_t seq,
		     struct edge_mpr *state, size_t max_bytes);

static inline struct edge_frame *
edge_frame_ref(struct edge_frame *f)
{
	f->refs++;
	return f;
}
/* Drop one reference; the last one frees.  NULL is fine. */
void edge_frame_unref(struct edge_frame *f);

/* Current wall clock as ISO-8601 UTC with milliseconds (25 bytes). */
void edge_iso_now(char out[32]);

/* Frames allocated and not yet freed (for tests and metrics). */
extern long edge_frames_live;

/* A hub envelope [seq, type, data, ids] (common/wire.h), validated. */
struct edge_env {
	uint64_t seq;
	const char *type;
	uint32_t tlen;
	struct edge_mpr data; /* positioned at the data object */
	struct edge_mpr ids;  /* positioned after the ids array header */
	uint32_t nids;
	int type_idx;
};
#define EDGE_MAX_IDS 4096

/* Read one envelope at R (every part checked, R advanced).  0 or
 * -EBADMSG. */
int edge_env_read(struct edge_mpr *r, struct edge_env *env);
/* The level bit, tag and module of a log envelope's data (pointers into
 * the message; NULL when absent).  0 or -EBADMSG. */
struct edge_logattr {
	unsigned level;
	const char *tag, *module;
	uint32_t taglen, modlen;
};
int edge_env_logattr(const struct edge_env *env, struct edge_logattr *a);
/* Build the frame of ENV (see edge_frame_event). */
int edge_frame_env(struct edge_frame **out, const struct edge_env *env,
		   size_t max_bytes);

#endif /* EDGE_FRAME_H */
