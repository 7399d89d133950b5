/*
 * Hub link over NNG: a SUB socket for the event stream and a REQ socket
 * for RPCs, one nng_ctx per request so several can be in flight (history
 * for a resuming client does not wait behind a heartbeat).
 *
 * Both sockets are dialled with NNG_FLAG_NONBLOCK: the edge runs fine
 * before its hub exists, and NNG keeps redialling with a backoff capped
 * at RECONN_MAX_MS.  Receive buffers go to NNG's maximum (8192 messages)
 * since PUB drops the oldest message for a subscriber that lags; the
 * edge detects such drops from the prev_e/prev_l chain and repairs them.
 *
 * Threads: callbacks run on NNG's threads and only append to the inbox
 * and call lws_cancel_service(), the one lws call that is safe from
 * another thread.  The inbox is bounded in bytes; a message that does not
 * fit is dropped here and counted, which the stream repair handles like
 * any other lost message.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/req.h>

#include "link.h"
#include "wire.h"

#define RECONN_MIN_MS 100
#define RECONN_MAX_MS 2000

struct edge_req {
	struct edge_link *l;
	nng_ctx ctx;
	nng_aio *aio;
	int sending;
	int kind;
	uint64_t cookie;
};

struct edge_link {
	nng_socket sub;
	nng_socket req;
	nng_aio *sub_aio;
	struct lws_context *wake;
	pthread_mutex_t mu;
	struct edge_in *head, *tail;
	size_t bytes, max_bytes;
	uint64_t dropped;
	int closing;
	int sub_open, req_open;
};

static void
push(struct edge_link *l, struct edge_in *in)
{
	int wake;

	pthread_mutex_lock(&l->mu);
	if (l->closing) {
		pthread_mutex_unlock(&l->mu);
		edge_link_in_free(in);
		return;
	}
	if (in->kind == EDGE_IN_EVENTS) {
		size_t n = nng_msg_len(in->msg);
		if (l->bytes + n > l->max_bytes) {
			l->dropped++;
			pthread_mutex_unlock(&l->mu);
			edge_link_in_free(in);
			return;
		}
		l->bytes += n;
	}
	in->next = NULL;
	wake = l->head == NULL;
	if (l->tail)
		l->tail->next = in;
	else
		l->head = in;
	l->tail = in;
	pthread_mutex_unlock(&l->mu);
	/* The service thread drains everything per wake-up, so one wake for
	 * an empty inbox is enough. */
	if (wake)
		lws_cancel_service(l->wake);
}

static void
sub_cb(void *arg)
{
	struct edge_link *l = arg;
	int rv = nng_aio_result(l->sub_aio);

	if (rv == 0) {
		struct edge_in *in = calloc(1, sizeof(*in));
		nng_msg *m = nng_aio_get_msg(l->sub_aio);

		if (in == NULL) {
			nng_msg_free(m);
		} else {
			in->kind = EDGE_IN_EVENTS;
			in->msg = m;
			push(l, in);
		}
	} else if (rv == NNG_ECLOSED || rv == NNG_ECANCELED) {
		return;
	}
	nng_recv_aio(l->sub, l->sub_aio);
}

static void
pipe_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct edge_link *l = arg;
	struct edge_in *in = calloc(1, sizeof(*in));

	(void)p;
	if (in == NULL)
		return;
	in->kind = EDGE_IN_PIPE;
	in->up = ev == NNG_PIPE_EV_ADD_POST;
	push(l, in);
}

static void
req_cb(void *arg)
{
	struct edge_req *r = arg;
	int rv = nng_aio_result(r->aio);
	struct edge_in *in;

	if (rv == 0 && r->sending) {
		r->sending = 0;
		nng_ctx_recv(r->ctx, r->aio);
		return;
	}
	if (rv != 0 && r->sending) {
		nng_msg_free(nng_aio_get_msg(r->aio));
		nng_aio_set_msg(r->aio, NULL);
	}
	in = calloc(1, sizeof(*in));
	if (in == NULL) {
		/* Cannot report: the requester's timeout logic retries.  The
		 * request object leaks its aio to avoid freeing in-callback. */
		return;
	}
	in->kind = EDGE_IN_REPLY;
	in->err = rv;
	in->msg = rv == 0 ? nng_aio_get_msg(r->aio) : NULL;
	in->req_kind = r->kind;
	in->cookie = r->cookie;
	in->req = r;
	push(r->l, in);
}

int
edge_link_open(struct edge_link **out, const char *events_url,
	       const char *rpc_url, struct lws_context *wake, size_t inbox_max,
	       char *err, size_t errlen)
{
	struct edge_link *l;
	int rv;

	l = calloc(1, sizeof(*l));
	if (l == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	pthread_mutex_init(&l->mu, NULL);
	l->wake = wake;
	l->max_bytes = inbox_max;
	if ((rv = nng_sub0_open(&l->sub)) != 0)
		goto fail;
	l->sub_open = 1;
	if ((rv = nng_req0_open(&l->req)) != 0)
		goto fail;
	l->req_open = 1;
	nng_socket_set_int(l->sub, NNG_OPT_RECVBUF, 8192);
	nng_socket_set_size(l->sub, NNG_OPT_RECVMAXSZ, WIRE_MAX_MSG);
	nng_socket_set_size(l->req, NNG_OPT_RECVMAXSZ, WIRE_MAX_MSG);
	nng_socket_set_ms(l->sub, NNG_OPT_RECONNMINT, RECONN_MIN_MS);
	nng_socket_set_ms(l->sub, NNG_OPT_RECONNMAXT, RECONN_MAX_MS);
	nng_socket_set_ms(l->req, NNG_OPT_RECONNMINT, RECONN_MIN_MS);
	nng_socket_set_ms(l->req, NNG_OPT_RECONNMAXT, RECONN_MAX_MS);
	/* A request whose pipe died is resent on the next one after this;
	 * our own per-request timeout is shorter anyway. */
	nng_socket_set_ms(l->req, NNG_OPT_REQ_RESENDTIME, 1000);
	if ((rv = nng_socket_set(l->sub, NNG_OPT_SUB_SUBSCRIBE, "E", 1)) != 0)
		goto fail;
	nng_pipe_notify(l->sub, NNG_PIPE_EV_ADD_POST, pipe_cb, l);
	nng_pipe_notify(l->sub, NNG_PIPE_EV_REM_POST, pipe_cb, l);
	if ((rv = nng_aio_alloc(&l->sub_aio, sub_cb, l)) != 0)
		goto fail;
	if ((rv = nng_dial(l->sub, events_url, NULL, NNG_FLAG_NONBLOCK)) != 0) {
		snprintf(err, errlen, "cannot dial %s: %s", events_url,
			 nng_strerror(rv));
		edge_link_close(l);
		return -EINVAL;
	}
	if ((rv = nng_dial(l->req, rpc_url, NULL, NNG_FLAG_NONBLOCK)) != 0) {
		snprintf(err, errlen, "cannot dial %s: %s", rpc_url,
			 nng_strerror(rv));
		edge_link_close(l);
		return -EINVAL;
	}
	nng_recv_aio(l->sub, l->sub_aio);
	*out = l;
	return 0;
fail:
	snprintf(err, errlen, "nng: %s", nng_strerror(rv));
	edge_link_close(l);
	return -EIO;
}

void
edge_link_close(struct edge_link *l)
{
	struct edge_in *in;

	if (l == NULL)
		return;
	pthread_mutex_lock(&l->mu);
	l->closing = 1;
	pthread_mutex_unlock(&l->mu);
	if (l->sub_aio)
		nng_aio_stop(l->sub_aio);
	if (l->sub_open)
		nng_close(l->sub);
	if (l->req_open)
		nng_close(l->req);
	nng_aio_free(l->sub_aio);
	in = l->head;
	while (in) {
		struct edge_in *n = in->next;
		edge_link_in_free(in);
		in = n;
	}
	pthread_mutex_destroy(&l->mu);
	free(l);
}

int
edge_link_topic(struct edge_link *l, char topic, int on)
{
	int rv = nng_socket_set(l->sub,
				on ? NNG_OPT_SUB_SUBSCRIBE : NNG_OPT_SUB_UNSUBSCRIBE,
				&topic, 1);
	return rv == 0 ? 0 : -EINVAL;
}

int
edge_link_request(struct edge_link *l, int kind, uint64_t cookie,
		  const void *body, size_t len, int timeout_ms)
{
	struct edge_req *r = calloc(1, sizeof(*r));
	nng_msg *m = NULL;

	if (r == NULL)
		return -ENOMEM;
	r->l = l;
	r->kind = kind;
	r->cookie = cookie;
	r->sending = 1;
	if (nng_ctx_open(&r->ctx, l->req) != 0) {
		free(r);
		return -ENOMEM;
	}
	if (nng_aio_alloc(&r->aio, req_cb, r) != 0 ||
	    nng_msg_alloc(&m, 0) != 0 || nng_msg_append(m, body, len) != 0) {
		nng_msg_free(m);
		nng_aio_free(r->aio);
		nng_ctx_close(r->ctx);
		free(r);
		return -ENOMEM;
	}
	nng_aio_set_timeout(r->aio, timeout_ms);
	nng_aio_set_msg(r->aio, m);
	nng_ctx_send(r->ctx, r->aio);
	return 0;
}

struct edge_in *
edge_link_take(struct edge_link *l)
{
	struct edge_in *h;

	pthread_mutex_lock(&l->mu);
	h = l->head;
	l->head = l->tail = NULL;
	l->bytes = 0;
	pthread_mutex_unlock(&l->mu);
	return h;
}

void
edge_link_in_free(struct edge_in *in)
{
	if (in == NULL)
		return;
	if (in->msg)
		nng_msg_free(in->msg);
	if (in->req) {
		struct edge_req *r = in->req;
		/* This may run inside the aio's own callback (when the link
		 * is closing), where nng_aio_free would wait for itself:
		 * nng_aio_reap frees it from NNG's reaper instead. */
		nng_ctx_close(r->ctx);
		nng_aio_reap(r->aio);
		free(r);
	}
	free(in);
}

uint64_t
edge_link_dropped(struct edge_link *l)
{
	uint64_t d;

	pthread_mutex_lock(&l->mu);
	d = l->dropped;
	pthread_mutex_unlock(&l->mu);
	return d;
}
