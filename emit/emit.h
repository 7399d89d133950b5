/*
 * flowhub-emit internals: the two producers (JSON lines, the demo
 * simulation) and the one policy they share for a full ring.
 *
 * flowhub-emit is a tool, not the interpreter: when the ring is full it
 * waits for the hub to make room (short back-off, polling) instead of
 * dropping, unless --no-wait asks it to drop and count.  Either way
 * nothing is lost silently.
 */
#ifndef FH_EMIT_H
#define FH_EMIT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

struct shmring;

struct emit_ctx {
	struct shmring *ring;
	uint32_t max_record;   /* the ring's record limit */
	int no_wait;           /* drop on a full ring instead of waiting */
	uint64_t written;      /* events committed */
	uint64_t dropped;      /* events dropped (--no-wait, ring full) */
	uint64_t rejected;     /* input lines refused */
	volatile sig_atomic_t *stop; /* set by SIGINT/SIGTERM */
};

/*
 * Full-ring policy, called after an attempt returned SHMRING_FULL.
 * *ATTEMPT counts the retries of this event (start at 0).  Returns 1 to
 * retry (after sleeping a little: 1 ms doubling up to 50 ms), or 0 to
 * give up: with --no-wait (counted in ->dropped) or when asked to stop.
 */
int emit_full_wait(struct emit_ctx *e, unsigned *attempt);

/*
 * Stream JSON lines from FD into the ring: every complete line is
 * converted and written as soon as it is read.  Bad lines are reported on
 * stderr as "LINE N: reason" and counted in ->rejected.  Returns 0 at EOF
 * or on a stop request, -errno when reading fails.
 */
int emit_lines(struct emit_ctx *e, int fd);

/*
 * Play the simulated hydroponics program: COUNT events (0 = until
 * stopped) at RATE events per second (0 = as fast as possible), paced by
 * absolute deadlines.  Returns 0, or a negative errno from the ring.
 */
int emit_demo(struct emit_ctx *e, double rate, uint64_t count);

#endif /* FH_EMIT_H */
