/*
 * Execution state machine.
 *
 * Active blocks live in a chained hash by blockId plus a doubly linked
 * list in start order, so lookups are O(1) and the snapshot lists them
 * oldest first.  Executed blocks go to a ring of the last N, newest
 * first.  Hardware components keep their first-seen order (an array)
 * with a hash for lookups.  Orders matter: a restored checkpoint must
 * pack to the same bytes as the state it was taken from.
 *
 * Choices where the event stream is odd:
 * - block_started for a blockId that is still active replaces the
 *   active entry (the older one is dropped without a trace in recent:
 *   the producer reused the id, so the newer start is the truth); it is
 *   counted in dup_start and blocksStarted counts both starts.
 * - block_executed for an unknown blockId still lands in recent with
 *   what the event says (type and name null, no start time) and is
 *   counted in unknown_block.
 * - execution_finished moves still-active blocks, oldest first, to
 *   recent as "cancelled" with the finish's ts as their end.
 * - An event without ts takes the last ts seen (none yet: times null):
 *   applying must not read the hub's clock.
 *
 * Bounds: max_active active blocks, max_hw components, identifiers of
 * HUB_ID_MAX bytes (longer records are refused by the decoder), text
 * truncated to HUB_TEXT_MAX at a UTF-8 boundary, results and details
 * beyond HUB_RESULT_MAX/HUB_DETAILS_MAX kept as null/{} (the published
 * event still carries them in full).  With the defaults a full state
 * packs to under 8 MiB, the wire's message limit.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mpread.h"
#include "fnv.h"
#include "pack.h"
#include "state.h"

static uint32_t
pow2_at_least(uint32_t n)
{
	uint32_t p = 16;

	while (p < n)
		p <<= 1;
	return p;
}

/* Length of S cut to MAX bytes without splitting a UTF-8 sequence. */
static uint32_t
utf8_cut(const uint8_t *s, uint32_t len, uint32_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && (s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

static void
str_free(struct hub_str *s)
{
	free(s->p);
	s->p = NULL;
	s->len = 0;
}

/* Copy a span into *dst (NULL span: absent).  Returns -1 on ENOMEM. */
static int
str_set(struct hub_str *dst, const void *p, uint32_t len)
{
	char *n = NULL;

	if (p) {
		if (!(n = malloc((size_t)len + 1)))
			return -1;
		memcpy(n, p, len);
		n[len] = '\0';
	}
	free(dst->p);
	dst->p = n;
	dst->len = p ? len : 0;
	return 0;
}

static int
str_set_text(struct hub_state *s, struct hub_str *dst, const struct mp_span *sp)
{
	uint32_t n = sp->p ? utf8_cut(sp->p, sp->len, HUB_TEXT_MAX) : 0;

	if (sp->p && n < sp->len)
		s->st.truncated++;
	return str_set(dst, sp->p, n);
}

/* ---- blocks ---------------------------------------------------------- */

static struct hub_block *
block_new(struct hub_state *s, const struct mp_span *id,
	  const struct mp_span *type, const struct mp_span *name,
	  const struct mp_span *text)
{
	const struct mp_span *src[4] = {id, type, name, text};
	uint32_t len[4];
	size_t total = sizeof(struct hub_block);
	struct hub_block *b;
	char *p;

	for (int i = 0; i < 4; i++) {
		len[i] = 0;
		if (src[i] && src[i]->p) {
			len[i] = i < 2 ? src[i]->len
				       : utf8_cut(src[i]->p, src[i]->len,
						  HUB_TEXT_MAX);
			if (len[i] < src[i]->len)
				s->st.truncated++;
			total += len[i] + 1;
		}
	}
	if (!(b = calloc(1, total)))
		return NULL;
	p = (char *)(b + 1);
	struct hub_str *dst[4] = {&b->id, &b->type, &b->name, &b->text};
	for (int i = 0; i < 4; i++) {
		if (!(src[i] && src[i]->p))
			continue;
		memcpy(p, src[i]->p, len[i]);
		p[len[i]] = '\0';
		dst[i]->p = p;
		dst[i]->len = len[i];
		p += len[i] + 1;
	}
	b->hash = fh_fnv1a(id->p, id->len);
	b->start_ts = HUB_TS_NONE;
	b->end_ts = HUB_TS_NONE;
	b->status = BS_RUNNING;
	return b;
}

static void
block_free(struct hub_block *b)
{
	if (!b)
		return;
	free(b->error.p);
	free(b->result);
	free(b);
}

static struct hub_block *
active_find(const struct hub_state *s, const void *id, uint32_t len,
	    uint32_t h)
{
	struct hub_block *b = s->abuckets[h & (s->nbuckets - 1)];

	for (; b; b = b->hnext)
		if (b->hash == h && b->id.len == len &&
		    memcmp(b->id.p, id, len) == 0)
			return b;
	return NULL;
}

static void
active_insert(struct hub_state *s, struct hub_block *b)
{
	struct hub_block **slot = &s->abuckets[b->hash & (s->nbuckets - 1)];

	b->hnext = *slot;
	*slot = b;
	b->next = NULL;
	b->prev = s->atail;
	if (s->atail)
		s->atail->next = b;
	else
		s->ahead = b;
	s->atail = b;
	s->nactive++;
}

static void
active_remove(struct hub_state *s, struct hub_block *b)
{
	struct hub_block **pp = &s->abuckets[b->hash & (s->nbuckets - 1)];

	while (*pp != b)
		pp = &(*pp)->hnext;
	*pp = b->hnext;
	if (b->prev)
		b->prev->next = b->next;
	else
		s->ahead = b->next;
	if (b->next)
		b->next->prev = b->prev;
	else
		s->atail = b->prev;
	b->hnext = b->prev = b->next = NULL;
	s->nactive--;
}

static void
recent_push(struct hub_state *s, struct hub_block *b)
{
	s->rpos = (s->rpos + 1) % s->lim.recent;
	block_free(s->recent[s->rpos]);
	s->recent[s->rpos] = b;
	if (s->nrecent < s->lim.recent)
		s->nrecent++;
}

/* i-th most recent executed block, 0 = newest. */
static const struct hub_block *
recent_at(const struct hub_state *s, uint32_t i)
{
	uint32_t n = s->lim.recent;

	return s->recent[(s->rpos + n - i % n) % n];
}

static void
clear_blocks(struct hub_state *s)
{
	struct hub_block *b, *next;

	for (b = s->ahead; b; b = next) {
		next = b->next;
		block_free(b);
	}
	s->ahead = s->atail = NULL;
	s->nactive = 0;
	memset(s->abuckets, 0, s->nbuckets * sizeof(*s->abuckets));
	for (uint32_t i = 0; i < s->lim.recent; i++) {
		block_free(s->recent[i]);
		s->recent[i] = NULL;
	}
	s->nrecent = 0;
	s->rpos = 0;
}

/* ---- hardware -------------------------------------------------------- */

static struct hub_hw *
hw_find(const struct hub_state *s, const void *name, uint32_t len, uint32_t h)
{
	struct hub_hw *w = s->hbuckets[h & (s->nhbuckets - 1)];

	for (; w; w = w->hnext)
		if (w->hash == h && w->component.len == len &&
		    memcmp(w->component.p, name, len) == 0)
			return w;
	return NULL;
}

/* Find or add a component; NULL when the table is full or on ENOMEM. */
static struct hub_hw *
hw_get(struct hub_state *s, const void *name, uint32_t len)
{
	uint32_t h = fh_fnv1a(name, len);
	struct hub_hw *w = hw_find(s, name, len, h);

	if (w)
		return w;
	if (s->nhw >= s->lim.max_hw)
		return NULL;
	if (!(w = calloc(1, sizeof(*w))))
		return NULL;
	if (str_set(&w->component, name, len) < 0) {
		free(w);
		return NULL;
	}
	w->hash = h;
	w->ts = HUB_TS_NONE;
	w->hnext = s->hbuckets[h & (s->nhbuckets - 1)];
	s->hbuckets[h & (s->nhbuckets - 1)] = w;
	s->hw[s->nhw++] = w;
	return w;
}

static int
blob_set(uint8_t **dst, uint32_t *dlen, const struct mp_span *sp)
{
	uint8_t *n = NULL;

	if (sp && sp->p) {
		if (!(n = malloc(sp->len ? sp->len : 1)))
			return -1;
		memcpy(n, sp->p, sp->len);
	}
	free(*dst);
	*dst = n;
	*dlen = n ? sp->len : 0;
	return 0;
}

/* ---- life cycle ------------------------------------------------------ */

int
hub_state_init(struct hub_state *s, const struct hub_state_limits *lim)
{
	memset(s, 0, sizeof(*s));
	s->lim = *lim;
	if (s->lim.recent < 1)
		s->lim.recent = 1;
	s->nbuckets = pow2_at_least(s->lim.max_active * 2);
	s->nhbuckets = pow2_at_least(s->lim.max_hw * 2);
	s->abuckets = calloc(s->nbuckets, sizeof(*s->abuckets));
	s->recent = calloc(s->lim.recent, sizeof(*s->recent));
	s->hw = calloc(s->lim.max_hw ? s->lim.max_hw : 1, sizeof(*s->hw));
	s->hbuckets = calloc(s->nhbuckets, sizeof(*s->hbuckets));
	if (!s->abuckets || !s->recent || !s->hw || !s->hbuckets) {
		free(s->abuckets);
		free(s->recent);
		free(s->hw);
		free(s->hbuckets);
		return -ENOMEM;
	}
	s->last_ts = HUB_TS_NONE;
	s->ctx.status = XS_IDLE;
	s->ctx.start_ts = s->ctx.end_ts = HUB_TS_NONE;
	return 0;
}

void
hub_state_fini(struct hub_state *s)
{
	if (!s->abuckets)
		return;
	clear_blocks(s);
	for (uint32_t i = 0; i < s->nhw; i++) {
		free(s->hw[i]->component.p);
		free(s->hw[i]->details);
		free(s->hw[i]);
	}
	str_free(&s->ctx.session);
	str_free(&s->ctx.program_id);
	str_free(&s->ctx.program_name);
	free(s->abuckets);
	free(s->recent);
	free(s->hw);
	free(s->hbuckets);
	memset(s, 0, sizeof(*s));
}

/* ---- applying events --------------------------------------------------- */

static void
apply_started(struct hub_state *s, const struct hub_ev *ev, int64_t ts)
{
	clear_blocks(s);
	(void)str_set(&s->ctx.session, ev->f[F_ES_SESSION].p,
		      ev->f[F_ES_SESSION].len);
	(void)str_set(&s->ctx.program_id, ev->f[F_ES_PROGRAM_ID].p,
		      ev->f[F_ES_PROGRAM_ID].len);
	(void)str_set_text(s, &s->ctx.program_name, &ev->f[F_ES_PROGRAM_NAME]);
	s->ctx.status = XS_RUNNING;
	s->ctx.start_ts = ts;
	s->ctx.end_ts = HUB_TS_NONE;
	s->ctx.started = s->ctx.completed = s->ctx.failed = 0;
}

static void
apply_block_started(struct hub_state *s, const struct hub_ev *ev, int64_t ts)
{
	const struct mp_span *id = &ev->f[F_BS_ID];
	uint32_t h = fh_fnv1a(id->p, id->len);
	struct hub_block *old = active_find(s, id->p, id->len, h), *b;

	s->ctx.started++;
	if (old) {
		s->st.dup_start++;
		active_remove(s, old);
		block_free(old);
	} else if (s->nactive >= s->lim.max_active) {
		s->st.active_full++;
		return;
	}
	b = block_new(s, id, &ev->f[F_BS_TYPE], &ev->f[F_BS_NAME],
		      &ev->f[F_BS_TEXT]);
	if (!b) {
		s->st.active_full++;
		return;
	}
	b->start_ts = ts;
	active_insert(s, b);
}

static void
apply_block_executed(struct hub_state *s, const struct hub_ev *ev, int64_t ts,
		     struct hub_fx *fx)
{
	const struct mp_span *id = &ev->f[F_BE_ID];
	const struct mp_span *res = &ev->f[F_BE_RESULT];
	uint32_t h = fh_fnv1a(id->p, id->len);
	struct hub_block *b = active_find(s, id->p, id->len, h);

	if (ev->status == BS_COMPLETED)
		s->ctx.completed++;
	else if (ev->status == BS_FAILED)
		s->ctx.failed++;
	if (b) {
		active_remove(s, b);
	} else {
		s->st.unknown_block++;
		if (!(b = block_new(s, id, NULL, NULL, NULL)))
			return;
	}
	b->status = ev->status;
	b->end_ts = ts;
	if (res->p && res->len > HUB_RESULT_MAX) {
		s->st.oversize++;
		res = NULL;
	}
	(void)blob_set(&b->result, &b->result_len, res);
	(void)str_set_text(s, &b->error, &ev->f[F_BE_ERROR]);
	recent_push(s, b);
	fx->block = b;
}

static void
apply_hardware(struct hub_state *s, const struct hub_ev *ev, int64_t ts)
{
	const struct mp_span *det = &ev->f[F_HW_DETAILS];
	struct hub_hw *w = hw_get(s, ev->f[F_HW_COMPONENT].p,
				  ev->f[F_HW_COMPONENT].len);

	if (!w) {
		s->st.hw_full++;
		return;
	}
	w->status = ev->status;
	w->ts = ts;
	if (det->p && det->len > HUB_DETAILS_MAX) {
		s->st.oversize++;
		det = NULL;
	}
	(void)blob_set(&w->details, &w->details_len, det);
}

static void
apply_finished(struct hub_state *s, const struct hub_ev *ev, int64_t ts)
{
	struct hub_block *b;

	while ((b = s->ahead)) {
		active_remove(s, b);
		b->status = BS_CANCELLED;
		b->end_ts = ts;
		recent_push(s, b);
	}
	s->ctx.status = ev->status;
	s->ctx.end_ts = ts;
}

void
hub_state_apply(struct hub_state *s, const struct hub_ev *ev, uint64_t seq,
		struct hub_fx *fx)
{
	int64_t ts = ev->has_ts ? ev->ts : s->last_ts;

	s->last_ts = ts;
	s->seq = seq;
	fx->ts = ts;
	fx->block = NULL;
	switch (ev->kind) {
	case FH_EV_EXECUTION_STARTED:
		apply_started(s, ev, ts);
		break;
	case FH_EV_BLOCK_STARTED:
		apply_block_started(s, ev, ts);
		break;
	case FH_EV_BLOCK_EXECUTED:
		apply_block_executed(s, ev, ts, fx);
		break;
	case FH_EV_HARDWARE_HEALTH:
		apply_hardware(s, ev, ts);
		break;
	case FH_EV_EXECUTION_FINISHED:
		apply_finished(s, ev, ts);
		break;
	default: /* logs do not change the state */
		break;
	}
}

void
hub_state_skip(struct hub_state *s, uint64_t seq)
{
	s->seq = seq;
}

/* ---- client view ------------------------------------------------------- */

static void
pack_str(struct mpbuf *pk, const struct hub_str *s)
{
	pack_strn(pk, s->p, s->len);
}

static void
pack_block(struct mpbuf *pk, const struct hub_block *b)
{
	mpb_map(pk, 8);
	pack_cstr(pk, "blockId");
	pack_str(pk, &b->id);
	pack_cstr(pk, "blockType");
	pack_str(pk, &b->type);
	pack_cstr(pk, "blockName");
	pack_str(pk, &b->name);
	pack_cstr(pk, "displayText");
	pack_str(pk, &b->text);
	pack_cstr(pk, "status");
	pack_cstr(pk, hub_bstatus_names[b->status]);
	pack_cstr(pk, "timing");
	mpb_map(pk, 3);
	pack_cstr(pk, "startTime");
	pack_time(pk, b->start_ts);
	pack_cstr(pk, "endTime");
	pack_time(pk, b->end_ts);
	pack_cstr(pk, "durationMs");
	if (b->start_ts != HUB_TS_NONE && b->end_ts != HUB_TS_NONE)
		mpb_int64(pk, b->end_ts - b->start_ts);
	else
		mpb_nil(pk);
	pack_cstr(pk, "result");
	pack_raw(pk, b->result, b->result_len, 0);
	pack_cstr(pk, "error");
	pack_str(pk, &b->error);
}

void
hub_state_pack_run(const struct hub_state *s, struct mpbuf *pk)
{
	pack_cstr(pk, "startTime");
	pack_time(pk, s->ctx.start_ts);
	pack_cstr(pk, "endTime");
	pack_time(pk, s->ctx.end_ts);
	pack_cstr(pk, "blocksStarted");
	mpb_uint64(pk, s->ctx.started);
	pack_cstr(pk, "blocksCompleted");
	mpb_uint64(pk, s->ctx.completed);
	pack_cstr(pk, "blocksFailed");
	mpb_uint64(pk, s->ctx.failed);
}

void
hub_state_pack(const struct hub_state *s, struct mpbuf *pk)
{
	mpb_map(pk, 5);
	pack_cstr(pk, "seq");
	mpb_uint64(pk, s->seq);
	pack_cstr(pk, "active");
	mpb_array(pk, s->nactive);
	for (const struct hub_block *b = s->ahead; b; b = b->next)
		pack_block(pk, b);
	pack_cstr(pk, "recent");
	mpb_array(pk, s->nrecent);
	for (uint32_t i = 0; i < s->nrecent; i++)
		pack_block(pk, recent_at(s, i));
	pack_cstr(pk, "executionContext");
	mpb_map(pk, 9);
	pack_cstr(pk, "sessionId");
	pack_str(pk, &s->ctx.session);
	pack_cstr(pk, "programId");
	pack_str(pk, &s->ctx.program_id);
	pack_cstr(pk, "programName");
	pack_str(pk, &s->ctx.program_name);
	pack_cstr(pk, "status");
	pack_cstr(pk, hub_xstatus_names[s->ctx.status]);
	hub_state_pack_run(s, pk);
	pack_cstr(pk, "hardware");
	mpb_map(pk, s->nhw);
	for (uint32_t i = 0; i < s->nhw; i++) {
		const struct hub_hw *w = s->hw[i];
		pack_str(pk, &w->component);
		mpb_map(pk, 3);
		pack_cstr(pk, "status");
		pack_cstr(pk, hub_hwstatus_names[w->status]);
		pack_cstr(pk, "details");
		pack_raw(pk, w->details, w->details_len, 1);
		pack_cstr(pk, "timestamp");
		pack_time(pk, w->ts);
	}
}

/* ---- checkpoint form ----------------------------------------------------
 * [seq, last_ts, ctx, active, recent, hw, stats]
 *   ctx    = [session, program_id, program_name, status, start, end,
 *             started, completed, failed]
 *   block  = [id, type, name, text, status, start, end, result_bin, error]
 *   hw     = [component, status, ts, details_bin]
 * Times are integers (HUB_TS_NONE as nil); stored objects travel as bin
 * so that restoring them needs no re-validation of their inner shape.
 */

static void
save_time(struct mpbuf *pk, int64_t ts)
{
	if (ts == HUB_TS_NONE)
		mpb_nil(pk);
	else
		mpb_int64(pk, ts);
}

static void
save_bin(struct mpbuf *pk, const void *p, uint32_t len)
{
	if (!p) {
		mpb_nil(pk);
		return;
	}
	mpb_bin(pk, len);
	mpb_bin_body(pk, p, len);
}

static void
save_block(struct mpbuf *pk, const struct hub_block *b)
{
	mpb_array(pk, 9);
	pack_str(pk, &b->id);
	pack_str(pk, &b->type);
	pack_str(pk, &b->name);
	pack_str(pk, &b->text);
	mpb_int(pk, b->status);
	save_time(pk, b->start_ts);
	save_time(pk, b->end_ts);
	save_bin(pk, b->result, b->result_len);
	pack_str(pk, &b->error);
}

void
hub_state_save(const struct hub_state *s, struct mpbuf *pk)
{
	mpb_array(pk, 7);
	mpb_uint64(pk, s->seq);
	save_time(pk, s->last_ts);
	mpb_array(pk, 9);
	pack_str(pk, &s->ctx.session);
	pack_str(pk, &s->ctx.program_id);
	pack_str(pk, &s->ctx.program_name);
	mpb_int(pk, s->ctx.status);
	save_time(pk, s->ctx.start_ts);
	save_time(pk, s->ctx.end_ts);
	mpb_uint64(pk, s->ctx.started);
	mpb_uint64(pk, s->ctx.completed);
	mpb_uint64(pk, s->ctx.failed);
	mpb_array(pk, s->nactive);
	for (const struct hub_block *b = s->ahead; b; b = b->next)
		save_block(pk, b);
	/* oldest first, so that restoring pushes in the original order */
	mpb_array(pk, s->nrecent);
	for (uint32_t i = s->nrecent; i-- > 0;)
		save_block(pk, recent_at(s, i));
	mpb_array(pk, s->nhw);
	for (uint32_t i = 0; i < s->nhw; i++) {
		const struct hub_hw *w = s->hw[i];
		mpb_array(pk, 4);
		pack_str(pk, &w->component);
		mpb_int(pk, w->status);
		save_time(pk, w->ts);
		save_bin(pk, w->details, w->details_len);
	}
	mpb_array(pk, 6);
	mpb_uint64(pk, s->st.unknown_block);
	mpb_uint64(pk, s->st.dup_start);
	mpb_uint64(pk, s->st.active_full);
	mpb_uint64(pk, s->st.hw_full);
	mpb_uint64(pk, s->st.truncated);
	mpb_uint64(pk, s->st.oversize);
}

/* Optional string: nil -> absent. */
static int
load_str(struct mp_cur *c, struct mp_span *sp, uint32_t max)
{
	if (mp_peek(c) == MP_NIL) {
		sp->p = NULL;
		sp->len = 0;
		return mp_read_nil(c);
	}
	if (mp_read_str(c, sp) < 0 || sp->len > max)
		return -1;
	return 0;
}

static int
load_time(struct mp_cur *c, int64_t *ts)
{
	if (mp_peek(c) == MP_NIL) {
		*ts = HUB_TS_NONE;
		return mp_read_nil(c);
	}
	if (mp_read_int(c, ts) < 0 || *ts < HUB_TS_MIN || *ts > HUB_TS_MAX)
		return -1;
	return 0;
}

static int
load_enum(struct mp_cur *c, int *v, int max)
{
	int64_t x;

	if (mp_read_int(c, &x) < 0 || x < 0 || x > max)
		return -1;
	*v = (int)x;
	return 0;
}

/* A bin holding one complete msgpack value (of kind WANT, or any if -1). */
static int
load_obj(struct mp_cur *c, struct mp_span *sp, uint32_t max, int want)
{
	struct mp_span whole;
	struct mp_cur in;
	const uint8_t *p = c->p;

	sp->p = NULL;
	sp->len = 0;
	if (mp_peek(c) == MP_NIL)
		return mp_read_nil(c);
	if (mp_peek(c) != MP_BIN || mp_skip(c, &whole) < 0)
		return -1;
	/* header is 2, 3 or 5 bytes for bin8/16/32 */
	size_t hdr = p[0] == 0xc4 ? 2 : p[0] == 0xc5 ? 3 : 5;
	sp->p = whole.p + hdr;
	sp->len = whole.len - (uint32_t)hdr;
	if (sp->len > max)
		return -1;
	mp_cur_init(&in, sp->p, sp->len);
	if ((want >= 0 && mp_peek(&in) != want) || mp_skip(&in, NULL) < 0 ||
	    !mp_cur_done(&in))
		return -1;
	return 0;
}

static struct hub_block *
load_block(struct hub_state *s, struct mp_cur *c, bool active)
{
	struct mp_span id, type, name, text, res, err;
	uint32_t n;
	int status;
	int64_t st, et;
	struct hub_block *b;

	if (mp_read_array(c, &n) < 0 || n != 9 ||
	    load_str(c, &id, HUB_ID_MAX) < 0 || !id.p ||
	    load_str(c, &type, HUB_ID_MAX) < 0 ||
	    load_str(c, &name, HUB_TEXT_MAX) < 0 ||
	    load_str(c, &text, HUB_TEXT_MAX) < 0 ||
	    load_enum(c, &status, BS_CANCELLED) < 0 || load_time(c, &st) < 0 ||
	    load_time(c, &et) < 0 ||
	    load_obj(c, &res, HUB_RESULT_MAX, -1) < 0 ||
	    load_str(c, &err, HUB_TEXT_MAX) < 0)
		return NULL;
	if (active != (status == BS_RUNNING))
		return NULL;
	if (!(b = block_new(s, &id, &type, &name, &text)))
		return NULL;
	b->status = status;
	b->start_ts = st;
	b->end_ts = et;
	if (blob_set(&b->result, &b->result_len, &res) < 0 ||
	    str_set(&b->error, err.p, err.len) < 0) {
		block_free(b);
		return NULL;
	}
	return b;
}

static int
restore(struct hub_state *s, struct mp_cur *c)
{
	uint32_t n, k;
	struct mp_span a, b, d;
	uint64_t u[6];

	if (mp_read_array(c, &n) < 0 || n != 7 || mp_read_uint(c, &s->seq) < 0 ||
	    load_time(c, &s->last_ts) < 0)
		return -1;
	if (mp_read_array(c, &n) < 0 || n != 9 ||
	    load_str(c, &a, HUB_ID_MAX) < 0 ||
	    str_set(&s->ctx.session, a.p, a.len) < 0 ||
	    load_str(c, &a, HUB_ID_MAX) < 0 ||
	    str_set(&s->ctx.program_id, a.p, a.len) < 0 ||
	    load_str(c, &a, HUB_TEXT_MAX) < 0 ||
	    str_set(&s->ctx.program_name, a.p, a.len) < 0 ||
	    load_enum(c, &s->ctx.status, XS_STOPPED) < 0 ||
	    load_time(c, &s->ctx.start_ts) < 0 ||
	    load_time(c, &s->ctx.end_ts) < 0 ||
	    mp_read_uint(c, &s->ctx.started) < 0 ||
	    mp_read_uint(c, &s->ctx.completed) < 0 ||
	    mp_read_uint(c, &s->ctx.failed) < 0)
		return -1;
	if (mp_read_array(c, &n) < 0 || n > s->lim.max_active)
		return -1;
	for (k = 0; k < n; k++) {
		struct hub_block *bl = load_block(s, c, true);
		if (!bl)
			return -1;
		if (active_find(s, bl->id.p, bl->id.len, bl->hash)) {
			block_free(bl);
			return -1;
		}
		active_insert(s, bl);
	}
	if (mp_read_array(c, &n) < 0)
		return -1;
	for (k = 0; k < n; k++) {
		struct hub_block *bl = load_block(s, c, false);
		if (!bl)
			return -1;
		recent_push(s, bl); /* a shorter --recent keeps the newest */
	}
	if (mp_read_array(c, &n) < 0 || n > s->lim.max_hw)
		return -1;
	for (k = 0; k < n; k++) {
		uint32_t m;
		int status;
		int64_t ts;
		struct hub_hw *w;

		if (mp_read_array(c, &m) < 0 || m != 4 ||
		    load_str(c, &b, HUB_ID_MAX) < 0 || !b.p ||
		    load_enum(c, &status, HW_OFFLINE) < 0 ||
		    load_time(c, &ts) < 0 ||
		    load_obj(c, &d, HUB_DETAILS_MAX, MP_MAP) < 0)
			return -1;
		if (hw_find(s, b.p, b.len, fh_fnv1a(b.p, b.len)))
			return -1;
		if (!(w = hw_get(s, b.p, b.len)))
			return -1;
		w->status = status;
		w->ts = ts;
		if (blob_set(&w->details, &w->details_len, &d) < 0)
			return -1;
	}
	if (mp_read_array(c, &n) < 0 || n != 6)
		return -1;
	for (k = 0; k < 6; k++)
		if (mp_read_uint(c, &u[k]) < 0)
			return -1;
	s->st.unknown_block = u[0];
	s->st.dup_start = u[1];
	s->st.active_full = u[2];
	s->st.hw_full = u[3];
	s->st.truncated = u[4];
	s->st.oversize = u[5];
	return mp_cur_done(c) ? 0 : -1;
}

int
hub_state_restore(struct hub_state *s, const void *buf, size_t len)
{
	struct hub_state_limits lim = s->lim;
	struct mp_cur c;

	mp_cur_init(&c, buf, len);
	if (restore(s, &c) == 0)
		return 0;
	hub_state_fini(s);
	if (hub_state_init(s, &lim) < 0)
		return -ENOMEM;
	return -EINVAL;
}
