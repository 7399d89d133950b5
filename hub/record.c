/*
 * Ring record decoding.  A record payload is one msgpack map; each kind
 * has a small field table (name, slot, what it must be, whether it is
 * required) and one pass over the map fills the slots.  Unknown keys are
 * ignored so producers may add fields; a repeated key keeps its last
 * value.  Nothing is copied: the result points into the record, which
 * the caller keeps alive while it uses the event.
 */
#include "config.h"

#include <string.h>

#include "record.h"

const char *const hub_bstatus_names[] = {"running", "completed", "failed",
					 "skipped", "cancelled", NULL};
const char *const hub_level_names[] = {"debug", "info", "warn", "error", NULL};
const char *const hub_hwstatus_names[] = {"ok", "degraded", "fault", "offline",
					  NULL};
const char *const hub_xstatus_names[] = {"idle", "running", "completed",
					 "failed", "stopped", NULL};
const char *const hub_bad_names[] = {
	"none", "unknown type", "not msgpack", "not a map", "missing field",
	"wrong field type", "bad field value", "identifier too long"};

enum fkind {
	FK_ID,   /* string, at most HUB_ID_MAX bytes */
	FK_STR,  /* any string */
	FK_ENUM, /* string from a list; sets ev->status */
	FK_OBJ,  /* map */
	FK_ANY,  /* any value */
};

struct field {
	const char *name;
	uint8_t nlen; /* strlen(name) */
	int slot;
	enum fkind fk;
	bool required;
	const char *const *values; /* FK_ENUM */
};

/* Execution status as the finished event may carry it (offset in
 * hub_xstatus_names). */
static const char *const finish_names[] = {"completed", "failed", "stopped",
					   NULL};

static const struct field f_es[] = {
	{"sessionId", 9, F_ES_SESSION, FK_ID, true, NULL},
	{"programId", 9, F_ES_PROGRAM_ID, FK_ID, false, NULL},
	{"programName", 11, F_ES_PROGRAM_NAME, FK_STR, false, NULL},
	{"meta", 4, F_ES_META, FK_OBJ, false, NULL},
	{NULL, 0, 0, 0, 0, NULL}};
static const struct field f_bs[] = {
	{"blockId", 7, F_BS_ID, FK_ID, true, NULL},
	{"blockType", 9, F_BS_TYPE, FK_ID, true, NULL},
	{"blockName", 9, F_BS_NAME, FK_STR, false, NULL},
	{"displayText", 11, F_BS_TEXT, FK_STR, false, NULL},
	{"params", 6, F_BS_PARAMS, FK_OBJ, false, NULL},
	{NULL, 0, 0, 0, 0, NULL}};
static const struct field f_be[] = {
	{"blockId", 7, F_BE_ID, FK_ID, true, NULL},
	/* "running" is not a status a producer may report */
	{"status", 6, F_BE_STATUS, FK_ENUM, true, hub_bstatus_names + 1},
	{"result", 6, F_BE_RESULT, FK_ANY, false, NULL},
	{"error", 5, F_BE_ERROR, FK_STR, false, NULL},
	{NULL, 0, 0, 0, 0, NULL}};
static const struct field f_log[] = {
	{"level", 5, F_LOG_LEVEL, FK_ENUM, true, hub_level_names},
	{"message", 7, F_LOG_MESSAGE, FK_STR, true, NULL},
	{"tag", 3, F_LOG_TAG, FK_STR, false, NULL},
	{"module", 6, F_LOG_MODULE, FK_STR, false, NULL},
	{"data", 4, F_LOG_DATA, FK_OBJ, false, NULL},
	{NULL, 0, 0, 0, 0, NULL}};
static const struct field f_hw[] = {
	{"component", 9, F_HW_COMPONENT, FK_ID, true, NULL},
	{"status", 6, F_HW_STATUS, FK_ENUM, true, hub_hwstatus_names},
	{"details", 7, F_HW_DETAILS, FK_OBJ, false, NULL},
	{NULL, 0, 0, 0, 0, NULL}};
static const struct field f_ef[] = {
	{"status", 6, F_EF_STATUS, FK_ENUM, true, finish_names},
	{"summary", 7, F_EF_SUMMARY, FK_OBJ, false, NULL},
	{NULL, 0, 0, 0, 0, NULL}};

static const struct field *const tables[] = {
	[FH_EV_EXECUTION_STARTED] = f_es, [FH_EV_BLOCK_STARTED] = f_bs,
	[FH_EV_BLOCK_EXECUTED] = f_be,    [FH_EV_LOG] = f_log,
	[FH_EV_HARDWARE_HEALTH] = f_hw,   [FH_EV_EXECUTION_FINISHED] = f_ef,
};

static const char *const kind_names[] = {
	[FH_EV_EXECUTION_STARTED] = "execution_started",
	[FH_EV_BLOCK_STARTED] = "block_started",
	[FH_EV_BLOCK_EXECUTED] = "block_executed",
	[FH_EV_LOG] = "log",
	[FH_EV_HARDWARE_HEALTH] = "hardware_health",
	[FH_EV_EXECUTION_FINISHED] = "execution_finished",
};

static const char *const msg_types[] = {
	[FH_EV_EXECUTION_STARTED] = "execution_started",
	[FH_EV_BLOCK_STARTED] = "block_started_enhanced",
	[FH_EV_BLOCK_EXECUTED] = "block_executed_enhanced",
	[FH_EV_LOG] = "log_entry",
	[FH_EV_HARDWARE_HEALTH] = "hardware_health_update",
	[FH_EV_EXECUTION_FINISHED] = "execution_finished",
};

const char *
hub_kind_name(int kind)
{
	if (kind < FH_EV_MIN || kind > FH_EV_MAX)
		return NULL;
	return kind_names[kind];
}

const char *
hub_kind_msgtype(int kind)
{
	if (kind < FH_EV_MIN || kind > FH_EV_MAX)
		return NULL;
	return msg_types[kind];
}

static int
enum_index(const struct mp_span *s, const char *const *values)
{
	for (int i = 0; values[i]; i++)
		if (mp_span_eq(s, values[i]))
			return i;
	return -1;
}

/* Read "ts": integer ms, float ms, or an ISO-8601 string. */
static enum hub_bad
read_ts(struct mp_cur *c, struct hub_ev *ev)
{
	struct mp_span s;
	int64_t v;

	switch (mp_peek(c)) {
	case MP_NIL:
		(void)mp_read_nil(c);
		return BAD_NONE;
	case MP_UINT:
	case MP_INT:
		if (mp_read_int(c, &v) < 0)
			return BAD_VALUE;
		break;
	case MP_FLOAT: {
		/* float32 / float64, big endian */
		const uint8_t *p = c->p;
		double d;
		if (mp_skip(c, NULL) < 0)
			return BAD_MSGPACK;
		if (p[0] == 0xca) {
			uint32_t u = ((uint32_t)p[1] << 24) | ((uint32_t)p[2] << 16) |
				     ((uint32_t)p[3] << 8) | p[4];
			float f;
			memcpy(&f, &u, 4);
			d = f;
		} else {
			uint64_t u = 0;
			for (int i = 1; i <= 8; i++)
				u = (u << 8) | p[i];
			memcpy(&d, &u, 8);
		}
		if (!(d >= (double)HUB_TS_MIN && d <= (double)HUB_TS_MAX))
			return BAD_VALUE;
		v = (int64_t)d;
		break;
	}
	case MP_STR:
		if (mp_read_str(c, &s) < 0)
			return BAD_MSGPACK;
		if (hub_time_parse((const char *)s.p, s.len, &v) < 0)
			return BAD_VALUE;
		break;
	default:
		return BAD_WRONG_TYPE;
	}
	if (v < HUB_TS_MIN || v > HUB_TS_MAX)
		return BAD_VALUE;
	ev->has_ts = true;
	ev->ts = v;
	return BAD_NONE;
}

/*
 * One pass over the map: keys are read as strings, each value either by
 * a typed read or by mp_skip, all bounded by the record; the end must
 * be the end of the record.  So a record is validated and decoded at
 * once.
 */
enum hub_bad
hub_record_decode(int32_t type, const void *data, uint32_t len,
		  struct hub_ev *ev)
{
	const struct field *tab;
	struct mp_cur c;
	uint32_t n;

	memset(ev, 0, sizeof(*ev));
	ev->status = -1;
	if (type < FH_EV_MIN || type > FH_EV_MAX)
		return BAD_TYPE;
	ev->kind = type;
	tab = tables[type];

	mp_cur_init(&c, data, len);
	switch (mp_peek(&c)) {
	case MP_MAP:
		if (mp_read_map(&c, &n) < 0)
			return BAD_MSGPACK;
		break;
	case -1:
		return BAD_MSGPACK;
	default: {
		struct mp_cur w = c;
		if (mp_skip(&w, NULL) < 0 || !mp_cur_done(&w))
			return BAD_MSGPACK;
		return BAD_NOT_MAP;
	}
	}
	for (uint32_t i = 0; i < n; i++) {
		struct mp_span key;
		const struct field *f;
		enum hub_bad bad;

		if (mp_read_str(&c, &key) < 0)
			return mp_skip(&c, NULL) < 0 ? BAD_MSGPACK : BAD_NOT_MAP;
		for (f = tab; f->name; f++)
			if (key.len == f->nlen && memcmp(key.p, f->name, f->nlen) == 0)
				break;
		if (!f->name) {
			if (mp_span_eq(&key, "ts")) {
				if ((bad = read_ts(&c, ev)) != BAD_NONE)
					return bad;
			} else if (mp_span_eq(&key, "_rid")) {
				if (mp_read_uint(&c, &ev->rid) < 0)
					return mp_skip(&c, NULL) < 0 ? BAD_MSGPACK
								     : BAD_WRONG_TYPE;
				ev->has_rid = true;
			} else if (mp_skip(&c, NULL) < 0) {
				return BAD_MSGPACK;
			}
			continue;
		}
		if (mp_peek(&c) == MP_NIL) {
			(void)mp_read_nil(&c);
			ev->f[f->slot].p = NULL;
			ev->f[f->slot].len = 0;
			continue;
		}
		switch (f->fk) {
		case FK_ID:
		case FK_STR:
		case FK_ENUM:
			if (mp_read_str(&c, &ev->f[f->slot]) < 0)
				return mp_skip(&c, NULL) < 0 ? BAD_MSGPACK
							     : BAD_WRONG_TYPE;
			if (f->fk == FK_ID && ev->f[f->slot].len > HUB_ID_MAX)
				return BAD_TOO_LONG;
			break;
		case FK_OBJ: {
			int k = mp_peek(&c);
			if (mp_skip(&c, &ev->f[f->slot]) < 0)
				return BAD_MSGPACK;
			if (k != MP_MAP)
				return BAD_WRONG_TYPE;
			break;
		}
		case FK_ANY:
			if (mp_skip(&c, &ev->f[f->slot]) < 0)
				return BAD_MSGPACK;
			break;
		}
	}
	if (!mp_cur_done(&c))
		return BAD_MSGPACK; /* trailing bytes */
	for (const struct field *f = tab; f->name; f++) {
		if (!ev->f[f->slot].p) {
			if (f->required)
				return BAD_MISSING;
			continue;
		}
		if (f->fk == FK_ENUM) {
			int idx = enum_index(&ev->f[f->slot], f->values);
			if (idx < 0)
				return BAD_VALUE;
			if (f->values == finish_names)
				idx += XS_COMPLETED;
			else if (f->values == hub_bstatus_names + 1)
				idx += BS_COMPLETED;
			ev->status = idx;
		}
	}
	return BAD_NONE;
}

/* ---- time ------------------------------------------------------------ */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int *yy, unsigned *mm, unsigned *dd)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	*yy = (int)(y + (m <= 2));
	*mm = m;
	*dd = d;
}

static void
put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

/* The calendar date changes once a day: keep the last one (per thread). */
static __thread int64_t cached_days = -1;
static __thread int cached_y;
static __thread unsigned cached_m, cached_d;

void
hub_time_format(int64_t ms, char out[HUB_TIME_LEN])
{
	int64_t days, rem;
	int y;
	unsigned m, d, hh, mi, ss, mss;

	if (ms < HUB_TS_MIN)
		ms = HUB_TS_MIN;
	if (ms > HUB_TS_MAX)
		ms = HUB_TS_MAX;
	days = ms / 86400000;
	rem = ms % 86400000;
	if (days == cached_days) {
		y = cached_y;
		m = cached_m;
		d = cached_d;
	} else {
		civil_from_days(days, &y, &m, &d);
		cached_days = days;
		cached_y = y;
		cached_m = m;
		cached_d = d;
	}
	hh = (unsigned)(rem / 3600000);
	mi = (unsigned)(rem / 60000 % 60);
	ss = (unsigned)(rem / 1000 % 60);
	mss = (unsigned)(rem % 1000);
	put2(out, (unsigned)y / 100);
	put2(out + 2, (unsigned)y % 100);
	out[4] = '-';
	put2(out + 5, m);
	out[7] = '-';
	put2(out + 8, d);
	out[10] = 'T';
	put2(out + 11, hh);
	out[13] = ':';
	put2(out + 14, mi);
	out[16] = ':';
	put2(out + 17, ss);
	out[19] = '.';
	out[20] = (char)('0' + mss / 100);
	put2(out + 21, mss % 100);
	out[23] = 'Z';
	out[24] = '\0';
}

/* Read exactly N digits at *p (bounded by end). */
static int
digits(const char **p, const char *end, int n, unsigned *v)
{
	unsigned x = 0;

	if (end - *p < n)
		return -1;
	for (int i = 0; i < n; i++) {
		char ch = (*p)[i];
		if (ch < '0' || ch > '9')
			return -1;
		x = x * 10 + (unsigned)(ch - '0');
	}
	*p += n;
	*v = x;
	return 0;
}

static int
expect(const char **p, const char *end, char ch)
{
	if (*p >= end || **p != ch)
		return -1;
	(*p)++;
	return 0;
}

int
hub_time_parse(const char *s, uint32_t len, int64_t *ms)
{
	const char *p = s, *end = s + len;
	unsigned y, mo, d, h, mi, sec, frac = 0, oh = 0, om = 0;
	int sign = 0;
	static const unsigned mdays[] = {31, 29, 31, 30, 31, 30,
					 31, 31, 30, 31, 30, 31};

	if (digits(&p, end, 4, &y) || expect(&p, end, '-') ||
	    digits(&p, end, 2, &mo) || expect(&p, end, '-') ||
	    digits(&p, end, 2, &d))
		return -1;
	if (p >= end || (*p != 'T' && *p != 't' && *p != ' '))
		return -1;
	p++;
	if (digits(&p, end, 2, &h) || expect(&p, end, ':') ||
	    digits(&p, end, 2, &mi) || expect(&p, end, ':') ||
	    digits(&p, end, 2, &sec))
		return -1;
	if (p < end && (*p == '.' || *p == ',')) {
		int nd = 0;
		p++;
		while (p < end && *p >= '0' && *p <= '9') {
			if (nd < 3)
				frac = frac * 10 + (unsigned)(*p - '0');
			nd++;
			p++;
		}
		if (nd == 0)
			return -1;
		for (; nd < 3; nd++)
			frac *= 10;
	}
	if (p < end) {
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			sign = *p == '+' ? 1 : -1;
			p++;
			if (digits(&p, end, 2, &oh))
				return -1;
			if (p < end && *p == ':')
				p++;
			if (digits(&p, end, 2, &om))
				return -1;
		} else {
			return -1;
		}
	}
	if (p != end)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
	    mi > 59 || sec > 60 || oh > 23 || om > 59)
		return -1;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	if (sec == 60)
		sec = 59; /* a leap second maps onto the second before */
	int64_t t = days_from_civil(y, mo, d) * 86400000LL + h * 3600000LL +
		    mi * 60000LL + sec * 1000LL + frac;
	t -= sign * (int64_t)(oh * 3600000LL + om * 60000LL);
	if (t < HUB_TS_MIN || t > HUB_TS_MAX)
		return -1;
	*ms = t;
	return 0;
}
