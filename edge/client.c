/*
 * One WebSocket client: its unsent queue, message reassembly, rate limit,
 * commands, and where it stands in the event stream.
 *
 * Queue: frames are shared references (frame.h); a client whose unsent
 * bytes (plus what lws still holds of its last partial write) or message
 * count pass the limit is closed with 1013 and its queue is released at
 * once, so a client that never reads costs at most the limit.  Writes
 * happen in LWS_CALLBACK_SERVER_WRITEABLE, one lws_write per callback,
 * except that events forwarded by a drain of the hub's inbox are written
 * when that drain ends (edge_client_flush).
 *
 * Stream position: queued_seq is the last event seq queued; a broadcast
 * frame reaches the client only when its seq is larger, which makes every
 * client's stream strictly increasing even when states, history replies
 * and live events meet.
 *
 * Resume.  A client says where it stands either on the upgrade URL
 * (/ws/flow?since=S&logs=FILTERS: no greeting state at all, its filter is
 * subscribed at once) or, as the original front end does, in band with
 * {"type":"resume"} after its greeting (then unsent events are thrown
 * away and the replay starts from max(since, last written)).  Either way
 * the replay comes out of the recent buffer when that holds everything
 * the client lacks, or else out of the hub's history, in parts paced by
 * the client's queue; live events for the client are held back meanwhile
 * (they are in the recent buffer, which the replay ends with).  The
 * recent buffer is enough only from where it is complete for the
 * client's log filter (filters.c): until the hub has confirmed the filter,
 * and while the client's position is before the seq the confirmation
 * reported, the replay stays with the history, polling it once it has
 * caught up.  A client resuming from the URL while the edge has no hub
 * link yet (it has just started) waits for it, up to LINK_WAIT_MS, rather
 * than being handed an empty state; after that it gets the state, or a
 * 1013 close when the edge has none.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <msgpack.h>

#include "edge.h"
#include "fnv.h"
#include "log.h"
#include "mpread.h"
#include "sync.h"
#include "token.h"
#include "wire.h"

#define IPTAB_SIZE 1024
#define RATE_WINDOW_MS 2000
#define CLOSE_QUIET_MS 100
#define CLOSE_LINGER_MS 2000
#define EDGE_BATCH_BYTES (16u << 10) /* most bytes one write carries: lws
				      * may hold that much per client */
#define LINK_WAIT_MS 5000  /* a resuming client waits this long for the hub */
#define RESUME_POLL_MS 100 /* how often a waiting resume looks again */

/* c->resuming: why the client is not live yet */
enum {
	RESUME_NONE,
	RESUME_HISTORY, /* a history request is in flight (or paced) */
	RESUME_LINK,    /* waiting for the hub link */
	RESUME_FILTER,  /* history caught up; waiting for the filter */
};

struct edge_ipcount {
	struct edge_ipcount *next;
	unsigned n;
	char addr[64];
};

/* ---- per-IP counts ---------------------------------------------------- */

static unsigned
iphash(const char *s)
{
	return fh_fnv1a(s, strlen(s)) % IPTAB_SIZE;
}

unsigned
edge_ip_count(struct edge *e, const char *addr)
{
	struct edge_ipcount *p;

	if (e->iptab == NULL)
		return 0;
	for (p = e->iptab[iphash(addr)]; p; p = p->next)
		if (strcmp(p->addr, addr) == 0)
			return p->n;
	return 0;
}

static struct edge_ipcount *
ip_get(struct edge *e, const char *addr)
{
	struct edge_ipcount *p;
	unsigned h = iphash(addr);

	if (e->iptab == NULL &&
	    (e->iptab = calloc(IPTAB_SIZE, sizeof(*e->iptab))) == NULL)
		return NULL;
	for (p = e->iptab[h]; p; p = p->next)
		if (strcmp(p->addr, addr) == 0)
			return p;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	snprintf(p->addr, sizeof(p->addr), "%s", addr);
	p->next = e->iptab[h];
	e->iptab[h] = p;
	return p;
}

static void
ip_put(struct edge *e, struct edge_ipcount *ip)
{
	struct edge_ipcount **pp;

	if (ip == NULL || --ip->n > 0)
		return;
	for (pp = &e->iptab[iphash(ip->addr)]; *pp; pp = &(*pp)->next)
		if (*pp == ip) {
			*pp = ip->next;
			free(ip);
			return;
		}
}

const char *
edge_client_addr(const struct edge_client *c)
{
	return c->ip ? c->ip->addr : "-";
}

const char *
edge_client_id(const struct edge *e, const struct edge_client *c, char *buf,
	       size_t len)
{
	if (c->ident_ms == 0)
		buf[0] = '\0';
	else
		snprintf(buf, len, "frontend_%" PRIu64 "_%s_%" PRIu64,
			 c->ident_ms, e->conf.id, c->serial);
	return buf;
}

/* ---- queue ------------------------------------------------------------ */


void
edge_client_close(struct edge_client *c, int code, const char *reason)
{
	if (c->close_code == 0) {
		c->close_code = code;
		c->close_reason = reason;
	}
	if (c->wsi) {
		lws_callback_on_writable(c->wsi);
		/* A peer that never reads never makes us writeable: give up on
		 * the close handshake after a while. */
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, 10);
	}
}

/* Queue F; ARM asks for a WRITEABLE callback when the queue was empty
 * (the broadcast passes 0 when it is about to write the frame itself). */
static void
queue_frame(struct edge *e, struct edge_client *c, struct edge_frame *f,
	    int arm)
{
	int rc;

	if (c->close_code)
		return;
	rc = edge_fq_push(&c->q, f, c->partial);
	if (rc == 0) {
		if (c->q.n == 1 && arm)
			lws_callback_on_writable(c->wsi);
		return;
	}
	e->m.msgs_dropped += c->q.n + 1;
	edge_fq_clear(&c->q);
	if (rc == EDGE_FQ_FULL) {
		char id[EDGE_CLIENT_ID_MAX];

		e->m.slow_closes++;
		edge_client_id(e, c, id, sizeof(id));
		log_info("closing slow client %s (%s): queue over its limit",
			 id[0] ? id : "-", edge_client_addr(c));
		edge_client_close(c, 1013,
				  "try again later");
	} else {
		edge_client_close(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION,
				  "out of memory");
	}
}

void
edge_client_push(struct edge *e, struct edge_client *c, struct edge_frame *f)
{
	queue_frame(e, c, f, 1);
}

static void
queue_event(struct edge *e, struct edge_client *c, struct edge_frame *f,
	    int arm)
{
	if (f->seq <= c->queued_seq)
		return;
	if (f->kind == EDGE_FRAME_LOG && !edge_filter_match(c, f))
		return;
	c->queued_seq = f->seq;
	queue_frame(e, c, f, arm);
}

static void
push_event(struct edge *e, struct edge_client *c, struct edge_frame *f)
{
	queue_event(e, c, f, 1);
}

static void
reply(struct edge *e, struct edge_client *c, struct edge_buf *b)
{
	struct edge_frame *f;

	if (edge_frame_from_buf(&f, b, EDGE_FRAME_REPLY, 0) == 0) {
		edge_client_push(e, c, f);
		edge_frame_unref(f);
	}
}

static void
reply_error(struct edge *e, struct edge_client *c, const char *code,
	    const char *msg, const char *field)
{
	struct edge_buf b;

	edge_buf_init(&b, EDGE_PRE, 0);
	edge_proto_error_json(&b, code, msg, field);
	reply(e, c, &b);
}

static int
queue_low(const struct edge_client *c)
{
	return (!c->q.max_bytes || c->q.bytes < c->q.max_bytes / 4) &&
	       (!c->q.max_n || c->q.n < c->q.max_n / 4);
}

/* Drop unsent events (keep replies and states). */
static void
drop_unsent_events(struct edge_client *c)
{
	struct edge_fq keep;
	struct edge_frame *f;

	edge_fq_init(&keep, c->q.max_n, c->q.max_bytes);
	while ((f = edge_fq_pop(&c->q)) != NULL) {
		if (f->kind == EDGE_FRAME_REPLY || f->kind == EDGE_FRAME_STATE)
			(void)edge_fq_push(&keep, f, 0);
		edge_frame_unref(f);
	}
	edge_fq_fini(&c->q);
	c->q = keep;
}

static void
queue_recent(struct edge *e, struct edge_client *c, size_t idx)
{
	struct edge_recent *r = &e->recent;
	size_t i;

	for (i = idx; i < r->frames.n && !c->close_code; i++)
		push_event(e, c, edge_fq_at(&r->frames, i));
	if (c->queued_seq < edge_sync_fwd(e))
		c->queued_seq = edge_sync_fwd(e);
}

void
edge_client_send_state(struct edge *e, struct edge_client *c)
{
	struct edge_recent *r = &e->recent;

	c->resuming = RESUME_NONE;
	c->resume_wait = 0;
	c->resume_deadline_ms = 0;
	if (r->snap == NULL) {
		struct edge_buf b;
		char ts[32];

		edge_iso_now(ts);
		edge_buf_init(&b, EDGE_PRE, 0);
		edge_buf_addf(&b,
			      "{\"type\":\"initial_execution_state\","
			      "\"timestamp\":\"%s\",\"data\":null}",
			      ts);
		reply(e, c, &b);
		return;
	}
	edge_client_push(e, c, r->snap);
	/* Never send an event twice: what was already written stays sent
	 * even when the state is older than it. */
	c->queued_seq = r->snap->seq > c->written_seq ? r->snap->seq
						       : c->written_seq;
	queue_recent(e, c, 0);
}

void
edge_client_broadcast_state(struct edge *e, struct edge_frame *snap,
			    int restart)
{
	struct edge_client *c;

	(void)snap;
	for (c = e->clients; c; c = c->next) {
		if (!restart && c->resuming != RESUME_NONE && !c->close_code) {
			/* A resume goes on from the hub's history, which this
			 * new start of the edge's own stream does not change;
			 * one that waited for the link can start now. */
			if (c->resuming == RESUME_LINK)
				lws_set_timer_usecs(c->wsi, 1);
			continue;
		}
		drop_unsent_events(c);
		c->queued_seq = 0;
		/* A hub that lost its history restarts the seq space lower:
		 * only then may a client see smaller seqs again. */
		if (restart)
			c->written_seq = 0;
		edge_client_send_state(e, c);
	}
}

void
edge_client_broadcast(struct edge *e, struct edge_frame *f)
{
	struct edge_client *c;
	unsigned n = 0, before = 0;
	uint64_t closes = e->m.slow_closes;

	for (c = e->clients; c; c = c->next) {
		if (c->resuming || c->close_code)
			continue;
		before = (unsigned)c->q.n;
		/* Inside a drain, an idle client is not armed for WRITEABLE:
		 * edge_client_flush writes to it when the drain ends. */
		queue_event(e, c, f, !(e->defer_writes && before == 0));
		if (c->q.n > before)
			n++;
	}
	if (log_enabled(LOG_LVL_DEBUG)) {
		log_debug("Broadcasting event: %s to %u clients",
			  edge_type_names[f->type_idx], n);
		log_debug("Event sent: %u success, %u failed", n,
			  (unsigned)(e->m.slow_closes - closes));
	}
}

struct edge_client *
edge_client_by_serial(struct edge *e, uint64_t serial)
{
	struct edge_client *c;

	for (c = e->clients; c; c = c->next)
		if (c->serial == serial)
			return c;
	return NULL;
}

/* ---- resume ----------------------------------------------------------- */

/* Can C, which has every seq <= POS, go on from the recent buffer (from
 * frame *idx on) and the live stream? */
static int
can_go_live(struct edge *e, struct edge_client *c, uint64_t pos, size_t *idx)
{
	uint64_t from;

	if (!edge_recent_covers(&e->recent, pos, idx))
		return 0;
	return edge_filter_complete(c, &from) && pos >= from;
}

static void
go_live(struct edge *e, struct edge_client *c, size_t idx)
{
	uint64_t pos = c->resume_pos;

	c->resuming = RESUME_NONE;
	c->resume_wait = 0;
	c->resume_deadline_ms = 0;
	queue_recent(e, c, idx);
	if (c->queued_seq < pos)
		c->queued_seq = pos;
}

/* The resume cannot go on: the state instead.  But a client that came to
 * resume (and waited for the hub) is closed with 1013 when the edge has no
 * state, or only one older than the client's position: it comes back
 * later with its position rather than lose it. */
static void
resume_fallback(struct edge *e, struct edge_client *c)
{
	drop_unsent_events(c);
	if (c->resume_deadline_ms != 0 &&
	    (e->recent.snap == NULL || e->recent.snap->seq < c->resume_pos)) {
		c->resuming = RESUME_NONE;
		edge_client_close(c, 1013, "hub unavailable, try again later");
		return;
	}
	edge_client_send_state(e, c);
}

static void
resume_wait_link(struct edge *e, struct edge_client *c)
{
	uint64_t now = edge_now_ms();

	if (c->resume_deadline_ms == 0)
		c->resume_deadline_ms = now + LINK_WAIT_MS;
	if (now >= c->resume_deadline_ms) {
		resume_fallback(e, c);
		return;
	}
	c->resuming = RESUME_LINK;
	lws_set_timer_usecs(c->wsi, RESUME_POLL_MS * LWS_US_PER_MS);
}

/* Go on from FROM: C has every seq <= FROM and nothing after it queued. */
static void
resume_at(struct edge *e, struct edge_client *c, uint64_t from)
{
	size_t idx;

	c->resume_pos = from;
	c->resume_wait = 0;
	if (can_go_live(e, c, from, &idx)) {
		go_live(e, c, idx);
		return;
	}
	if (edge_sync_linked(e)) {
		if (edge_sync_request_since(e, c->serial, from) == 0) {
			c->resuming = RESUME_HISTORY;
			return;
		}
		resume_fallback(e, c);
		return;
	}
	if (c->resume_deadline_ms != 0) {
		resume_wait_link(e, c);
		return;
	}
	/* Neither here nor reachable: the client starts from the state. */
	resume_fallback(e, c);
}

/* In-band resume, after the greeting: unsent events go, and the replay
 * starts after what the client has or was written. */
static void
resume(struct edge *e, struct edge_client *c, uint64_t since)
{
	uint64_t from = since > c->written_seq ? since : c->written_seq;

	drop_unsent_events(c);
	c->queued_seq = from;
	c->resume_deadline_ms = 0;
	resume_at(e, c, from);
}

void
edge_client_filter_confirmed(struct edge *e, struct edge_client *c)
{
	if (c->resuming == RESUME_FILTER && !c->close_code)
		resume_at(e, c, c->resume_pos);
}

void
edge_client_resume_reply(struct edge *e, uint64_t serial, const void *rep,
			 size_t len, int failed)
{
	struct edge_client *c = edge_client_by_serial(e, serial);
	struct edge_mpr r;
	struct edge_mpv v;
	uint32_t n, k, i;
	size_t idx;
	int more = 0;

	if (c == NULL || c->resuming != RESUME_HISTORY || c->close_code)
		return;
	if (failed) {
		/* No answer (the link went, or the hub is swamped): the
		 * client keeps its place and tries again for a while. */
		resume_wait_link(e, c);
		return;
	}
	edge_mpr_init(&r, rep, len);
	if (edge_mpr_array(&r, &n) != 0 || n < 2 || edge_mpr_str_eq(&r, "ok") != 1 ||
	    edge_mpr_array(&r, &k) != 0)
		goto fallback; /* too_old or an error */
	for (i = 0; i < k; i++) {
		struct edge_env env;
		struct edge_frame *f;

		if (can_go_live(e, c, c->resume_pos, &idx))
			break;
		if (edge_env_read(&r, &env) != 0)
			goto fallback;
		if (env.seq <= c->resume_pos)
			continue;
		c->resume_pos = env.seq;
		if (env.type_idx == EDGE_T_LOG_ENTRY) {
			struct edge_logattr a;

			if (c->filter == NULL || edge_env_logattr(&env, &a) != 0 ||
			    !edge_filter_wants(e, a.level, a.tag, a.taglen,
					       a.module, a.modlen))
				continue;
		}
		if (edge_frame_env(&f, &env, WIRE_MAX_MSG * 2) != 0)
			continue;
		push_event(e, c, f);
		edge_frame_unref(f);
		if (c->close_code)
			return;
	}
	if (i == k && edge_mpr_next(&r, &v) == 0 && v.type == EDGE_MPT_BOOL)
		more = v.b;
	if (can_go_live(e, c, c->resume_pos, &idx)) {
		go_live(e, c, idx);
		return;
	}
	if (more && k > 0) {
		/* Ask for the next part only once this one is mostly out, so
		 * a long replay never passes the client's queue limit. */
		if (!queue_low(c)) {
			c->resume_wait = 1;
			return;
		}
		if (edge_sync_request_since(e, c->serial, c->resume_pos) == 0)
			return;
		goto fallback;
	}
	if (edge_recent_covers(&e->recent, c->resume_pos, &idx)) {
		/* Caught up with the hub, but the recent buffer is not yet
		 * complete for the client's logs: look again shortly (or as
		 * soon as the filter is confirmed). */
		c->resuming = RESUME_FILTER;
		lws_set_timer_usecs(c->wsi, RESUME_POLL_MS * LWS_US_PER_MS);
		return;
	}
fallback:
	resume_fallback(e, c);
}

/* A client that gave its position on the upgrade URL. */
static void
resume_from_url(struct edge *e, struct edge_client *c,
		const struct edge_resume_args *a)
{
	log_debug("client %s resumes after seq %" PRIu64 "%s", edge_client_addr(c), a->since,
		  a->has_logs ? " with logs" : "");
	if (a->has_logs && edge_filter_subscribe(e, c, &a->logs) != 0) {
		edge_client_close(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION,
				  "out of memory");
		return;
	}
	c->queued_seq = a->since;
	c->resume_deadline_ms = edge_now_ms() + LINK_WAIT_MS;
	resume_at(e, c, a->since);
}

/* ---- commands --------------------------------------------------------- */

static void
cmd_identify(struct edge *e, struct edge_client *c, const struct edge_cmd *cmd)
{
	struct edge_buf b;
	struct timespec ts;
	char id[EDGE_CLIENT_ID_MAX];

	if (c->ident_ms == 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		c->ident_ms = (uint64_t)ts.tv_sec * 1000 +
			      (uint64_t)ts.tv_nsec / 1000000;
		log_info("Frontend connected: %s (Total: %u)",
			 edge_client_id(e, c, id, sizeof(id)), e->nclients);
	}
	edge_client_id(e, c, id, sizeof(id));
	edge_buf_init(&b, EDGE_PRE, 0);
	edge_buf_adds(&b, "{\"type\":\"client_identified\",\"data\":{\"clientId\":");
	edge_buf_add_jstr(&b, id, strlen(id));
	edge_buf_adds(&b, ",\"name\":");
	edge_buf_add_jstr(&b, cmd->name, strlen(cmd->name));
	edge_buf_adds(&b, ",\"page\":");
	edge_buf_add_jstr(&b, cmd->page, strlen(cmd->page));
	edge_buf_adds(&b, "}}");
	reply(e, c, &b);
}

static void
cmd_hw(struct edge *e, struct edge_client *c, const struct edge_cmd *cmd)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int ok;

	if ((e->conf.read_token[0] || e->conf.write_token[0]) && !c->can_write) {
		reply_error(e, c, "forbidden",
			    "hardware_health_update needs the write token", NULL);
		return;
	}
	if (!edge_sync_linked(e)) {
		reply_error(e, c, "hub_unavailable", "the hub is not reachable",
			    NULL);
		return;
	}
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 4);
	msgpack_pack_str(&pk, 2);
	msgpack_pack_str_body(&pk, "hw", 2);
	msgpack_pack_str(&pk, strlen(cmd->component));
	msgpack_pack_str_body(&pk, cmd->component, strlen(cmd->component));
	msgpack_pack_str(&pk, strlen(cmd->status));
	msgpack_pack_str_body(&pk, cmd->status, strlen(cmd->status));
	if (cmd->details)
		ok = edge_json2mp(&pk, cmd->details, 0) == 0;
	else
		ok = msgpack_pack_map(&pk, 0) == 0;
	if (!ok) {
		reply_error(e, c, "invalid_field", "details nest too deeply",
			    "data.details");
	} else if (edge_sync_request(e, EDGE_REQ_HW, c->serial, sb.data,
				     sb.size) != 0) {
		reply_error(e, c, "hub_unavailable", "could not reach the hub",
			    NULL);
	}
	msgpack_sbuffer_destroy(&sb);
}

static void
dispatch(struct edge *e, struct edge_client *c, const char *msg, size_t len)
{
	struct edge_cmd cmd;
	struct edge_proto_err err;
	struct edge_buf b;
	char ts[32];

	if (edge_proto_parse(msg, len, &cmd, &err) != 0) {
		e->m.proto_errors++;
		reply_error(e, c, err.code, err.message, err.field);
		return;
	}
	switch (cmd.type) {
	case EDGE_CMD_IDENTIFY:
		cmd_identify(e, c, &cmd);
		break;
	case EDGE_CMD_PING:
		edge_iso_now(ts);
		edge_buf_init(&b, EDGE_PRE, 0);
		edge_buf_addf(&b, "{\"type\":\"pong\",\"timestamp\":\"%s\"}", ts);
		reply(e, c, &b);
		break;
	case EDGE_CMD_REQUEST_STATE:
		if (e->recent.snap)
			edge_client_push(e, c, e->recent.snap);
		else
			edge_client_send_state(e, c);
		break;
	case EDGE_CMD_SUBSCRIBE_LOGS:
		if (edge_filter_subscribe(e, c, &cmd.filter) != 0)
			reply_error(e, c, "internal", "out of memory", NULL);
		break;
	case EDGE_CMD_UNSUBSCRIBE_LOGS:
		edge_filter_unsubscribe(e, c);
		edge_buf_init(&b, EDGE_PRE, 0);
		edge_buf_adds(&b, "{\"type\":\"logs_unsubscribed\",\"data\":{}}");
		reply(e, c, &b);
		break;
	case EDGE_CMD_HW_UPDATE:
		cmd_hw(e, c, &cmd);
		break;
	case EDGE_CMD_RESUME:
		resume(e, c, cmd.since);
		break;
	}
	edge_cmd_fini(&cmd);
}

/* ---- lws events ------------------------------------------------------- */

static int
has_token(struct lws *wsi, const char *want)
{
	char hdr[512], frag[512];
	const char *tok;
	size_t n;
	int i, ok = 0;

	if (want[0] == '\0')
		return 0;
	if (lws_hdr_copy(wsi, hdr, sizeof(hdr), WSI_TOKEN_HTTP_AUTHORIZATION) > 0 &&
	    (n = edge_token_from_auth(hdr, &tok)) > 0 && edge_token_eq(tok, n, want))
		ok = 1;
	for (i = 0; !ok && i < 32; i++) {
		if (lws_hdr_copy_fragment(wsi, frag, sizeof(frag),
					  WSI_TOKEN_HTTP_URI_ARGS, i) < 0)
			break;
		if ((n = edge_token_from_query(frag, &tok)) > 0 &&
		    edge_token_eq(tok, n, want))
			ok = 1;
	}
	return ok;
}

int
edge_client_has_token(struct lws *wsi, const char *want)
{
	return has_token(wsi, want);
}

int
edge_client_established(struct edge *e, struct edge_client *c, struct lws *wsi)
{
	struct edge_resume_args ra;
	char addr[64], why[128];

	memset(c, 0, sizeof(*c));
	lws_get_peer_simple(wsi, addr, sizeof(addr));
	/* The address text is kept once per IP, not per client. */
	if ((c->ip = ip_get(e, addr)) == NULL)
		return -1; /* out of memory: lws drops the connection */
	c->ip->n++;
	c->wsi = wsi;
	c->serial = ++e->next_serial;
	edge_fq_init(&c->q, e->conf.queue_msgs, e->conf.queue_limit);
	c->tokens = e->conf.rate_burst;
	c->tb_ms = edge_now_ms();
	c->can_write = has_token(wsi, e->conf.write_token) != 0;
	c->next = e->clients;
	if (e->clients)
		e->clients->prev = c;
	e->clients = c;
	e->nclients++;
	e->m.connections++;
	log_info("WebSocket client connected from %s", addr);
	/* Vetted at the upgrade already (edge_http_confirm_upgrade). */
	if (edge_resume_args(wsi, &ra, why, sizeof(why)) == 0 && ra.has_since)
		resume_from_url(e, c, &ra);
	else
		edge_client_send_state(e, c);
	return 0;
}

void
edge_client_closed(struct edge *e, struct edge_client *c)
{
	if (c->wsi == NULL)
		return; /* never established */
	if (c->prev)
		c->prev->next = c->next;
	else
		e->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	e->nclients--;
	e->m.disconnections++;
	edge_filter_unsubscribe(e, c);
	edge_fq_fini(&c->q);
	free(c->rx);
	c->rx = NULL;
	if (c->ident_ms) {
		char id[EDGE_CLIENT_ID_MAX];

		log_info("Frontend disconnected: %s (Total: %u)",
			 edge_client_id(e, c, id, sizeof(id)), e->nclients);
	} else {
		log_info("WebSocket client disconnected from %s (Total: %u)",
			 edge_client_addr(c), e->nclients);
	}
	ip_put(e, c->ip);
	c->ip = NULL;
	c->wsi = NULL;
}

/*
 * A close the edge decides (1001, 1008, 1013): the close frame is written
 * here and the connection stays open, its input read and thrown away,
 * until the peer answers with its own close (lws then finishes) or goes
 * quiet for CLOSE_QUIET_MS.  Closing the socket at once while the peer is
 * still sending would leave unread input, the kernel would answer with a
 * reset, and a reset makes the peer's kernel drop the close frame it had
 * not read yet.
 */
static int
send_close(struct edge_client *c)
{
	unsigned char buf[LWS_PRE + 128];
	size_t rl = strlen(c->close_reason);

	if (rl > 120)
		rl = 120;
	/* Written raw (lws keeps its close writer to itself): FIN + close
	 * opcode, unmasked length, code, reason. */
	buf[LWS_PRE] = 0x88;
	buf[LWS_PRE + 1] = (unsigned char)(rl + 2);
	buf[LWS_PRE + 2] = (unsigned char)(c->close_code >> 8);
	buf[LWS_PRE + 3] = (unsigned char)c->close_code;
	memcpy(buf + LWS_PRE + 4, c->close_reason, rl);
	if (lws_write(c->wsi, buf + LWS_PRE, rl + 4, LWS_WRITE_RAW) < 0)
		return -1;
	c->close_sent = 1;
	c->close_sent_ms = edge_now_ms();
	lws_set_timer_usecs(c->wsi, CLOSE_QUIET_MS * LWS_US_PER_MS);
	return 0;
}

void
edge_client_timer(struct edge *e, struct edge_client *c)
{
	uint64_t now = edge_now_ms();

	if (!c->close_sent) {
		/* a resume waiting for the link or for its filter */
		if (!c->close_code && (c->resuming == RESUME_LINK ||
				       c->resuming == RESUME_FILTER))
			resume_at(e, c, c->resume_pos);
		return;
	}
	if (now - c->last_in_ms >= CLOSE_QUIET_MS ||
	    now - c->close_sent_ms >= CLOSE_LINGER_MS)
		lws_callback_on_writable(c->wsi); /* returns -1 there */
	else
		lws_set_timer_usecs(c->wsi, CLOSE_QUIET_MS * LWS_US_PER_MS);
}

/* Token bucket: 1 when the message may be handled. */
static int
rate_ok(struct edge *e, struct edge_client *c)
{
	uint64_t now = edge_now_ms();
	double cap = e->conf.rate_burst;

	c->tokens += (double)(now - c->tb_ms) * e->conf.rate_limit / 1000.0;
	if (c->tokens > cap)
		c->tokens = cap;
	c->tb_ms = now;
	if (c->tokens >= 1.0) {
		c->tokens -= 1.0;
		if (c->strikes > 0 && c->tokens >= cap / 2)
			c->strikes = 0;
		return 1;
	}
	return 0;
}

static void
rx_release(struct edge_client *c)
{
	free(c->rx);
	c->rx = NULL;
	c->rx_len = c->rx_cap = 0;
}

/*
 * lws hands a message over in pieces of at most the protocol's
 * rx_buffer_size (server.c keeps that small, since lws allocates it for
 * every connection).  A message that arrives whole in one piece, nearly
 * every client command, is handled straight from lws' buffer; only one
 * that spans pieces is copied into c->rx, which grows with the bytes
 * actually received (never with what a header announces) and is freed
 * once the message is handled, so an idle client holds no buffer.
 */
int
edge_client_receive(struct edge *e, struct edge_client *c, const void *in,
		    size_t len)
{
	struct lws *wsi = c->wsi;
	const char *msg = in;
	size_t mlen = len;
	int whole;

	if (c->close_code) {
		c->last_in_ms = edge_now_ms(); /* discarded, see send_close */
		return 0;
	}
	if (lws_frame_is_binary(wsi)) {
		e->m.proto_errors++;
		rx_release(c);
		edge_client_close(c, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE,
				  "binary frames not accepted");
		return 0;
	}
	/* The frame's announced length counts at once: a peer announcing
	 * 100 MiB is refused before it sends them, not after. */
	if (c->rx_len + len + lws_remaining_packet_payload(wsi) >
	    e->conf.max_frame) {
		e->m.proto_errors++;
		rx_release(c);
		edge_client_close(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
				  "message too large");
		return 0;
	}
	whole = lws_is_final_fragment(wsi) &&
		lws_remaining_packet_payload(wsi) == 0;
	if (!whole || c->rx_len > 0) {
		if (c->rx_len + len > c->rx_cap) {
			size_t ncap = c->rx_cap ? c->rx_cap : 1024;
			char *nb;

			while (ncap < c->rx_len + len)
				ncap *= 2;
			if (ncap > e->conf.max_frame)
				ncap = e->conf.max_frame;
			if ((nb = realloc(c->rx, ncap)) == NULL) {
				lws_close_reason(wsi,
						 LWS_CLOSE_STATUS_UNEXPECTED_CONDITION,
						 (unsigned char *)"out of memory", 13);
				return -1;
			}
			c->rx = nb;
			c->rx_cap = ncap;
		}
		memcpy(c->rx + c->rx_len, in, len);
		c->rx_len += len;
		if (!whole)
			return 0;
		msg = c->rx;
		mlen = c->rx_len;
	}
	if (!rate_ok(e, c)) {
		e->m.rate_limited++;
		c->strikes++;
		if (c->strikes > e->conf.rate_burst) {
			/* Closed from the write side once the replies queued so
			 * far (the rate_limited errors among them) are out:
			 * closing here, with the flood still unread in the
			 * socket, would make the kernel reset the connection
			 * and the client would see neither. */
			e->m.rate_closes++;
			rx_release(c);
			c->flush_before_close = 1;
			edge_client_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION,
					  "rate limit");
			return 0;
		}
		reply_error(e, c, "rate_limited",
			    "too many messages: slow down", NULL);
	} else {
		dispatch(e, c, msg, mlen);
	}
	rx_release(c);
	return 0;
}

/* Server frames are unmasked: 2, 4 or 10 header bytes. */
static size_t
ws_header(unsigned char *h, size_t len)
{
	h[0] = 0x81; /* FIN, text */
	if (len < 126) {
		h[1] = (unsigned char)len;
		return 2;
	}
	if (len < 65536) {
		h[1] = 126;
		h[2] = (unsigned char)(len >> 8);
		h[3] = (unsigned char)len;
		return 4;
	}
	h[1] = 127;
	for (int i = 0; i < 8; i++)
		h[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
	return 10;
}

static void
count_sent(struct edge *e, struct edge_client *c, struct edge_frame *f)
{
	e->m.msgs_sent++;
	e->m.bytes_sent += f->len;
	e->m.sent[f->type_idx]++;
	if ((f->kind == EDGE_FRAME_EVENT || f->kind == EDGE_FRAME_LOG) &&
	    f->seq > c->written_seq)
		c->written_seq = f->seq;
}

/*
 * One lws_write per callback, as lws requires.  When several small frames
 * are queued they go out in that one write: their WebSocket headers are
 * made here and the frames copied behind each other (LWS_WRITE_RAW), so a
 * client costs one send() per turn of the loop instead of one per event,
 * and a fast client keeps up with however many events a turn forwards.
 * A single frame is written in place with no copy.
 */
int
edge_client_writeable(struct edge *e, struct edge_client *c)
{
	static unsigned char *batch;
	struct edge_frame *f;
	size_t used = 0, total = 0;
	int n;

	if (c->close_sent)
		return -1; /* the peer went quiet: no second close frame */
	if (c->close_code && (!c->flush_before_close || c->q.n == 0))
		return send_close(c);
	f = edge_fq_peek(&c->q);
	if (f == NULL)
		return 0;
	if (c->q.n == 1 || f->len > EDGE_BATCH_BYTES / 2 ||
	    edge_fq_at(&c->q, 1)->len + f->len > EDGE_BATCH_BYTES - 20) {
		f = edge_fq_pop(&c->q);
		n = lws_write(c->wsi, (unsigned char *)edge_frame_data(f), f->len,
			      LWS_WRITE_TEXT);
		if (n < 0) {
			edge_frame_unref(f);
			return -1;
		}
		count_sent(e, c, f);
		total = f->len;
		edge_frame_unref(f);
	} else {
		if (batch == NULL &&
		    (batch = malloc(LWS_PRE + EDGE_BATCH_BYTES)) == NULL)
			return -1;
		while ((f = edge_fq_peek(&c->q)) != NULL &&
		       used + 10 + f->len <= EDGE_BATCH_BYTES) {
			unsigned char *p = batch + LWS_PRE + used;
			size_t h = ws_header(p, f->len);

			memcpy(p + h, edge_frame_data(f), f->len);
			used += h + f->len;
			f = edge_fq_pop(&c->q);
			count_sent(e, c, f);
			edge_frame_unref(f);
		}
		n = lws_write(c->wsi, batch + LWS_PRE, used, LWS_WRITE_RAW);
		if (n < 0)
			return -1;
		total = used;
	}
	c->partial = lws_partial_buffered(c->wsi) ? total : 0;
	if (c->resume_wait && queue_low(c)) {
		c->resume_wait = 0;
		if (edge_sync_request_since(e, c->serial, c->resume_pos) != 0)
			resume_fallback(e, c);
	}
	if (c->q.n > 0 || c->close_code)
		lws_callback_on_writable(c->wsi);
	else
		edge_fq_shrink(&c->q); /* a burst's array is not kept */
	return 0;
}

/* Write C's queue outside a WRITEABLE callback (still on the service
 * thread).  A failed write cannot close the connection by a return value
 * here, so lws is asked to close it on its next turn. */
static void
write_now(struct edge *e, struct edge_client *c)
{
	if (edge_client_writeable(e, c) < 0)
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND,
				LWS_TO_KILL_ASYNC);
}

/*
 * The end of a drain of the hub's inbox: every client with something
 * queued and nothing held back by lws gets its queue written now, in one
 * lws_write as in the WRITEABLE callback, instead of on the next turn of
 * the loop.  That turn is one more poll() over every descriptor and one
 * callback per client, most of what the last of a hundred clients waited
 * for (doc/performance.md has the figures).  Writing after the drain and
 * not per event keeps the batching: events that arrived together still
 * leave in one send per client.  It is the same write on the same thread;
 * lws 4.1 keeps what the socket does not take (lws_issue_raw appends it
 * to the connection's buflist and asks for WRITEABLE itself), and a client
 * that still has such a remainder, or is closing or replaying, is left to
 * WRITEABLE as before.
 */
void
edge_client_flush(struct edge *e)
{
	struct edge_client *c;

	for (c = e->clients; c; c = c->next) {
		if (c->q.n == 0 || c->wsi == NULL)
			continue;
		if (c->close_code || c->resuming || c->resume_wait ||
		    lws_partial_buffered(c->wsi))
			lws_callback_on_writable(c->wsi);
		else
			write_now(e, c);
	}
}
