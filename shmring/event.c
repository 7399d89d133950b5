/*
 * The per-event producer API (shmring_event.h): the interpreter's fast
 * path.  Each call validates its arguments, sizes the msgpack map exactly,
 * claims that many bytes in the ring and writes the map straight into the
 * claimed space, so an event costs one clock read (vDSO), a few strlen and
 * one copy of each value, and never a malloc, a system call or a wait.
 *
 * The writer below knows only what these maps need: a fixmap header
 * (events have at most six entries), str headers, one unsigned integer
 * ("ts") and raw pre-packed objects.  msgpack-c is deliberately not linked
 * into libshmring.  Pre-packed objects are checked with the same bounded
 * walk the hub uses (common/mpvalid.c, compiled in here, not exported),
 * so what a producer accepts the hub accepts too.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "shmring.h"
#include "event.h"
#include "mpvalid.h"

_Static_assert(SHMRING_EV_EXECUTION_STARTED == FH_EV_EXECUTION_STARTED &&
		       SHMRING_EV_BLOCK_STARTED == FH_EV_BLOCK_STARTED &&
		       SHMRING_EV_BLOCK_EXECUTED == FH_EV_BLOCK_EXECUTED &&
		       SHMRING_EV_LOG == FH_EV_LOG &&
		       SHMRING_EV_HARDWARE_HEALTH == FH_EV_HARDWARE_HEALTH &&
		       SHMRING_EV_EXECUTION_FINISHED ==
			       FH_EV_EXECUTION_FINISHED,
	       "record types must match enum fh_event");
_Static_assert(SHMRING_EVENT_MAX_DEPTH == FH_EVENT_MAX_DEPTH,
	       "payload depth limits must match");

/* One map entry: a str value (raw = 0) or a pre-packed object (raw = 1). */
struct kv {
	const char *key;
	size_t klen; /* < 32: every key is a fixstr */
	int raw;
	const void *val;
	size_t len;
};

#define KV_STR(k, v) {k, sizeof(k) - 1, 0, v, 0}
#define KV_RAW(k, v, n) {k, sizeof(k) - 1, 1, v, n}

static const char *const levels[] = {"debug", "info", "warn", "error", NULL};
static const char *const block_statuses[] = {"completed", "failed", "skipped",
					     "cancelled", NULL};
static const char *const hw_statuses[] = {"ok", "degraded", "fault",
					  "offline", NULL};
static const char *const finish_statuses[] = {"completed", "failed",
					      "stopped", NULL};

static int
in_set(const char *const *set, const char *s)
{
	for (; *set != NULL; set++)
		if (strcmp(*set, s) == 0)
			return 1;
	return 0;
}

static size_t
str_hdr_size(size_t n)
{
	return n < 32 ? 1 : n < 256 ? 2 : n < 65536 ? 3 : 5;
}

static uint8_t *
put_be(uint8_t *p, uint64_t v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
	return p + n;
}

static uint8_t *
put_str_hdr(uint8_t *p, size_t n)
{
	if (n < 32) {
		*p++ = (uint8_t)(0xa0 | n);
		return p;
	}
	if (n < 256) {
		*p++ = 0xd9;
		return put_be(p, n, 1);
	}
	if (n < 65536) {
		*p++ = 0xda;
		return put_be(p, n, 2);
	}
	*p++ = 0xdb;
	return put_be(p, n, 4);
}

static size_t
uint_size(uint64_t v)
{
	return v < 128 ? 1 : v < 256 ? 2 : v < 65536 ? 3 :
	       v <= UINT32_MAX ? 5 : 9;
}

static uint8_t *
put_uint(uint8_t *p, uint64_t v)
{
	if (v < 128) {
		*p++ = (uint8_t)v;
		return p;
	}
	if (v < 256) {
		*p++ = 0xcc;
		return put_be(p, v, 1);
	}
	if (v < 65536) {
		*p++ = 0xcd;
		return put_be(p, v, 2);
	}
	if (v <= UINT32_MAX) {
		*p++ = 0xce;
		return put_be(p, v, 4);
	}
	*p++ = 0xcf;
	return put_be(p, v, 8);
}

/* Check a pre-packed object: exactly one JSON-like object of LEN bytes,
 * a map when MAP is set. */
static int
check_obj(const void *mp, size_t len, int map)
{
	const uint8_t *p = mp;
	size_t used;

	if (len == 0)
		return -EINVAL;
	if (map && (p[0] & 0xf0) != 0x80 && p[0] != 0xde && p[0] != 0xdf)
		return -EINVAL;
	if (mp_validate_json(mp, len, SHMRING_EVENT_MAX_DEPTH - 1, &used) != 0 ||
	    used != len)
		return -EINVAL;
	return 0;
}

/* Validate the str entries (NULL = absent) and fill in their lengths. */
static int
check_str(struct kv *e)
{
	if (e->val == NULL)
		return 0;
	e->len = strlen(e->val);
	return mp_utf8_valid(e->val, e->len) ? 0 : -EINVAL;
}

static int
emit(struct shmring *r, int32_t type, struct kv *kv, size_t n)
{
	struct shmring_claim c;
	struct timespec now;
	uint64_t ts, size;
	uint8_t *p;
	size_t i, count = 1;
	int rc;

	clock_gettime(CLOCK_REALTIME, &now);
	ts = (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
	size = 1 + 3 + uint_size(ts); /* fixmap, "ts", value */
	for (i = 0; i < n; i++) {
		if (kv[i].val == NULL)
			continue;
		count++;
		size += 1 + kv[i].klen;
		size += kv[i].raw ? kv[i].len : str_hdr_size(kv[i].len) + kv[i].len;
		if (kv[i].len > UINT32_MAX || size > UINT32_MAX)
			return -EMSGSIZE;
	}
	rc = shmring_claim(r, type, (uint32_t)size, &c);
	if (rc != 0)
		return rc;
	p = c.data;
	*p++ = (uint8_t)(0x80 | count);
	*p++ = 0xa2;
	*p++ = 't';
	*p++ = 's';
	p = put_uint(p, ts);
	for (i = 0; i < n; i++) {
		if (kv[i].val == NULL)
			continue;
		*p++ = (uint8_t)(0xa0 | kv[i].klen);
		memcpy(p, kv[i].key, kv[i].klen);
		p += kv[i].klen;
		if (!kv[i].raw)
			p = put_str_hdr(p, kv[i].len);
		memcpy(p, kv[i].val, kv[i].len);
		p += kv[i].len;
	}
	shmring_commit(r, &c);
	return 0;
}

/* Common argument checks: required strings present, every string UTF-8,
 * pre-packed objects well formed.  OBJ is the index of the object entry
 * (or n when none), OBJMAP whether it must be a map. */
static int
check_all(struct kv *kv, size_t n, unsigned required, size_t obj, int objmap)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if ((required & (1u << i)) && kv[i].val == NULL)
			return -EINVAL;
		if (kv[i].raw) {
			if (kv[i].val == NULL)
				continue;
			if (check_obj(kv[i].val, kv[i].len, i == obj && objmap))
				return -EINVAL;
		} else if (check_str(&kv[i]) != 0) {
			return -EINVAL;
		}
	}
	return 0;
}

#define NKV(a) (sizeof(a) / sizeof((a)[0]))

int
shmring_emit_execution_started(struct shmring *r, const char *session_id,
			       const char *program_id, const char *program_name,
			       const void *meta_mp, size_t meta_len)
{
	struct kv kv[] = {
		KV_STR("sessionId", session_id),
		KV_STR("programId", program_id),
		KV_STR("programName", program_name),
		KV_RAW("meta", meta_mp, meta_len),
	};

	if (r == NULL || check_all(kv, NKV(kv), 1u << 0, 3, 1) != 0)
		return -EINVAL;
	return emit(r, SHMRING_EV_EXECUTION_STARTED, kv, NKV(kv));
}

int
shmring_emit_block_started(struct shmring *r, const char *block_id,
			   const char *block_type, const char *block_name,
			   const char *display_text, const void *params_mp,
			   size_t params_len)
{
	struct kv kv[] = {
		KV_STR("blockId", block_id),
		KV_STR("blockType", block_type),
		KV_STR("blockName", block_name),
		KV_STR("displayText", display_text),
		KV_RAW("params", params_mp, params_len),
	};

	if (r == NULL || check_all(kv, NKV(kv), 3u, 4, 1) != 0)
		return -EINVAL;
	return emit(r, SHMRING_EV_BLOCK_STARTED, kv, NKV(kv));
}

int
shmring_emit_block_executed(struct shmring *r, const char *block_id,
			    const char *status, const void *result_mp,
			    size_t result_len, const char *error)
{
	struct kv kv[] = {
		KV_STR("blockId", block_id),
		KV_STR("status", status),
		KV_RAW("result", result_mp, result_len),
		KV_STR("error", error),
	};

	if (r == NULL || check_all(kv, NKV(kv), 3u, 2, 0) != 0 ||
	    !in_set(block_statuses, status))
		return -EINVAL;
	return emit(r, SHMRING_EV_BLOCK_EXECUTED, kv, NKV(kv));
}

int
shmring_emit_log(struct shmring *r, const char *level, const char *message,
		 const char *tag, const char *module, const void *data_mp,
		 size_t data_len)
{
	struct kv kv[] = {
		KV_STR("level", level),
		KV_STR("message", message),
		KV_STR("tag", tag),
		KV_STR("module", module),
		KV_RAW("data", data_mp, data_len),
	};

	if (r == NULL || check_all(kv, NKV(kv), 3u, 4, 1) != 0 ||
	    !in_set(levels, level))
		return -EINVAL;
	return emit(r, SHMRING_EV_LOG, kv, NKV(kv));
}

int
shmring_emit_hardware_health(struct shmring *r, const char *component,
			     const char *status, const void *details_mp,
			     size_t details_len)
{
	struct kv kv[] = {
		KV_STR("component", component),
		KV_STR("status", status),
		KV_RAW("details", details_mp, details_len),
	};

	if (r == NULL || check_all(kv, NKV(kv), 3u, 2, 1) != 0 ||
	    !in_set(hw_statuses, status))
		return -EINVAL;
	return emit(r, SHMRING_EV_HARDWARE_HEALTH, kv, NKV(kv));
}

int
shmring_emit_execution_finished(struct shmring *r, const char *status,
				const void *summary_mp, size_t summary_len)
{
	struct kv kv[] = {
		KV_STR("status", status),
		KV_RAW("summary", summary_mp, summary_len),
	};

	if (r == NULL || check_all(kv, NKV(kv), 1u, 1, 1) != 0 ||
	    !in_set(finish_statuses, status))
		return -EINVAL;
	return emit(r, SHMRING_EV_EXECUTION_FINISHED, kv, NKV(kv));
}
