/*
 * The event stream from the hub, on the service thread.
 *
 * Phases: DOWN (no hub: say hello every tick), SNAP (a state snapshot is
 * being fetched), REPAIR (missing events are being fetched with "since"),
 * LIVE (PUB messages are forwarded as they come).  Outside LIVE every PUB
 * message is buffered (bounded), and replayed through the same checks once
 * LIVE again: so on the first link we subscribe first, buffer, take the
 * state (seq S) and then apply only the buffered events with seq > S.  On
 * a later link (hub restarted, or the link came back) the edge asks for
 * the history since its fwd instead, so connected clients see the events
 * they missed rather than a new state; the filters are registered again
 * when the hub instance changed or the link was down long enough for the
 * hub to have dropped them, and the snapshot for new clients is refreshed
 * in the background as usual.
 *
 * REFILTER: the hub may have sequenced logs that our filters match
 * without publishing them, because it did not hold those filters (it
 * restarted, or dropped them when the edge was silent for
 * WIRE_EDGE_TIMEOUT_MS: frozen by SIGSTOP, or starved).  Such a loss shows
 * in no prev chain.  So nothing more is forwarded (PUB is buffered) until
 * every filter is registered again; only then is the history after fwd
 * read (REPAIR): it holds those logs, each checked against our filters
 * here, and everything sequenced after it is published for the filters
 * now in place.  Asking for the history before the filters were in place
 * would leave a window between the two.  The edge notices a freeze by
 * itself, before it forwards what arrived meanwhile: its tick runs every
 * 250 ms, and a gap of half the hub's timeout between two turns means it
 * did not run.
 *
 * "fwd" is the last seq forwarded to clients; every event with a smaller
 * seq has been forwarded or was a log that matched no filter of ours.
 * A PUB message says where each topic's stream was before it (prev_e,
 * prev_l, see common/wire.h).  It can be applied only when both are <= fwd
 * (prev_l only while the logs topic is subscribed and synchronised): a
 * larger value proves that a message was dropped on the way (NNG PUB drops
 * the oldest message for a lagging subscriber), and the edge fetches the
 * missing range with "since" before forwarding anything newer.  Events
 * with seq <= fwd are duplicates (from a replay or an overlapping history
 * reply) and are skipped, so clients never see a seq twice or out of
 * order.  If the hub no longer retains the range ("too_old"), or the hub
 * came back with a smaller seq than ours (its state was lost), the edge
 * takes a fresh snapshot and sends it to every client.
 *
 * The snapshot kept for new clients is refreshed in the background with
 * at most one request in flight; a snapshot that is ahead of fwd (the hub
 * is ahead of the PUB stream) waits until fwd catches up before it
 * replaces the current one, so that "snapshot + frames after it" never
 * has a hole.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <msgpack.h>

#include "edge.h"
#include "link.h"
#include "log.h"
#include "mpread.h"
#include "sync.h"
#include "wire.h"

#define TICK_US (250 * LWS_US_PER_MS)
#define BUF_MAX_MSGS 8192
#define BUF_MAX_BYTES (64u << 20)
#define REFRESH_MS 1000
#define DRAIN_BUDGET 256 /* events forwarded per service turn */
#define DRAIN_BUDGET_BYTES (128u << 10) /* and bytes: under a client queue */
#define INQ_MAX_BYTES (64u << 20)
#define SINCE_MAX 1024 /* per history request of the edge's own repair */
#define CSINCE_MAX 64  /* per history request for one resuming client */

enum phase { P_DOWN, P_SNAP, P_REFILTER, P_REPAIR, P_LIVE };
static const char *const phase_names[] = {"down", "snapshot", "refilter",
					   "repair", "live"};

struct edge_sync {
	struct edge *e;
	enum phase phase;
	int linked;
	int hello_inflight, hb_inflight, refresh_inflight;
	uint64_t gen;          /* bumped on every resync; stale replies ignored */
	uint64_t instance;
	int have_instance;
	uint64_t fwd;
	int have_stream;
	int logs_on, l_synced;
	/* Where topic L is complete since the edge subscribed to it: the
	 * prev_l of the first L message received (l_first), and the lowest
	 * head seq a filter confirmation reported before that (l_from):
	 * every L message carrying a log after it was published after the
	 * subscription, so a prev_l beyond it must have been received. */
	int l_from_known;
	uint64_t l_first, l_from;
	struct edge_in *bhead, *btail;
	size_t bn, bbytes;
	struct edge_frame *pending_snap;
	uint64_t last_refresh_ms, flowed;
	uint64_t last_hb_ms, down_since_ms, last_retry_ms;
	uint64_t last_hb_ok_ms; /* last heartbeat the hub answered */
	uint64_t last_run_ms;  /* last tick or drain: a freeze shows here */
	uint64_t behind_fwd;   /* fwd when the hub was last seen ahead */
	struct edge_in *ihead, *itail; /* taken from the link, not handled yet */
	size_t ibytes;
	uint64_t iq_dropped;
	/* a history reply being forwarded, a few envelopes per turn */
	nng_msg *rep_msg;
	struct edge_mpr rep_r;
	uint32_t rep_left;
	int rep_more;
	lws_sorted_usec_list_t sul;
};

uint64_t
edge_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- requests --------------------------------------------------------- */

static int
send_packed(struct edge *e, int kind, uint64_t cookie, msgpack_sbuffer *sb)
{
	int rc = edge_link_request(e->link, kind, cookie, sb->data, sb->size,
				   EDGE_RPC_TIMEOUT_MS);
	msgpack_sbuffer_destroy(sb);
	return rc;
}

static void
pack_str(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);

	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

int
edge_sync_request(struct edge *e, int kind, uint64_t cookie, const void *req,
		  size_t len)
{
	return edge_link_request(e->link, kind, cookie, req, len,
				 EDGE_RPC_TIMEOUT_MS);
}

static void
req_hello(struct edge_sync *s)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 2);
	pack_str(&pk, "hello");
	pack_str(&pk, s->e->conf.id);
	if (send_packed(s->e, EDGE_REQ_HELLO, s->gen, &sb) == 0)
		s->hello_inflight = 1;
}

static void
req_heartbeat(struct edge_sync *s)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 3);
	pack_str(&pk, "heartbeat");
	pack_str(&pk, s->e->conf.id);
	msgpack_pack_uint32(&pk, s->e->nclients);
	if (send_packed(s->e, EDGE_REQ_HEARTBEAT, s->gen, &sb) == 0)
		s->hb_inflight = 1;
	s->last_hb_ms = edge_now_ms();
}

static void
req_state(struct edge_sync *s, int background)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 1);
	pack_str(&pk, "state");
	if (send_packed(s->e, EDGE_REQ_STATE, (s->gen << 1) | (uint64_t)background,
			&sb) == 0 && background)
		s->refresh_inflight = 1;
}

static int
req_since(struct edge *e, int kind, uint64_t cookie, uint64_t since,
	  uint32_t max)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 3);
	pack_str(&pk, "since");
	msgpack_pack_uint64(&pk, since);
	msgpack_pack_uint32(&pk, max);
	return send_packed(e, kind, cookie, &sb);
}

int
edge_sync_request_since(struct edge *e, uint64_t serial, uint64_t since)
{
	return req_since(e, EDGE_REQ_CSINCE, serial, since, CSINCE_MAX);
}

/* ---- phases ----------------------------------------------------------- */

static void
set_phase(struct edge_sync *s, enum phase p)
{
	if (s->phase != p)
		log_debug("hub link: %s -> %s", phase_names[s->phase],
			  phase_names[p]);
	s->phase = p;
}

static void apply_buffered(struct edge_sync *s);

static void
link_lost(struct edge_sync *s, const char *why)
{
	if (s->linked)
		log_warnx("hub link lost (%s)", why);
	s->linked = 0;
	s->gen++;
	s->hb_inflight = s->refresh_inflight = 0;
	s->hello_inflight = 0;
	if (s->phase != P_DOWN)
		s->down_since_ms = edge_now_ms();
	set_phase(s, P_DOWN);
	edge_frame_unref(s->pending_snap);
	s->pending_snap = NULL;
	if (s->rep_msg)
		nng_msg_free(s->rep_msg);
	s->rep_msg = NULL;
	edge_filter_hub_lost(s->e);
}

/* Start over from the hub: the snapshot, or the history since fwd. */
static void
resync(struct edge_sync *s, uint64_t hub_last)
{
	s->gen++;
	s->e->m.hub_resyncs++;
	if (!s->have_stream || hub_last < s->fwd) {
		if (s->have_stream)
			log_warnx("hub seq %" PRIu64 " is behind ours (%" PRIu64
				  "): taking a fresh state",
				  hub_last, s->fwd);
		set_phase(s, P_SNAP);
		req_state(s, 0);
	} else if (edge_filter_adding(s->e)) {
		/* filters being registered again: the history after them */
		set_phase(s, P_REFILTER);
	} else if (hub_last == s->fwd) {
		set_phase(s, P_LIVE);
		apply_buffered(s);
	} else {
		set_phase(s, P_REPAIR);
		req_since(s->e, EDGE_REQ_SINCE, s->gen, s->fwd, SINCE_MAX);
	}
}

/* Our log filters may be gone from the hub (see REFILTER above): hold
 * the stream, register them again, then repair from fwd.  An edge with no
 * filter can have missed no log, and one without a stream yet takes a
 * snapshot that covers what came before anyway. */
static void
refilter(struct edge_sync *s, const char *why, uint64_t ms)
{
	log_info("%s for %" PRIu64 " ms: registering the log filters again "
		 "and reading the history after seq %" PRIu64,
		 why, ms, s->fwd);
	edge_filter_reregister(s->e);
	if (!s->linked || !s->have_stream || s->phase == P_SNAP ||
	    !edge_filter_adding(s->e))
		return;
	s->gen++; /* answers to the requests of before are stale now */
	if (s->rep_msg)
		nng_msg_free(s->rep_msg);
	s->rep_msg = NULL;
	set_phase(s, P_REFILTER);
}

void
edge_sync_filters_settled(struct edge *e)
{
	struct edge_sync *s = e->sync;

	if (s == NULL || s->phase != P_REFILTER || edge_filter_adding(e))
		return;
	set_phase(s, P_REPAIR);
	req_since(e, EDGE_REQ_SINCE, s->gen, s->fwd, SINCE_MAX);
}

/* Called at every turn of the tick and the drain, before anything that
 * arrived is forwarded. */
static void
check_frozen(struct edge_sync *s, uint64_t now)
{
	uint64_t gap = s->last_run_ms ? now - s->last_run_ms : 0;

	s->last_run_ms = now;
	if (gap >= WIRE_EDGE_TIMEOUT_MS / 2 && s->linked) {
		refilter(s, "the edge did not run", gap);
		/* handled: the first heartbeat after it is no news */
		s->last_hb_ok_ms = now;
	}
}

/* ---- forwarding ------------------------------------------------------- */

static void
maybe_install_pending(struct edge_sync *s)
{
	if (s->pending_snap && s->fwd >= s->pending_snap->seq) {
		edge_recent_set_snapshot(&s->e->recent, s->pending_snap);
		edge_frame_unref(s->pending_snap);
		s->pending_snap = NULL;
	}
}

/* One envelope [seq, type, data, ids]: forward it if new.  Returns 0 or
 * -EBADMSG. */
static int
forward_envelope(struct edge_sync *s, struct edge_mpr *r)
{
	struct edge *e = s->e;
	struct edge_env env;
	struct edge_frame *f;

	if (edge_env_read(r, &env) != 0)
		return -EBADMSG;
	if (env.seq <= s->fwd)
		return 0; /* already forwarded */
	s->fwd = env.seq;
	e->m.hub_events++;
	s->flowed++;
	if (env.type_idx == EDGE_T_LOG_ENTRY) {
		struct edge_logattr a;

		if (edge_env_logattr(&env, &a) != 0 ||
		    !edge_filter_wants(e, a.level, a.tag, a.taglen, a.module,
				       a.modlen))
			return 0; /* a log nobody here asked for */
	}
	if (edge_frame_env(&f, &env, WIRE_MAX_MSG * 2) != 0) {
		e->m.bad_hub_msgs++;
		return 0;
	}
	e->m.hub_bytes += f->len;
	edge_recent_add(&e->recent, f);
	edge_client_broadcast(e, f);
	edge_frame_unref(f);
	maybe_install_pending(s);
	if (edge_recent_wants_refresh(&e->recent) && !s->refresh_inflight &&
	    s->linked)
		req_state(s, 1);
	return 0;
}

/* Parse the header of a PUB message.  Returns 0 and leaves R at the first
 * envelope with *n of them, or -EBADMSG. */
static int
parse_pub(struct edge_in *in, char *topic, uint64_t *pe, uint64_t *pl,
	  uint32_t *n, struct edge_mpr *r)
{
	const uint8_t *b = nng_msg_body(in->msg);
	size_t len = nng_msg_len(in->msg);
	uint32_t k;

	if (len < 2)
		return -EBADMSG;
	*topic = (char)b[0];
	edge_mpr_init(r, b + 1, len - 1);
	if (edge_mpr_array(r, &k) != 0 || k < 3 || edge_mpr_uint(r, pe) != 0 ||
	    edge_mpr_uint(r, pl) != 0 || edge_mpr_array(r, n) != 0)
		return -EBADMSG;
	return 0;
}

static void buffer_msg(struct edge_sync *s, struct edge_in *in);

/* Apply one PUB message in LIVE.  Returns 1 when it was consumed, 0 when a
 * gap was found (the message is kept, a repair started). */
static int
apply_pub(struct edge_sync *s, struct edge_in *in)
{
	struct edge_mpr r;
	uint64_t pe, pl, need;
	uint32_t n, i;
	char topic;

	if (parse_pub(in, &topic, &pe, &pl, &n, &r) != 0) {
		s->e->m.bad_hub_msgs++;
		return 1;
	}
	if (log_enabled(LOG_LVL_DEBUG))
		log_debug("hub message %c prev_e %" PRIu64 " prev_l %" PRIu64
			  " events %u (fwd %" PRIu64 ")",
			  topic, pe, pl, n, s->fwd);
	need = pe;
	if (s->logs_on && pl > need &&
	    (s->l_synced || (s->l_from_known && pl > s->l_from)))
		need = pl;
	if (need > s->fwd) {
		s->e->m.hub_gaps++;
		log_info("hub stream gap after seq %" PRIu64
			 " (message follows %" PRIu64 "): fetching history",
			 s->fwd, need);
		set_phase(s, P_REPAIR);
		req_since(s->e, EDGE_REQ_SINCE, s->gen, s->fwd, SINCE_MAX);
		return 0;
	}
	if (topic == WIRE_TOPIC_LOGS && s->logs_on && !s->l_synced) {
		s->l_synced = 1;
		s->l_first = pl;
	}
	for (i = 0; i < n; i++)
		if (forward_envelope(s, &r) != 0) {
			s->e->m.bad_hub_msgs++;
			break;
		}
	return 1;
}

static void
buffer_msg(struct edge_sync *s, struct edge_in *in)
{
	size_t len = nng_msg_len(in->msg);

	if (s->bn >= BUF_MAX_MSGS || s->bbytes + len > BUF_MAX_BYTES) {
		/* Forget the buffer: the next message's prev chain shows the
		 * hole and the history request fills it. */
		struct edge_in *b = s->bhead;
		while (b) {
			struct edge_in *nx = b->next;
			edge_link_in_free(b);
			b = nx;
		}
		s->bhead = s->btail = NULL;
		s->bn = s->bbytes = 0;
		s->e->m.inbox_dropped++;
	}
	in->next = NULL;
	if (s->btail)
		s->btail->next = in;
	else
		s->bhead = in;
	s->btail = in;
	s->bn++;
	s->bbytes += len;
}

/* Back to LIVE: the buffered messages go back to the front of the
 * input queue, where the drain loop applies them under its budget (and
 * with the same checks as fresh ones). */
static void
apply_buffered(struct edge_sync *s)
{
	if (s->phase != P_LIVE || s->bhead == NULL)
		return;
	s->btail->next = s->ihead;
	if (s->ihead == NULL)
		s->itail = s->btail;
	s->ihead = s->bhead;
	s->ibytes += s->bbytes;
	s->bhead = s->btail = NULL;
	s->bn = s->bbytes = 0;
	lws_cancel_service(s->e->ctx);
}

/* ---- replies ---------------------------------------------------------- */

/* Check ["ok", ...] and leave R after "ok" with *n elements left. */
static int
reply_head(struct edge_in *in, struct edge_mpr *r, uint32_t *n, int *too_old)
{
	uint32_t k;
	int eq;

	if (too_old)
		*too_old = 0;
	if (in->msg == NULL)
		return -ETIMEDOUT;
	edge_mpr_init(r, nng_msg_body(in->msg), nng_msg_len(in->msg));
	if (edge_mpr_array(r, &k) != 0 || k < 1)
		return -EBADMSG;
	eq = edge_mpr_str_eq(r, "ok");
	if (eq < 0)
		return -EBADMSG;
	if (!eq) {
		r->p = (const uint8_t *)nng_msg_body(in->msg);
		edge_mpr_array(r, &k);
		if (too_old && edge_mpr_str_eq(r, "too_old") == 1) {
			*too_old = 1;
			return -ERANGE;
		}
		return -EPROTO;
	}
	*n = k - 1;
	return 0;
}

static void
on_hello(struct edge_sync *s, struct edge_in *in)
{
	struct edge_mpr r;
	uint32_t n;
	uint64_t inst, last;
	int was_down_long;

	s->hello_inflight = 0;
	if (in->cookie != s->gen || s->phase != P_DOWN)
		return;
	if (reply_head(in, &r, &n, NULL) != 0 || n < 2 ||
	    edge_mpr_uint(&r, &inst) != 0 || edge_mpr_uint(&r, &last) != 0)
		return; /* retried at the next tick */
	was_down_long = s->down_since_ms &&
			edge_now_ms() - s->down_since_ms >= WIRE_EDGE_TIMEOUT_MS / 2;
	log_info("linked to hub (instance %" PRIx64 ", seq %" PRIu64 ")", inst,
		 last);
	s->linked = 1;
	s->last_hb_ms = s->last_hb_ok_ms = edge_now_ms();
	if (!s->have_instance || inst != s->instance || was_down_long) {
		s->instance = inst;
		s->have_instance = 1;
		edge_filter_reregister(s->e);
	} else {
		/* whatever a lost link left unregistered goes now, so that
		 * resync waits for it */
		edge_filter_retry(s->e);
	}
	resync(s, last);
}

static void
on_heartbeat(struct edge_sync *s, struct edge_in *in)
{
	struct edge_mpr r;
	uint32_t n;
	uint64_t inst, last;

	s->hb_inflight = 0;
	if (in->cookie != s->gen || !s->linked)
		return;
	if (reply_head(in, &r, &n, NULL) != 0 || n < 2 ||
	    edge_mpr_uint(&r, &inst) != 0 || edge_mpr_uint(&r, &last) != 0) {
		link_lost(s, in->msg ? "bad heartbeat reply" : "no heartbeat reply");
		return;
	}
	if (inst != s->instance) {
		log_info("hub restarted (instance %" PRIx64 ")", inst);
		s->instance = inst;
		s->last_hb_ok_ms = edge_now_ms();
		edge_filter_reregister(s->e);
		resync(s, last);
		return;
	}
	if (edge_now_ms() - s->last_hb_ok_ms >= WIRE_EDGE_TIMEOUT_MS / 2) {
		/* Silent for long enough (the edge was stopped, say) that the
		 * hub may have dropped our filters: register them again, so
		 * that the hub publishes their logs and resuming clients learn
		 * from where the stream holds them again. */
		uint64_t quiet = edge_now_ms() - s->last_hb_ok_ms;

		s->last_hb_ok_ms = edge_now_ms();
		refilter(s, "no heartbeat answered", quiet);
		return;
	}
	s->last_hb_ok_ms = edge_now_ms();
	if (s->phase == P_LIVE && last > s->fwd) {
		/* The hub is ahead.  Usually a message is in flight, or the
		 * rest were logs that matched none of our filters; but if the
		 * last PUB message was dropped no later one will reveal it.
		 * Ahead at two heartbeats in a row with nothing forwarded in
		 * between: ask for the history (cheap when it is only logs). */
		if (s->behind_fwd == s->fwd) {
			s->e->m.hub_gaps++;
			set_phase(s, P_REPAIR);
			req_since(s->e, EDGE_REQ_SINCE, s->gen, s->fwd, SINCE_MAX);
			s->behind_fwd = UINT64_MAX;
		} else {
			s->behind_fwd = s->fwd;
		}
	} else {
		s->behind_fwd = UINT64_MAX;
	}
}

static void
on_state(struct edge_sync *s, struct edge_in *in)
{
	struct edge *e = s->e;
	int background = (int)(in->cookie & 1);
	struct edge_mpr r;
	struct edge_frame *f;
	uint32_t n;
	uint64_t seq;
	int restart;

	if (background)
		s->refresh_inflight = 0;
	if ((in->cookie >> 1) != s->gen)
		return;
	if (!background && s->phase != P_SNAP)
		return;
	if (reply_head(in, &r, &n, NULL) != 0 || n < 2 ||
	    edge_mpr_uint(&r, &seq) != 0 ||
	    edge_frame_state(&f, seq, &r, WIRE_MAX_MSG * 2) != 0) {
		if (!background)
			link_lost(s, in->msg ? "bad state reply" : "no state reply");
		return;
	}
	s->last_refresh_ms = edge_now_ms();
	s->flowed = 0;
	if (background) {
		if (e->recent.snap && seq < e->recent.snap->seq) {
			edge_frame_unref(f);
			return;
		}
		edge_frame_unref(s->pending_snap);
		s->pending_snap = f;
		maybe_install_pending(s);
		return;
	}
	/* A fresh start: every client gets this state, then what follows. */
	restart = s->have_stream && seq < s->fwd;
	edge_recent_reset(&e->recent);
	edge_recent_set_snapshot(&e->recent, f);
	s->fwd = seq;
	s->have_stream = 1;
	edge_client_broadcast_state(e, f, restart);
	edge_frame_unref(f);
	set_phase(s, P_LIVE);
	apply_buffered(s);
}

static void
on_since(struct edge_sync *s, struct edge_in *in)
{
	struct edge_mpr r;
	uint32_t n, k, i;
	int too_old, more = 0;
	struct edge_mpv v;

	if (in->cookie != s->gen || s->phase != P_REPAIR)
		return;
	if (reply_head(in, &r, &n, &too_old) != 0) {
		if (too_old) {
			log_warnx("hub no longer has events after seq %" PRIu64
				  ": sending clients a fresh state",
				  s->fwd);
			s->gen++;
			set_phase(s, P_SNAP);
			req_state(s, 0);
		} else {
			link_lost(s, in->msg ? "bad history reply" : "no history reply");
		}
		return;
	}
	if (n < 1 || edge_mpr_array(&r, &k) != 0) {
		link_lost(s, "bad history reply");
		return;
	}
	/* Check the whole reply first, then forward it under the drain
	 * budget (repair_step): a reply can hold more than client queues
	 * take in one turn. */
	{
		struct edge_mpr chk = r;
		for (i = 0; i < k; i++)
			if (edge_mpr_skip(&chk) != 0) {
				link_lost(s, "bad envelope in history");
				return;
			}
		if (n >= 2 && edge_mpr_next(&chk, &v) == 0 &&
		    v.type == EDGE_MPT_BOOL)
			more = v.b;
	}
	s->rep_msg = in->msg;
	in->msg = NULL;
	s->rep_r = r;
	s->rep_left = k;
	s->rep_more = more && k > 0;
}

/* Forward one envelope of the history reply being repaired from, or
 * finish it: ask for more, or go LIVE and replay what was buffered. */
static void
repair_step(struct edge_sync *s)
{
	if (s->rep_left > 0) {
		s->rep_left--;
		if (forward_envelope(s, &s->rep_r) != 0)
			link_lost(s, "bad envelope in history");
		return;
	}
	nng_msg_free(s->rep_msg);
	s->rep_msg = NULL;
	if (s->rep_more) {
		req_since(s->e, EDGE_REQ_SINCE, s->gen, s->fwd, SINCE_MAX);
		return;
	}
	set_phase(s, P_LIVE);
	apply_buffered(s);
}

static void
on_reply(struct edge_sync *s, struct edge_in *in)
{
	struct edge *e = s->e;

	switch (in->req_kind) {
	case EDGE_REQ_HELLO:
		on_hello(s, in);
		break;
	case EDGE_REQ_HEARTBEAT:
		on_heartbeat(s, in);
		break;
	case EDGE_REQ_STATE:
		on_state(s, in);
		break;
	case EDGE_REQ_SINCE:
		on_since(s, in);
		break;
	case EDGE_REQ_CSINCE:
		edge_client_resume_reply(e, in->cookie,
					 in->msg ? nng_msg_body(in->msg) : NULL,
					 in->msg ? nng_msg_len(in->msg) : 0,
					 in->msg == NULL);
		break;
	case EDGE_REQ_FILTER_ADD:
	case EDGE_REQ_FILTER_DEL:
		edge_filter_reply(e, in->cookie, in->req_kind == EDGE_REQ_FILTER_ADD,
				  in->msg ? nng_msg_body(in->msg) : NULL,
				  in->msg ? nng_msg_len(in->msg) : 0,
				  in->msg == NULL);
		break;
	case EDGE_REQ_HW:
		if (in->msg == NULL)
			log_warnx("hub did not take a hardware update");
		break;
	}
}

/* ---- service-thread entry points -------------------------------------- */

void
edge_sync_drain(struct edge *e)
{
	struct edge_sync *s = e->sync;
	struct edge_in *in, *next, *taken;
	uint64_t start, start_bytes;

	if (s == NULL)
		return;
	check_frozen(s, edge_now_ms());
	for (taken = edge_link_take(e->link); taken != NULL; taken = next) {
		next = taken->next;
		taken->next = NULL;
		if (taken->kind == EDGE_IN_EVENTS) {
			size_t len = nng_msg_len(taken->msg);
			/* Bounded like the link's own inbox: what does not fit
			 * is dropped, and the prev chain makes the repair fetch
			 * it from the hub's history later. */
			if (s->ibytes + len > INQ_MAX_BYTES) {
				s->iq_dropped++;
				edge_link_in_free(taken);
				continue;
			}
			s->ibytes += len;
		}
		if (s->itail)
			s->itail->next = taken;
		else
			s->ihead = taken;
		s->itail = taken;
	}
	/* A budget per turn: forwarding everything NNG delivered at once
	 * would fill every client queue before the loop gets to write any of
	 * it, and close healthy clients as slow.  What is left waits for the
	 * next turn, after the writes. */
	start = e->m.hub_events;
	start_bytes = e->m.hub_bytes;
	e->defer_writes = 1;
	/* Always take the head: handling a reply may put buffered messages
	 * back in front (apply_buffered). */
	for (;;) {
		if (e->m.hub_events - start >= DRAIN_BUDGET ||
		    e->m.hub_bytes - start_bytes >= DRAIN_BUDGET_BYTES) {
			lws_cancel_service(e->ctx);
			break;
		}
		if (s->rep_msg) {
			repair_step(s);
			continue;
		}
		if ((in = s->ihead) == NULL)
			break;
		s->ihead = in->next;
		if (s->ihead == NULL)
			s->itail = NULL;
		in->next = NULL;
		if (in->kind == EDGE_IN_EVENTS)
			s->ibytes -= nng_msg_len(in->msg);
		switch (in->kind) {
		case EDGE_IN_EVENTS:
			if (s->phase != P_LIVE || s->bhead != NULL) {
				buffer_msg(s, in);
				continue;
			}
			if (!apply_pub(s, in)) {
				buffer_msg(s, in);
				continue;
			}
			break;
		case EDGE_IN_REPLY:
			on_reply(s, in);
			break;
		case EDGE_IN_PIPE:
			if (!in->up && s->phase != P_DOWN)
				link_lost(s, "events connection closed");
			break;
		}
		edge_link_in_free(in);
	}
	e->defer_writes = 0;
	if (e->m.hub_events != start)
		edge_client_flush(e);
	e->m.inbox_dropped = edge_link_dropped(e->link) + s->iq_dropped;
}

static void
tick(lws_sorted_usec_list_t *sul)
{
	struct edge_sync *s = lws_container_of(sul, struct edge_sync, sul);
	uint64_t now = edge_now_ms();

	check_frozen(s, now);
	if (s->phase == P_DOWN && !s->hello_inflight)
		req_hello(s);
	if (s->linked && !s->hb_inflight &&
	    now - s->last_hb_ms >= WIRE_HEARTBEAT_MS)
		req_heartbeat(s);
	if (s->linked && now - s->last_retry_ms >= 1000) {
		s->last_retry_ms = now;
		edge_filter_retry(s->e);
	}
	if (s->linked && s->phase == P_LIVE && !s->refresh_inflight &&
	    s->flowed > 0 && now - s->last_refresh_ms >= REFRESH_MS)
		req_state(s, 1);
	lws_sul_schedule(s->e->ctx, 0, &s->sul, tick, TICK_US);
}

int
edge_sync_new(struct edge *e)
{
	struct edge_sync *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return -ENOMEM;
	s->e = e;
	s->phase = P_DOWN;
	s->gen = 1;
	s->behind_fwd = UINT64_MAX;
	e->sync = s;
	lws_sul_schedule(e->ctx, 0, &s->sul, tick, 1);
	return 0;
}

void
edge_sync_free(struct edge *e)
{
	struct edge_sync *s = e->sync;
	struct edge_in *b;

	if (s == NULL)
		return;
	lws_sul_cancel(&s->sul);
	b = s->bhead;
	while (b) {
		struct edge_in *nx = b->next;
		edge_link_in_free(b);
		b = nx;
	}
	b = s->ihead;
	while (b) {
		struct edge_in *nx = b->next;
		edge_link_in_free(b);
		b = nx;
	}
	edge_frame_unref(s->pending_snap);
	if (s->rep_msg)
		nng_msg_free(s->rep_msg);
	free(s);
	e->sync = NULL;
}

int
edge_sync_linked(const struct edge *e)
{
	return e->sync && e->sync->linked && e->sync->have_stream;
}

uint64_t
edge_sync_fwd(const struct edge *e)
{
	return e->sync ? e->sync->fwd : 0;
}

void
edge_sync_logs(struct edge *e, int on)
{
	struct edge_sync *s = e->sync;

	if (s->logs_on == on)
		return;
	s->logs_on = on;
	s->l_synced = 0;
	s->l_from_known = 0;
	s->l_first = s->l_from = 0;
	edge_link_topic(e->link, WIRE_TOPIC_LOGS, on);
}

/*
 * A filter registered at the hub's seq HEAD: the hub publishes on topic L
 * every later log it matches, and since the edge subscribed to L before
 * it asked for the filter, every such message reaches the edge (or its
 * loss shows in the prev_l chain, checked from the first L message on,
 * and before that from l_from on).  If an L message came before this
 * answer, the chain vouches only for what followed its prev_l.
 */
uint64_t
edge_sync_logs_complete(struct edge *e, uint64_t head)
{
	struct edge_sync *s = e->sync;

	if (s == NULL || !s->logs_on)
		return head;
	if (s->l_synced)
		return head > s->l_first ? head : s->l_first;
	if (!s->l_from_known || head < s->l_from) {
		s->l_from = head;
		s->l_from_known = 1;
	}
	return head;
}

void
edge_sync_want_snapshot(struct edge *e)
{
	struct edge_sync *s = e->sync;

	if (s->linked && s->phase == P_LIVE && !s->refresh_inflight)
		req_state(s, 1);
}
