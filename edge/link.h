/*
 * The NNG side of the hub link.  NNG's threads run the aio callbacks
 * here; they only queue what arrived (an inbox under a mutex) and wake
 * the lws service thread with lws_cancel_service(), which then drains the
 * inbox (sync.c).  Nothing in this file touches edge state.
 */
#ifndef EDGE_LINK_H
#define EDGE_LINK_H

#include <stddef.h>
#include <stdint.h>

#include <nng/nng.h>

struct lws_context;
struct edge_link;

enum edge_in_kind {
	EDGE_IN_EVENTS, /* a PUB message (topic byte + body) */
	EDGE_IN_REPLY,  /* an RPC reply, or a failure (msg NULL) */
	EDGE_IN_PIPE,   /* the events link went up or down */
};

struct edge_in {
	struct edge_in *next;
	enum edge_in_kind kind;
	nng_msg *msg;
	int err;           /* NNG error for a failed request */
	int req_kind;      /* what the reply answers (sync.c's enum) */
	uint64_t cookie;
	int up;            /* EDGE_IN_PIPE */
	void *req;         /* internal */
};

/* Open SUB and REQ sockets and dial them without waiting (the hub may
 * start later; NNG retries with backoff up to RECONN_MAX_MS).  Returns 0
 * or a negative errno-style code with a reason in ERR.  WAKE is the lws
 * context to wake; INBOX_MAX bounds queued PUB bytes (beyond it messages
 * are dropped and counted: the gap repair recovers them). */
int edge_link_open(struct edge_link **out, const char *events_url,
		   const char *rpc_url, struct lws_context *wake,
		   size_t inbox_max, char *err, size_t errlen);
void edge_link_close(struct edge_link *l);

/* Subscribe to / unsubscribe from a topic byte. */
int edge_link_topic(struct edge_link *l, char topic, int on);

/* Send an RPC (BODY copied).  The reply, or a failure after TIMEOUT_MS,
 * arrives in the inbox with KIND and COOKIE.  Returns 0 or -ENOMEM. */
int edge_link_request(struct edge_link *l, int kind, uint64_t cookie,
		      const void *body, size_t len, int timeout_ms);

/* Take everything queued (oldest first); free each with
 * edge_link_in_free. */
struct edge_in *edge_link_take(struct edge_link *l);
void edge_link_in_free(struct edge_in *in);
uint64_t edge_link_dropped(struct edge_link *l);

#endif /* EDGE_LINK_H */
