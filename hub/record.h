/*
 * Ring records as the hub sees them: a record type (enum fh_event) and a
 * msgpack map payload, decoded into a struct hub_ev that points into the
 * record (no copies, no allocation).  Decoding is bounded by the record's
 * own length; anything wrong is reported as one of enum hub_bad so that
 * the loop can count and log it per kind.
 */
#ifndef HUB_RECORD_H
#define HUB_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"
#include "mpread.h"

/* Limits on what the state keeps (see state.c for why these sizes). */
#define HUB_ID_MAX 128    /* blockId, blockType, sessionId, programId, component */
#define HUB_TEXT_MAX 256  /* blockName, displayText, programName, error: truncated */
#define HUB_RESULT_MAX 4096  /* a block's result kept in state, else nil */
#define HUB_DETAILS_MAX 2048 /* hardware details kept in state, else {} */

/* Field slots of struct hub_ev, per kind. */
enum {
	/* execution_started */
	F_ES_SESSION = 0, F_ES_PROGRAM_ID, F_ES_PROGRAM_NAME, F_ES_META,
	/* block_started */
	F_BS_ID = 0, F_BS_TYPE, F_BS_NAME, F_BS_TEXT, F_BS_PARAMS,
	/* block_executed */
	F_BE_ID = 0, F_BE_STATUS, F_BE_RESULT, F_BE_ERROR,
	/* log */
	F_LOG_LEVEL = 0, F_LOG_MESSAGE, F_LOG_TAG, F_LOG_MODULE, F_LOG_DATA,
	/* hardware_health */
	F_HW_COMPONENT = 0, F_HW_STATUS, F_HW_DETAILS,
	/* execution_finished */
	F_EF_STATUS = 0, F_EF_SUMMARY,
	HUB_EV_FIELDS = 5
};

/* Block status; the first is only for blocks still active. */
enum hub_bstatus { BS_RUNNING, BS_COMPLETED, BS_FAILED, BS_SKIPPED, BS_CANCELLED };
/* Log level index: bit (1 << level) is WIRE_LEVEL_*. */
enum hub_level { LV_DEBUG, LV_INFO, LV_WARN, LV_ERROR };
enum hub_hwstatus { HW_OK, HW_DEGRADED, HW_FAULT, HW_OFFLINE };
enum hub_xstatus { XS_IDLE, XS_RUNNING, XS_COMPLETED, XS_FAILED, XS_STOPPED };

extern const char *const hub_bstatus_names[];
extern const char *const hub_level_names[];
extern const char *const hub_hwstatus_names[];
extern const char *const hub_xstatus_names[];

/* Why a record was refused.  Counted per kind. */
enum hub_bad {
	BAD_NONE = 0,
	BAD_TYPE,      /* record type is no enum fh_event */
	BAD_MSGPACK,   /* not one well-formed msgpack value filling the record */
	BAD_NOT_MAP,   /* payload is not a map, or has a non-string key */
	BAD_MISSING,   /* a required field is absent */
	BAD_WRONG_TYPE, /* a field has the wrong msgpack type */
	BAD_VALUE,     /* unknown status/level, unparsable ts */
	BAD_TOO_LONG,  /* an identifier longer than HUB_ID_MAX */
	BAD_KINDS
};
extern const char *const hub_bad_names[];

struct hub_ev {
	int kind;       /* enum fh_event */
	bool has_ts;
	int64_t ts;     /* ms since the epoch */
	bool has_rid;
	uint64_t rid;   /* hub-private request id ("_rid"), not part of state */
	int status;     /* parsed status or level of the kind, else -1 */
	/* Strings: the body.  Objects and "result": the whole encoding.
	 * p == NULL: absent (or nil). */
	struct mp_span f[HUB_EV_FIELDS];
};

/* Decode a record.  Returns BAD_NONE and fills *ev (pointing into DATA),
 * or the reason the record is refused. */
enum hub_bad hub_record_decode(int32_t type, const void *data, uint32_t len,
			       struct hub_ev *ev);

/* Message type the hub publishes for an event kind. */
const char *hub_kind_msgtype(int kind);
/* Ring event name ("block_started") of a kind, NULL if unknown. */
const char *hub_kind_name(int kind);

/* Time helpers.  ISO-8601 UTC with milliseconds, 24 chars + NUL. */
#define HUB_TIME_LEN 25
#define HUB_TS_MIN 0LL
#define HUB_TS_MAX 253402300799999LL /* 9999-12-31T23:59:59.999Z */
void hub_time_format(int64_t ms, char out[HUB_TIME_LEN]);
/* Parse "YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM|-HH:MM]" (no zone = UTC).
 * Returns 0 or -1. */
int hub_time_parse(const char *s, uint32_t len, int64_t *ms);

#endif /* HUB_RECORD_H */
