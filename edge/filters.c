/*
 * Log filters of this edge's clients.  Clients with equal filters share
 * one entry and so one filter id in the hub (which evaluates each
 * distinct filter once per log and lists the ids a log matched).  An
 * entry lives while a client uses it; the first user registers it
 * (filter_add), the last one leaving deletes it (filter_del).  The logs
 * topic is subscribed only while at least one entry exists, so an edge
 * without log subscribers never receives logs.
 *
 * A client's logs_subscribed reply is sent once the hub has confirmed the
 * filter, so logs that match arrive from then on; with no hub it is sent
 * at once and the filter is registered when the hub comes.
 *
 * Completeness for a resume.  The edge's stream (and so its recent
 * buffer) holds the logs a filter matches only from some seq on: the
 * hub publishes a log on topic L only if a registered filter matched it
 * when it was sequenced.  The hub's confirmation carries its head seq at
 * registration; with what the logs topic has seen so far
 * (edge_sync_logs_complete) that gives complete_from.  A client that
 * resumes from before it must take those logs from the hub's history
 * (client.c); so must every client of the filter while the hub has not
 * confirmed it (again, after a hub restart).
 *
 * A hub with no room for another filter (it holds a bounded number, and
 * clients choose their tags) refuses it with "full".  The edge then
 * registers the catch-all instead, which the hub always has room for:
 * it publishes every log, and the edge picks each client's out of them
 * itself as it always does.  The refused filter is "covered": it counts
 * as registered, confirmed and complete as the catch-all is, holds the
 * catch-all (covers) until its last client leaves, and tries for its own
 * registration again only when all filters are registered anew (a hub
 * restart, a freeze), not every second.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "edge.h"
#include "log.h"
#include "mpread.h"
#include "sync.h"
#include "wire.h"

struct edge_filter {
	struct edge_filter *next;
	struct edge_logfilter f;
	uint64_t serial;
	uint32_t hub_id;
	int registered;
	int adding;   /* a filter_add is in flight */
	int confirmed; /* complete_from is valid */
	uint64_t complete_from;
	unsigned refs;
	struct edge_filter *cover; /* the catch-all standing in (hub full) */
	unsigned covers;           /* filters this catch-all stands in for */
};

/* The filter whose registration serves FL's clients. */
static const struct edge_filter *
effective(const struct edge_filter *fl)
{
	return fl->cover ? fl->cover : fl;
}

static int
is_catchall(const struct edge_logfilter *f)
{
	return f->levels == WIRE_LEVEL_ALL && !f->has_tag && !f->has_module;
}

/* Still needed: by a client, or as the stand-in of refused filters. */
static int
in_use(const struct edge_filter *fl)
{
	return fl->refs > 0 || fl->covers > 0;
}

static uint64_t filter_serial;

static void
pack_str(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);

	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

static void
send_add(struct edge *e, struct edge_filter *fl)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;

	if (fl->f.levels == 0)
		return; /* matches nothing: nothing to register */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 5);
	pack_str(&pk, "filter_add");
	pack_str(&pk, e->conf.id);
	if (fl->f.has_levels)
		msgpack_pack_uint32(&pk, fl->f.levels);
	else
		msgpack_pack_nil(&pk);
	if (fl->f.has_tag)
		pack_str(&pk, fl->f.tag);
	else
		msgpack_pack_nil(&pk);
	if (fl->f.has_module)
		pack_str(&pk, fl->f.module);
	else
		msgpack_pack_nil(&pk);
	if (edge_sync_request(e, EDGE_REQ_FILTER_ADD, fl->serial, sb.data,
			      sb.size) == 0)
		fl->adding = 1;
	msgpack_sbuffer_destroy(&sb);
}

static void
send_del(struct edge *e, uint32_t id)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 3);
	pack_str(&pk, "filter_del");
	pack_str(&pk, e->conf.id);
	msgpack_pack_uint32(&pk, id);
	(void)edge_sync_request(e, EDGE_REQ_FILTER_DEL, 0, sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
}

static void
reply_subscribed(struct edge *e, struct edge_client *c)
{
	struct edge_buf b;
	struct edge_frame *f;

	c->sub_pending = 0;
	edge_buf_init(&b, EDGE_PRE, 0);
	edge_buf_adds(&b, "{\"type\":\"logs_subscribed\",\"data\":{\"filters\":");
	edge_logfilter_json(&b, &c->filter->f);
	edge_buf_adds(&b, "}}");
	if (edge_frame_from_buf(&f, &b, EDGE_FRAME_REPLY, 0) == 0) {
		edge_client_push(e, c, f);
		edge_frame_unref(f);
	}
}

static void
update_topic(struct edge *e)
{
	struct edge_filter *fl;
	unsigned n = 0;

	for (fl = e->filters; fl; fl = fl->next)
		n++;
	e->nfilters_active = n;
	if (e->sync)
		edge_sync_logs(e, n > 0);
}

static void
unlink_filter(struct edge *e, struct edge_filter *fl)
{
	struct edge_filter **pp;

	for (pp = &e->filters; *pp; pp = &(*pp)->next)
		if (*pp == fl) {
			*pp = fl->next;
			break;
		}
	free(fl);
	update_topic(e);
}

/* FL gives up its stand-in; the catch-all goes when nothing needs it. */
static void
release_cover(struct edge *e, struct edge_filter *fl)
{
	struct edge_filter *ca = fl->cover;

	if (ca == NULL)
		return;
	fl->cover = NULL;
	if (--ca->covers > 0 || ca->refs > 0 || ca->adding)
		return;
	if (ca->registered && edge_sync_linked(e))
		send_del(e, ca->hub_id);
	unlink_filter(e, ca);
}

/* The hub refused FL for want of room: the catch-all stands in. */
static void
cover_with_catchall(struct edge *e, struct edge_filter *fl)
{
	struct edge_filter *ca;

	if (fl->cover != NULL || is_catchall(&fl->f) || fl->refs == 0)
		return;
	for (ca = e->filters; ca; ca = ca->next)
		if (is_catchall(&ca->f))
			break;
	if (ca == NULL) {
		if ((ca = calloc(1, sizeof(*ca))) == NULL)
			return;
		ca->f.levels = WIRE_LEVEL_ALL;
		ca->serial = ++filter_serial;
		ca->next = e->filters;
		e->filters = ca;
		update_topic(e);
	}
	ca->covers++;
	fl->cover = ca;
	log_warnx("the hub has no room for another log filter: its logs come "
		  "through the catch-all");
	if (!ca->registered && !ca->adding && edge_sync_linked(e))
		send_add(e, ca);
}

int
edge_filter_subscribe(struct edge *e, struct edge_client *c,
		      const struct edge_logfilter *f)
{
	struct edge_filter *fl;

	for (fl = e->filters; fl; fl = fl->next)
		if (edge_logfilter_eq(&fl->f, f))
			break;
	if (fl != NULL && fl == c->filter) {
		reply_subscribed(e, c);
		return 0;
	}
	edge_filter_unsubscribe(e, c);
	if (fl == NULL) {
		fl = calloc(1, sizeof(*fl));
		if (fl == NULL)
			return -ENOMEM;
		fl->f = *f;
		fl->serial = ++filter_serial;
		fl->next = e->filters;
		e->filters = fl;
		update_topic(e);
	}
	fl->refs++;
	c->filter = fl;
	if (effective(fl)->registered || !edge_sync_linked(e) ||
	    fl->f.levels == 0) {
		reply_subscribed(e, c);
		return 0;
	}
	c->sub_pending = 1;
	if (!fl->adding)
		send_add(e, fl);
	return 0;
}

void
edge_filter_unsubscribe(struct edge *e, struct edge_client *c)
{
	struct edge_filter *fl = c->filter;

	if (fl == NULL)
		return;
	c->filter = NULL;
	c->sub_pending = 0;
	if (--fl->refs > 0 || fl->covers > 0)
		return;
	if (fl->adding)
		return; /* freed when the hub answers */
	if (fl->registered && edge_sync_linked(e))
		send_del(e, fl->hub_id);
	release_cover(e, fl);
	unlink_filter(e, fl);
}

static int
filter_matches(const struct edge_logfilter *fl, unsigned level, const char *tag,
	       size_t taglen, const char *module, size_t modlen)
{
	if (fl->has_levels && !(fl->levels & level))
		return 0;
	if (fl->has_tag && (tag == NULL || taglen != strlen(fl->tag) ||
			    memcmp(tag, fl->tag, taglen) != 0))
		return 0;
	if (fl->has_module &&
	    (module == NULL || modlen != strlen(fl->module) ||
	     memcmp(module, fl->module, modlen) != 0))
		return 0;
	return 1;
}

/*
 * The edge decides itself which client gets a log, from the log's own
 * level, tag and module, with the same rules as the hub.  The hub's ids
 * only say a log is worth publishing; they cannot be trusted for logs
 * from its history: a restarted hub replays its ring before any edge has
 * registered again, and those logs carry no ids at all.
 */
int
edge_filter_match(const struct edge_client *c, const struct edge_frame *f)
{
	if (c->filter == NULL)
		return 0;
	return filter_matches(&c->filter->f, f->log_level, f->log_tag,
			      f->log_tag ? strlen(f->log_tag) : 0, f->log_module,
			      f->log_module ? strlen(f->log_module) : 0);
}

int
edge_filter_wants(struct edge *e, unsigned level, const char *tag,
		  size_t taglen, const char *module, size_t modlen)
{
	struct edge_filter *fl;

	/* clients' filters only: a catch-all that stands in for refused
	 * ones wants exactly what those want */
	for (fl = e->filters; fl; fl = fl->next)
		if (fl->refs > 0 &&
		    filter_matches(&fl->f, level, tag, taglen, module, modlen))
			return 1;
	return 0;
}

/* Is REPLY ["error", "full", ...]? */
static int
refused_full(const void *reply, size_t len)
{
	struct edge_mpr r;
	uint32_t n;

	edge_mpr_init(&r, reply, len);
	return edge_mpr_array(&r, &n) == 0 && n >= 2 &&
	       edge_mpr_str_eq(&r, "error") == 1 &&
	       edge_mpr_str_eq(&r, "full") == 1;
}

void
edge_filter_reply(struct edge *e, uint64_t cookie, int add, const void *reply,
		  size_t len, int failed)
{
	struct edge_filter *fl;
	struct edge_client *c;
	struct edge_mpr r;
	uint32_t n;
	uint64_t id, head;

	if (!add)
		return;
	for (fl = e->filters; fl; fl = fl->next)
		if (fl->serial == cookie)
			break;
	if (fl == NULL)
		return;
	fl->adding = 0;
	if (!failed) {
		edge_mpr_init(&r, reply, len);
		if (edge_mpr_array(&r, &n) == 0 && n >= 2 &&
		    edge_mpr_str_eq(&r, "ok") == 1 && edge_mpr_uint(&r, &id) == 0) {
			fl->hub_id = (uint32_t)id;
			fl->registered = 1;
			release_cover(e, fl); /* there is room again */
			/* A hub that does not say its head: what this edge has
			 * forwarded is the best guess (logs sequenced while the
			 * request was on its way may then be missed). */
			if (n < 3 || edge_mpr_uint(&r, &head) != 0)
				head = edge_sync_fwd(e);
			fl->complete_from = edge_sync_logs_complete(e, head);
			fl->confirmed = 1;
		} else if (refused_full(reply, len)) {
			cover_with_catchall(e, fl);
		} else {
			log_warnx("hub refused a log filter");
		}
	}
	if (!in_use(fl)) {
		if (fl->registered && edge_sync_linked(e))
			send_del(e, fl->hub_id);
		release_cover(e, fl);
		unlink_filter(e, fl);
		edge_sync_filters_settled(e);
		return;
	}
	/* Answer the clients waiting, whether or not the hub took it (on
	 * failure the next link-up registers it again); and tell those whose
	 * logs are now complete from a known seq, through this filter or
	 * through the catch-all standing in for theirs. */
	for (c = e->clients; c; c = c->next) {
		if (c->filter == NULL ||
		    (c->filter != fl && c->filter->cover != fl))
			continue;
		if (c->filter == fl && c->sub_pending)
			reply_subscribed(e, c);
		if (effective(c->filter)->confirmed)
			edge_client_filter_confirmed(e, c);
	}
	edge_sync_filters_settled(e);
}

int
edge_filter_adding(const struct edge *e)
{
	const struct edge_filter *fl;

	for (fl = e->filters; fl; fl = fl->next)
		if (fl->adding)
			return 1;
	return 0;
}

int
edge_filter_complete(const struct edge_client *c, uint64_t *from)
{
	const struct edge_filter *fl = c->filter;

	*from = 0;
	if (fl == NULL || fl->f.levels == 0)
		return 1; /* no logs wanted */
	fl = effective(fl);
	if (!fl->confirmed)
		return 0;
	*from = fl->complete_from;
	return 1;
}

void
edge_filter_reregister(struct edge *e)
{
	struct edge_filter *fl;

	for (fl = e->filters; fl; fl = fl->next) {
		fl->registered = 0;
		fl->confirmed = 0;
		/* a covered filter tries for its own place again too */
		if (!fl->adding && in_use(fl))
			send_add(e, fl);
	}
}

void
edge_filter_retry(struct edge *e)
{
	struct edge_filter *fl;

	/* A filter_add that failed (timed out on a busy hub, say) is sent
	 * again: without it the hub would not publish the logs it matches. */
	for (fl = e->filters; fl; fl = fl->next)
		if (in_use(fl) && !fl->registered && !fl->adding && !fl->cover)
			send_add(e, fl);
}

void
edge_filter_hub_lost(struct edge *e)
{
	struct edge_filter *fl;

	for (fl = e->filters; fl; fl = fl->next)
		fl->adding = 0;
}

void
edge_filter_free_all(struct edge *e)
{
	while (e->filters) {
		struct edge_filter *n = e->filters->next;
		free(e->filters);
		e->filters = n;
	}
}
