/*
 * The event schema of flowhub: names, value sets and per-event field
 * tables, and the two conversions built on them: a flowhub-emit JSON line
 * into a ring payload, and the check the hub runs on a ring payload
 * before it unpacks it.  event.h documents the payload format.
 *
 * Everything is table driven so that adding a field is one line here and
 * both directions follow.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <msgpack.h>

#include "event.h"
#include "mpvalid.h"

static const char *const level_names[] = {"debug", "info", "warn", "error",
					  NULL};
static const char *const block_status_names[] = {"completed", "failed",
						 "skipped", "cancelled", NULL};
static const char *const hw_status_names[] = {"ok", "degraded", "fault",
					      "offline", NULL};
static const char *const finish_status_names[] = {"completed", "failed",
						  "stopped", NULL};

#define S FH_KIND_STRING
#define O FH_KIND_OBJECT
#define A FH_KIND_ANY
static const struct fh_field f_execution_started[] = {
	{"sessionId", S, 1, NULL},
	{"programId", S, 0, NULL},
	{"programName", S, 0, NULL},
	{"meta", O, 0, NULL},
};
static const struct fh_field f_block_started[] = {
	{"blockId", S, 1, NULL},
	{"blockType", S, 1, NULL},
	{"blockName", S, 0, NULL},
	{"displayText", S, 0, NULL},
	{"params", O, 0, NULL},
};
static const struct fh_field f_block_executed[] = {
	{"blockId", S, 1, NULL},
	{"status", S, 1, block_status_names},
	{"result", A, 0, NULL},
	{"error", S, 0, NULL},
};
static const struct fh_field f_log[] = {
	{"level", S, 1, level_names},
	{"message", S, 1, NULL},
	{"tag", S, 0, NULL},
	{"module", S, 0, NULL},
	{"data", O, 0, NULL},
};
static const struct fh_field f_hardware_health[] = {
	{"component", S, 1, NULL},
	{"status", S, 1, hw_status_names},
	{"details", O, 0, NULL},
};
static const struct fh_field f_execution_finished[] = {
	{"status", S, 1, finish_status_names},
	{"summary", O, 0, NULL},
};
#undef S
#undef O
#undef A

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_FIELDS 8 /* more than any event has; bounds the "seen" set */

static const struct {
	const char *name;
	const struct fh_field *fields;
	size_t nfields;
} events[FH_EV_MAX + 1] = {
	[FH_EV_EXECUTION_STARTED] = {"execution_started", f_execution_started,
				     NFIELDS(f_execution_started)},
	[FH_EV_BLOCK_STARTED] = {"block_started", f_block_started,
				 NFIELDS(f_block_started)},
	[FH_EV_BLOCK_EXECUTED] = {"block_executed", f_block_executed,
				  NFIELDS(f_block_executed)},
	[FH_EV_LOG] = {"log", f_log, NFIELDS(f_log)},
	[FH_EV_HARDWARE_HEALTH] = {"hardware_health", f_hardware_health,
				   NFIELDS(f_hardware_health)},
	[FH_EV_EXECUTION_FINISHED] = {"execution_finished",
				      f_execution_finished,
				      NFIELDS(f_execution_finished)},
};

/* ---- names ------------------------------------------------------------- */

static int
set_index(const char *const *set, const char *s, size_t len)
{
	int i;

	if (s == NULL)
		return -1;
	for (i = 0; set[i] != NULL; i++)
		if (strlen(set[i]) == len && memcmp(set[i], s, len) == 0)
			return i;
	return -1;
}

static const char *
set_name(const char *const *set, size_t n, int v)
{
	return v >= 0 && (size_t)v < n ? set[v] : NULL;
}

#define SET_FUNCS(what, set)                                                   \
	int fh_##what##_from_name(const char *s, size_t len)                   \
	{                                                                      \
		return set_index(set, s, len);                                 \
	}                                                                      \
	const char *fh_##what##_name(int v)                                    \
	{                                                                      \
		return set_name(set, NFIELDS(set) - 1, v);                     \
	}
SET_FUNCS(level, level_names)
SET_FUNCS(block_status, block_status_names)
SET_FUNCS(hw_status, hw_status_names)
SET_FUNCS(finish_status, finish_status_names)

const char *
fh_event_name(int ev)
{
	return ev >= FH_EV_MIN && ev <= FH_EV_MAX ? events[ev].name : NULL;
}

int
fh_event_from_name(const char *s, size_t len)
{
	int ev;

	if (s == NULL)
		return -1;
	for (ev = FH_EV_MIN; ev <= FH_EV_MAX; ev++)
		if (strlen(events[ev].name) == len &&
		    memcmp(events[ev].name, s, len) == 0)
			return ev;
	return -1;
}

const struct fh_field *
fh_event_fields(int ev, size_t *n)
{
	if (ev < FH_EV_MIN || ev > FH_EV_MAX)
		return NULL;
	*n = events[ev].nfields;
	return events[ev].fields;
}

static int
field_index(int ev, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < events[ev].nfields; i++) {
		const char *name = events[ev].fields[i].name;

		if (strlen(name) == len && memcmp(name, s, len) == 0)
			return (int)i;
	}
	return -1;
}

const struct fh_field *
fh_event_field(int ev, const char *s, size_t len)
{
	int i;

	if (ev < FH_EV_MIN || ev > FH_EV_MAX || s == NULL)
		return NULL;
	i = field_index(ev, s, len);
	return i < 0 ? NULL : &events[ev].fields[i];
}

int
fh_field_value_index(const struct fh_field *f, const char *s, size_t len)
{
	return f->values == NULL ? -1 : set_index(f->values, s, len);
}

/* ---- timestamps ---------------------------------------------------------- */

int64_t
fh_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil), valid for the years 0..9999 used here. */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = y / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = z / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* N decimal digits at S[*I]; advances *I.  -1 when not all digits. */
static int
digits(const char *s, size_t len, size_t *i, int n)
{
	int v = 0;

	if (len - *i < (size_t)n)
		return -1;
	while (n-- > 0) {
		char c = s[(*i)++];

		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	return v;
}

static int
expect(const char *s, size_t len, size_t *i, char c)
{
	if (*i >= len || s[*i] != c)
		return -1;
	(*i)++;
	return 0;
}

int
fh_ts_parse_iso(const char *s, size_t len, int64_t *ms)
{
	static const unsigned mdays[] = {31, 29, 31, 30, 31, 30,
					 31, 31, 30, 31, 30, 31};
	size_t i = 0;
	int y, mo, d, h, mi, sec, frac = 0, nfrac = 0, off = 0;
	int64_t v;

	if (s == NULL)
		return -EINVAL;
	if ((y = digits(s, len, &i, 4)) < 0 || expect(s, len, &i, '-') ||
	    (mo = digits(s, len, &i, 2)) < 0 || expect(s, len, &i, '-') ||
	    (d = digits(s, len, &i, 2)) < 0)
		return -EINVAL;
	if (i >= len || (s[i] != 'T' && s[i] != 't' && s[i] != ' '))
		return -EINVAL;
	i++;
	if ((h = digits(s, len, &i, 2)) < 0 || expect(s, len, &i, ':') ||
	    (mi = digits(s, len, &i, 2)) < 0 || expect(s, len, &i, ':') ||
	    (sec = digits(s, len, &i, 2)) < 0)
		return -EINVAL;
	if (i < len && (s[i] == '.' || s[i] == ',')) {
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (nfrac < 3)
				frac = frac * 10 + (s[i] - '0');
			nfrac++;
			i++;
		}
		if (nfrac == 0 || nfrac > 9)
			return -EINVAL;
		while (nfrac < 3) {
			frac *= 10;
			nfrac++;
		}
	}
	if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i < len && (s[i] == '+' || s[i] == '-')) {
		int sign = s[i] == '-' ? -1 : 1, oh, om;

		i++;
		if ((oh = digits(s, len, &i, 2)) < 0 ||
		    expect(s, len, &i, ':') ||
		    (om = digits(s, len, &i, 2)) < 0 || oh > 23 || om > 59)
			return -EINVAL;
		off = sign * (oh * 60 + om);
	} else {
		return -EINVAL;
	}
	if (i != len)
		return -EINVAL;
	/* A leap second (:60) is not representable in ms since the epoch. */
	if (mo < 1 || mo > 12 || d < 1 || (unsigned)d > mdays[mo - 1] ||
	    h > 23 || mi > 59 || sec > 59)
		return -EINVAL;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -EINVAL;
	v = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + sec - (int64_t)off * 60;
	v = v * 1000 + frac;
	if (v < 0 || v > FH_TS_MAX)
		return -EINVAL;
	*ms = v;
	return 0;
}

int
fh_ts_format_iso(int64_t ms, char *buf, size_t size)
{
	int64_t days, secs;
	int y;
	unsigned m, d;

	if (ms < 0 || ms > FH_TS_MAX || size < FH_TS_ISO_LEN)
		return -EINVAL;
	days = ms / 86400000;
	secs = (ms / 1000) % 86400;
	civil_from_days(days, &y, &m, &d);
	snprintf(buf, size, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", y, m, d,
		 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60),
		 (int)(ms % 1000));
	return 0;
}

/* ---- JSON -> ring payload ------------------------------------------------ */

/* Fill ERR (when given) with the field and the formatted message. */
static void
set_error(struct fh_event_error *err, const char *field, const char *fmt,
	  va_list ap) __attribute__((format(printf, 3, 0)));

static void
set_error(struct fh_event_error *err, const char *field, const char *fmt,
	  va_list ap)
{
	if (err == NULL)
		return;
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
}

/* A JSON line that is not a valid event: -EINVAL. */
static int
fail(struct fh_event_error *err, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
fail(struct fh_event_error *err, const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_error(err, field, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* "a, b or c" for an error message. */
static void
join_set(const char *const *set, char *buf, size_t size)
{
	size_t n = 0, i;

	buf[0] = '\0';
	for (i = 0; set[i] != NULL; i++) {
		const char *sep = i == 0 ? "" : set[i + 1] ? ", " : " or ";
		int w = snprintf(buf + n, size - n, "%s%s", sep, set[i]);

		if (w < 0 || (size_t)w >= size - n)
			return;
		n += (size_t)w;
	}
}

static const char *
json_kind_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "unknown";
}

/* Depth of containers in V (V itself counts), stopping past LIMIT. */
static int
json_depth(const json_t *v, int limit)
{
	int max = 0, d;

	if (limit <= 0)
		return 1;
	if (json_is_object(v)) {
		const char *k;
		json_t *e;

		json_object_foreach((json_t *)v, k, e) {
			d = json_depth(e, limit - 1);
			if (d > max)
				max = d;
		}
		return max + 1;
	}
	if (json_is_array(v)) {
		size_t i;
		json_t *e;

		json_array_foreach(v, i, e) {
			d = json_depth(e, limit - 1);
			if (d > max)
				max = d;
		}
		return max + 1;
	}
	return 0;
}

static int
pack_json(msgpack_packer *pk, const json_t *v)
{
	int rc = 0;

	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *e;

		rc = msgpack_pack_map(pk, json_object_size(v));
		json_object_foreach((json_t *)v, k, e) {
			size_t kl = strlen(k);

			if (rc == 0)
				rc = msgpack_pack_str_with_body(pk, k, kl);
			if (rc == 0)
				rc = pack_json(pk, e);
		}
		break;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *e;

		rc = msgpack_pack_array(pk, json_array_size(v));
		json_array_foreach(v, i, e) {
			if (rc == 0)
				rc = pack_json(pk, e);
		}
		break;
	}
	case JSON_STRING:
		rc = msgpack_pack_str_with_body(pk, json_string_value(v),
						json_string_length(v));
		break;
	case JSON_INTEGER:
		rc = msgpack_pack_int64(pk, json_integer_value(v));
		break;
	case JSON_REAL:
		rc = msgpack_pack_double(pk, json_real_value(v));
		break;
	case JSON_TRUE:
		rc = msgpack_pack_true(pk);
		break;
	case JSON_FALSE:
		rc = msgpack_pack_false(pk);
		break;
	case JSON_NULL:
		rc = msgpack_pack_nil(pk);
		break;
	}
	return rc;
}

static int
json_ts(const json_t *v, int64_t *ts, struct fh_event_error *err)
{
	if (json_is_integer(v)) {
		json_int_t n = json_integer_value(v);

		if (n < 0 || n > FH_TS_MAX)
			return fail(err, "ts",
				    "\"ts\" %" JSON_INTEGER_FORMAT
				    " is out of range (0 to %" PRId64 " ms)",
				    n, FH_TS_MAX);
		*ts = n;
		return 0;
	}
	if (json_is_string(v)) {
		if (fh_ts_parse_iso(json_string_value(v), json_string_length(v),
				    ts) != 0)
			return fail(err, "ts",
				    "\"ts\" is not an ISO-8601 date-time with "
				    "a zone (e.g. 2025-09-18T19:21:00.007Z)");
		return 0;
	}
	return fail(err, "ts",
		    "\"ts\" must be integer milliseconds or an ISO-8601 "
		    "string, not %s", json_kind_name(v));
}

static int
check_value(const struct fh_field *f, const json_t *v,
	    struct fh_event_error *err)
{
	char set[96];

	switch (f->kind) {
	case FH_KIND_STRING:
		if (!json_is_string(v))
			return fail(err, f->name,
				    "\"%s\" must be a string, not %s", f->name,
				    json_kind_name(v));
		if (f->values != NULL &&
		    fh_field_value_index(f, json_string_value(v),
					 json_string_length(v)) < 0) {
			join_set(f->values, set, sizeof(set));
			return fail(err, f->name, "\"%s\" must be %s", f->name,
				    set);
		}
		break;
	case FH_KIND_OBJECT:
		if (!json_is_object(v))
			return fail(err, f->name,
				    "\"%s\" must be an object, not %s", f->name,
				    json_kind_name(v));
		break;
	case FH_KIND_ANY:
		break;
	}
	/* The top map is one level of the payload. */
	if (json_depth(v, FH_EVENT_MAX_DEPTH) > FH_EVENT_MAX_DEPTH - 1)
		return fail(err, f->name,
			    "\"%s\" nests deeper than %d levels", f->name,
			    FH_EVENT_MAX_DEPTH - 1);
	return 0;
}

int
fh_event_from_json(const struct json_t *obj, int *evp,
		   struct msgpack_sbuffer *out, struct fh_event_error *err)
{
	const json_t *jev, *v;
	const char *key;
	const struct fh_field *fields;
	size_t nfields, i, npack = 1;
	int seen[MAX_FIELDS] = {0};
	int64_t ts = -1;
	msgpack_packer pk;
	int ev, rc;

	if (!json_is_object(obj))
		return fail(err, NULL, "not a JSON object");
	jev = json_object_get(obj, "event");
	if (jev == NULL)
		return fail(err, "event", "missing \"event\"");
	if (!json_is_string(jev))
		return fail(err, "event", "\"event\" must be a string, not %s",
			    json_kind_name(jev));
	ev = fh_event_from_name(json_string_value(jev), json_string_length(jev));
	if (ev < 0)
		return fail(err, "event", "unknown event \"%.60s\"",
			    json_string_value(jev));
	fields = fh_event_fields(ev, &nfields);

	/* Pass 1: validate everything, so nothing is packed for a bad line. */
	json_object_foreach((json_t *)obj, key, v) {
		int fi;

		if (strcmp(key, "event") == 0)
			continue;
		if (strcmp(key, "ts") == 0) {
			if ((rc = json_ts(v, &ts, err)) != 0)
				return rc;
			continue;
		}
		fi = field_index(ev, key, strlen(key));
		if (fi < 0)
			return fail(err, key, "unknown field \"%.60s\" for %s",
				    key, events[ev].name);
		if (json_is_null(v) && !fields[fi].required)
			continue;
		if ((rc = check_value(&fields[fi], v, err)) != 0)
			return rc;
		seen[fi] = 1;
		npack++;
	}
	for (i = 0; i < nfields; i++)
		if (fields[i].required && !seen[i])
			return fail(err, fields[i].name,
				    "missing required field \"%s\"",
				    fields[i].name);
	if (ts < 0)
		ts = fh_now_ms();

	/* Pass 2: pack in the input's order, "ts" first. */
	msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
	rc = msgpack_pack_map(&pk, npack);
	if (rc == 0)
		rc = msgpack_pack_str_with_body(&pk, "ts", 2);
	if (rc == 0)
		rc = msgpack_pack_int64(&pk, ts);
	json_object_foreach((json_t *)obj, key, v) {
		int fi;

		if (rc != 0)
			break;
		if (strcmp(key, "event") == 0 || strcmp(key, "ts") == 0)
			continue;
		fi = field_index(ev, key, strlen(key));
		if (fi < 0 || !seen[fi])
			continue;
		rc = msgpack_pack_str_with_body(&pk, key, strlen(key));
		if (rc == 0)
			rc = pack_json(&pk, v);
	}
	if (rc != 0)
		return -ENOMEM;
	*evp = ev;
	return 0;
}

/* ---- ring payload check --------------------------------------------------- */

static int
bad(struct fh_event_error *err, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
bad(struct fh_event_error *err, const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_error(err, field, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

static uint64_t
rd_be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | *p++;
	return v;
}

/* If P (already validated) starts a str, set *S and *N and return the header
 * size; else 0. */
static size_t
rd_str(const uint8_t *p, const char **s, size_t *n)
{
	size_t h;

	if (p[0] >= 0xa0 && p[0] <= 0xbf) {
		*n = p[0] & 0x1f;
		h = 1;
	} else if (p[0] == 0xd9) {
		*n = p[1];
		h = 2;
	} else if (p[0] == 0xda) {
		*n = (size_t)rd_be(p + 1, 2);
		h = 3;
	} else if (p[0] == 0xdb) {
		*n = (size_t)rd_be(p + 1, 4);
		h = 5;
	} else {
		return 0;
	}
	*s = (const char *)p + h;
	return h;
}

/* Integer value of a validated msgpack int at P; -1 for non-integers
 * and negative values (both out of range for ts). */
static int64_t
rd_ts(const uint8_t *p)
{
	uint64_t u;

	if (p[0] <= 0x7f)
		return p[0];
	switch (p[0]) {
	case 0xcc: return p[1];
	case 0xcd: return (int64_t)rd_be(p + 1, 2);
	case 0xce: return (int64_t)rd_be(p + 1, 4);
	case 0xcf:
		u = rd_be(p + 1, 8);
		return u > (uint64_t)INT64_MAX ? -1 : (int64_t)u;
	case 0xd0: return (int8_t)p[1];
	case 0xd1: return (int16_t)rd_be(p + 1, 2);
	case 0xd2: return (int32_t)rd_be(p + 1, 4);
	case 0xd3: return (int64_t)rd_be(p + 1, 8);
	}
	return -1;
}

int
fh_event_check_mp(int ev, const void *buf, size_t len, int64_t *tsp,
		  struct fh_event_error *err)
{
	const uint8_t *p = buf;
	const struct fh_field *fields;
	size_t nfields, used, off, i;
	uint64_t n;
	int seen[MAX_FIELDS] = {0}, seen_ts = 0, rc;
	int64_t ts = -1;

	if (ev < FH_EV_MIN || ev > FH_EV_MAX)
		return bad(err, NULL, "unknown event type %d", ev);
	fields = fh_event_fields(ev, &nfields);
	rc = mp_validate_json(buf, len, FH_EVENT_MAX_DEPTH, &used);
	if (rc == -ELOOP)
		return bad(err, NULL, "nested deeper than %d levels",
			   FH_EVENT_MAX_DEPTH);
	if (rc != 0)
		return bad(err, NULL,
			   "malformed msgpack (truncated, lying length, "
			   "non-string key, bad UTF-8, bin or ext)");
	if (used != len)
		return bad(err, NULL, "%zu bytes after the payload map",
			   len - used);
	if ((p[0] & 0xf0) == 0x80) {
		n = p[0] & 0x0f;
		off = 1;
	} else if (p[0] == 0xde) {
		n = rd_be(p + 1, 2);
		off = 3;
	} else if (p[0] == 0xdf) {
		n = rd_be(p + 1, 4);
		off = 5;
	} else {
		return bad(err, NULL, "payload is not a map");
	}
	while (n-- > 0) {
		const char *k, *sv;
		size_t kl, h, svl, vl;
		int fi;

		h = rd_str(p + off, &k, &kl); /* keys are str: validated */
		off += h + kl;
		rc = mp_validate(p + off, len - off, FH_EVENT_MAX_DEPTH, &vl);
		if (rc != 0) /* cannot happen after the walk above */
			return bad(err, NULL, "malformed value");
		if (kl == 2 && memcmp(k, "ts", 2) == 0) {
			if (seen_ts++)
				return bad(err, "ts", "\"ts\" appears twice");
			ts = rd_ts(p + off);
			if (ts < 0 || ts > FH_TS_MAX)
				return bad(err, "ts",
					   "\"ts\" is not an integer in 0..%" PRId64,
					   FH_TS_MAX);
			off += vl;
			continue;
		}
		fi = field_index(ev, k, kl);
		if (fi < 0) { /* from a newer producer: ignored */
			off += vl;
			continue;
		}
		if (seen[fi]++)
			return bad(err, fields[fi].name, "\"%s\" appears twice",
				   fields[fi].name);
		switch (fields[fi].kind) {
		case FH_KIND_STRING:
			if (rd_str(p + off, &sv, &svl) == 0)
				return bad(err, fields[fi].name,
					   "\"%s\" is not a string",
					   fields[fi].name);
			if (fields[fi].values != NULL &&
			    fh_field_value_index(&fields[fi], sv, svl) < 0)
				return bad(err, fields[fi].name,
					   "\"%s\" has a value outside its set",
					   fields[fi].name);
			break;
		case FH_KIND_OBJECT:
			if ((p[off] & 0xf0) != 0x80 && p[off] != 0xde &&
			    p[off] != 0xdf)
				return bad(err, fields[fi].name,
					   "\"%s\" is not a map",
					   fields[fi].name);
			break;
		case FH_KIND_ANY:
			break;
		}
		off += vl;
	}
	for (i = 0; i < nfields; i++)
		if (fields[i].required && !seen[i])
			return bad(err, fields[i].name,
				   "missing required field \"%s\"",
				   fields[i].name);
	if (tsp != NULL)
		*tsp = ts;
	return 0;
}
