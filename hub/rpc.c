/*
 * RPC over NNG rep0 (see rpc.h).
 *
 * Each worker owns an nng_ctx and an aio and cycles RECV -> handle ->
 * SEND -> RECV on NNG's threads, so several edges are served at once.
 * A handler takes the core lock only to read what it answers with (the
 * loop holds it per batch of ring records, so waits are short) and never
 * blocks while holding it.
 *
 * "hw" (a client's hardware_health_update) is not applied here: it is
 * written into the ring as a hardware_health record with a request id,
 * so it is sequenced, checkpointed and replayed after a crash exactly like
 * a producer's event.  The worker parks (state WAIT) until the loop
 * consumes that record and calls hub_rpc_rid_done with its seq, then
 * replies ["ok", seq].  A worker is parked before the record is written,
 * so the loop can never consume it first; if the ring is full the request
 * gets ["error", "ring_full", ...] at once.
 *
 * Lock order: core lock, then rpc lock (the loop calls rid_done under the
 * core lock); handlers never take the core lock while holding the rpc
 * lock.
 */
#include "config.h"

#include <errno.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "hub.h"
#include "listen.h"
#include "mpread.h"
#include "pack.h"
#include "rpc.h"
#include "wire.h"

enum { W_RECV, W_SEND, W_WAIT };

struct rpc_worker {
	struct hub_rpc *rpc;
	int idx;
	nng_aio *aio;
	nng_ctx ctx;
	/* Atomic: the NNG callback thread moves RECV <-> SEND without the
	 * lock while hub_rpc_tick and hub_rpc_rid_done look for WAIT under
	 * it; WAIT itself is only entered and left under the lock. */
	_Atomic int state;
	uint64_t rid;
	int64_t wait_ms;
	struct mpbuf out;
};

struct hub_rpc {
	struct hub *hub;
	nng_socket sock;
	int nworkers;
	struct rpc_worker *w;
	pthread_mutex_t lock;
	uint64_t next_rid;
	uint64_t requests, errors;
};

/* ---- replies ---------------------------------------------------------- */

static void
reply_error(struct mpbuf *out, const char *code, const char *msg)
{
	out->len = 0;
	mpb_array(out, 3);
	pack_cstr(out, "error");
	pack_cstr(out, code);
	pack_cstr(out, msg);
}

/* Optional string argument: nil -> p NULL. */
static int
opt_str(struct mp_cur *c, struct mp_span *s)
{
	if (mp_peek(c) == MP_NIL) {
		s->p = NULL;
		s->len = 0;
		return mp_read_nil(c);
	}
	return mp_read_str(c, s);
}

static int
find_name(const struct mp_span *s, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (mp_span_eq(s, names[i]))
			return i;
	return -1;
}

/* levels: nil (all), a WIRE_LEVEL_* mask, or an array of level names. */
static int
read_levels(struct mp_cur *c, uint8_t *mask)
{
	uint64_t u;
	uint32_t n;

	switch (mp_peek(c)) {
	case MP_NIL:
		*mask = WIRE_LEVEL_ALL;
		return mp_read_nil(c);
	case MP_UINT:
		if (mp_read_uint(c, &u) < 0 || u == 0 || u > WIRE_LEVEL_ALL)
			return -1;
		*mask = (uint8_t)u;
		return 0;
	case MP_ARRAY:
		if (mp_read_array(c, &n) < 0 || n == 0 || n > 16)
			return -1;
		*mask = 0;
		for (uint32_t i = 0; i < n; i++) {
			struct mp_span s;
			int lv;
			if (mp_read_str(c, &s) < 0 ||
			    (lv = find_name(&s, hub_level_names)) < 0)
				return -1;
			*mask |= (uint8_t)(1u << lv);
		}
		return 0;
	default:
		return -1;
	}
}

static void
pack_kv(struct mpbuf *pk, const char *k, uint64_t v)
{
	pack_cstr(pk, k);
	mpb_uint64(pk, v);
}

static void
handle_status(struct hub_rpc *r, struct mpbuf *pk)
{
	struct hub *h = r->hub;
	struct hub_core *c = &h->core;
	int64_t now = hub_wall_ms();

	pthread_mutex_lock(&c->lock);
	mpb_array(pk, 2);
	pack_cstr(pk, "ok");
	mpb_map(pk, 28);
	pack_kv(pk, "instance", h->instance);
	pack_kv(pk, "pid", (uint64_t)getpid());
	pack_kv(pk, "uptime_ms", (uint64_t)(hub_mono_ms() - h->start_ms));
	pack_kv(pk, "last_seq", c->state.seq);
	pack_kv(pk, "oldest_seq", c->hist.first);
	pack_kv(pk, "retained", hub_history_count(&c->hist));
	pack_kv(pk, "records", c->records);
	pack_kv(pk, "events", c->events);
	pack_kv(pk, "gaps", c->gaps);
	pack_kv(pk, "lost", c->lost);
	pack_kv(pk, "logs_unmatched", c->logs_unmatched);
	pack_cstr(pk, "bad");
	mpb_map(pk, BAD_KINDS - 1);
	for (int i = 1; i < BAD_KINDS; i++)
		pack_kv(pk, hub_bad_names[i], c->bad[i]);
	pack_kv(pk, "unknown_block", c->state.st.unknown_block);
	pack_kv(pk, "dup_start", c->state.st.dup_start);
	pack_kv(pk, "active_full", c->state.st.active_full);
	pack_kv(pk, "hw_full", c->state.st.hw_full);
	pack_kv(pk, "truncated", c->state.st.truncated);
	pack_kv(pk, "oversize", c->state.st.oversize);
	pack_kv(pk, "edges", hub_filters_edges(&c->filters));
	pack_kv(pk, "filters", c->filters.nlive);
	pack_kv(pk, "edges_expired", c->filters.expired);
	pack_kv(pk, "ring_pos", h->snap.pos);
	pack_kv(pk, "checkpoint_seq", h->snap.ckpt_seq);
	pack_kv(pk, "checkpoint_age_ms",
		h->snap.ckpt_wall_ms ? (uint64_t)(now - h->snap.ckpt_wall_ms)
				     : UINT64_MAX);
	pack_kv(pk, "checkpoint_errors", h->snap.ckpt_errors);
	pack_kv(pk, "pub_msgs", h->snap.pub_msgs);
	pack_kv(pk, "pub_events", h->snap.pub_events);
	pack_kv(pk, "rpc_requests", __atomic_load_n(&r->requests, __ATOMIC_RELAXED));
	pthread_mutex_unlock(&c->lock);
}

/*
 * Copy envelope E (LEN bytes, from the history) into OUT.  A log's filter
 * ids are recomputed against the filters registered now: the ids stored
 * with it are those of when it was published, and after a hub restart
 * (or an edge's re-registration) they name filters that no longer exist,
 * while the edge asking is the one that needs the log.  Caller holds the
 * core lock.
 */
static void
put_envelope(struct hub_core *c, struct mpbuf *out, const uint8_t *e,
	     uint32_t len)
{
	struct mp_cur cur, d;
	struct mp_span type, data, k, v;
	struct mp_span tag = {NULL, 0}, mod = {NULL, 0};
	uint32_t n, ids[HUB_FILTERS_MAX], nids;
	uint64_t seq;
	int level = -1;

	mp_cur_init(&cur, e, len);
	if (mp_read_array(&cur, &n) < 0 || n != 4 || mp_read_uint(&cur, &seq) < 0 ||
	    mp_read_str(&cur, &type) < 0 || !mp_span_eq(&type, "log_entry") ||
	    mp_skip(&cur, &data) < 0) {
		mpbuf_put(out, e, len);
		return;
	}
	mp_cur_init(&d, data.p, data.len);
	if (mp_read_map(&d, &n) < 0)
		n = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (mp_read_str(&d, &k) < 0)
			break;
		if (mp_peek(&d) == MP_STR && mp_read_str(&d, &v) == 0) {
			if (mp_span_eq(&k, "level")) {
				for (int l = 0; hub_level_names[l]; l++)
					if (mp_span_eq(&v, hub_level_names[l]))
						level = l;
			} else if (mp_span_eq(&k, "tag")) {
				tag = v;
			} else if (mp_span_eq(&k, "module")) {
				mod = v;
			}
		} else if (mp_skip(&d, NULL) < 0) {
			break;
		}
	}
	nids = level < 0 ? 0
			 : hub_filters_match(&c->filters, level, tag.p, tag.len,
					     mod.p, mod.len, ids, HUB_FILTERS_MAX);
	mpbuf_put(out, e, (size_t)(data.p + data.len - e));
	mpb_array(out, nids);
	for (uint32_t i = 0; i < nids; i++)
		mpb_uint32(out, ids[i]);
}

static void
handle_since(struct hub_rpc *r, struct mpbuf *pk, uint64_t since,
	     uint64_t max)
{
	struct hub_core *c = &r->hub->core;
	struct mpbuf *out = pk;
	size_t count_at;
	uint32_t n = 0;
	uint64_t s;

	if (max == 0 || max > WIRE_SINCE_MAX)
		max = WIRE_SINCE_MAX;
	pthread_mutex_lock(&c->lock);
	if (since < c->hist.next - 1 && since + 1 < c->hist.first) {
		mpb_array(pk, 2);
		pack_cstr(pk, "too_old");
		mpb_uint64(pk, c->hist.first);
		pthread_mutex_unlock(&c->lock);
		return;
	}
	mpb_array(pk, 3);
	pack_cstr(pk, "ok");
	/* array32 header, count patched below */
	count_at = out->len;
	mpbuf_put(out, "\xdd\0\0\0\0", 5);
	for (s = since + 1; s < c->hist.next && n < max; s++) {
		uint32_t len;
		const void *e = hub_history_get(&c->hist, s, &len);
		if (!e || out->len + len + 5 * HUB_FILTERS_MAX > WIRE_MAX_MSG - 64)
			break;
		put_envelope(c, out, e, len);
		n++;
	}
	uint8_t *p = (uint8_t *)out->p + count_at + 1;
	p[0] = (uint8_t)(n >> 24);
	p[1] = (uint8_t)(n >> 16);
	p[2] = (uint8_t)(n >> 8);
	p[3] = (uint8_t)n;
	if (s < c->hist.next)
		mpb_true(pk);
	else
		mpb_false(pk);
	pthread_mutex_unlock(&c->lock);
}

/* Build and write the hardware_health record for "hw". */
static int
handle_hw(struct hub_rpc *r, struct rpc_worker *w, struct mp_cur *c,
	  struct mpbuf *out)
{
	struct mp_span comp, status, details = {NULL, 0};
	struct mpbuf rec;
	struct mpbuf *pk = &rec;
	uint64_t rid;
	int rc;

	if (mp_read_str(c, &comp) < 0 || comp.len == 0 ||
	    comp.len > HUB_ID_MAX) {
		reply_error(out, "invalid_field", "component");
		return 0;
	}
	if (mp_read_str(c, &status) < 0 ||
	    find_name(&status, hub_hwstatus_names) < 0) {
		reply_error(out, "invalid_field", "status");
		return 0;
	}
	if (!mp_cur_done(c)) {
		if (mp_peek(c) == MP_NIL)
			(void)mp_read_nil(c);
		else if (mp_peek(c) != MP_MAP || mp_skip(c, &details) < 0) {
			reply_error(out, "invalid_field", "details");
			return 0;
		}
	}
	if (!mp_cur_done(c)) {
		reply_error(out, "bad_request", "trailing arguments");
		return 0;
	}
	mpbuf_init(&rec);
	mpb_map(pk, details.p ? 5 : 4);
	pack_cstr(pk, "component");
	pack_strn(pk, comp.p, comp.len);
	pack_cstr(pk, "status");
	pack_strn(pk, status.p, status.len);
	if (details.p) {
		pack_cstr(pk, "details");
		pack_raw(pk, details.p, details.len, 1);
	}
	pack_cstr(pk, "ts");
	mpb_int64(pk, hub_wall_ms());
	pack_cstr(pk, "_rid");
	pthread_mutex_lock(&r->lock);
	rid = r->next_rid++;
	mpb_uint64(pk, rid);
	if (w) {
		w->state = W_WAIT;
		w->rid = rid;
		w->wait_ms = hub_mono_ms();
	}
	pthread_mutex_unlock(&r->lock);

	rc = r->hub->wring ? shmring_write(r->hub->wring, FH_EV_HARDWARE_HEALTH,
					   rec.p, (uint32_t)rec.len)
			   : -ENODEV;
	mpbuf_free(&rec);
	if (rc == 0 && w)
		return 1; /* the loop replies */
	if (w) {
		pthread_mutex_lock(&r->lock);
		w->state = W_RECV;
		pthread_mutex_unlock(&r->lock);
	}
	if (rc == 0) {
		
		out->len = 0;
		mpb_array(out, 2);
		pack_cstr(out, "ok");
		mpb_uint64(out, 0);
		return 0;
	}
	if (rc == SHMRING_FULL)
		reply_error(out, "ring_full", "the event ring is full, try again");
	else if (rc == -EMSGSIZE)
		reply_error(out, "too_big", "details too large for a ring record");
	else
		reply_error(out, "unavailable", "cannot write to the event ring");
	return 0;
}

int
hub_rpc_handle(struct hub_rpc *r, int worker, const void *req, size_t len,
	       struct mpbuf *out)
{
	struct hub *h = r->hub;
	struct hub_core *c = &h->core;
	struct rpc_worker *w = worker >= 0 ? &r->w[worker] : NULL;
	struct mp_cur cur, check;
	struct mp_span name, edge;
	struct mpbuf *pk = out;
	uint32_t nargs;

	out->len = 0;
	mp_cur_init(&check, req, len);
	if (mp_skip(&check, NULL) < 0 || !mp_cur_done(&check)) {
		reply_error(out, "bad_request", "not one msgpack value");
		return 0;
	}
	mp_cur_init(&cur, req, len);
	if (mp_read_array(&cur, &nargs) < 0 || nargs < 1 ||
	    mp_read_str(&cur, &name) < 0) {
		reply_error(out, "bad_request", "expected [name, args...]");
		return 0;
	}
	nargs--;
	if (mp_span_eq(&name, "state") && nargs == 0) {
		pthread_mutex_lock(&c->lock);
		mpb_array(pk, 3);
		pack_cstr(pk, "ok");
		mpb_uint64(pk, c->state.seq);
		hub_state_pack(&c->state, pk);
		pthread_mutex_unlock(&c->lock);
		if (out->len > WIRE_MAX_MSG)
			reply_error(out, "too_big", "state exceeds the wire limit");
		return 0;
	}
	if (mp_span_eq(&name, "since") && (nargs == 1 || nargs == 2)) {
		uint64_t since, max = WIRE_SINCE_MAX;
		if (mp_read_uint(&cur, &since) < 0 ||
		    (nargs == 2 && mp_read_uint(&cur, &max) < 0)) {
			reply_error(out, "invalid_field", "since");
			return 0;
		}
		handle_since(r, pk, since, max);
		return 0;
	}
	if (mp_span_eq(&name, "status") && nargs == 0) {
		handle_status(r, pk);
		return 0;
	}
	if (mp_span_eq(&name, "hw") && (nargs == 2 || nargs == 3))
		return handle_hw(r, w, &cur, out);

	/* The rest name an edge first. */
	if (nargs < 1 || mp_read_str(&cur, &edge) < 0 || edge.len == 0 ||
	    edge.len > HUB_EDGE_ID_MAX) {
		reply_error(out, "bad_request", "unknown request or bad edge id");
		return 0;
	}
	nargs--;
	int64_t now = hub_mono_ms();
	if (mp_span_eq(&name, "hello") && nargs == 0) {
		pthread_mutex_lock(&c->lock);
		int slot = hub_filters_touch(&c->filters, edge.p, edge.len, now);
		if (slot >= 0) {
			mpb_array(pk, 4);
			pack_cstr(pk, "ok");
			mpb_uint64(pk, h->instance);
			mpb_uint64(pk, c->state.seq);
			mpb_uint64(pk, c->hist.first);
		}
		pthread_mutex_unlock(&c->lock);
		if (slot < 0)
			reply_error(out, "full", "too many edges");
		return 0;
	}
	if (mp_span_eq(&name, "heartbeat") && nargs == 1) {
		uint64_t clients;
		if (mp_read_uint(&cur, &clients) < 0) {
			reply_error(out, "invalid_field", "clients");
			return 0;
		}
		pthread_mutex_lock(&c->lock);
		int slot = hub_filters_touch(&c->filters, edge.p, edge.len, now);
		if (slot >= 0) {
			c->filters.edges[slot].clients =
				clients > UINT32_MAX ? UINT32_MAX : (uint32_t)clients;
			mpb_array(pk, 3);
			pack_cstr(pk, "ok");
			mpb_uint64(pk, h->instance);
			mpb_uint64(pk, c->state.seq);
		}
		pthread_mutex_unlock(&c->lock);
		if (slot < 0)
			reply_error(out, "full", "too many edges");
		return 0;
	}
	if (mp_span_eq(&name, "filter_add") && nargs == 3) {
		struct mp_span tag, mod;
		uint8_t levels;
		uint32_t id = 0;
		uint64_t head = 0;
		int rc;
		if (read_levels(&cur, &levels) < 0) {
			reply_error(out, "invalid_field", "filters.level");
			return 0;
		}
		if (opt_str(&cur, &tag) < 0 || tag.len > HUB_FILTER_STR_MAX) {
			reply_error(out, "invalid_field", "filters.tag");
			return 0;
		}
		if (opt_str(&cur, &mod) < 0 || mod.len > HUB_FILTER_STR_MAX) {
			reply_error(out, "invalid_field", "filters.module");
			return 0;
		}
		pthread_mutex_lock(&c->lock);
		rc = hub_filters_touch(&c->filters, edge.p, edge.len, now);
		if (rc >= 0)
			rc = hub_filters_add(&c->filters, rc, levels, tag.p,
					     tag.len, mod.p, mod.len, &id);
		/* Under the same lock hold as the registration: every log
		 * with a larger seq is matched against this filter, so the
		 * edge knows from where on topic L is complete for it. */
		head = c->state.seq;
		pthread_mutex_unlock(&c->lock);
		if (rc == -ENOSPC)
			reply_error(out, "full", "too many edges or filters");
		else if (rc < 0)
			reply_error(out, "invalid_field", "filters");
		else {
			mpb_array(pk, 3);
			pack_cstr(pk, "ok");
			mpb_uint32(pk, id);
			mpb_uint64(pk, head);
		}
		return 0;
	}
	if (mp_span_eq(&name, "filter_del") && nargs == 1) {
		uint64_t id;
		int rc;
		if (mp_read_uint(&cur, &id) < 0 || id > UINT32_MAX) {
			reply_error(out, "invalid_field", "filter_id");
			return 0;
		}
		pthread_mutex_lock(&c->lock);
		rc = hub_filters_touch(&c->filters, edge.p, edge.len, now);
		if (rc >= 0)
			rc = hub_filters_del(&c->filters, rc, (uint32_t)id);
		pthread_mutex_unlock(&c->lock);
		if (rc < 0) {
			reply_error(out, "not_found", "no such filter for this edge");
		} else {
			mpb_array(pk, 1);
			pack_cstr(pk, "ok");
		}
		return 0;
	}
	reply_error(out, "bad_request", "unknown request or wrong arguments");
	return 0;
}

/* ---- workers ----------------------------------------------------------- */

static void
send_reply(struct rpc_worker *w)
{
	nng_msg *m;

	if (nng_msg_alloc(&m, w->out.len) != 0) {
		/* no memory: drop the request, the edge times out and retries */
		w->state = W_RECV;
		nng_ctx_recv(w->ctx, w->aio);
		return;
	}
	memcpy(nng_msg_body(m), w->out.p, w->out.len);
	nng_aio_set_msg(w->aio, m);
	w->state = W_SEND;
	nng_ctx_send(w->ctx, w->aio);
}

static void
worker_cb(void *arg)
{
	struct rpc_worker *w = arg;
	struct hub_rpc *r = w->rpc;
	nng_msg *m;
	int rc = nng_aio_result(w->aio);

	switch (atomic_load(&w->state)) {
	case W_RECV:
		if (rc == NNG_ECLOSED || rc == NNG_ECANCELED)
			return;
		if (rc != 0) {
			nng_ctx_recv(w->ctx, w->aio);
			return;
		}
		m = nng_aio_get_msg(w->aio);
		__atomic_fetch_add(&r->requests, 1, __ATOMIC_RELAXED);
		if (hub_rpc_handle(r, w->idx, nng_msg_body(m), nng_msg_len(m),
				   &w->out) == 1) {
			nng_msg_free(m);
			return; /* parked until hub_rpc_rid_done or tick */
		}
		nng_msg_free(m);
		send_reply(w);
		break;
	case W_SEND:
		if (rc != 0) {
			nng_msg_free(nng_aio_get_msg(w->aio));
			if (rc == NNG_ECLOSED || rc == NNG_ECANCELED)
				return;
		}
		w->state = W_RECV;
		nng_ctx_recv(w->ctx, w->aio);
		break;
	default:
		break;
	}
}

static void
reply_hw(struct rpc_worker *w, uint64_t seq)
{
	struct mpbuf *pk = &w->out;

	w->out.len = 0;
	mpb_array(pk, 2);
	pack_cstr(pk, "ok");
	mpb_uint64(pk, seq);
	send_reply(w);
}

void
hub_rpc_rid_done(void *arg, uint64_t rid, uint64_t seq)
{
	struct hub_rpc *r = arg;

	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	for (int i = 0; i < r->nworkers; i++) {
		struct rpc_worker *w = &r->w[i];
		if (w->state == W_WAIT && w->rid == rid) {
			reply_hw(w, seq);
			break;
		}
	}
	pthread_mutex_unlock(&r->lock);
}

void
hub_rpc_tick(struct hub_rpc *r, int64_t now_ms, int64_t timeout_ms)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	for (int i = 0; i < r->nworkers; i++) {
		struct rpc_worker *w = &r->w[i];
		if (w->state == W_WAIT && now_ms - w->wait_ms > timeout_ms)
			reply_hw(w, 0);
	}
	pthread_mutex_unlock(&r->lock);
}

int
hub_rpc_open(struct hub_rpc **out, struct hub *h, char *err, size_t errlen)
{
	struct hub_rpc *r;
	int rc, n = h->cfg.rpc_workers ? (int)h->cfg.rpc_workers : 8;

	if (!(r = calloc(1, sizeof(*r))) || !(r->w = calloc((size_t)n, sizeof(*r->w)))) {
		free(r);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r->hub = h;
	pthread_mutex_init(&r->lock, NULL);
	if (getrandom(&r->next_rid, sizeof(r->next_rid), 0) != sizeof(r->next_rid))
		r->next_rid = (uint64_t)hub_wall_ms() << 20;
	r->next_rid &= ~0xffffffffull; /* counter in the low half */
	if ((rc = nng_rep0_open(&r->sock)) != 0) {
		snprintf(err, errlen, "rep socket: %s", nng_strerror(rc));
		pthread_mutex_destroy(&r->lock);
		free(r->w);
		free(r);
		return -ENOMEM;
	}
	(void)nng_socket_set_size(r->sock, NNG_OPT_RECVMAXSZ, WIRE_MAX_MSG);
	for (int i = 0; i < n; i++) {
		struct rpc_worker *w = &r->w[i];
		w->rpc = r;
		w->idx = i;
		mpbuf_init(&w->out);
		if (nng_aio_alloc(&w->aio, worker_cb, w) != 0 ||
		    nng_ctx_open(&w->ctx, r->sock) != 0) {
			snprintf(err, errlen, "rpc context: out of memory");
			r->nworkers = i + 1;
			hub_rpc_close(r);
			return -ENOMEM;
		}
		r->nworkers = i + 1;
	}
	for (int i = 0; i < h->cfg.nrpc; i++) {
		if ((rc = hub_listen(r->sock, h->cfg.rpc_urls[i], err, errlen)) < 0) {
			hub_rpc_close(r);
			return rc;
		}
	}
	for (int i = 0; i < n; i++) {
		r->w[i].state = W_RECV;
		nng_ctx_recv(r->w[i].ctx, r->w[i].aio);
	}
	*out = r;
	return 0;
}

/*
 * Every context's aio is stopped before the socket closes: once they are,
 * no callback runs and none can start a new operation, so nng_close has
 * nothing of ours left to wait for.  (NNG 1.5 has known hangs when a
 * socket closes under contexts that are still busy.)
 */
void
hub_rpc_stop(struct hub_rpc *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->nworkers; i++)
		if (r->w[i].aio)
			nng_aio_stop(r->w[i].aio);
}

void
hub_rpc_close(struct hub_rpc *r)
{
	if (!r)
		return;
	hub_rpc_stop(r);
	nng_close(r->sock);
	for (int i = 0; i < r->nworkers; i++) {
		if (r->w[i].aio)
			nng_aio_free(r->w[i].aio);
		mpbuf_free(&r->w[i].out);
	}
	pthread_mutex_destroy(&r->lock);
	free(r->w);
	free(r);
}
