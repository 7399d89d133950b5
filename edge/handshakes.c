/*
 * Connections in their HTTP handshake, counted per source address.
 *
 * The edge stops accepting while HS_MAX connections are in their
 * handshake (server.c).  That keeps it alive under a connection burst,
 * but on its own it lets one host that opens HS_MAX sockets and never
 * speaks hold every other client off until lws' handshake timeout closes
 * them, and then do it again.  So each source address may have at most
 * --max-handshakes-per-ip connections in their handshake at once; a new
 * connection past that is closed at accept, before lws spends a wsi or a
 * header table on it.  A browser has a handful in flight, a reconnect
 * storm behind one NAT address a few hundred: the default, 1024, stays
 * well above both and far below HS_MAX.
 *
 * Accounting.  The address is known at accept: lws hands it to the
 * FILTER_NETWORK_CONNECTION callback (or the edge calls accept4 itself
 * with --reuseport).  The wsi is known only at the WSI_CREATE callback
 * that follows within the same adoption call, on the same thread, so the
 * admitted address waits in one slot (pending) until then; a slot still
 * full at the next accept means that adoption failed, and its count goes
 * back.  A connection leaves its count when its request has been read (an
 * upgrade to vet, a request to answer) or when its wsi is destroyed,
 * whichever comes first.  Both tables are hashed with chaining; entries
 * exist only while counted, so an idle edge holds none.
 */
#include "config.h"

#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edge.h"
#include "fnv.h"

#define ADDR_BUCKETS 1024
#define CONN_BUCKETS 4096

struct hs_addr {
	struct hs_addr *next;
	uint8_t a[16]; /* IPv6, or IPv4 mapped into it */
	unsigned n;
};

struct hs_conn {
	struct hs_conn *next;
	const struct lws *wsi;
	struct hs_addr *addr;
};

struct edge_handshakes {
	struct hs_addr *addrs[ADDR_BUCKETS];
	struct hs_conn *conns[CONN_BUCKETS];
	struct hs_addr *pending; /* admitted, wsi not created yet */
};

static unsigned
addr_hash(const uint8_t a[16])
{
	return fh_fnv1a(a, 16) % ADDR_BUCKETS;
}

static unsigned
conn_hash(const struct lws *wsi)
{
	uintptr_t p = (uintptr_t)wsi;

	return (unsigned)((p >> 4) ^ (p >> 16)) % CONN_BUCKETS;
}

/* SA as 16 bytes: an IPv4 address becomes ::ffff:a.b.c.d, so that one
 * host counts once whichever way it came in.  -1 for other families. */
static int
addr_key(const struct sockaddr *sa, uint8_t out[16])
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &s4->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(out, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		return 0;
	}
	return -1;
}

static void
addr_put(struct edge_handshakes *t, struct hs_addr *a)
{
	struct hs_addr **pp;

	if (--a->n > 0)
		return;
	for (pp = &t->addrs[addr_hash(a->a)]; *pp; pp = &(*pp)->next)
		if (*pp == a) {
			*pp = a->next;
			free(a);
			return;
		}
}

int
edge_hs_admit(struct edge *e, const struct sockaddr *sa)
{
	struct edge_handshakes *t = e->hs;
	struct hs_addr *a;
	uint8_t key[16];
	unsigned h;

	if (t == NULL) {
		if ((t = calloc(1, sizeof(*t))) == NULL)
			return 0; /* not counted: lws' own limits still hold */
		e->hs = t;
	}
	if (t->pending) {
		/* the last admitted connection never got a wsi */
		addr_put(t, t->pending);
		t->pending = NULL;
	}
	if (sa == NULL || addr_key(sa, key) != 0)
		return 0;
	h = addr_hash(key);
	for (a = t->addrs[h]; a; a = a->next)
		if (memcmp(a->a, key, 16) == 0)
			break;
	if (a && a->n >= e->conf.max_hs_per_ip) {
		e->m.hs_refused++;
		return -1;
	}
	if (a == NULL) {
		if ((a = calloc(1, sizeof(*a))) == NULL)
			return 0;
		memcpy(a->a, key, 16);
		a->next = t->addrs[h];
		t->addrs[h] = a;
	}
	a->n++;
	t->pending = a;
	return 0;
}

void
edge_hs_created(struct edge *e, const struct lws *wsi)
{
	struct edge_handshakes *t = e->hs;
	struct hs_conn *c;
	unsigned h;

	if (t == NULL || t->pending == NULL)
		return; /* not an accepted connection (or not counted) */
	if ((c = malloc(sizeof(*c))) == NULL) {
		addr_put(t, t->pending);
		t->pending = NULL;
		return;
	}
	h = conn_hash(wsi);
	c->wsi = wsi;
	c->addr = t->pending;
	c->next = t->conns[h];
	t->conns[h] = c;
	t->pending = NULL;
}

void
edge_hs_done(struct edge *e, const struct lws *wsi)
{
	struct edge_handshakes *t = e->hs;
	struct hs_conn **pp, *c;

	if (t == NULL)
		return;
	for (pp = &t->conns[conn_hash(wsi)]; (c = *pp) != NULL; pp = &c->next)
		if (c->wsi == wsi) {
			*pp = c->next;
			addr_put(t, c->addr);
			free(c);
			return;
		}
}

void
edge_hs_free(struct edge *e)
{
	struct edge_handshakes *t = e->hs;

	if (t == NULL)
		return;
	for (unsigned i = 0; i < CONN_BUCKETS; i++)
		while (t->conns[i]) {
			struct hs_conn *c = t->conns[i];
			t->conns[i] = c->next;
			free(c);
		}
	for (unsigned i = 0; i < ADDR_BUCKETS; i++)
		while (t->addrs[i]) {
			struct hs_addr *a = t->addrs[i];
			t->addrs[i] = a->next;
			free(a);
		}
	free(t);
	e->hs = NULL;
}
