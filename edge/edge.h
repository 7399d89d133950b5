/*
 * flowhub-edge internals shared by the files of libedge: the
 * configuration, the one edge object that the service thread owns, and
 * the per-client state.  Everything here runs on the libwebsockets
 * service thread except what link.c says runs on NNG's threads.
 */
#ifndef EDGE_EDGE_H
#define EDGE_EDGE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "fq.h"
#include "frame.h"
#include "proto.h"
#include "recent.h"

#define EDGE_WS_PATH "/ws/flow"
#define EDGE_DEFAULT_PORT 5000

struct edge_conf {
	char listen_addr[256]; /* "" = every address (0.0.0.0) */
	int port;
	char id[64];
	char runtime_dir[PATH_MAX];
	char hub_events[512];
	char hub_rpc[512];
	char www[PATH_MAX];
	char origins[2048]; /* comma separated; "" = same host as Host */
	char read_token[256];
	char write_token[256];
	unsigned max_clients;
	unsigned max_per_ip;
	unsigned max_hs_per_ip; /* connections in their handshake per address */
	size_t max_frame;
	size_t queue_limit;   /* bytes */
	unsigned queue_msgs;  /* messages */
	char tls_cert[PATH_MAX];
	char tls_key[PATH_MAX];
	int reuseport;
	unsigned ping_interval; /* s */
	unsigned idle_timeout;  /* s */
	unsigned rate_limit;    /* messages/s */
	unsigned rate_burst;
	int level;
	int use_syslog;
};

/* Defaults into C; returns nothing.  edge_conf_set applies one option by
 * long name (the config file uses the same keys): 0, or -1 with a reason
 * in ERR.  edge_conf_check validates the whole: 0 or -1 with a reason. */
void edge_conf_defaults(struct edge_conf *c);
int edge_conf_set(struct edge_conf *c, const char *key, const char *val,
		  char *err, size_t errlen);
int edge_conf_check(struct edge_conf *c, char *err, size_t errlen);

struct edge;
struct edge_filter; /* filters.c */
struct edge_link;   /* link.c */
struct edge_ipcount;

/*
 * One WebSocket client, in the per-connection storage lws allocates for
 * the "flow" protocol.  Idle connections are the common case (15 000 on
 * one edge), so the layout is kept small: no string buffers (the address
 * lives in the shared per-IP entry, the clientId is made from the
 * identify time and the serial when needed), flags as bits, and the
 * reassembly buffer and the queue's array exist only while in use.
 */
struct edge_client {
	struct edge_client *prev, *next;
	struct lws *wsi;
	uint64_t serial;       /* unique within this edge run */
	uint64_t ident_ms;     /* identify_client time (0: not yet); with
				* serial and the edge id it is the clientId */
	struct edge_ipcount *ip; /* per-IP count; holds the address text */
	struct edge_fq q;      /* frames not yet written */
	size_t partial;        /* bytes lws may still hold of the last write */
	/* reassembly of one incoming message that came in several pieces;
	 * NULL between messages */
	char *rx;
	size_t rx_len, rx_cap;
	/* token bucket */
	double tokens;
	uint64_t tb_ms;
	unsigned strikes;      /* consecutive rate-limited messages */
	int close_code;        /* != 0: close at the next WRITEABLE */
	/* position in the event stream */
	uint64_t queued_seq;   /* highest event seq queued */
	uint64_t written_seq;  /* highest event seq written */
	uint64_t resume_pos;
	uint64_t resume_deadline_ms; /* stop waiting for the hub link */
	struct edge_filter *filter;
	uint64_t close_sent_ms, last_in_ms;
	const char *close_reason;
	unsigned char resuming;  /* not live yet: see client.c, "resume" */
	unsigned resume_wait : 1; /* next history part once the queue drains */
	unsigned sub_pending : 1; /* logs_subscribed not sent yet */
	unsigned can_write : 1;  /* presented the write token */
	unsigned flush_before_close : 1; /* ... after what is queued has gone */
	unsigned close_sent : 1; /* close frame written, waiting for quiet */
};

/* The clientId of C ("frontend_<ms>_<edge id>_<serial>") into BUF, or ""
 * before identify_client.  Returns BUF. */
#define EDGE_CLIENT_ID_MAX 128
const char *edge_client_id(const struct edge *e, const struct edge_client *c,
			   char *buf, size_t len);
/* C's peer address as text. */
const char *edge_client_addr(const struct edge_client *c);

/* Per-session data of an HTTP request. */
struct edge_http {
	char *body;            /* LWS_PRE headroom + body */
	size_t len;
	int sent_headers;
};

struct edge_metrics {
	uint64_t connections;
	uint64_t disconnections;
	uint64_t sent[EDGE_T_COUNT];
	uint64_t msgs_sent;
	uint64_t msgs_dropped;
	uint64_t bytes_sent;
	uint64_t slow_closes;
	uint64_t rate_limited;
	uint64_t rate_closes;
	uint64_t proto_errors;
	uint64_t upgrades_refused;
	uint64_t accept_pauses;  /* listener paused: too many handshakes */
	uint64_t hs_refused;     /* closed at accept: address over its limit */
	uint64_t hub_events;
	uint64_t hub_bytes;   /* JSON bytes of the frames forwarded */
	uint64_t hub_gaps;
	uint64_t hub_resyncs;
	uint64_t bad_hub_msgs;
	uint64_t inbox_dropped;
};

struct edge {
	struct edge_conf conf;
	struct lws_context *ctx;
	struct lws_vhost *vh;
	struct edge_link *link;
	struct edge_sync *sync;
	struct edge_recent recent;
	struct edge_client *clients; /* list head */
	unsigned nclients;
	uint64_t next_serial;
	struct edge_filter *filters; /* filters.c list */
	unsigned nfilters_active;
	struct edge_ipcount **iptab; /* per-IP counts, hashed */
	struct edge_handshakes *hs;  /* handshakes.c */
	struct edge_metrics m;
	uint64_t start_ms;
	int stopping;
	int defer_writes;            /* in a drain: see edge_client_flush */
	int listen_fd;               /* own listener (--reuseport), or -1 */
	lws_retry_bo_t retry;
	lws_sorted_usec_list_t sweep; /* server.c: once a second */
	uint64_t sweep_churn;        /* connections + disconnections then */
	struct lws *lsock;           /* the listener, once it accepted */
	int accept_paused;           /* too many handshakes: not polled */
	lws_sorted_usec_list_t accept_sul;
	char www_real[PATH_MAX];
};

uint64_t edge_now_ms(void);

/* ---- handshakes.c: connections in their handshake, per address ------- */
struct sockaddr;
/* A connection from SA was accepted: 0 to go on (it is counted until
 * edge_hs_done), -1 to close it (its address has max_hs_per_ip in their
 * handshake already). */
int edge_hs_admit(struct edge *e, const struct sockaddr *sa);
/* lws created the wsi of the connection admitted last (WSI_CREATE). */
void edge_hs_created(struct edge *e, const struct lws *wsi);
/* WSI's request has been read, or WSI is gone. */
void edge_hs_done(struct edge *e, const struct lws *wsi);
void edge_hs_free(struct edge *e);

/* ---- server.c: lws context and the callback switch ------------------ */
int edge_server_open(struct edge *e, char *err, size_t errlen);
/* Service until *stop; then close every client with 1001 and return. */
void edge_server_run(struct edge *e, volatile int *stop);
void edge_server_close(struct edge *e);

/* ---- client.c: one WebSocket client --------------------------------- */
int edge_client_established(struct edge *e, struct edge_client *c,
			    struct lws *wsi);
void edge_client_closed(struct edge *e, struct edge_client *c);
int edge_client_receive(struct edge *e, struct edge_client *c,
			const void *in, size_t len);
int edge_client_writeable(struct edge *e, struct edge_client *c);
void edge_client_timer(struct edge *e, struct edge_client *c);
/* Queue F for C (reference taken); over the limit C is closed with 1013. */
void edge_client_push(struct edge *e, struct edge_client *c,
		      struct edge_frame *f);
/* Close C with CODE at its next writeable callback. */
void edge_client_close(struct edge_client *c, int code, const char *reason);
/* A forwarded event (or log) frame: to every client that should get it.
 * With e->defer_writes set, idle clients wait for edge_client_flush. */
void edge_client_broadcast(struct edge *e, struct edge_frame *f);
/* Write every client's queue that lws can take now (end of a drain). */
void edge_client_flush(struct edge *e);
/* A fresh state replaces everything: every client gets it, then events
 * after it.  RESTART: the hub's seqs went backwards (its state was lost). */
void edge_client_broadcast_state(struct edge *e, struct edge_frame *snap,
				 int restart);
/* The hub answered a client's history request (see sync.c). */
void edge_client_resume_reply(struct edge *e, uint64_t serial,
			      const void *reply, size_t len, int failed);
/* Queue the snapshot (or a null state) and the recent frames after it. */
void edge_client_send_state(struct edge *e, struct edge_client *c);
struct edge_client *edge_client_by_serial(struct edge *e, uint64_t serial);
/* C's log filter was confirmed by the hub: a resume waiting for it goes on. */
void edge_client_filter_confirmed(struct edge *e, struct edge_client *c);
/* Did the upgrade request of WSI present WANT (header or ?token=)? */
int edge_client_has_token(struct lws *wsi, const char *want);

/* ---- server.c: the resume point on the upgrade URL ------------------- */
/* /ws/flow?since=S[&logs=FILTERS]: the client has every seq <= S and wants
 * the stream after it (and logs matching FILTERS, the object a
 * subscribe_logs message carries), with no greeting state. */
struct edge_resume_args {
	int has_since;
	uint64_t since;
	int has_logs;
	struct edge_logfilter logs;
};
/* Parse the upgrade request's query.  0 (A filled; has_since 0 when there
 * is no since), or -EINVAL with a reason for the client in WHY. */
int edge_resume_args(struct lws *wsi, struct edge_resume_args *a, char *why,
		     size_t whylen);

/* ---- ipcount (in client.c) ------------------------------------------ */
unsigned edge_ip_count(struct edge *e, const char *addr);

/* ---- filters.c: log filters shared by equal clients ------------------ */
/* Point C at the hub filter equal to F (registering it if new).  The
 * logs_subscribed reply is sent once the hub confirmed (or at once when
 * there is no hub).  Returns 0 or -ENOMEM. */
int edge_filter_subscribe(struct edge *e, struct edge_client *c,
			  const struct edge_logfilter *f);
void edge_filter_unsubscribe(struct edge *e, struct edge_client *c);
/* Whether the edge's stream holds every log C's filter matches after some
 * seq: 1 with *from that seq (0 when C wants no logs), 0 while the hub has
 * not confirmed the filter. */
int edge_filter_complete(const struct edge_client *c, uint64_t *from);
/* Does C's filter let log frame F through? */
int edge_filter_match(const struct edge_client *c, const struct edge_frame *f);
/* Does any client's filter want a log with these attributes? */
int edge_filter_wants(struct edge *e, unsigned level, const char *tag,
		      size_t taglen, const char *module, size_t modlen);
/* The hub answered filter_add/filter_del (cookie = filter serial). */
void edge_filter_reply(struct edge *e, uint64_t cookie, int add,
		       const void *reply, size_t len, int failed);
/* The hub changed (restart) or the link came back: register them all. */
void edge_filter_reregister(struct edge *e);
void edge_filter_hub_lost(struct edge *e);
/* Register again what the hub has not taken (called once a second). */
void edge_filter_retry(struct edge *e);
/* Is a filter_add of ours still unanswered? */
int edge_filter_adding(const struct edge *e);
void edge_filter_free_all(struct edge *e);

/* ---- sync.c: the stream from the hub --------------------------------- */
int edge_sync_new(struct edge *e);
void edge_sync_free(struct edge *e);
/* Drain what NNG delivered (service thread). */
void edge_sync_drain(struct edge *e);
int edge_sync_linked(const struct edge *e);
uint64_t edge_sync_fwd(const struct edge *e);
/* Ask the hub for events after SINCE on behalf of client SERIAL. */
int edge_sync_request_since(struct edge *e, uint64_t serial, uint64_t since);
/* RPCs used by filters.c and client.c. */
int edge_sync_request(struct edge *e, int kind, uint64_t cookie,
		      const void *req, size_t len);
/* Logs topic on/off. */
void edge_sync_logs(struct edge *e, int on);
/* The hub confirmed a filter with its head seq HEAD at registration:
 * returns the seq after which the edge's stream holds every log that
 * filter matches. */
uint64_t edge_sync_logs_complete(struct edge *e, uint64_t head);
/* Every filter_add has been answered: a stream held for them goes on. */
void edge_sync_filters_settled(struct edge *e);
void edge_sync_want_snapshot(struct edge *e);

/* ---- http.c ----------------------------------------------------------- */
int edge_http_request(struct edge *e, struct lws *wsi, struct edge_http *h,
		      const char *uri);
int edge_http_writeable(struct edge *e, struct lws *wsi, struct edge_http *h);
void edge_http_fini(struct edge_http *h);
/* Upgrade checks (path, origin, tokens, limits): 0 allow, >0 refused
 * with a response written, <0 hang up. */
int edge_http_confirm_upgrade(struct edge *e, struct lws *wsi);
/* The request's Origin is allowed (absent counts as allowed). */
int edge_http_origin_allowed(struct edge *e, struct lws *wsi);

/* ---- metrics.c -------------------------------------------------------- */
void edge_metrics_render(struct edge *e, struct edge_buf *b);

/* ---- json2mp.c -------------------------------------------------------- */
#include <msgpack.h>
/* Pack a jansson value as msgpack.  Returns 0 or -EINVAL. */
int edge_json2mp(msgpack_packer *pk, json_t *v, int depth);

#endif /* EDGE_EDGE_H */
