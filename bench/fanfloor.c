/*
 * fanfloor: the least a WebSocket fan-out can cost on this machine, to
 * measure flowhub against.  It does what the hub and an edge do together
 * on the data path, and nothing else: one thread consumes the ring,
 * turns each event record into one server text frame, and send()s that
 * same frame to every connected client in a plain loop.  No hub, no NNG,
 * no libwebsockets, no state, no history, no filters, no per-client
 * encoding: the cost left is the kernel's (loopback TCP) and a loop.
 *
 * Ring.  It becomes the ring's consumer, as the hub does, so emitload
 * feeds it exactly as it feeds flowhub.  Each record is a msgpack map
 * ({"ts": ms, "blockId": ..., "params": {"t_ns": N}, ...}); it is written
 * out as JSON once per event, as the "data" of a message shaped like the
 * edge's: {"type":"block_started_enhanced","seq":S,"timestamp":"...",
 * "data":{...}}, seq counting up by one per event from 1.  The producer's
 * "t_ns" stamp is inside, so wsload measures emit-to-receive latency the
 * same way for both servers.  Space is released after every read pass
 * (nothing here needs to be durable).  When the ring is empty the loop
 * sleeps in shmring_wait (which spins briefly, then waits on the ring's
 * futex) for at most WAIT_MS, 1 ms while a client has output pending, and
 * services the sockets (epoll_wait with no timeout) after every pass.
 *
 * Sockets.  Non-blocking, level-triggered epoll, TCP_NODELAY.  A client's
 * first bytes are an HTTP request: with a Sec-WebSocket-Key it gets the
 * 101 (RFC 6455 section 4.2.2, key from wskey.c), then an
 * initial_execution_state whose data.seq is the last seq sent, so that
 * the first event it receives is seq + 1 (what wsload takes as its base);
 * without one it gets "200 ok" and is closed (a health probe).  What an
 * open client sends is skipped frame by frame; a close frame is answered
 * with a close frame and the connection is closed.
 *
 * Send.  A send that would block or is partial leaves the rest in the
 * client's pending buffer, EPOLLOUT is armed, and every later frame for
 * that client is appended behind it: nothing is lost or reordered for a
 * client that keeps up.  A client whose pending bytes would pass
 * PENDING_MAX is closed (counted).
 *
 * Like the daemons, it runs under SCHED_BATCH (see common/schedpolicy.h)
 * unless --no-batch.  On SIGTERM/SIGINT it closes everything and prints
 * one JSON object of counters on stderr, with the time each fan-out loop
 * took (first send to last, per event).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
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
#include "shmring.h"
#include "wsframe.h"
#include "wskey.h"

#define READ_MAX 64            /* records per shmring_read pass */
#define WAIT_MS 5              /* ring wait when idle, ms */
#define WAIT_PENDING_MS 1      /* ... while some client has output pending */
#define PENDING_MAX (4u << 20) /* a client's unsent bytes before it is closed */
#define RX_MAX 8192            /* request head; later only frame headers */
#define PRE 10                 /* room for the longest server frame header */
#define MP_DEPTH 32            /* msgpack nesting converted to JSON */
#define EVENTS_MAX 256         /* epoll events per call */

enum { C_HTTP, C_OPEN };

struct client {
	int fd;
	int state;
	bool dead;
	bool pollout;
	unsigned idx;  /* position in fl.open while C_OPEN */
	uint64_t skip; /* payload bytes of a client frame still to skip */
	size_t rx_len;
	uint8_t *out;  /* pending output: out[off .. len) */
	size_t off, len, cap;
	struct client *next_dead;
	uint8_t rx[RX_MAX];
};

struct buf {
	char *p;
	size_t len, cap;
};

static struct {
	const char *ring;
	size_t ring_size;
	unsigned port;
	bool batch;
	bool unlink;
} cfg = { .ring = SHMRING_DEFAULT_NAME, .ring_size = SHMRING_DEFAULT_CAPACITY,
	  .port = 5000, .batch = true };

static struct {
	int ep, lfd;
	struct shmring *r;
	struct client **open;
	unsigned nopen, open_cap;
	unsigned npending; /* clients with output pending */
	struct client *dead;
	uint64_t seq, pos;
	bool pos_set;
	struct buf frame;
	bool accept_paused;
	/* counters */
	uint64_t accepted, upgraded, probes, closed_by_peer, close_frames;
	uint64_t slow_closed, send_errors, events, bad_records;
	uint64_t frames, bytes, send_calls, would_block, partial;
	size_t max_pending;
	struct hist fanout;
} fl;

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t
now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- output buffer ---------------------------------------------------- */

static void
buf_reserve(struct buf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->len + more <= b->cap)
		return;
	cap = b->cap ? b->cap : 1024;
	while (cap < b->len + more)
		cap *= 2;
	p = realloc(b->p, cap);
	if (p == NULL) {
		fprintf(stderr, "fanfloor: out of memory\n");
		exit(1);
	}
	b->p = p;
	b->cap = cap;
}

static void
buf_add(struct buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void
buf_addu(struct buf *b, uint64_t v)
{
	char t[24];
	int i = (int)sizeof(t);

	do {
		t[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	buf_add(b, t + i, sizeof(t) - (size_t)i);
}

/* "YYYY-MM-DDTHH:MM:SS.mmmZ", now, as the edge stamps its messages. */
static void
buf_add_now(struct buf *b)
{
	struct timespec ts;
	struct tm tm;
	char t[40];
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(t + n, sizeof(t) - n, ".%03ldZ", ts.tv_nsec / 1000000);
	buf_adds(b, t);
}

/* ---- msgpack to JSON -------------------------------------------------- */

static uint64_t
be(const uint8_t *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void
json_str(struct buf *b, const uint8_t *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;
	char esc[6] = { '\\', 'u', '0', '0', 0, 0 };

	buf_reserve(b, n + 2);
	b->p[b->len++] = '"';
	for (i = 0; i < n; i++) {
		uint8_t c = s[i];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_add(b, s + run, i - run);
		run = i + 1;
		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			buf_add(b, esc, 2);
			esc[1] = 'u';
		} else {
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			buf_add(b, esc, 6);
		}
	}
	buf_add(b, s + run, n - run);
	buf_add(b, "\"", 1);
}

/* Write the msgpack object at *PP (ending before E) as JSON.  Returns 0
 * and advances *PP past it, or -1 when it is malformed.  bin and ext,
 * which flowhub's records never carry, become null. */
static int
mp_json(struct buf *b, const uint8_t **pp, const uint8_t *e, int depth)
{
	const uint8_t *p = *pp;
	uint64_t n = 0, i;
	int64_t sv;
	uint8_t t;
	bool map = false;
	int w = 0;
	char num[40];
	double d;

	if (p >= e || depth <= 0)
		return -1;
	t = *p++;
	if (t <= 0x7f) {
		buf_addu(b, t);
		goto done;
	}
	if (t >= 0xe0) {
		snprintf(num, sizeof(num), "%d", (int)(int8_t)t);
		buf_adds(b, num);
		goto done;
	}
	if (t >= 0xa0 && t <= 0xbf) {
		n = t & 0x1f;
		goto str;
	}
	if (t >= 0x80 && t <= 0x8f) {
		n = t & 0x0f;
		map = true;
		goto container;
	}
	if (t >= 0x90 && t <= 0x9f) {
		n = t & 0x0f;
		goto container;
	}
	switch (t) {
	case 0xc0: buf_adds(b, "null"); goto done;
	case 0xc2: buf_adds(b, "false"); goto done;
	case 0xc3: buf_adds(b, "true"); goto done;
	case 0xc4: case 0xc5: case 0xc6: /* bin 8/16/32 */
		w = 1 << (t - 0xc4);
		if (e - p < w)
			return -1;
		n = be(p, w);
		p += w;
		goto skip;
	case 0xc7: case 0xc8: case 0xc9: /* ext 8/16/32: length, type */
		w = 1 << (t - 0xc7);
		if (e - p < w + 1)
			return -1;
		n = be(p, w);
		p += w + 1;
		goto skip;
	case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8: /* fixext */
		if (p >= e)
			return -1;
		n = 1u << (t - 0xd4);
		p++;
		goto skip;
	case 0xca: case 0xcb:
		w = t == 0xca ? 4 : 8;
		if (e - p < w)
			return -1;
		if (w == 4) {
			uint32_t u = (uint32_t)be(p, 4);
			float f;
			memcpy(&f, &u, 4);
			d = f;
		} else {
			uint64_t u = be(p, 8);
			memcpy(&d, &u, 8);
		}
		p += w;
		if (isfinite(d)) {
			snprintf(num, sizeof(num), "%.17g", d);
			buf_adds(b, num);
		} else {
			buf_adds(b, "null");
		}
		goto done;
	case 0xcc: case 0xcd: case 0xce: case 0xcf:
		w = 1 << (t - 0xcc);
		if (e - p < w)
			return -1;
		buf_addu(b, be(p, w));
		p += w;
		goto done;
	case 0xd0: case 0xd1: case 0xd2: case 0xd3:
		w = 1 << (t - 0xd0);
		if (e - p < w)
			return -1;
		n = be(p, w);
		p += w;
		/* sign-extend the W-byte body */
		sv = w == 8 ? (int64_t)n :
		    (int64_t)(n ^ (1ull << (8 * w - 1))) -
		    (int64_t)(1ull << (8 * w - 1));
		snprintf(num, sizeof(num), "%" PRId64, sv);
		buf_adds(b, num);
		goto done;
	case 0xd9: case 0xda: case 0xdb:
		w = 1 << (t - 0xd9);
		if (e - p < w)
			return -1;
		n = be(p, w);
		p += w;
		goto str;
	case 0xdc: case 0xdd:
		w = t == 0xdc ? 2 : 4;
		if (e - p < w)
			return -1;
		n = be(p, w);
		p += w;
		goto container;
	case 0xde: case 0xdf:
		w = t == 0xde ? 2 : 4;
		if (e - p < w)
			return -1;
		n = be(p, w);
		p += w;
		map = true;
		goto container;
	default: /* 0xc1, never used */
		return -1;
	}
str:
	if ((uint64_t)(e - p) < n)
		return -1;
	json_str(b, p, (size_t)n);
	p += n;
	goto done;
skip:
	if ((uint64_t)(e - p) < n)
		return -1;
	p += n;
	buf_adds(b, "null");
	goto done;
container:
	buf_add(b, map ? "{" : "[", 1);
	for (i = 0; i < n; i++) {
		if (i)
			buf_add(b, ",", 1);
		if (map) {
			/* keys are strings in flowhub's records */
			if (p >= e || !((*p >= 0xa0 && *p <= 0xbf) ||
			    (*p >= 0xd9 && *p <= 0xdb)))
				return -1;
			if (mp_json(b, &p, e, depth - 1) < 0)
				return -1;
			buf_add(b, ":", 1);
		}
		if (mp_json(b, &p, e, depth - 1) < 0)
			return -1;
	}
	buf_add(b, map ? "}" : "]", 1);
done:
	*pp = p;
	return 0;
}

/* ---- frames ----------------------------------------------------------- */

/* Start a message: header room, then the text goes after PRE. */
static void
frame_begin(struct buf *b)
{
	b->len = 0;
	buf_reserve(b, PRE);
	b->len = PRE;
}

/* Put the server text frame header in front; returns where the frame
 * starts (it ends at b->len). */
static size_t
frame_end(struct buf *b)
{
	size_t plen = b->len - PRE, h = plen < 126 ? 2 : plen < 65536 ? 4 : 10;
	uint8_t *q = (uint8_t *)b->p + PRE - h;
	size_t i;

	q[0] = 0x80 | WS_OP_TEXT;
	if (h == 2) {
		q[1] = (uint8_t)plen;
	} else if (h == 4) {
		q[1] = 126;
		q[2] = (uint8_t)(plen >> 8);
		q[3] = (uint8_t)plen;
	} else {
		q[1] = 127;
		for (i = 0; i < 8; i++)
			q[2 + i] = (uint8_t)((uint64_t)plen >> (56 - 8 * i));
	}
	return PRE - h;
}

static const char *
msg_type(int32_t type)
{
	switch (type) {
	case SHMRING_EV_EXECUTION_STARTED: return "execution_started";
	case SHMRING_EV_BLOCK_STARTED: return "block_started_enhanced";
	case SHMRING_EV_BLOCK_EXECUTED: return "block_executed_enhanced";
	case SHMRING_EV_LOG: return "log_entry";
	case SHMRING_EV_HARDWARE_HEALTH: return "hardware_health_update";
	case SHMRING_EV_EXECUTION_FINISHED: return "execution_finished";
	default: return NULL;
	}
}

/* ---- clients ---------------------------------------------------------- */

static void
set_pollout(struct client *c, bool on)
{
	struct epoll_event ev;

	if (c->pollout == on)
		return;
	ev.events = EPOLLIN | (on ? EPOLLOUT : 0);
	ev.data.ptr = c;
	if (epoll_ctl(fl.ep, EPOLL_CTL_MOD, c->fd, &ev) == 0) {
		c->pollout = on;
		if (on)
			fl.npending++;
		else
			fl.npending--;
	}
}

static void
client_kill(struct client *c)
{
	struct client *last;

	if (c->dead)
		return;
	c->dead = true;
	set_pollout(c, false);
	close(c->fd);
	if (c->state == C_OPEN) {
		last = fl.open[--fl.nopen];
		fl.open[c->idx] = last;
		last->idx = c->idx;
	}
	c->next_dead = fl.dead;
	fl.dead = c;
	if (fl.accept_paused) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
		if (epoll_ctl(fl.ep, EPOLL_CTL_ADD, fl.lfd, &ev) == 0)
			fl.accept_paused = false;
	}
}

/* Freed only between event batches: a later event of the same
 * epoll_wait may still point at a killed client. */
static void
free_dead(void)
{
	struct client *c;

	while ((c = fl.dead) != NULL) {
		fl.dead = c->next_dead;
		free(c->out);
		free(c);
	}
}

/* Keep P[0..N) behind what is pending.  -ENOBUFS past PENDING_MAX. */
static int
client_queue(struct client *c, const void *p, size_t n)
{
	size_t have = c->len - c->off, cap;
	uint8_t *o;

	if (have + n > PENDING_MAX)
		return -ENOBUFS;
	if (c->off && c->len + n > c->cap) {
		memmove(c->out, c->out + c->off, have);
		c->off = 0;
		c->len = have;
	}
	if (c->len + n > c->cap) {
		cap = c->cap ? c->cap : 16384;
		while (cap < c->len + n)
			cap *= 2;
		o = realloc(c->out, cap);
		if (o == NULL)
			return -ENOMEM;
		c->out = o;
		c->cap = cap;
	}
	memcpy(c->out + c->len, p, n);
	c->len += n;
	if (c->len - c->off > fl.max_pending)
		fl.max_pending = c->len - c->off;
	set_pollout(c, true);
	return 0;
}

/* Send, or queue behind pending output.  0 or a negative errno. */
static int
client_send(struct client *c, const void *p, size_t n)
{
	ssize_t k;

	if (c->len > c->off)
		return client_queue(c, p, n);
	fl.send_calls++;
	k = send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (k == (ssize_t)n)
		return 0;
	if (k < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return -errno;
		fl.would_block++;
		k = 0;
	} else {
		fl.partial++;
	}
	return client_queue(c, (const uint8_t *)p + k, n - (size_t)k);
}

static void
client_flush(struct client *c)
{
	ssize_t k;

	while (c->len > c->off) {
		fl.send_calls++;
		k = send(c->fd, c->out + c->off, c->len - c->off,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			fl.send_errors++;
			client_kill(c);
			return;
		}
		c->off += (size_t)k;
	}
	c->off = c->len = 0;
	if (c->cap > 65536) {
		free(c->out);
		c->out = NULL;
		c->cap = 0;
	}
	set_pollout(c, false);
}

static void
send_or_kill(struct client *c, const void *p, size_t n)
{
	int rc = client_send(c, p, n);

	if (rc == 0)
		return;
	if (rc == -ENOBUFS || rc == -ENOMEM)
		fl.slow_closed++;
	else
		fl.send_errors++;
	client_kill(c);
}

/* The state a new client starts from: no execution, but the seq of the
 * last event sent, so that the next one is its base + 1. */
static void
send_state(struct client *c)
{
	struct buf *b = &fl.frame;
	size_t at;

	frame_begin(b);
	buf_adds(b, "{\"type\":\"initial_execution_state\",\"timestamp\":\"");
	buf_add_now(b);
	buf_adds(b, "\",\"data\":{\"seq\":");
	buf_addu(b, fl.seq);
	buf_adds(b, ",\"active\":[],\"recent\":[],\"executionContext\":"
	    "{\"sessionId\":null,\"programId\":null,\"programName\":null,"
	    "\"status\":\"idle\",\"startTime\":null,\"endTime\":null,"
	    "\"blocksStarted\":0,\"blocksCompleted\":0,\"blocksFailed\":0},"
	    "\"hardware\":{}}}");
	at = frame_end(b);
	send_or_kill(c, b->p + at, b->len - at);
}

/* The request head is in; answer it.  Returns false if C was closed. */
static bool
on_request(struct client *c, size_t hlen)
{
	static const char probe[] = "HTTP/1.1 200 OK\r\nContent-Type: "
	    "text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n";
	char head[RX_MAX + 1], key[64] = "", accept[29], resp[256];
	char *line, *save = NULL, *v;
	int n;

	memcpy(head, c->rx, hlen);
	head[hlen] = '\0';
	for (line = strtok_r(head, "\r\n", &save); line;
	    line = strtok_r(NULL, "\r\n", &save)) {
		if (strncasecmp(line, "Sec-WebSocket-Key:", 18) != 0)
			continue;
		for (v = line + 18; *v == ' ' || *v == '\t'; v++)
			;
		snprintf(key, sizeof(key), "%s", v);
		for (n = (int)strlen(key); n > 0 && (key[n - 1] == ' ' ||
		    key[n - 1] == '\t'); n--)
			key[n - 1] = '\0';
	}
	memmove(c->rx, c->rx + hlen, c->rx_len - hlen);
	c->rx_len -= hlen;
	if (key[0] == '\0') {
		fl.probes++;
		(void)send(c->fd, probe, sizeof(probe) - 1, MSG_NOSIGNAL |
		    MSG_DONTWAIT);
		client_kill(c);
		return false;
	}
	wskey_accept(key, accept);
	n = snprintf(resp, sizeof(resp), "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
	if (fl.nopen == fl.open_cap) {
		unsigned cap = fl.open_cap ? fl.open_cap * 2 : 1024;
		struct client **o = realloc(fl.open, cap * sizeof(*o));
		if (o == NULL) {
			client_kill(c);
			return false;
		}
		fl.open = o;
		fl.open_cap = cap;
	}
	c->state = C_OPEN;
	c->idx = fl.nopen;
	fl.open[fl.nopen++] = c;
	fl.upgraded++;
	send_or_kill(c, resp, (size_t)n);
	if (!c->dead)
		send_state(c);
	return !c->dead;
}

/* Skip what an open client sends, frame by frame; answer a close. */
static void
on_frames(struct client *c)
{
	static const uint8_t bye[4] = { 0x80 | WS_OP_CLOSE, 2, 0x03, 0xe8 };
	struct wsframe f;
	size_t n, used = 0;

	while (used < c->rx_len) {
		if (c->skip) {
			n = c->rx_len - used;
			if (n > c->skip)
				n = (size_t)c->skip;
			used += n;
			c->skip -= n;
			continue;
		}
		if (!wsframe_header(c->rx + used, c->rx_len - used, &f))
			break;
		if (f.op == WS_OP_CLOSE) {
			fl.close_frames++;
			/* a close frame may not cut into a pending frame */
			if (c->len == c->off)
				(void)send(c->fd, bye, sizeof(bye),
				    MSG_NOSIGNAL | MSG_DONTWAIT);
			client_kill(c);
			return;
		}
		used += f.hlen;
		c->skip = f.plen;
	}
	memmove(c->rx, c->rx + used, c->rx_len - used);
	c->rx_len -= used;
}

static void
on_readable(struct client *c)
{
	uint8_t *end;
	ssize_t k;

	for (;;) {
		if (c->rx_len == RX_MAX) { /* a request head this long */
			client_kill(c);
			return;
		}
		k = recv(c->fd, c->rx + c->rx_len, RX_MAX - c->rx_len, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (k <= 0) {
			fl.closed_by_peer++;
			client_kill(c);
			return;
		}
		c->rx_len += (size_t)k;
		if (c->state == C_HTTP) {
			end = memmem(c->rx, c->rx_len, "\r\n\r\n", 4);
			if (end == NULL)
				continue;
			if (!on_request(c, (size_t)(end - c->rx) + 4))
				return;
		}
		on_frames(c);
		if (c->dead)
			return;
	}
}

static void
on_accept(void)
{
	struct client *c;
	struct epoll_event ev;
	int fd, one = 1;

	for (;;) {
		fd = accept4(fl.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				/* wait for a close before accepting again */
				fprintf(stderr, "fanfloor: accept: %s\n",
				    strerror(errno));
				if (epoll_ctl(fl.ep, EPOLL_CTL_DEL, fl.lfd,
				    NULL) == 0)
					fl.accept_paused = true;
			}
			return;
		}
		c = calloc(1, sizeof(*c));
		if (c == NULL) {
			close(fd);
			return;
		}
		c->fd = fd;
		c->state = C_HTTP;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		if (epoll_ctl(fl.ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			free(c);
			continue;
		}
		fl.accepted++;
	}
}

/* Handle whatever the sockets have, without waiting. */
static void
service(void)
{
	struct epoll_event evs[EVENTS_MAX];
	struct client *c;
	int n, i;

	do {
		n = epoll_wait(fl.ep, evs, EVENTS_MAX, 0);
		for (i = 0; i < n; i++) {
			c = evs[i].data.ptr;
			if (c == NULL) {
				on_accept();
				continue;
			}
			if (c->dead)
				continue;
			if (evs[i].events & EPOLLOUT)
				client_flush(c);
			if (!c->dead && (evs[i].events &
			    (EPOLLIN | EPOLLHUP | EPOLLERR)))
				on_readable(c);
		}
		free_dead();
	} while (n == EVENTS_MAX);
}

/* ---- the ring --------------------------------------------------------- */

/* One event: one frame, built once, sent to every open client. */
static void
on_record(int32_t type, const void *data, uint32_t len, uint64_t pos_end,
    void *arg)
{
	struct buf *b = &fl.frame;
	const uint8_t *p = data;
	const char *name = msg_type(type);
	uint64_t t0;
	size_t at, n;
	unsigned i;

	(void)arg;
	fl.pos = pos_end;
	fl.pos_set = true;
	frame_begin(b);
	buf_adds(b, "{\"type\":\"");
	buf_adds(b, name ? name : "unknown");
	buf_adds(b, "\",\"seq\":");
	buf_addu(b, fl.seq + 1);
	buf_adds(b, ",\"timestamp\":\"");
	buf_add_now(b);
	buf_adds(b, "\",\"data\":");
	if (name == NULL || mp_json(b, &p, p + len, MP_DEPTH) < 0 ||
	    p != (const uint8_t *)data + len) {
		fl.bad_records++;
		return;
	}
	buf_add(b, "}", 1);
	at = frame_end(b);
	n = b->len - at;
	fl.seq++;
	fl.events++;

	t0 = now_ns(CLOCK_MONOTONIC);
	for (i = 0; i < fl.nopen;) {
		struct client *c = fl.open[i];

		send_or_kill(c, b->p + at, n);
		if (!c->dead) /* else open[i] is now another client */
			i++;
	}
	hist_add(&fl.fanout, now_ns(CLOCK_MONOTONIC) - t0);
	fl.frames += fl.nopen;
	fl.bytes += (uint64_t)fl.nopen * n;
}

/* A reader that caught up with a ring that is exactly full sees, at the
 * tail, the oldest record of this lap, not yet released: libshmring
 * reports that as a bad record.  It only means "empty" (as in the hub). */
static bool
ring_caught_up_full(void)
{
	struct shmring_stats st;

	shmring_stats(fl.r, &st);
	return st.read_pos == st.tail && st.tail - st.head == st.capacity;
}

/* ---- setup ------------------------------------------------------------ */

static int
open_ring(void)
{
	struct shmring_opts o = { 0 };
	int rc;

	o.capacity = cfg.ring_size;
	rc = shmring_open(&fl.r, cfg.ring, &o);
	if (rc == -EEXIST) { /* an existing ring of another size: use it */
		o.capacity = 0;
		rc = shmring_open(&fl.r, cfg.ring, &o);
	}
	if (rc == 0)
		rc = shmring_consumer_attach(fl.r);
	if (rc < 0)
		fprintf(stderr, "fanfloor: ring %s: %s\n", cfg.ring,
		    shmring_strerror(rc));
	return rc;
}

static int
open_listener(void)
{
	struct sockaddr_in sa;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	int one = 1;

	fl.lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fl.lfd < 0)
		goto fail;
	setsockopt(fl.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)cfg.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fl.lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fl.lfd, 4096) < 0)
		goto fail;
	fl.ep = epoll_create1(EPOLL_CLOEXEC);
	if (fl.ep < 0 || epoll_ctl(fl.ep, EPOLL_CTL_ADD, fl.lfd, &ev) < 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "fanfloor: 127.0.0.1:%u: %s\n", cfg.port,
	    strerror(errno));
	return -1;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: fanfloor [-r RING] [-z RING_SIZE] [-p PORT] [-U] [-B]\n"
	    "  -r, --ring NAME        shared-memory ring to consume (/flowhub)\n"
	    "  -z, --ring-size BYTES  its size when creating it, a power of two;\n"
	    "                         K, M, G suffixes (16M)\n"
	    "  -p, --port PORT        listen on 127.0.0.1:PORT (5000)\n"
	    "  -U, --unlink           remove the ring's name on exit\n"
	    "  -B, --no-batch         stay under the default scheduling policy\n"
	    "Counters go to stderr as JSON on exit (SIGTERM, SIGINT).\n");
}

static int
parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: break;
	}
	if (*end || v < SHMRING_MIN_CAPACITY || v > SHMRING_MAX_CAPACITY ||
	    (v & (v - 1)))
		return -1;
	*out = (size_t)v;
	return 0;
}

static int
parse_argv(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ring", required_argument, NULL, 'r' },
		{ "ring-size", required_argument, NULL, 'z' },
		{ "port", required_argument, NULL, 'p' },
		{ "unlink", no_argument, NULL, 'U' },
		{ "no-batch", no_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int ch;

	while ((ch = getopt_long(argc, argv, "r:z:p:UBh", opts, NULL)) != -1) {
		switch (ch) {
		case 'r': cfg.ring = optarg; break;
		case 'z':
			if (parse_size(optarg, &cfg.ring_size) < 0) {
				fprintf(stderr, "fanfloor: --ring-size %s: not "
				    "a power of two between 64K and 1G\n", optarg);
				return -1;
			}
			break;
		case 'p':
			cfg.port = (unsigned)strtoul(optarg, &end, 10);
			if (*end || cfg.port == 0 || cfg.port > 65535) {
				fprintf(stderr, "fanfloor: bad --port %s\n",
				    optarg);
				return -1;
			}
			break;
		case 'U': cfg.unlink = true; break;
		case 'B': cfg.batch = false; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return -1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -1;
	}
	return 1;
}

static void
report(void)
{
	fprintf(stderr, "{\"tool\":\"fanfloor\",\"accepted\":%" PRIu64
	    ",\"upgraded\":%" PRIu64 ",\"probes\":%" PRIu64
	    ",\"closed_by_peer\":%" PRIu64 ",\"close_frames\":%" PRIu64
	    ",\"slow_closed\":%" PRIu64 ",\"send_errors\":%" PRIu64
	    ",\"events\":%" PRIu64 ",\"bad_records\":%" PRIu64
	    ",\"frames\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"send_calls\":%"
	    PRIu64 ",\"would_block\":%" PRIu64 ",\"partial\":%" PRIu64
	    ",\"max_pending\":%zu,\"fanout_us\":{\"p50\":%.1f,\"p99\":%.1f,"
	    "\"max\":%.1f}}\n", fl.accepted, fl.upgraded, fl.probes,
	    fl.closed_by_peer, fl.close_frames, fl.slow_closed, fl.send_errors,
	    fl.events, fl.bad_records, fl.frames, fl.bytes, fl.send_calls,
	    fl.would_block, fl.partial, fl.max_pending,
	    (double)hist_quantile(&fl.fanout, 0.5) / 1e3,
	    (double)hist_quantile(&fl.fanout, 0.99) / 1e3,
	    (double)fl.fanout.max / 1e3);
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	struct sched_param sp = { 0 };
	struct rlimit rl;
	uint64_t hb = 0, now;
	unsigned i;
	int n, ret = 1;

	n = parse_argv(argc, argv);
	if (n <= 0)
		return n < 0 ? 2 : 0;
	hist_init(&fl.fanout);
	fl.lfd = fl.ep = -1;
	if (cfg.batch && sched_setscheduler(0, SCHED_BATCH, &sp) < 0)
		fprintf(stderr, "fanfloor: SCHED_BATCH: %s\n", strerror(errno));
	/* a thousand clients need more than the default 1024 descriptors */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	if (open_ring() < 0 || open_listener() < 0)
		goto cleanup;

	while (!stop) {
		n = shmring_read(fl.r, on_record, NULL, READ_MAX);
		if (n == -EBADMSG && ring_caught_up_full())
			n = 0;
		if (n < 0) {
			fprintf(stderr, "fanfloor: ring read: %s\n",
			    shmring_strerror(n));
			goto cleanup;
		}
		if (fl.pos_set) {
			if (shmring_release(fl.r, fl.pos) < 0)
				fprintf(stderr, "fanfloor: release failed\n");
			fl.pos_set = false;
		}
		service();
		now = now_ns(CLOCK_MONOTONIC);
		if (now - hb > 100000000u) {
			shmring_heartbeat(fl.r);
			hb = now;
		}
		if (n == 0)
			(void)shmring_wait(fl.r, fl.npending ? WAIT_PENDING_MS :
			    WAIT_MS);
	}
	ret = 0;
cleanup:
	for (i = fl.nopen; i > 0; i--)
		client_kill(fl.open[i - 1]);
	free_dead();
	/* clients still in their handshake are left to exit() */
	if (fl.ep >= 0)
		close(fl.ep);
	if (fl.lfd >= 0)
		close(fl.lfd);
	shmring_close(fl.r);
	if (cfg.unlink)
		(void)shmring_unlink(cfg.ring);
	free(fl.open);
	free(fl.frame.p);
	report();
	return ret;
}
