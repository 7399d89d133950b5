/*
 * A JSON skimmer, not a parser: it walks the keys of the top-level object
 * and skips values by bracket depth (honouring strings and escapes), so
 * it costs one pass over the bytes and allocates nothing.  Once "type" and
 * "seq" are known, "data" of any event but a state is not walked: "t_ns"
 * is then found with memmem, which is what keeps the per-message cost low
 * at a million messages a second.  Keys are compared raw (the keys the
 * tool looks for never need escapes).  Input is trusted to be what a
 * server sent, but malformed input only stops the scan early.
 */
#include "config.h"

#include "msgscan.h"

#include <string.h>

static const char *
skip_ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* P at '"': returns just past the closing quote, or E. */
static const char *
skip_string(const char *p, const char *e)
{
	for (p++; p < e; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return e;
}

static const char *
skip_value(const char *p, const char *e)
{
	int depth = 0;

	if (p >= e)
		return e;
	if (*p == '"')
		return skip_string(p, e);
	if (*p != '{' && *p != '[') {
		while (p < e && *p != ',' && *p != '}' && *p != ']' &&
		    *p != ' ' && *p != '\n' && *p != '\r' && *p != '\t')
			p++;
		return p;
	}
	for (; p < e; p++) {
		if (*p == '"') {
			p = skip_string(p, e) - 1;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			if (--depth == 0)
				return p + 1;
		}
	}
	return e;
}

static bool
parse_u64(const char *p, const char *e, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = p;

	while (p < e && *p >= '0' && *p <= '9')
		v = v * 10 + (uint64_t)(*p++ - '0');
	if (p == s)
		return false;
	*out = v;
	return true;
}

struct walk {
	const char *type;
	size_t type_len;
	bool has_seq;
	uint64_t seq;
	const char *data, *data_end;
};

/* Walk the keys of the object at P.  TOP: also look for type and data,
 * and stop at "data" once type and seq are known. */
static void
walk_object(const char *p, const char *e, struct walk *s, bool top)
{
	const char *k, *ke, *v;

	p = skip_ws(p, e);
	if (p >= e || *p != '{')
		return;
	p++;
	for (;;) {
		p = skip_ws(p, e);
		if (p >= e || *p != '"')
			return;
		k = p + 1;
		p = skip_string(p, e);
		ke = p - 1;
		p = skip_ws(p, e);
		if (p >= e || *p != ':')
			return;
		p = skip_ws(p + 1, e);
		v = p;
		if (p >= e)
			return;
		if (ke - k == 3 && memcmp(k, "seq", 3) == 0) {
			s->has_seq = parse_u64(v, e, &s->seq);
			p = skip_value(p, e);
		} else if (top && ke - k == 4 && memcmp(k, "type", 4) == 0 &&
		    *v == '"') {
			p = skip_string(p, e);
			s->type = v + 1;
			s->type_len = (size_t)(p - v - 2);
		} else if (top && ke - k == 4 && memcmp(k, "data", 4) == 0) {
			s->data = v;
			if (s->type && s->has_seq) {
				s->data_end = e;
				return;
			}
			p = skip_value(p, e);
			s->data_end = p;
		} else {
			p = skip_value(p, e);
		}
		p = skip_ws(p, e);
		if (p >= e || *p != ',')
			return;
		p++;
	}
}

bool
msgscan_type_is(const struct msgscan *m, const char *name)
{
	size_t n = strlen(name);

	return m->type && m->type_len == n && memcmp(m->type, name, n) == 0;
}

void
msgscan(const char *msg, size_t len, struct msgscan *out)
{
	const char *e = msg + len, *t, *from;
	struct walk top = { 0 }, data = { 0 };

	memset(out, 0, sizeof(*out));
	walk_object(msg, e, &top, true);
	out->type = top.type;
	out->type_len = top.type_len;
	out->has_seq = top.has_seq;
	out->seq = top.seq;
	if (msgscan_type_is(out, "initial_execution_state") && top.data) {
		walk_object(top.data, top.data_end, &data, false);
		out->has_state_seq = data.has_seq;
		out->state_seq = data.seq;
	}
	from = top.data ? top.data : msg;
	t = memmem(from, (size_t)(e - from), "\"t_ns\"", 6);
	if (t == NULL && from != msg)
		t = memmem(msg, (size_t)(from - msg), "\"t_ns\"", 6);
	if (t) {
		t = skip_ws(t + 6, e);
		if (t < e && *t == ':')
			out->has_tns = parse_u64(skip_ws(t + 1, e), e, &out->t_ns);
	}
}
