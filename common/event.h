/*
 * The interpreter event schema: the one place that knows the events a
 * producer writes (flowhub-emit's JSON lines, libshmring's shmring_emit_*
 * calls) and the hub reads back.
 *
 * Ring payload format.  A ring record's type is an enum fh_event value;
 * its payload is one msgpack map, nothing after it:
 *   - keys are msgpack str, the field names of the table below (the same
 *     names as the JSON input), each at most once;
 *   - "ts" is the producer's wall clock as an integer of milliseconds
 *     since the Unix epoch (0 .. FH_TS_MAX).  Producers always write it
 *     (flowhub-emit normalises ISO-8601 input and stamps lines without
 *     one); a consumer that meets a record without it may use its own
 *     clock;
 *   - string fields are msgpack str holding UTF-8; object fields are
 *     msgpack maps with str keys; "any" fields are any msgpack object;
 *   - an absent optional field is left out (never nil);
 *   - the whole payload nests at most FH_EVENT_MAX_DEPTH containers deep
 *     (the top map counts as one);
 *   - consumers ignore keys they do not know (newer producers).
 */
#ifndef FH_EVENT_H
#define FH_EVENT_H

#include <stddef.h>
#include <stdint.h>

enum fh_event {
	FH_EV_EXECUTION_STARTED = 1, /* sessionId*, programId, programName, meta{} */
	FH_EV_BLOCK_STARTED = 2,     /* blockId*, blockType*, blockName, displayText, params{} */
	FH_EV_BLOCK_EXECUTED = 3,    /* blockId*, status*, result, error */
	FH_EV_LOG = 4,               /* level*, message*, tag, module, data{} */
	FH_EV_HARDWARE_HEALTH = 5,   /* component*, status*, details{} */
	FH_EV_EXECUTION_FINISHED = 6, /* status*, summary{} */
};
#define FH_EV_MIN FH_EV_EXECUTION_STARTED
#define FH_EV_MAX FH_EV_EXECUTION_FINISHED

/* Container nesting allowed in a payload, the top map included. */
#define FH_EVENT_MAX_DEPTH 32
/* 9999-12-31T23:59:59.999Z, the last instant ISO-8601 can spell. */
#define FH_TS_MAX INT64_C(253402300799999)
/* "2025-09-18T19:21:00.007Z" plus the NUL. */
#define FH_TS_ISO_LEN 25

/* ---- value sets ------------------------------------------------------ */

enum fh_level { FH_LEVEL_DEBUG, FH_LEVEL_INFO, FH_LEVEL_WARN, FH_LEVEL_ERROR };
enum fh_block_status {
	FH_BLOCK_COMPLETED, FH_BLOCK_FAILED, FH_BLOCK_SKIPPED,
	FH_BLOCK_CANCELLED
};
enum fh_hw_status { FH_HW_OK, FH_HW_DEGRADED, FH_HW_FAULT, FH_HW_OFFLINE };
enum fh_finish_status {
	FH_FINISH_COMPLETED, FH_FINISH_FAILED, FH_FINISH_STOPPED
};

/* name -> enum value, or -1 when S (LEN bytes, no NUL needed) is not in
 * the set.  Matching is exact (case-sensitive). */
int fh_level_from_name(const char *s, size_t len);
int fh_block_status_from_name(const char *s, size_t len);
int fh_hw_status_from_name(const char *s, size_t len);
int fh_finish_status_from_name(const char *s, size_t len);
/* enum value -> static name, or NULL when out of range. */
const char *fh_level_name(int v);
const char *fh_block_status_name(int v);
const char *fh_hw_status_name(int v);
const char *fh_finish_status_name(int v);

/* ---- events and their fields ------------------------------------------ */

enum fh_kind {
	FH_KIND_STRING = 1, /* UTF-8 string */
	FH_KIND_OBJECT,     /* map with string keys */
	FH_KIND_ANY,        /* any value */
};

struct fh_field {
	const char *name;
	enum fh_kind kind;
	int required;
	/* For enumerated strings: the allowed values, NULL-terminated,
	 * indexed like the matching enum; NULL for free text. */
	const char *const *values;
};

/* "execution_started" ... for an fh_event, or NULL. */
const char *fh_event_name(int ev);
/* fh_event for NAME (LEN bytes), or -1. */
int fh_event_from_name(const char *s, size_t len);
/* The field table of EV (static), count in *N; NULL for a bad EV. */
const struct fh_field *fh_event_fields(int ev, size_t *n);
/* The field NAME (LEN bytes) of EV, or NULL when EV has no such field. */
const struct fh_field *fh_event_field(int ev, const char *s, size_t len);
/* Index of S in F->values, or -1 (also when F is free text). */
int fh_field_value_index(const struct fh_field *f, const char *s, size_t len);

/* ---- timestamps -------------------------------------------------------- */

/* Wall clock now, ms since the epoch (CLOCK_REALTIME). */
int64_t fh_now_ms(void);
/*
 * Parse an ISO-8601 date-time: YYYY-MM-DD, 'T' (or 't' or one space),
 * hh:mm:ss, an optional fraction of 1-9 digits (truncated to ms), and
 * 'Z' or +hh:mm / -hh:mm.  A zone is required: a local time without one
 * is ambiguous.  Returns 0 with *MS set, or -EINVAL (out of range too).
 */
int fh_ts_parse_iso(const char *s, size_t len, int64_t *ms);
/* Format MS as "YYYY-MM-DDThh:mm:ss.mmmZ" into BUF (>= FH_TS_ISO_LEN).
 * Returns 0, or -EINVAL when MS is outside 0..FH_TS_MAX or BUF is small. */
int fh_ts_format_iso(int64_t ms, char *buf, size_t size);

/* ---- validation and conversion ----------------------------------------- */

struct fh_event_error {
	char message[160]; /* one line, no trailing period */
	char field[64];    /* offending field name, "" when not one field */
};

struct json_t;
struct msgpack_sbuffer;

/*
 * Convert one flowhub-emit input object into a ring payload.  OBJ is a
 * JSON object with "event", the event's fields and an optional "ts"
 * (integer ms, or an ISO-8601 string; absent = now).  Unknown fields,
 * wrong kinds, values outside the enumerated sets, a missing required
 * field or nesting past FH_EVENT_MAX_DEPTH are errors; an optional field
 * whose value is null counts as absent.  On success returns 0, sets *EV
 * and appends the payload (format above) to OUT, which the caller owns
 * (msgpack_sbuffer_init'ed).  On failure returns -EINVAL and fills *ERR;
 * OUT may hold a partial payload (clear it before reuse).  -ENOMEM when
 * the buffer cannot grow.
 */
int fh_event_from_json(const struct json_t *obj, int *ev,
		       struct msgpack_sbuffer *out, struct fh_event_error *err)
	__attribute__((warn_unused_result));

/*
 * Check a ring payload of type EV before unpacking it: well-formed and
 * bounded (mp_validate with FH_EVENT_MAX_DEPTH, exactly LEN bytes), a map
 * with str keys, no key twice, known fields of the right kind with UTF-8
 * strings and allowed values, required fields present, "ts" (if present)
 * an integer in 0..FH_TS_MAX; unknown keys are allowed.  Returns 0 and,
 * if TS is not NULL, stores ts there (-1 when absent); otherwise
 * -EBADMSG with a reason in *ERR (ERR may be NULL).
 */
int fh_event_check_mp(int ev, const void *buf, size_t len, int64_t *ts,
		      struct fh_event_error *err)
	__attribute__((warn_unused_result));

#endif /* FH_EVENT_H */
