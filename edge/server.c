/*
 * The libwebsockets side: one context, one vhost, two protocols ("http"
 * first, which serves plain requests and vets upgrades, and "flow", the
 * WebSocket protocol, marked the vhost default because browsers send no
 * subprotocol), and the thin callback switches that hand each event to
 * an edge_* function.
 *
 * Listening: by default lws listens itself; with an IPv4 address the
 * vhost gets LWS_SERVER_OPTION_DISABLE_IPV6, since lws 4.1 otherwise
 * binds [::] and answers on every interface whatever iface says.  With
 * --reuseport the edge makes the listening socket itself (SO_REUSEPORT,
 * so several edges share one port), lws does not listen, and the socket
 * is adopted as a raw descriptor whose readiness makes us accept4() and
 * hand each connection to lws_adopt_socket_vhost().
 *
 * Shutdown: the signal handler only sets a flag and wakes the loop; the
 * loop then closes every client with 1001 "going away" and keeps
 * servicing until they are gone or a deadline passes.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "edge.h"
#include "link.h"
#include "log.h"
#include "lwsmem.h"

#define SHUTDOWN_MS 3000
#define ARG_MAX 2048 /* longest query argument read (logs=...) */
/* Header-table region: at most this many slots (512 MiB of address
 * space); tables past it go to malloc. */
#define LWSMEM_MAX_SLOTS (128u << 10)

static struct edge *
edge_of(struct lws *wsi)
{
	return lws_context_user(lws_get_context(wsi));
}

/*
 * Accept pacing.  lws' listener accepts the whole backlog whenever it is
 * readable, and each connection's handshake clock (timeout_secs) starts
 * at accept.  When clients arrive faster than the edge can answer their
 * upgrades (a burst of reconnects on a busy machine), connections then
 * queue inside the edge until their clock runs out and lws drops them,
 * after the work of accepting them was spent: with the edge held to a
 * tenth of a CPU, 37 of 15 000 clients got in (measured,
 * doc/performance.md).  So at most HS_MAX connections may be in their
 * HTTP handshake at once (counted by their header tables, lwsmem.c);
 * past that the listener is taken out of the poll set and the rest wait
 * in the kernel's backlog, or retry their SYN, where no clock runs,
 * until no more than HS_RESUME are left.  lws puts the listener back
 * itself whenever a connection closes; the next accept then pauses it
 * again.  HS_MAX is a compromise: at a tenth of a CPU the edge still
 * upgrades ~750 connections a second, so 8192 wait at most ~11 s of the
 * 20; a smaller limit lets a burst overflow the kernel's backlog (4096
 * here) more often, and a few of the connections whose SYNs the kernel
 * then drops end up reset by it (2048 lost 1 of 15 000 in some runs);
 * and it takes that many silent sockets to stall new connects.
 */
#define HS_MAX 8192
#define HS_RESUME (HS_MAX / 2)
#define HS_CHECK_US (5 * LWS_US_PER_MS)

static size_t
handshaking(void)
{
	return edge_lwsmem_in_use() / 2;
}

static void
accept_check(lws_sorted_usec_list_t *sul)
{
	struct edge *e = lws_container_of(sul, struct edge, accept_sul);

	if (handshaking() > HS_RESUME) {
		lws_sul_schedule(e->ctx, 0, &e->accept_sul, accept_check,
				 HS_CHECK_US);
		return;
	}
	e->accept_paused = 0;
	if (e->lsock)
		lws_rx_flow_control(e->lsock, 1);
}

/* Called for each accepted connection: 1 when the listener should stop
 * accepting for now (it has been taken out of the poll set). */
static int
accept_gate(struct edge *e, struct lws *lsock)
{
	e->lsock = lsock;
	if (handshaking() < HS_MAX)
		return 0;
	lws_rx_flow_control(lsock, 0);
	if (!e->accept_paused) {
		e->accept_paused = 1;
		e->m.accept_pauses++;
		log_debug("%zu connections in their handshake: accepting "
			  "paused", handshaking());
		lws_sul_schedule(e->ctx, 0, &e->accept_sul, accept_check,
				 HS_CHECK_US);
	}
	return 1;
}

static int
http_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	void *in, size_t len)
{
	struct edge *e = edge_of(wsi);
	struct edge_http *h = user;

	switch (reason) {
	case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
		/* WSI is lws' listener here, USER the accept's details. */
		(void)accept_gate(e, wsi);
		return edge_hs_admit(e, user ? (const struct sockaddr *)
				     &((struct lws_filter_network_conn_args *)
				       user)->cli_addr : NULL) != 0;
	case LWS_CALLBACK_WSI_CREATE:
		/* lws calls these two on the vhost's first protocol for
		 * every wsi, whichever protocol it is bound to later */
		edge_hs_created(e, wsi);
		return 0;
	case LWS_CALLBACK_WSI_DESTROY:
		edge_hs_done(e, wsi);
		return 0;
	case LWS_CALLBACK_HTTP:
		if (edge_http_request(e, wsi, h, in ? (const char *)in : "/") < 0)
			return -1;
		return 0;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return edge_http_writeable(e, wsi, h);
	case LWS_CALLBACK_HTTP_FILE_COMPLETION:
		if (lws_http_transaction_completed(wsi))
			return -1;
		return 0;
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		return edge_http_confirm_upgrade(e, wsi);
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		edge_http_fini(h);
		break;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static int
flow_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	void *in, size_t len)
{
	struct edge *e = edge_of(wsi);
	struct edge_client *c = user;
	char uri[64];

	switch (reason) {
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		if (e && e->sync)
			edge_sync_drain(e);
		break;
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		/* lws asks the protocol the connection is bound to, which is
		 * this one when it is the vhost default. */
		return edge_http_confirm_upgrade(e, wsi);
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		/* Second line of defence: the upgrade was vetted already. */
		if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) <= 0 ||
		    strcmp(uri, EDGE_WS_PATH) != 0 ||
		    !edge_http_origin_allowed(e, wsi))
			return 1;
		break;
	case LWS_CALLBACK_ESTABLISHED:
		return edge_client_established(e, c, wsi);
	case LWS_CALLBACK_CLOSED:
		edge_client_closed(e, c);
		break;
	case LWS_CALLBACK_RECEIVE:
		return edge_client_receive(e, c, in, len);
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return edge_client_writeable(e, c);
	case LWS_CALLBACK_TIMER:
		edge_client_timer(e, c);
		break;
	default:
		break;
	}
	return 0;
}

/*
 * The resume point on the upgrade URL.  lws hands the query over as
 * fragments split at '&' and already percent-decoded, so a logs value is
 * the JSON text itself.  The filter object is checked by the same parser
 * as a subscribe_logs message, so both accept exactly the same filters.
 */
static int
parse_since(const char *v, uint64_t *out)
{
	uint64_t n = 0;

	if (*v == '\0')
		return -1;
	for (; *v; v++) {
		if (*v < '0' || *v > '9' || n > (UINT64_MAX - 9) / 10)
			return -1;
		n = n * 10 + (uint64_t)(*v - '0');
	}
	*out = n;
	return 0;
}

static int
parse_logs(const char *v, struct edge_logfilter *f, char *why, size_t whylen)
{
	json_t *obj, *msg;
	json_error_t jerr;
	struct edge_cmd cmd;
	struct edge_proto_err err;
	char *txt;
	int rc = -1;

	obj = json_loads(v, JSON_REJECT_DUPLICATES, &jerr);
	if (obj == NULL || !json_is_object(obj)) {
		snprintf(why, whylen, "logs must be a JSON object of filters");
		json_decref(obj);
		return -1;
	}
	msg = json_pack("{s:s, s:o}", "type", "subscribe_logs", "filters", obj);
	txt = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
	json_decref(msg);
	if (txt == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	if (edge_proto_parse(txt, strlen(txt), &cmd, &err) != 0) {
		snprintf(why, whylen, "logs: %s", err.message);
	} else {
		*f = cmd.filter;
		edge_cmd_fini(&cmd);
		rc = 0;
	}
	free(txt);
	return rc;
}

int
edge_resume_args(struct lws *wsi, struct edge_resume_args *a, char *why,
		 size_t whylen)
{
	char *frag;
	int i, n, rc = 0, saw_logs = 0;

	memset(a, 0, sizeof(*a));
	if ((frag = malloc(ARG_MAX)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; rc == 0 && i < 64; i++) {
		n = lws_hdr_copy_fragment(wsi, frag, ARG_MAX,
					  WSI_TOKEN_HTTP_URI_ARGS, i);
		if (n < 0) {
			/* -1: no more fragments; else too long for us */
			if (lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_URI_ARGS,
						    i) >= ARG_MAX) {
				snprintf(why, whylen, "query argument too long");
				rc = -EINVAL;
			}
			break;
		}
		if (strncmp(frag, "since=", 6) == 0) {
			if (a->has_since ||
			    parse_since(frag + 6, &a->since) != 0) {
				snprintf(why, whylen,
					 a->has_since ? "since given twice"
						      : "since must be a seq (a decimal number)");
				rc = -EINVAL;
			}
			a->has_since = 1;
		} else if (strncmp(frag, "logs=", 5) == 0) {
			if (saw_logs) {
				snprintf(why, whylen, "logs given twice");
				rc = -EINVAL;
			} else if (parse_logs(frag + 5, &a->logs, why, whylen) != 0) {
				rc = -EINVAL;
			}
			saw_logs = 1;
			a->has_logs = 1;
		}
	}
	free(frag);
	if (rc == 0 && a->has_logs && !a->has_since) {
		snprintf(why, whylen, "logs is only taken with since");
		rc = -EINVAL;
	}
	if (rc != 0)
		memset(a, 0, sizeof(*a));
	return rc;
}

/* The adopted listening socket (--reuseport). */
static int
listen_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	  void *in, size_t len)
{
	struct edge *e = edge_of(wsi);
	int fd, i;

	(void)user;
	(void)in;
	(void)len;
	if (reason != LWS_CALLBACK_RAW_RX_FILE)
		return 0;
	for (i = 0; i < 64; i++) {
		if (accept_gate(e, wsi))
			break;
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);

		fd = accept4(e->listen_fd, (struct sockaddr *)&ss, &sl,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			break;
		if (edge_hs_admit(e, (struct sockaddr *)&ss) != 0 ||
		    lws_adopt_socket_vhost(e->vh, fd) == NULL)
			close(fd);
	}
	return 0;
}

/*
 * rx_buffer_size: lws allocates this (plus LWS_PRE) for every WebSocket
 * connection for as long as it lives, and hands messages over in pieces
 * of at most this size; client.c handles a message that fits in place
 * and reassembles larger ones.  Client commands are small, so a small
 * piece costs a few extra callbacks for the rare large message and saves
 * 3.5 KiB per idle connection against 4 KiB.  lws also reads at most this
 * much from a socket per turn of the loop, so it paces what one client
 * can push at once.
 *
 * tx_packet_size: left at 0, lws would cap every send() at
 * rx_buffer_size and copy the rest of each write into its own buffer;
 * the edge's writes (batches up to EDGE_BATCH_BYTES, single frames
 * larger than that) go to the kernel in one send() instead.
 */
#define EDGE_RX_CHUNK 512
#define EDGE_TX_PACKET (1u << 20)

static struct lws_protocols protocols[] = {
	{"http", http_cb, sizeof(struct edge_http), 0, 0, NULL, 0},
	{"flow", flow_cb, sizeof(struct edge_client), EDGE_RX_CHUNK, 0, NULL,
	 EDGE_TX_PACKET},
	{"edge-listen", listen_cb, 0, 0, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0}
};

static const struct lws_protocol_vhost_options pvo_default = {
	NULL, NULL, "default", "1"};
static const struct lws_protocol_vhost_options pvo_flow = {
	NULL, &pvo_default, "flow", ""};

static void
lws_log_emit(int level, const char *line)
{
	char buf[512];
	size_t n;

	snprintf(buf, sizeof(buf), "%s", line);
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	if (level & LLL_ERR)
		log_warnx("lws: %s", buf);
	else
		log_debug("lws: %s", buf);
}

/*
 * Once a second: clients with nothing queued give their queue's array
 * back (an idle client then holds none; a busy one keeps it between
 * drains and loses it at most once a second), and when connections came
 * or went since the last sweep, malloc_trim() returns the heap's free
 * pages to the kernel: a burst of connects or disconnects leaves free
 * space between live allocations that glibc would otherwise keep.
 */
#define SWEEP_US LWS_US_PER_SEC
#define SWEEP_TRIM_CHURN 64

static void
sweep(lws_sorted_usec_list_t *sul)
{
	struct edge *e = lws_container_of(sul, struct edge, sweep);
	struct edge_client *c;
	uint64_t churn = e->m.connections + e->m.disconnections;

	for (c = e->clients; c; c = c->next)
		edge_fq_trim(&c->q);
	if (churn - e->sweep_churn >= SWEEP_TRIM_CHURN) {
		e->sweep_churn = churn;
		malloc_trim(0);
	}
	lws_sul_schedule(e->ctx, 0, &e->sweep, sweep, SWEEP_US);
}

static int
is_ipv4(const char *a)
{
	struct in_addr x;

	return inet_pton(AF_INET, a, &x) == 1;
}

static int
own_listener(struct edge *e, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1;
	const char *a = e->conf.listen_addr[0] ? e->conf.listen_addr : "0.0.0.0";

	memset(&ss, 0, sizeof(ss));
	if (is_ipv4(a)) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)e->conf.port);
		inet_pton(AF_INET, a, &s4->sin_addr);
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)e->conf.port);
		if (inet_pton(AF_INET6, a, &s6->sin6_addr) != 1) {
			snprintf(err, errlen, "--reuseport needs a numeric address, not %s",
				 a);
			return -1;
		}
		sl = sizeof(*s6);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, SOMAXCONN)) {
		snprintf(err, errlen, "cannot listen on %s:%d: %s", a,
			 e->conf.port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	e->listen_fd = fd;
	return 0;
}

int
edge_server_open(struct edge *e, char *err, size_t errlen)
{
	struct lws_context_creation_info info;
	lws_sock_file_fd_type sfd;
	const char *a = e->conf.listen_addr;
	size_t nslots;

	lws_set_log_level(log_getlevel() >= LOG_LVL_DEBUG
				  ? (LLL_ERR | LLL_WARN | LLL_NOTICE)
				  : LLL_ERR,
			  lws_log_emit);
	e->listen_fd = -1;
	if (e->conf.reuseport && own_listener(e, err, errlen) != 0)
		return -1;
	memset(&e->retry, 0, sizeof(e->retry));
	e->retry.secs_since_valid_ping = (uint16_t)e->conf.ping_interval;
	e->retry.secs_since_valid_hangup = (uint16_t)e->conf.idle_timeout;

	memset(&info, 0, sizeof(info));
	info.user = e;
	info.protocols = protocols;
	info.pvo = &pvo_flow;
	info.vhost_name = "flowhub-edge";
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 |
		       LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	info.fd_limit_per_thread = e->conf.max_clients + 128;
	info.retry_and_idle_policy = &e->retry;
	info.timeout_secs = 20;
	if (e->conf.reuseport) {
		info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
	} else {
		info.port = e->conf.port;
		info.iface = a[0] ? a : NULL;
		if (a[0] && is_ipv4(a))
			info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	}
	if (e->conf.tls_cert[0]) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = e->conf.tls_cert;
		info.ssl_private_key_filepath = e->conf.tls_key;
	}
	/* Every connection holds two slots (table and data) while in its
	 * HTTP handshake; see lwsmem.c. */
	nslots = 2 * (size_t)info.fd_limit_per_thread;
	if (edge_lwsmem_open(nslots < LWSMEM_MAX_SLOTS ? nslots
						       : LWSMEM_MAX_SLOTS) != 0)
		log_warnx("no separate region for header tables: using malloc");
	e->ctx = lws_create_context(&info);
	if (e->ctx == NULL) {
		snprintf(err, errlen, "cannot create the server context");
		return -1;
	}
	e->vh = lws_create_vhost(e->ctx, &info);
	if (e->vh == NULL) {
		snprintf(err, errlen, "cannot listen on %s:%d", a[0] ? a : "*",
			 e->conf.port);
		return -1;
	}
	lws_sul_schedule(e->ctx, 0, &e->sweep, sweep, SWEEP_US);
	if (e->listen_fd >= 0) {
		sfd.filefd = e->listen_fd;
		if (lws_adopt_descriptor_vhost(e->vh, LWS_ADOPT_RAW_FILE_DESC, sfd,
					       "edge-listen", NULL) == NULL) {
			snprintf(err, errlen, "cannot adopt the listening socket");
			return -1;
		}
	}
	return 0;
}

void
edge_server_run(struct edge *e, volatile int *stop)
{
	struct edge_client *c;
	uint64_t deadline;

	while (!*stop)
		if (lws_service(e->ctx, 0) < 0)
			break;
	e->stopping = 1;
	log_info("stopping: closing %u clients", e->nclients);
	for (c = e->clients; c; c = c->next)
		edge_client_close(c, LWS_CLOSE_STATUS_GOINGAWAY, "going away");
	deadline = edge_now_ms() + SHUTDOWN_MS;
	while (e->nclients > 0 && edge_now_ms() < deadline)
		if (lws_service(e->ctx, 0) < 0)
			break;
}

void
edge_server_close(struct edge *e)
{
	if (e->ctx) {
		lws_sul_cancel(&e->sweep);
		lws_sul_cancel(&e->accept_sul);
		lws_context_destroy(e->ctx);
	}
	e->ctx = NULL;
	edge_hs_free(e);
	(void)edge_lwsmem_close();
	if (e->listen_fd >= 0)
		close(e->listen_fd);
	e->listen_fd = -1;
}
