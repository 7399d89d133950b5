/*
 * wsload: a WebSocket load generator for flowhub-edge (and the Node.js
 * baseline), printing one JSON object with what it measured.
 *
 * Design.  T worker threads each own an epoll set and a disjoint share of
 * the N client connections, so no lock or shared cache line sits on the
 * data path; each keeps its own histograms and counters and the main
 * thread merges them at the end.  Sockets are non-blocking and
 * level-triggered.  Connections are opened at a global rate (absolute
 * deadlines: connection g starts at t0 + g / rate, g = i * T + k for the
 * i-th connection of worker k) from source addresses 127.0.0.1 ..
 * 127.0.0.S chosen round-robin with IP_BIND_ADDRESS_NO_PORT, so the
 * kernel picks the ephemeral port at connect() time per (source,
 * destination) pair and thousands of clients never run out of ports.
 *
 * The tool speaks RFC 6455 itself: it sends the upgrade with a random
 * Sec-WebSocket-Key, checks the 101 and Sec-WebSocket-Accept, masks every
 * frame it sends, answers pings, reassembles fragments and answers a close
 * frame (wskey.c, wsframe.c).  Each text message is skimmed, not parsed
 * (msgscan.c): the top-level "type" and "seq", "seq" inside the data of
 * an initial_execution_state, and a "t_ns" key anywhere (the producer's
 * CLOCK_REALTIME stamp put there by emitload).  Latency = receive time -
 * t_ns on the same machine's realtime clock.
 *
 * Sequence checks per client: the state's seq S sets the base; each event
 * should carry last + 1.  A larger seq is a gap (its size is counted as
 * missing), an equal one a duplicate, a smaller one a reorder.  A client
 * subscribed to every log, fed only by the producer, must see no gap.
 *
 * Phases: connect all (bounded by --connect-timeout), settle, sample the
 * server's RSS, write --ready-file, then measure until --duration passes,
 * or --idle-exit ms pass without a new event after the first one, or every
 * client has --expect events.  The server's RSS is sampled again before
 * the connections are closed.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hist.h"
#include "msgscan.h"
#include "wsframe.h"
#include "wskey.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

#define RX_INITIAL 16384
#define MAX_MESSAGE (64u << 20)
#define MAX_PIDS 8

enum cstate { C_IDLE, C_CONNECTING, C_HANDSHAKE, C_OPEN, C_CLOSED };

enum close_slot { CL_1000, CL_1001, CL_1008, CL_1009, CL_1013, CL_OTHER,
	CL_RESET, CL_NSLOTS };
static const char *close_names[CL_NSLOTS] = { "1000", "1001", "1008", "1009",
	"1013", "other", "reset" };

enum fail_slot { F_REFUSED, F_STATUS, F_ACCEPT, F_RESET, F_TIMEOUT, F_NSLOTS };
static const char *fail_names[F_NSLOTS] = { "refused", "http_status",
	"bad_accept", "reset", "timeout" };

struct conn {
	int fd;
	enum cstate state;
	char key[32];
	unsigned url; /* index into cfg.dst */
	uint8_t *rx;
	size_t rx_len, rx_cap;
	uint8_t *tx;
	size_t tx_len, tx_cap;
	uint8_t *msg; /* reassembled fragmented message */
	size_t msg_len, msg_cap;
	int msg_op;
	uint64_t t_start; /* connect() called, CLOCK_MONOTONIC ns */
	uint64_t last_seq;
	bool have_base;
	bool got_first;
	uint64_t events, gaps, missing, dups, reorders;
	uint64_t first_seq; /* first event measured (0: none) */
};

struct worker {
	pthread_t th;
	int k;
	int epfd;
	struct conn *c;
	unsigned n;     /* connections owned */
	unsigned next;  /* next one to open */
	struct hist lat;     /* event latency, ns */
	struct hist hs;      /* connect() .. 101, ns */
	struct hist first;   /* connect() .. first message, ns */
	uint64_t first_rx_ns, last_rx_ns; /* realtime, measured events */
	uint64_t worst_ns, worst_rx_ns;   /* slowest event, when it came */
	uint64_t bytes, msgs, gap_msgs, resyncs, errors_rx;
	uint64_t closes[CL_NSLOTS];
	uint64_t fails[F_NSLOTS];
	_Atomic uint64_t events_pub; /* measured events, read by main */
	_Atomic uint64_t min_events_pub;
	uint8_t scratch[256];
};

#define MAX_URLS 8

static struct {
	struct sockaddr_in dst[MAX_URLS];
	char host[MAX_URLS][256];
	char path[MAX_URLS][512];
	unsigned nurls;
	unsigned clients;
	unsigned threads;
	unsigned sources;
	double connect_rate;
	double duration;
	double connect_timeout;
	double settle;
	unsigned idle_exit_ms;
	uint64_t expect;
	const char *subscribe; /* filters JSON or NULL */
	bool identify;
	const char *ready_file;
	pid_t pids[MAX_PIDS];
	unsigned npids;
	const char *label;
} cfg = {
	.clients = 1, .threads = 2, .connect_rate = 2000, .duration = 30,
	.connect_timeout = 30, .settle = 0.5,
};

static _Atomic unsigned n_open, n_failed, n_closed;
static _Atomic int measuring, stopping;
static uint64_t t0_mono;

static uint64_t
now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "wsload: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (q == NULL) {
		fprintf(stderr, "wsload: out of memory\n");
		exit(2);
	}
	return q;
}

static uint32_t
rnd32(void)
{
	static _Thread_local uint64_t s;

	if (s == 0)
		s = (now_ns(CLOCK_MONOTONIC) ^ ((uint64_t)pthread_self() << 1)) | 1;
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return (uint32_t)(s >> 11);
}

/* ---- sending --------------------------------------------------------- */

static void conn_fail(struct worker *w, struct conn *c, int slot, bool open);

static void
conn_flush(struct worker *w, struct conn *c)
{
	struct epoll_event ev;
	ssize_t n;
	size_t off = 0;

	while (off < c->tx_len) {
		n = send(c->fd, c->tx + off, c->tx_len - off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			conn_fail(w, c, c->state == C_OPEN ? CL_RESET : F_RESET,
			    c->state == C_OPEN);
			return;
		}
		off += (size_t)n;
	}
	memmove(c->tx, c->tx + off, c->tx_len - off);
	c->tx_len -= off;
	ev.events = EPOLLIN | (c->tx_len ? EPOLLOUT : 0);
	ev.data.ptr = c;
	epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void
tx_append(struct conn *c, const void *p, size_t n)
{
	if (c->tx_len + n > c->tx_cap) {
		c->tx_cap = (c->tx_len + n) * 2;
		c->tx = xrealloc(c->tx, c->tx_cap);
	}
	memcpy(c->tx + c->tx_len, p, n);
	c->tx_len += n;
}

/* Queue one masked client frame (RFC 6455 5.3: clients always mask). */
static void
ws_send(struct worker *w, struct conn *c, int op, const void *payload,
    size_t len)
{
	uint8_t h[WSFRAME_MAX_HEADER];
	uint32_t mk = rnd32();
	uint8_t m[4];
	size_t start;

	memcpy(m, &mk, 4);
	tx_append(c, h, wsframe_client_header(h, op, len, m));
	start = c->tx_len;
	tx_append(c, payload, len);
	wsframe_mask(c->tx + start, len, m);
	conn_flush(w, c);
}

static void
ws_send_text(struct worker *w, struct conn *c, const char *s)
{
	ws_send(w, c, 1, s, strlen(s));
}

/* ---- connection lifecycle -------------------------------------------- */

static void
conn_release(struct worker *w, struct conn *c)
{
	if (c->fd >= 0) {
		epoll_ctl(w->epfd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->fd = -1;
	}
	free(c->rx);
	free(c->tx);
	free(c->msg);
	c->rx = c->tx = c->msg = NULL;
	c->rx_len = c->rx_cap = c->tx_len = c->tx_cap = 0;
	c->msg_len = c->msg_cap = 0;
}

/* A connection that failed before it opened counts in fails[]; an open
 * one that ends counts in closes[]. */
static void
conn_fail(struct worker *w, struct conn *c, int slot, bool open)
{
	static _Atomic unsigned noted;
	static const char *states[] = { "idle", "connecting", "handshake",
		"open", "closed" };
	int err = errno;

	if (c->state == C_CLOSED)
		return;
	/* Say how the first few connects failed: errno 0 with "reset" is
	 * the server closing before its 101. */
	if (!open && atomic_fetch_add(&noted, 1) < 10)
		fprintf(stderr, "wsload: connect failed (%s) while %s, %.0f ms "
		    "after connect(): %s\n", fail_names[slot],
		    states[c->state],
		    (double)(now_ns(CLOCK_MONOTONIC) - c->t_start) / 1e6,
		    err ? strerror(err) : "closed by the server");
	if (open) {
		w->closes[slot]++;
		atomic_fetch_add(&n_closed, 1);
	} else {
		w->fails[slot]++;
		atomic_fetch_add(&n_failed, 1);
	}
	c->state = C_CLOSED;
	conn_release(w, c);
}

static void
conn_start(struct worker *w, struct conn *c, unsigned g)
{
	struct sockaddr_in src;
	struct epoll_event ev;
	int one = 1, fd;

	c->t_start = now_ns(CLOCK_MONOTONIC);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "wsload: socket: %s\n", strerror(errno));
		w->fails[F_REFUSED]++;
		atomic_fetch_add(&n_failed, 1);
		c->state = C_CLOSED;
		return;
	}
	c->fd = fd;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (cfg.sources > 1) {
		memset(&src, 0, sizeof(src));
		src.sin_family = AF_INET;
		src.sin_addr.s_addr = htonl(0x7f000001u + g % cfg.sources);
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
		    sizeof(one));
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0) {
			fprintf(stderr, "wsload: bind: %s\n", strerror(errno));
			conn_fail(w, c, F_REFUSED, false);
			return;
		}
	}
	c->state = C_CONNECTING;
	c->url = g % cfg.nurls;
	ev.events = EPOLLOUT | EPOLLIN;
	ev.data.ptr = c;
	epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev);
	if (connect(fd, (struct sockaddr *)&cfg.dst[c->url],
	    sizeof(cfg.dst[c->url])) < 0 &&
	    errno != EINPROGRESS)
		conn_fail(w, c, F_REFUSED, false);
}

static void
send_upgrade(struct worker *w, struct conn *c)
{
	uint8_t raw[16];
	char req[1024];
	int i, n;

	for (i = 0; i < 16; i += 4) {
		uint32_t r = rnd32();
		memcpy(raw + i, &r, 4);
	}
	wskey_base64(raw, 16, c->key);
	n = snprintf(req, sizeof(req),
	    "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
	    "Sec-WebSocket-Version: 13\r\nOrigin: http://%s\r\n\r\n",
	    cfg.path[c->url], cfg.host[c->url], c->key, cfg.host[c->url]);
	c->state = C_HANDSHAKE;
	c->rx_cap = RX_INITIAL;
	c->rx = xrealloc(NULL, c->rx_cap);
	c->rx_len = 0;
	tx_append(c, req, (size_t)n);
	conn_flush(w, c);
}

/* ---- messages ------------------------------------------------------- */

static void
on_message(struct worker *w, struct conn *c, const uint8_t *buf, size_t len)
{
	struct msgscan m;
	uint64_t now;
	bool measure = atomic_load_explicit(&measuring, memory_order_relaxed);

	if (!c->got_first) {
		c->got_first = true;
		hist_add(&w->first, now_ns(CLOCK_MONOTONIC) - c->t_start);
	}
	if (measure) {
		w->msgs++;
		w->bytes += len;
	}
	msgscan((const char *)buf, len, &m);
	if (msgscan_type_is(&m, "initial_execution_state")) {
		/* A state mid-stream (the server's answer to a loss it could
		 * not repair, or to request_initial_state) stands for every
		 * event up to its seq: counted, and not taken as a gap. */
		if (c->have_base)
			w->resyncs++;
		if (m.has_state_seq && (!c->have_base ||
		    m.state_seq > c->last_seq)) {
			c->last_seq = m.state_seq;
			c->have_base = true;
		}
		return;
	}
	if (msgscan_type_is(&m, "gap"))
		w->gap_msgs++;
	if (!m.has_seq)
		return;
	if (c->have_base) {
		if (m.seq == c->last_seq + 1) {
			/* in order */
		} else if (m.seq > c->last_seq) {
			c->gaps++;
			c->missing += m.seq - c->last_seq - 1;
		} else if (m.seq == c->last_seq) {
			c->dups++;
		} else {
			c->reorders++;
		}
	}
	if (!c->have_base || m.seq > c->last_seq)
		c->last_seq = m.seq;
	c->have_base = true;
	if (!measure)
		return;
	if (c->events++ == 0)
		c->first_seq = m.seq;
	now = now_ns(CLOCK_REALTIME);
	if (w->first_rx_ns == 0)
		w->first_rx_ns = now;
	w->last_rx_ns = now;
	atomic_store_explicit(&w->events_pub, w->msgs, memory_order_relaxed);
	if (m.has_tns && m.t_ns <= now) {
		hist_add(&w->lat, now - m.t_ns);
		if (now - m.t_ns > w->worst_ns) {
			w->worst_ns = now - m.t_ns;
			w->worst_rx_ns = now;
		}
	}
}

/* ---- frames ---------------------------------------------------------- */

static void
on_close_frame(struct worker *w, struct conn *c, const uint8_t *p, size_t n)
{
	unsigned code = n >= 2 ? (unsigned)p[0] << 8 | p[1] : 1005;
	int slot;
	uint8_t reply[2] = { p && n >= 2 ? p[0] : 0x03, p && n >= 2 ? p[1] : 0xe8 };

	switch (code) {
	case 1000: slot = CL_1000; break;
	case 1001: slot = CL_1001; break;
	case 1008: slot = CL_1008; break;
	case 1009: slot = CL_1009; break;
	case 1013: slot = CL_1013; break;
	default: slot = CL_OTHER; break;
	}
	ws_send(w, c, 8, reply, 2);
	if (c->state != C_CLOSED) {
		w->closes[slot]++;
		atomic_fetch_add(&n_closed, 1);
		c->state = C_CLOSED;
		conn_release(w, c);
	}
}

/* Parse as many whole frames as RX holds.  Returns false when the
 * connection was closed. */
static bool
parse_frames(struct worker *w, struct conn *c)
{
	struct wsframe f;
	size_t off = 0, hl;
	uint64_t plen;
	uint8_t *pl;
	int op;
	bool fin;

	while (wsframe_header(c->rx + off, c->rx_len - off, &f)) {
		fin = f.fin;
		op = f.op;
		hl = f.hlen;
		plen = f.plen;
		if (plen > MAX_MESSAGE) {
			w->errors_rx++;
			conn_fail(w, c, CL_OTHER, true);
			return false;
		}
		if (c->rx_len - off < hl + plen) {
			if (hl + plen > c->rx_cap) {
				memmove(c->rx, c->rx + off, c->rx_len - off);
				c->rx_len -= off;
				off = 0;
				c->rx_cap = hl + plen + 4096;
				c->rx = xrealloc(c->rx, c->rx_cap);
			}
			break;
		}
		pl = c->rx + off + hl;
		if (f.masked) /* a server must not mask; unmask anyway */
			wsframe_mask(pl, plen, f.mask);
		off += hl + plen;
		switch (op) {
		case 0x8:
			on_close_frame(w, c, pl, plen);
			return false;
		case 0x9:
			ws_send(w, c, 0xa, pl, plen);
			if (c->state == C_CLOSED)
				return false;
			break;
		case 0xa:
			break;
		case 0x0:
		case 0x1:
		case 0x2:
			if (op == 0 && c->msg_op == 0) {
				w->errors_rx++;
				break;
			}
			if (fin && op != 0) {
				on_message(w, c, pl, plen);
				break;
			}
			if (op != 0) {
				c->msg_op = op;
				c->msg_len = 0;
			}
			if (c->msg_len + plen > MAX_MESSAGE) {
				conn_fail(w, c, CL_OTHER, true);
				return false;
			}
			if (c->msg_len + plen > c->msg_cap) {
				c->msg_cap = (c->msg_len + plen) * 2;
				c->msg = xrealloc(c->msg, c->msg_cap);
			}
			memcpy(c->msg + c->msg_len, pl, plen);
			c->msg_len += plen;
			if (fin) {
				on_message(w, c, c->msg, c->msg_len);
				c->msg_op = 0;
				c->msg_len = 0;
			}
			break;
		default:
			w->errors_rx++;
			break;
		}
	}
	if (off) {
		memmove(c->rx, c->rx + off, c->rx_len - off);
		c->rx_len -= off;
	}
	return true;
}

/* The 101 response: status line, then Sec-WebSocket-Accept. */
static bool
parse_handshake(struct worker *w, struct conn *c)
{
	char want[29];
	uint8_t *end;
	char *h, *line, *save = NULL;
	size_t hlen;
	bool ok_accept = false;

	end = memmem(c->rx, c->rx_len, "\r\n\r\n", 4);
	if (end == NULL) {
		if (c->rx_len == c->rx_cap)
			conn_fail(w, c, F_STATUS, false);
		return false;
	}
	hlen = (size_t)(end - c->rx) + 4;
	h = xrealloc(NULL, hlen + 1);
	memcpy(h, c->rx, hlen);
	h[hlen] = '\0';
	if (strncmp(h, "HTTP/1.1 101", 12) != 0) {
		free(h);
		conn_fail(w, c, F_STATUS, false);
		return false;
	}
	wskey_accept(c->key, want);
	for (line = strtok_r(h, "\r\n", &save); line;
	    line = strtok_r(NULL, "\r\n", &save)) {
		if (strncasecmp(line, "Sec-WebSocket-Accept:", 21) == 0) {
			char *v = line + 21;
			while (*v == ' ')
				v++;
			ok_accept = strcmp(v, want) == 0;
		}
	}
	free(h);
	if (!ok_accept) {
		conn_fail(w, c, F_ACCEPT, false);
		return false;
	}
	memmove(c->rx, c->rx + hlen, c->rx_len - hlen);
	c->rx_len -= hlen;
	c->state = C_OPEN;
	hist_add(&w->hs, now_ns(CLOCK_MONOTONIC) - c->t_start);
	atomic_fetch_add(&n_open, 1);
	if (cfg.identify) {
		snprintf((char *)w->scratch, sizeof(w->scratch),
		    "{\"type\":\"identify_client\",\"clientInfo\":"
		    "{\"name\":\"wsload\",\"page\":\"bench\"}}");
		ws_send_text(w, c, (char *)w->scratch);
	}
	if (cfg.subscribe && c->state == C_OPEN) {
		char *m = xrealloc(NULL, strlen(cfg.subscribe) + 64);
		sprintf(m, "{\"type\":\"subscribe_logs\",\"filters\":%s}",
		    cfg.subscribe);
		ws_send_text(w, c, m);
		free(m);
	}
	return c->state == C_OPEN;
}

static void
on_readable(struct worker *w, struct conn *c)
{
	ssize_t n;
	int rounds;

	for (rounds = 0; rounds < 4; rounds++) {
		if (c->rx_len == c->rx_cap) {
			c->rx_cap *= 2;
			c->rx = xrealloc(c->rx, c->rx_cap);
		}
		errno = 0;
		n = recv(c->fd, c->rx + c->rx_len, c->rx_cap - c->rx_len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			if (c->state == C_OPEN)
				conn_fail(w, c, CL_RESET, true);
			else
				conn_fail(w, c, F_RESET, false);
			return;
		}
		c->rx_len += (size_t)n;
		if (c->state == C_HANDSHAKE && !parse_handshake(w, c))
			return;
		if (c->state == C_OPEN && !parse_frames(w, c))
			return;
		if ((size_t)n < c->rx_cap / 2)
			return;
	}
}

static void
on_event(struct worker *w, struct conn *c, uint32_t evs)
{
	int err = 0;
	socklen_t el = sizeof(err);

	if (c->state == C_CONNECTING) {
		if (evs & (EPOLLERR | EPOLLHUP | EPOLLOUT)) {
			getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
			if (err) {
				errno = err;
				conn_fail(w, c, F_REFUSED, false);
				return;
			}
			send_upgrade(w, c);
		}
		return;
	}
	if ((evs & EPOLLOUT) && c->tx_len)
		conn_flush(w, c);
	if (c->state != C_CLOSED && (evs & (EPOLLIN | EPOLLERR | EPOLLHUP)))
		on_readable(w, c);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[256];
	uint64_t now, due, min_ev, last_scan = 0;
	unsigned g, i;
	int n, tmo;
	double per = 1e9 / cfg.connect_rate;

	while (!atomic_load(&stopping)) {
		now = now_ns(CLOCK_MONOTONIC);
		tmo = 50;
		while (w->next < w->n) {
			g = w->next * cfg.threads + (unsigned)w->k;
			due = t0_mono + (uint64_t)(g * per);
			if (due > now) {
				uint64_t ms = (due - now) / 1000000u;
				if (ms < (uint64_t)tmo)
					tmo = (int)ms;
				break;
			}
			conn_start(w, &w->c[w->next], g);
			w->next++;
		}
		n = epoll_wait(w->epfd, evs, 256, tmo);
		for (i = 0; n > 0 && i < (unsigned)n; i++)
			on_event(w, evs[i].data.ptr, evs[i].events);
		if (cfg.expect && now_ns(CLOCK_MONOTONIC) - last_scan > 20000000u) {
			last_scan = now_ns(CLOCK_MONOTONIC);
			min_ev = UINT64_MAX;
			for (i = 0; i < w->n; i++)
				if (w->c[i].state == C_OPEN &&
				    w->c[i].events < min_ev)
					min_ev = w->c[i].events;
			atomic_store_explicit(&w->min_events_pub, min_ev,
			    memory_order_relaxed);
		}
	}
	return NULL;
}

/* ---- main ------------------------------------------------------------ */

static long
rss_kb(pid_t pid)
{
	char path[64], line[256];
	FILE *f;
	long kb = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

static long
rss_total(void)
{
	long t = 0, v;
	unsigned i;

	if (cfg.npids == 0)
		return -1;
	for (i = 0; i < cfg.npids; i++) {
		v = rss_kb(cfg.pids[i]);
		if (v < 0)
			return -1;
		t += v;
	}
	return t;
}

static void
parse_url(const char *url, unsigned u)
{
	const char *p, *slash, *colon;
	char host[200];
	unsigned port = 80;
	size_t hl;

	if (strncmp(url, "ws://", 5) != 0)
		die("only ws:// URLs are supported: %s", url);
	p = url + 5;
	slash = strchr(p, '/');
	if (slash == NULL)
		slash = p + strlen(p);
	colon = memchr(p, ':', (size_t)(slash - p));
	hl = (size_t)((colon ? colon : slash) - p);
	if (hl == 0 || hl >= sizeof(host))
		die("bad host in %s", url);
	memcpy(host, p, hl);
	host[hl] = '\0';
	if (colon)
		port = (unsigned)strtoul(colon + 1, NULL, 10);
	snprintf(cfg.host[u], sizeof(cfg.host[u]), "%s:%u", host, port);
	snprintf(cfg.path[u], sizeof(cfg.path[u]), "%s", *slash ? slash : "/");
	memset(&cfg.dst[u], 0, sizeof(cfg.dst[u]));
	cfg.dst[u].sin_family = AF_INET;
	cfg.dst[u].sin_port = htons((uint16_t)port);
	if (strcmp(host, "localhost") == 0)
		strcpy(host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &cfg.dst[u].sin_addr) != 1)
		die("host must be a numeric IPv4 address: %s", host);
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: wsload [-u URL] [-c CLIENTS] [-t THREADS] [-r CONNECT_RATE]\n"
	    "              [-S SOURCES] [-l [FILTERS_JSON]] [-I] [-d SECONDS]\n"
	    "              [-i IDLE_MS] [-e EVENTS] [-T CONNECT_TIMEOUT] [-s SETTLE]\n"
	    "              [-p PID]... [-R READY_FILE] [-L LABEL]\n"
	    "  -u, --url URL            ws://127.0.0.1:5000/ws/flow; repeat to spread\n"
	    "                           clients round-robin over several servers\n"
	    "  -c, --clients N          connections to open (1)\n"
	    "  -t, --threads N          worker threads (2)\n"
	    "  -r, --connect-rate N     connections opened per second (2000)\n"
	    "  -S, --sources N          source addresses 127.0.0.1..N (clients/200)\n"
	    "  -l, --subscribe-logs[=F] send subscribe_logs with filters F ({})\n"
	    "  -I, --identify           send identify_client first\n"
	    "  -d, --duration S         longest measurement after connecting (30)\n"
	    "  -i, --idle-exit MS       stop MS after the last event (0: off)\n"
	    "  -e, --expect N           stop once every client has N events\n"
	    "  -T, --connect-timeout S  give up connecting after S seconds (30)\n"
	    "  -s, --settle S           pause before sampling RSS (0.5)\n"
	    "  -p, --pid PID            server process for RSS (repeatable)\n"
	    "  -R, --ready-file F       created once every client is connected\n"
	    "  -L, --label TEXT         copied into the JSON result\n");
}

static void
parse_argv(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "clients", required_argument, NULL, 'c' },
		{ "threads", required_argument, NULL, 't' },
		{ "connect-rate", required_argument, NULL, 'r' },
		{ "sources", required_argument, NULL, 'S' },
		{ "subscribe-logs", optional_argument, NULL, 'l' },
		{ "identify", no_argument, NULL, 'I' },
		{ "duration", required_argument, NULL, 'd' },
		{ "idle-exit", required_argument, NULL, 'i' },
		{ "expect", required_argument, NULL, 'e' },
		{ "connect-timeout", required_argument, NULL, 'T' },
		{ "settle", required_argument, NULL, 's' },
		{ "pid", required_argument, NULL, 'p' },
		{ "ready-file", required_argument, NULL, 'R' },
		{ "label", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *urls[MAX_URLS] = { "ws://127.0.0.1:5000/ws/flow" };
	unsigned u;
	int ch;

	while ((ch = getopt_long(argc, argv, "u:c:t:r:S:l::Id:i:e:T:s:p:R:L:h",
	    opts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			if (cfg.nurls == MAX_URLS)
				die("at most %d --url", MAX_URLS);
			urls[cfg.nurls++] = optarg;
			break;
		case 'c': cfg.clients = (unsigned)strtoul(optarg, NULL, 10); break;
		case 't': cfg.threads = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'r': cfg.connect_rate = strtod(optarg, NULL); break;
		case 'S': cfg.sources = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'l': cfg.subscribe = optarg ? optarg : "{}"; break;
		case 'I': cfg.identify = true; break;
		case 'd': cfg.duration = strtod(optarg, NULL); break;
		case 'i': cfg.idle_exit_ms = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'e': cfg.expect = strtoull(optarg, NULL, 10); break;
		case 'T': cfg.connect_timeout = strtod(optarg, NULL); break;
		case 's': cfg.settle = strtod(optarg, NULL); break;
		case 'p':
			if (cfg.npids == MAX_PIDS)
				die("at most 8 --pid: %s", optarg);
			cfg.pids[cfg.npids++] = (pid_t)strtol(optarg, NULL, 10);
			break;
		case 'R': cfg.ready_file = optarg; break;
		case 'L': cfg.label = optarg; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (optind != argc || cfg.clients == 0 || cfg.threads == 0 ||
	    cfg.connect_rate <= 0) {
		usage(stderr);
		exit(2);
	}
	if (cfg.threads > cfg.clients)
		cfg.threads = cfg.clients;
	if (cfg.sources == 0)
		cfg.sources = (cfg.clients + 199) / 200;
	if (cfg.sources > 254)
		cfg.sources = 254;
	if (cfg.nurls == 0)
		cfg.nurls = 1;
	for (u = 0; u < cfg.nurls; u++)
		parse_url(urls[u], u);
}

static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < (rlim_t)cfg.clients + 64)
		fprintf(stderr, "wsload: open-file limit %lu is below %u "
		    "clients: some connections will fail\n",
		    (unsigned long)rl.rlim_cur, cfg.clients);
}

static void
sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void
print_hist(const char *name, const struct hist *h, double div, bool comma)
{
	printf("\"%s\":{\"count\":%" PRIu64 ",\"p50\":%.1f,\"p99\":%.1f,"
	    "\"p999\":%.1f,\"max\":%.1f,\"mean\":%.1f}%s", name, h->count,
	    (double)hist_quantile(h, 0.5) / div,
	    (double)hist_quantile(h, 0.99) / div,
	    (double)hist_quantile(h, 0.999) / div, (double)h->max / div,
	    hist_mean(h) / div, comma ? "," : "");
}

int
main(int argc, char **argv)
{
	struct worker *ws;
	struct hist lat, hs, first;
	uint64_t t_conn_end, t_meas, now, last_change, prev_events = 0, ev;
	uint64_t first_rx = UINT64_MAX, last_rx = 0, bytes = 0, msgs = 0;
	uint64_t worst = 0, worst_rx = 0;
	uint64_t gaps = 0, missing = 0, dups = 0, reorders = 0, gap_msgs = 0;
	uint64_t resyncs = 0;
	uint64_t fs_min = UINT64_MAX, fs_max = 0, ls_min = UINT64_MAX, ls_max = 0;
	uint64_t closes[CL_NSLOTS] = { 0 }, fails[F_NSLOTS] = { 0 };
	uint64_t min_ev = UINT64_MAX, max_ev = 0, bad_clients = 0, errors_rx = 0;
	long rss_before, rss_conn, rss_after;
	unsigned i, k, per, rem, off, open_now;
	double span;
	FILE *f;

	parse_argv(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	rss_before = rss_total();

	ws = calloc(cfg.threads, sizeof(*ws));
	if (ws == NULL)
		die("out of memory");
	per = cfg.clients / cfg.threads;
	rem = cfg.clients % cfg.threads;
	t0_mono = now_ns(CLOCK_MONOTONIC);
	for (k = 0, off = 0; k < cfg.threads; k++) {
		struct worker *w = &ws[k];
		w->k = (int)k;
		w->n = per + (k < rem);
		w->c = calloc(w->n, sizeof(*w->c));
		if (w->c == NULL)
			die("out of memory");
		for (i = 0; i < w->n; i++)
			w->c[i].fd = -1;
		hist_init(&w->lat);
		hist_init(&w->hs);
		hist_init(&w->first);
		w->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (w->epfd < 0)
			die("epoll_create1: %s", strerror(errno));
		off += w->n;
		if (pthread_create(&w->th, NULL, worker_main, w) != 0)
			die("pthread_create failed");
	}

	/* Connect phase. */
	for (;;) {
		now = now_ns(CLOCK_MONOTONIC);
		if (atomic_load(&n_open) + atomic_load(&n_failed) >= cfg.clients)
			break;
		if ((double)(now - t0_mono) / 1e9 > cfg.connect_timeout)
			break;
		sleep_s(0.01);
	}
	t_conn_end = now_ns(CLOCK_MONOTONIC);
	sleep_s(cfg.settle);
	rss_conn = rss_total();
	open_now = atomic_load(&n_open);
	fprintf(stderr, "wsload: %u/%u connected in %.2f s\n", open_now,
	    cfg.clients, (double)(t_conn_end - t0_mono) / 1e9);
	atomic_store(&measuring, 1);
	if (cfg.ready_file) {
		f = fopen(cfg.ready_file, "w");
		if (f) {
			fprintf(f, "%u\n", open_now);
			fclose(f);
		}
	}

	/* Measurement phase. */
	t_meas = now_ns(CLOCK_MONOTONIC);
	last_change = t_meas;
	for (;;) {
		sleep_s(0.02);
		now = now_ns(CLOCK_MONOTONIC);
		if ((double)(now - t_meas) / 1e9 >= cfg.duration)
			break;
		if (open_now && atomic_load(&n_closed) >= open_now)
			break; /* nobody left to measure */
		for (ev = 0, k = 0; k < cfg.threads; k++)
			ev += atomic_load_explicit(&ws[k].events_pub,
			    memory_order_relaxed);
		if (ev != prev_events) {
			prev_events = ev;
			last_change = now;
		}
		if (cfg.idle_exit_ms && ev > 0 &&
		    now - last_change >= (uint64_t)cfg.idle_exit_ms * 1000000u)
			break;
		if (cfg.expect) {
			uint64_t m = UINT64_MAX;
			for (k = 0; k < cfg.threads; k++) {
				uint64_t v = atomic_load_explicit(
				    &ws[k].min_events_pub, memory_order_relaxed);
				if (v < m)
					m = v;
			}
			if (m != UINT64_MAX && m >= cfg.expect)
				break;
		}
	}
	rss_after = rss_total();
	atomic_store(&stopping, 1);

	hist_init(&lat);
	hist_init(&hs);
	hist_init(&first);
	for (k = 0; k < cfg.threads; k++) {
		struct worker *w = &ws[k];
		pthread_join(w->th, NULL);
		hist_merge(&lat, &w->lat);
		hist_merge(&hs, &w->hs);
		hist_merge(&first, &w->first);
		if (w->first_rx_ns && w->first_rx_ns < first_rx)
			first_rx = w->first_rx_ns;
		if (w->worst_ns > worst) {
			worst = w->worst_ns;
			worst_rx = w->worst_rx_ns;
		}
		if (w->last_rx_ns > last_rx)
			last_rx = w->last_rx_ns;
		bytes += w->bytes;
		msgs += w->msgs;
		gap_msgs += w->gap_msgs;
		resyncs += w->resyncs;
		errors_rx += w->errors_rx;
		for (i = 0; i < CL_NSLOTS; i++)
			closes[i] += w->closes[i];
		for (i = 0; i < F_NSLOTS; i++)
			fails[i] += w->fails[i];
		for (i = 0; i < w->n; i++) {
			struct conn *c = &w->c[i];
			if (c->state == C_CONNECTING || c->state == C_HANDSHAKE)
				fails[F_TIMEOUT]++;
			if (c->state == C_OPEN || (c->state == C_CLOSED &&
			    c->got_first)) {
				if (c->events < min_ev)
					min_ev = c->events;
				if (c->events > max_ev)
					max_ev = c->events;
				if (c->events && c->first_seq < fs_min)
					fs_min = c->first_seq;
				if (c->first_seq > fs_max)
					fs_max = c->first_seq;
				if (c->events && c->last_seq < ls_min)
					ls_min = c->last_seq;
				if (c->last_seq > ls_max)
					ls_max = c->last_seq;
			}
			gaps += c->gaps;
			missing += c->missing;
			dups += c->dups;
			reorders += c->reorders;
			if (c->gaps || c->dups || c->reorders)
				bad_clients++;
			conn_release(w, c);
		}
		close(w->epfd);
	}
	if (min_ev == UINT64_MAX)
		min_ev = 0;
	for (ev = 0, k = 0; k < cfg.threads; k++)
		for (i = 0; i < ws[k].n; i++)
			ev += ws[k].c[i].events;
	span = last_rx > first_rx ? (double)(last_rx - first_rx) / 1e9 : 0;

	printf("{\"tool\":\"wsload\",");
	if (cfg.label)
		printf("\"label\":\"%s\",", cfg.label);
	printf("\"urls\":[");
	for (i = 0; i < cfg.nurls; i++)
		printf("%s\"ws://%s%s\"", i ? "," : "", cfg.host[i], cfg.path[i]);
	printf("],\"clients\":%u,\"threads\":%u,"
	    "\"sources\":%u,\"subscribe_logs\":%s,", cfg.clients, cfg.threads, cfg.sources, cfg.subscribe ? "true" : "false");
	printf("\"connected\":%u,\"connect_failed\":{", open_now);
	for (i = 0; i < F_NSLOTS; i++)
		printf("\"%s\":%" PRIu64 "%s", fail_names[i], fails[i],
		    i + 1 < F_NSLOTS ? "," : "");
	printf("},\"connect_s\":%.3f,\"connect_per_s\":%.1f,",
	    (double)(t_conn_end - t0_mono) / 1e9,
	    open_now ? open_now / ((double)(t_conn_end - t0_mono) / 1e9) : 0.0);
	print_hist("handshake_ms", &hs, 1e6, true);
	print_hist("first_message_ms", &first, 1e6, true);
	printf("\"events\":%" PRIu64 ",\"messages\":%" PRIu64 ",\"bytes\":%" PRIu64
	    ",\"span_s\":%.3f,\"delivered_per_s\":%.1f,", ev, msgs, bytes, span,
	    span > 0 ? (double)ev / span : 0.0);
	printf("\"per_client_events\":{\"min\":%" PRIu64 ",\"max\":%" PRIu64
	    ",\"first_seq_min\":%" PRIu64 ",\"first_seq_max\":%" PRIu64
	    ",\"last_seq_min\":%" PRIu64 ",\"last_seq_max\":%" PRIu64 "},",
	    min_ev, max_ev, fs_min == UINT64_MAX ? 0 : fs_min, fs_max,
	    ls_min == UINT64_MAX ? 0 : ls_min, ls_max);
	print_hist("latency_us", &lat, 1e3, true);
	/* When the slowest event came, from the first one on: a stall at
	 * the start of a run is a start-up transient, one later is not. */
	printf("\"worst\":{\"latency_us\":%.1f,\"at_s\":%.3f},", worst / 1e3,
	    worst && worst_rx > first_rx ? (double)(worst_rx - first_rx) / 1e9 : 0.0);
	printf("\"seq\":{\"gaps\":%" PRIu64 ",\"missing\":%" PRIu64
	    ",\"duplicates\":%" PRIu64 ",\"reorders\":%" PRIu64
	    ",\"gap_messages\":%" PRIu64 ",\"state_resyncs\":%" PRIu64
	    ",\"clients_affected\":%" PRIu64 "},",
	    gaps, missing, dups, reorders, gap_msgs, resyncs, bad_clients);
	printf("\"closed\":{");
	for (i = 0; i < CL_NSLOTS; i++)
		printf("\"%s\":%" PRIu64 "%s", close_names[i], closes[i],
		    i + 1 < CL_NSLOTS ? "," : "");
	printf("},\"protocol_errors\":%" PRIu64 ",", errors_rx);
	printf("\"server_rss_kb\":{\"before\":%ld,\"connected\":%ld,\"after\":%ld},",
	    rss_before, rss_conn, rss_after);
	printf("\"rss_per_conn_bytes\":%.0f}\n",
	    rss_before >= 0 && rss_conn >= 0 && open_now ?
	    (double)(rss_conn - rss_before) * 1024.0 / open_now : -1.0);
	for (k = 0; k < cfg.threads; k++)
		free(ws[k].c);
	free(ws);
	return 0;
}
