/*
 * shmring_event: one call per flowhub interpreter event, on top of the
 * claim/commit API of shmring.h.  Each call stamps "ts" from
 * CLOCK_REALTIME (vDSO: no system call), computes the exact size of the
 * msgpack map, claims that much in the ring, packs the map in place and
 * commits it.  No allocation, no system call, no waiting.
 *
 * Arguments:
 *   - strings are NUL-terminated UTF-8; NULL leaves an optional field out
 *     and is -EINVAL for a required one;
 *   - level and status are the strings of the event's set (log level:
 *     "debug" "info" "warn" "error"; block status: "completed" "failed"
 *     "skipped" "cancelled"; hardware status: "ok" "degraded" "fault"
 *     "offline"; finish status: "completed" "failed" "stopped").  Strings
 *     rather than enums so that C code and JSON lines say the same thing;
 *   - each (*_mp, *_len) pair is an already packed msgpack object (a map for meta,
 *     params, data, details and summary; any object for result): exactly
 *     one object of *_len bytes, string keys, UTF-8 strings, no bin/ext,
 *     nesting at most SHMRING_EVENT_MAX_DEPTH - 1.  It is checked without
 *     allocating and copied into the record.  NULL leaves it out.
 *
 * Results: 0 when committed; SHMRING_FULL when the ring had no room (the
 * event is dropped and counted: the interpreter never waits for the
 * hub); -EINVAL for a bad argument (nothing written); -EMSGSIZE when the
 * event is larger than the ring's record limit.
 *
 * Record types and the payload layout are those of flowhub's event schema:
 * a msgpack map {"ts": int ms, field: value, ...}.
 *
 * Normally included through shmring.h; never includes config.h or
 * msgpack headers.
 */
#ifndef SHMRING_EVENT_H
#define SHMRING_EVENT_H

#include <shmring.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Record types (ring record type = event kind). */
#define SHMRING_EV_EXECUTION_STARTED 1
#define SHMRING_EV_BLOCK_STARTED 2
#define SHMRING_EV_BLOCK_EXECUTED 3
#define SHMRING_EV_LOG 4
#define SHMRING_EV_HARDWARE_HEALTH 5
#define SHMRING_EV_EXECUTION_FINISHED 6

/* Container nesting allowed in a payload, its top map included. */
#define SHMRING_EVENT_MAX_DEPTH 32

/* session_id required. */
SHMRING_EXTERN int shmring_emit_execution_started(struct shmring *r,
	const char *session_id, const char *program_id,
	const char *program_name, const void *meta_mp, size_t meta_len);

/* block_id and block_type required. */
SHMRING_EXTERN int shmring_emit_block_started(struct shmring *r,
	const char *block_id, const char *block_type, const char *block_name,
	const char *display_text, const void *params_mp, size_t params_len);

/* block_id and status required; result is any msgpack object. */
SHMRING_EXTERN int shmring_emit_block_executed(struct shmring *r,
	const char *block_id, const char *status, const void *result_mp,
	size_t result_len, const char *error);

/* level and message required. */
SHMRING_EXTERN int shmring_emit_log(struct shmring *r, const char *level,
	const char *message, const char *tag, const char *module,
	const void *data_mp, size_t data_len);

/* component and status required. */
SHMRING_EXTERN int shmring_emit_hardware_health(struct shmring *r,
	const char *component, const char *status, const void *details_mp,
	size_t details_len);

/* status required. */
SHMRING_EXTERN int shmring_emit_execution_finished(struct shmring *r,
	const char *status, const void *summary_mp, size_t summary_len);

#ifdef __cplusplus
}
#endif

#endif /* SHMRING_EVENT_H */
