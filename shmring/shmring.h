/*
 * shmring: a multi-producer, single-consumer ring of variable-length
 * records in one POSIX shared-memory segment.
 *
 * Producers (the user's flow interpreter) never block and make no system
 * call on the fast path: a full ring fails at once with SHMRING_FULL and
 * is counted in the segment header.  The single consumer (the flowhub hub)
 * reads ahead with a private cursor and releases space explicitly, so a
 * consumer that dies re-reads everything it had not released.
 *
 * Return convention: 0 (or a count) on success, a negative errno value on
 * error.  "Full" and "empty" are expected outcomes, not errors.
 *
 * This header is installed; it never includes config.h.
 */
#ifndef SHMRING_H
#define SHMRING_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define SHMRING_EXTERN __attribute__((visibility("default")))
#define SHMRING_MUST_CHECK __attribute__((warn_unused_result))
#else
#define SHMRING_EXTERN
#define SHMRING_MUST_CHECK
#endif

#define SHMRING_VERSION_MAJOR 1

/* Expected outcomes: positive, distinct from negative errno errors. */
#define SHMRING_FULL 1  /* not enough free space: the record was dropped */
#define SHMRING_EMPTY 0 /* nothing committed to read */

#define SHMRING_DEFAULT_NAME "/flowhub"
#define SHMRING_DEFAULT_CAPACITY (16u << 20) /* data area, bytes */
#define SHMRING_DEFAULT_MAX_RECORD (64u << 10)
#define SHMRING_MIN_CAPACITY (64u << 10)
#define SHMRING_MAX_CAPACITY (1u << 30)
#define SHMRING_DEFAULT_LIVENESS_MS 10000 /* see shmring_opts */

struct shmring;

/* Options for shmring_open().  Zero-initialise and set what you need. */
struct shmring_opts {
	size_t capacity;   /* data area bytes, power of two; 0 = default */
	uint32_t max_record; /* largest payload; 0 = default */
	mode_t mode;       /* creation mode; 0 = 0600 */
	gid_t gid;         /* group to chown to when mode grants group; -1 / 0 = keep */
	int no_create;     /* 1: attach only, fail with -ENOENT if absent */
	/* Consumer only: a claim whose producer is alive but has not committed
	 * for this long is skipped anyway (and counted).  0 = default. */
	uint32_t liveness_timeout_ms;
};

/* Counters and positions, a consistent-enough snapshot for tools. */
struct shmring_stats {
	uint64_t capacity;
	uint64_t max_record;
	uint64_t tail;        /* bytes ever claimed */
	uint64_t head;        /* bytes released by the consumer */
	uint64_t read_pos;    /* this handle's private read cursor */
	uint64_t written;     /* records committed */
	uint64_t dropped;     /* records refused because the ring was full */
	uint64_t skipped;     /* claims skipped after their producer died */
	uint64_t aborted;     /* claims aborted by their producer */
	uint64_t heartbeat_ns; /* consumer's last heartbeat, CLOCK_REALTIME */
	int32_t consumer_pid;
	uint32_t producers;   /* registered producer slots in use */
	uint64_t instance;    /* random id chosen when the segment was created */
};

/* A zero-copy claim: write len bytes at data, then commit or abort. */
struct shmring_claim {
	void *data;
	uint32_t len;
	int32_t type; /* the record type, published at commit; opaque */
	uint64_t pos; /* position of the record header; opaque */
};

/*
 * Create or attach the segment NAME ("/flowhub").  Exactly one caller
 * initialises a new segment; the others wait briefly for it and validate
 * magic, version, capacity and record limit against opts (0 = accept what
 * the segment has).  On success *out owns the mapping; on failure *out is
 * untouched and nothing stays mapped.  Errors: -EINVAL (bad opts, or a
 * segment whose header does not validate: see shmring_strerror), -EEXIST
 * (segment exists with a different capacity or record limit), -ENOENT
 * (no_create and absent), other negative errno from shm_open/mmap.
 */
SHMRING_EXTERN int shmring_open(struct shmring **out, const char *name,
				const struct shmring_opts *opts) SHMRING_MUST_CHECK;

/* Unmap and free the handle.  Releases the producer slot.  NULL is fine. */
SHMRING_EXTERN void shmring_close(struct shmring *r);

/* Remove the segment name; existing mappings stay valid. */
SHMRING_EXTERN int shmring_unlink(const char *name);

/* Text for a negative error from this library, including why a segment
 * failed validation (the last reason seen by this thread). */
SHMRING_EXTERN const char *shmring_strerror(int err);

/* ---- producer side (any number of threads and processes) ---------- */

/*
 * Reserve room for a record of TYPE (> 0) with LEN payload bytes.
 * Returns 0 and fills *c, SHMRING_FULL (counted as dropped), -EMSGSIZE
 * when len exceeds the record limit, -EINVAL for a type <= 0, or -ENOSPC
 * when all producer slots of the segment belong to live threads (each
 * thread takes a slot on its first claim: the only step that may make
 * system calls).  No system call, no wait on the fast path.
 */
SHMRING_EXTERN int shmring_claim(struct shmring *r, int32_t type,
				 uint32_t len, struct shmring_claim *c);
/* Publish a claimed record to the consumer. */
SHMRING_EXTERN void shmring_commit(struct shmring *r, struct shmring_claim *c);
/* Give up a claim: the consumer skips it (counted as aborted). */
SHMRING_EXTERN void shmring_abort(struct shmring *r, struct shmring_claim *c);
/*
 * For producers that retry a full ring themselves (tools such as
 * flowhub-emit, never an interpreter's fast path): with ON set, a claim
 * refused for lack of room on this handle is not counted as dropped,
 * since the record is not lost yet.  Whoever finally gives up on a record
 * counts it with shmring_note_dropped(), so loss is never silent.
 */
SHMRING_EXTERN void shmring_set_retry_full(struct shmring *r, int on);
/* Count one record dropped because the ring was full. */
SHMRING_EXTERN void shmring_note_dropped(struct shmring *r);
/* claim + memcpy + commit.  Same results as shmring_claim. */
SHMRING_EXTERN int shmring_write(struct shmring *r, int32_t type,
				 const void *data, uint32_t len);

/* ---- consumer side (one consumer per segment) ---------------------- */

/* Handler for shmring_read: one call per committed record, in order.
 * DATA is valid only during the call.  POS_END is the ring position just
 * after this record (what to release once the record is durable). */
typedef void (*shmring_handler)(int32_t type, const void *data, uint32_t len,
				uint64_t pos_end, void *arg);

/*
 * Become the consumer: records pid and start time in the header so tools
 * can see who consumes.  Positions the private read cursor at the
 * released head.  -EBUSY if a live consumer is registered.
 */
SHMRING_EXTERN int shmring_consumer_attach(struct shmring *r);

/* Read up to MAX records from the private cursor.  Returns the number of
 * records handed to H (0 = empty, or the record at the cursor is not
 * committed yet), or a negative error: -EBADMSG / -EPROTO on a corrupt
 * segment (records before the bad one are handed over first; the cursor
 * stays at the bad record), -EINVAL if R is not the consumer.  Also skips,
 * and counts, claims whose producer died (see shmring(3)). */
SHMRING_EXTERN int shmring_read(struct shmring *r, shmring_handler h, void *arg,
				unsigned max);

/* Move the private cursor (e.g. to a checkpointed position).  Must lie in
 * [head, tail] and on a record boundary the caller saw before. */
SHMRING_EXTERN int shmring_seek(struct shmring *r, uint64_t pos);

/* Hand space up to POS back to producers.  POS must not pass the cursor. */
SHMRING_EXTERN int shmring_release(struct shmring *r, uint64_t pos);

/* Stamp the consumer heartbeat (CLOCK_REALTIME ns). */
SHMRING_EXTERN void shmring_heartbeat(struct shmring *r);

/* Sleep until a producer commits or TIMEOUT_MS passes.  Producers pay for
 * a wake-up only while the consumer says it sleeps.  Returns 0. */
SHMRING_EXTERN int shmring_wait(struct shmring *r, int timeout_ms);

SHMRING_EXTERN void shmring_stats(const struct shmring *r,
				  struct shmring_stats *st);

#ifdef __cplusplus
}
#endif

#include <shmring_event.h>

#endif /* SHMRING_H */
