/*
 * Event publisher: one NNG pub0 socket, messages in the wire format of
 * common/wire.h (topic byte + [prev_e, prev_l, [envelope...]]).
 *
 * Natural batching: envelopes are appended to a pending batch and the
 * batch is sent when the loop has nothing more ready (end of a ring read
 * pass), when it would pass WIRE_BATCH_BYTES, or when the topic changes
 * (batches stay in seq order across topics, so an edge merging E and L
 * never has to reorder).  A quiet hub therefore sends every event at
 * once, and a busy one sends few large messages, which is what NNG's
 * per-message cost needs.  Sending never blocks: pub0 drops for lagging
 * subscribers (the edges repair from history).
 */
#ifndef HUB_PUBLISH_H
#define HUB_PUBLISH_H

#include <nng/nng.h>
#include <stdint.h>

#include "mpbuf.h"

struct hub_pub {
	nng_socket sock;
	int open;
	int topic;          /* topic of the pending batch, 0 = none */
	uint32_t count;     /* envelopes pending */
	uint64_t last_seq;  /* seq of the newest pending envelope */
	struct mpbuf batch;
	uint64_t prev[2];   /* last seq published on E, L */
	/* counters */
	uint64_t msgs, events, bytes, send_errors;
};

/* Open the socket and listen on each of URLS.  On failure *ERR names the
 * URL; nothing stays open.  Returns 0 or a negative NNG-ish errno. */
int hub_pub_open(struct hub_pub *p, const char *const *urls, int nurls,
		 char *err, size_t errlen);
void hub_pub_close(struct hub_pub *p);

/* Queue one envelope; may send the pending batch first. */
void hub_pub_add(struct hub_pub *p, int topic, uint64_t seq, const void *env,
		 uint32_t len);
/* Send what is pending (no-op when nothing is). */
void hub_pub_flush(struct hub_pub *p);

#endif /* HUB_PUBLISH_H */
