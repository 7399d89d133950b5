/*
 * NNG publisher (see publish.h).  The message is built in one nng_msg:
 * topic byte, the array header [prev_e, prev_l, events(n)] and the
 * envelopes copied from the pending batch.  prev_e/prev_l are the last
 * seqs this process published on each topic before the message, so an
 * edge that sees them differ from what it last received knows that NNG
 * dropped a message for it (and that a jump of seq that they explain was
 * only a filtered-out log).
 */
#include "config.h"

#include <errno.h>
#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <stdio.h>
#include <string.h>

#include "listen.h"
#include "publish.h"
#include "wire.h"

int
hub_pub_open(struct hub_pub *p, const char *const *urls, int nurls, char *err,
	     size_t errlen)
{
	int rc;

	memset(p, 0, sizeof(*p));
	if ((rc = nng_pub0_open(&p->sock)) != 0) {
		snprintf(err, errlen, "pub socket: %s", nng_strerror(rc));
		return -ENOMEM;
	}
	p->open = 1;
	(void)nng_socket_set_int(p->sock, NNG_OPT_SENDBUF, 8192);
	for (int i = 0; i < nurls; i++) {
		if ((rc = hub_listen(p->sock, urls[i], err, errlen)) < 0) {
			nng_close(p->sock);
			p->open = 0;
			return rc;
		}
	}
	mpbuf_init(&p->batch);
	return 0;
}

void
hub_pub_close(struct hub_pub *p)
{
	if (!p->open)
		return;
	hub_pub_flush(p);
	nng_close(p->sock);
	mpbuf_free(&p->batch);
	p->open = 0;
}

static size_t
put_uint(uint8_t *b, uint64_t v)
{
	b[0] = 0xcf;
	for (int i = 0; i < 8; i++)
		b[1 + i] = (uint8_t)(v >> (56 - 8 * i));
	return 9;
}

void
hub_pub_flush(struct hub_pub *p)
{
	uint8_t hdr[32];
	size_t h = 0;
	nng_msg *m;
	int rc;

	if (!p->open || p->count == 0)
		return;
	hdr[h++] = (uint8_t)p->topic;
	hdr[h++] = 0x93;
	h += put_uint(hdr + h, p->prev[0]);
	h += put_uint(hdr + h, p->prev[1]);
	hdr[h++] = 0xdd; /* array32 */
	hdr[h++] = (uint8_t)(p->count >> 24);
	hdr[h++] = (uint8_t)(p->count >> 16);
	hdr[h++] = (uint8_t)(p->count >> 8);
	hdr[h++] = (uint8_t)p->count;
	if ((rc = nng_msg_alloc(&m, h + p->batch.len)) != 0) {
		p->send_errors++;
	} else {
		uint8_t *body = nng_msg_body(m);
		memcpy(body, hdr, h);
		memcpy(body + h, p->batch.p, p->batch.len);
		if ((rc = nng_sendmsg(p->sock, m, NNG_FLAG_NONBLOCK)) != 0) {
			nng_msg_free(m);
			p->send_errors++;
		} else {
			p->msgs++;
			p->events += p->count;
			p->bytes += h + p->batch.len;
		}
	}
	/* Even an unsent batch counts as published: an edge must see the
	 * hole through prev_e/prev_l and repair it. */
	p->prev[p->topic == WIRE_TOPIC_LOGS] = p->last_seq;
	p->count = 0;
	p->topic = 0;
	p->batch.len = 0;
}

void
hub_pub_add(struct hub_pub *p, int topic, uint64_t seq, const void *env,
	    uint32_t len)
{
	if (!p->open)
		return;
	if (p->count > 0 &&
	    (topic != p->topic || p->batch.len + len > WIRE_BATCH_BYTES))
		hub_pub_flush(p);
	p->topic = topic;
	mpbuf_put(&p->batch, env, len);
	p->count++;
	p->last_seq = seq;
}
