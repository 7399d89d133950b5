/*
 * The consumer side of shmring: registration, the batch read with its
 * private cursor, skipping the claims of dead producers, releasing space,
 * and sleeping until producers commit.  The design (layout, orderings,
 * the dead-producer scheme) is described at the top of shmring.c.
 */
#include "config.h"

#include <errno.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SHMRING__LIBRARY
#include "shmring.h"
#include "shmring_private.h"

static void
futex_wait(_Atomic uint32_t *w, uint32_t val, uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000ull),
		.tv_nsec = (long)(ns % 1000000000ull),
	};

	syscall(SYS_futex, (uint32_t *)w, FUTEX_WAIT, val, &ts, NULL, 0);
}

SHMRING_EXTERN int
shmring_consumer_attach(struct shmring *r)
{
	struct shmring__hdr *h = r->h;
	uint64_t me = shmring__self_owner_word(), cur, head, tail;
	int tries;

	if (r->consumer)
		return 0;
	for (tries = 0;; tries++) {
		cur = atomic_load(&h->consumer);
		if (cur != 0 && !shmring__owner_dead(cur))
			return shmring__fail(-EBUSY, "segment already has a consumer, pid %u",
				    (unsigned)(cur >> 32));
		if (atomic_compare_exchange_strong(&h->consumer, &cur, me))
			break;
		if (tries > 100)
			return shmring__fail(-EBUSY, "consumer registration keeps changing");
	}
	head = atomic_load_explicit(&h->head, ACQ);
	tail = atomic_load_explicit(&h->tail, ACQ);
	if ((head & (SHMRING__ALIGN - 1)) != 0 || tail < head || tail - head > r->cap) {
		atomic_compare_exchange_strong(&h->consumer, &me, 0);
		return shmring__fail(-EPROTO, "segment positions head %llu tail %llu are inconsistent",
			    (unsigned long long)head, (unsigned long long)tail);
	}
	/* A consumer that died asleep may have left the flag set. */
	atomic_store_explicit(&h->sleeping, 0, RLX);
	r->consumer = true;
	r->owner_word = me;
	r->cursor = head;
	r->released = head;
	r->tail_seen = tail;
	r->stall_pos = POS_NONE;
	shmring_heartbeat(r);
	return 0;
}

/*
 * Producers never claim past head + capacity, so a record that ends
 * further than one lap from what we released is a lie of a corrupt
 * segment.  This also bounds one read call to a lap, whatever the tail
 * says: abort and padding records do not count towards MAX.
 */
static inline bool
beyond_lap(const struct shmring *r, uint64_t pos, uint64_t size)
{
	return size > r->cap || pos - r->released > r->cap - size;
}

/* Who owns the claim covering POS and how many bytes from POS it spans,
 * judged from the slot table.  Returns 1 and fills *size and *dead when the
 * slots name the claim unambiguously, 0 otherwise. */
static int
find_claim(struct shmring *r, uint64_t pos, uint64_t *size, bool *dead)
{
	struct shmring__hdr *h = r->h;
	uint64_t sz = 0;
	bool any = false, alive = false, ambiguous = false;
	unsigned i;

	for (i = 0; i < r->nslots; i++) {
		struct shmring__slot *s = &h->slots[i];
		uint64_t p = atomic_load_explicit(&s->pending, ACQ);
		uint64_t l = atomic_load_explicit(&s->pending_len, RLX);

		if (p == POS_NONE || p > pos || pos - p >= l)
			continue;
		if (any && sz != p + l - pos)
			ambiguous = true;
		any = true;
		sz = p + l - pos;
		if (!shmring__owner_dead(atomic_load(&s->owner)))
			alive = true;
	}
	if (!any || ambiguous)
		return 0;
	*size = sz;
	*dead = !alive;
	return 1;
}

/*
 * The record at the cursor is uncommitted (header word W).  Decide whether
 * to skip it.  Returns the bytes to skip, 0 to keep waiting, or an error.
 */
static int64_t
stalled(struct shmring *r, uint64_t pos, uint64_t w)
{
	struct shmring__hdr *h = r->h;
	uint64_t now = shmring__now_ns(CLOCK_MONOTONIC), off = pos & r->mask, size = 0;
	int32_t len = word_len(w);
	bool dead = false, known = true, timeout;
	int32_t mark = SHMRING__T_SKIP;

	if (r->stall_pos != pos) {
		if (r->stall_pos == POS_NONE || r->stall_since == 0)
			r->stall_since = now;
		r->stall_pos = pos;
		r->stall_checked = now;
		return 0;
	}
	if (r->stall_checked != 0 && now - r->stall_checked < CHECK_EVERY_NS)
		return 0;
	r->stall_checked = now;
	timeout = now - r->stall_since >= r->liveness_ns;

	if (len < 0) {
		int32_t tag = word_type(w);
		uint32_t idx = SHMRING__TAG_SLOT(tag);

		size = align8((uint64_t)-(int64_t)len);
		if (tag < 0 || idx >= r->nslots || size > r->cap - off ||
		    size - SHMRING__REC_HDR > r->max_record)
			return -EBADMSG;
		struct shmring__slot *s = &h->slots[idx];
		dead = (atomic_load(&s->gen) & 0x7fffffu) != SHMRING__TAG_GEN(tag) ||
		       shmring__owner_dead(atomic_load(&s->owner));
	} else {
		/* Claimed (tail passed us) but the owner has not even written
		 * the header: only the slot table knows the size. */
		known = find_claim(r, pos, &size, &dead) == 1;
		if (atomic_load_explicit(hdr_at(r, pos), ACQ) != w)
			return 0; /* it moved on while we looked */
		if (!known)
			return timeout ? -EPROTO : 0;
		if ((size & (SHMRING__ALIGN - 1)) != 0 || size < SHMRING__REC_HDR)
			return -EBADMSG;
		if (size > r->cap - off) {
			/* The claim wraps: its first part is padding. */
			size = r->cap - off;
			mark = SHMRING__T_PAD;
		}
	}
	if (!dead && !timeout)
		return 0;
	if (past_tail(pos, size, r->tail_seen))
		r->tail_seen = atomic_load_explicit(&h->tail, ACQ);
	if (past_tail(pos, size, r->tail_seen) || beyond_lap(r, pos, size))
		return -EPROTO;
	/* A producer that commits right now wins the race and is read. */
	if (!atomic_compare_exchange_strong(hdr_at(r, pos), &w,
					    hdr_word((int32_t)size, mark)))
		return 0;
	if (mark == SHMRING__T_SKIP)
		atomic_fetch_add_explicit(&h->skipped, 1, RLX);
	/* Look at what follows at once.  After padding it is the rest of
	 * the same claim, whose clock keeps running; after a whole record it
	 * is another claim, whose clock starts now. */
	r->stall_pos = pos + size;
	r->stall_checked = 0;
	r->stall_hint = true;
	if (mark == SHMRING__T_SKIP)
		r->stall_since = now;
	return (int64_t)size;
}

SHMRING_EXTERN int
shmring_read(struct shmring *r, shmring_handler hd, void *arg, unsigned max)
{
	struct shmring__hdr *h = r->h;
	uint64_t pos = r->cursor;
	unsigned n = 0;
	int err = 0;

	if (unlikely(!r->consumer))
		return shmring__fail(-EINVAL, "read: this handle is not the consumer");

	while (n < max) {
		uint64_t off = pos & r->mask;
		uint64_t w = atomic_load_explicit(hdr_at(r, pos), ACQ);
		int32_t len = word_len(w), type;
		uint64_t size;

		if (len <= 0) {
			if (n > 0)
				break; /* let the caller digest first */
			if (len == 0) {
				/* Almost always simply empty.  Looking at tail on
				 * every poll would pull the producers' hottest
				 * line over to this core, so only every so often,
				 * or when wait() saw a claim, do we check for a
				 * claim whose header was never written. */
				if (++r->empty_polls < EMPTY_POLLS && !r->stall_hint)
					break;
				r->empty_polls = 0;
				r->stall_hint = false;
				uint64_t tail = atomic_load_explicit(&h->tail, ACQ);

				if (tail < pos || tail - pos > r->cap) {
					err = shmring__fail(-EPROTO, "tail %llu inconsistent with the cursor %llu",
						   (unsigned long long)tail,
						   (unsigned long long)pos);
					goto bad;
				}
				r->tail_seen = tail;
				if (tail == pos) {
					/* Empty: whatever stalled here is over, and
					 * a later claim must get its own clock. */
					r->stall_pos = POS_NONE;
					r->stall_since = 0;
					break;
				}
			} else if (++r->empty_polls < EMPTY_POLLS && !r->stall_hint) {
				break; /* a producer is writing it */
			} else {
				r->empty_polls = 0;
				r->stall_hint = false;
			}
			int64_t skip = stalled(r, pos, w);

			if (skip < 0) {
				err = (int)skip;
				goto bad;
			}
			if (skip == 0)
				break;
			pos += (uint64_t)skip;
			r->cursor = pos;
			continue;
		}
		size = align8((uint64_t)len);
		if (len < SHMRING__REC_HDR || size > r->cap - off) {
			err = -EBADMSG;
			goto bad;
		}
		if (past_tail(pos, size, r->tail_seen)) {
			r->tail_seen = atomic_load_explicit(&h->tail, ACQ);
			if (past_tail(pos, size, r->tail_seen)) {
				err = -EBADMSG;
				goto bad;
			}
		}
		if (beyond_lap(r, pos, size)) {
			err = shmring__fail(-EPROTO, "record at %llu lies more than a lap past head %llu",
					    (unsigned long long)pos,
					    (unsigned long long)r->released);
			goto bad;
		}
		type = word_type(w);
		if (type > 0) {
			if ((uint32_t)len - SHMRING__REC_HDR > r->max_record) {
				err = -EBADMSG;
				goto bad;
			}
			pos += size;
			r->cursor = pos;
			hd(type, r->data + off + SHMRING__REC_HDR,
			   (uint32_t)len - SHMRING__REC_HDR, pos, arg);
			n++;
			continue;
		}
		if (type == SHMRING__T_PAD) {
			if (off + size != r->cap) {
				err = -EBADMSG;
				goto bad;
			}
		} else if (type != SHMRING__T_ABORT && type != SHMRING__T_SKIP) {
			err = -EBADMSG;
			goto bad;
		}
		pos += size;
		r->cursor = pos;
	}
	if (r->stall_pos != POS_NONE && r->stall_pos != r->cursor) {
		r->stall_pos = POS_NONE;
		r->stall_since = 0;
	}
	return (int)n;
bad:
	/* The cursor stays at the bad record; what came before it counts. */
	r->cursor = pos;
	return n > 0 ? (int)n : err;
}

SHMRING_EXTERN int
shmring_seek(struct shmring *r, uint64_t pos)
{
	uint64_t tail = atomic_load_explicit(&r->h->tail, ACQ);

	if (!r->consumer)
		return shmring__fail(-EINVAL, "seek: this handle is not the consumer");
	if ((pos & (SHMRING__ALIGN - 1)) != 0 || pos < r->released || pos > tail)
		return shmring__fail(-EINVAL, "seek to %llu outside [%llu, %llu] or unaligned",
				     (unsigned long long)pos,
				     (unsigned long long)r->released,
				     (unsigned long long)tail);
	r->cursor = pos;
	r->stall_pos = POS_NONE;
	r->stall_since = 0;
	return 0;
}

SHMRING_EXTERN int
shmring_release(struct shmring *r, uint64_t pos)
{
	uint64_t n, off, first;

	if (!r->consumer)
		return shmring__fail(-EINVAL, "release: this handle is not the consumer");
	if ((pos & (SHMRING__ALIGN - 1)) != 0 || pos < r->released || pos > r->cursor)
		return shmring__fail(-EINVAL, "release to %llu outside [%llu, %llu] or unaligned",
				     (unsigned long long)pos,
				     (unsigned long long)r->released,
				     (unsigned long long)r->cursor);
	n = pos - r->released;
	if (n == 0)
		return 0;
	/* Zero before handing back: no stale header survives into the next lap. */
	off = r->released & r->mask;
	first = r->cap - off < n ? r->cap - off : n;
	memset(r->data + off, 0, first);
	if (n > first)
		memset(r->data, 0, n - first);
	atomic_store_explicit(&r->h->head, pos, REL);
	r->released = pos;
	return 0;
}

SHMRING_EXTERN void
shmring_heartbeat(struct shmring *r)
{
	atomic_store_explicit(&r->h->heartbeat_ns, shmring__now_ns(CLOCK_REALTIME), RLX);
}

/* Something committed (or marked) at the cursor? */
static inline bool
ready(const struct shmring *r)
{
	return word_len(atomic_load_explicit(hdr_at(r, r->cursor), ACQ)) > 0;
}

SHMRING_EXTERN int
shmring_wait(struct shmring *r, int timeout_ms)
{
	struct shmring__hdr *h = r->h;
	uint64_t start, deadline, now;
	unsigned i;

	for (i = 0; i < SPIN_ROUNDS; i++) {
		if (ready(r))
			return 0;
		cpu_relax();
	}
	if (timeout_ms <= 0)
		return 0;
	start = shmring__now_ns(CLOCK_MONOTONIC);
	deadline = start + (uint64_t)timeout_ms * 1000000ull;
	for (;;) {
		uint64_t left;
		bool claimed;

		atomic_store_explicit(&h->sleeping, 1, SC);
		claimed = atomic_load_explicit(&h->tail, SC) != r->cursor;
		if (ready(r)) {
			atomic_store_explicit(&h->sleeping, 0, RLX);
			return 0;
		}
		now = shmring__now_ns(CLOCK_MONOTONIC);
		if (now >= deadline)
			break;
		left = deadline - now;
		if (claimed) {
			r->stall_hint = true;
			/* A producer is between claim and commit and may have
			 * missed our flag: nap briefly, and return within
			 * 100 ms so the caller's read can check liveness. */
			if (now - start >= CHECK_EVERY_NS)
				break;
			if (left > 1000000ull)
				left = 1000000ull;
		}
		futex_wait(&h->sleeping, 1, left);
		atomic_store_explicit(&h->sleeping, 0, RLX);
		if (ready(r))
			return 0;
	}
	atomic_store_explicit(&h->sleeping, 0, RLX);
	return 0;
}

SHMRING_EXTERN void
shmring_stats(const struct shmring *r, struct shmring_stats *st)
{
	const struct shmring__hdr *h = r->h;
	uint64_t written = 0;
	uint32_t producers = 0;
	unsigned i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < r->nslots; i++) {
		written += atomic_load_explicit(&h->slots[i].written, RLX);
		if (atomic_load_explicit(&h->slots[i].owner, RLX) != 0)
			producers++;
	}
	st->capacity = r->cap;
	st->max_record = r->max_record;
	st->tail = atomic_load_explicit(&h->tail, ACQ);
	st->head = atomic_load_explicit(&h->head, ACQ);
	st->read_pos = r->consumer ? r->cursor : st->head;
	st->written = written;
	st->dropped = atomic_load_explicit(&h->dropped, RLX);
	st->skipped = atomic_load_explicit(&h->skipped, RLX);
	st->aborted = atomic_load_explicit(&h->aborted, RLX);
	st->heartbeat_ns = atomic_load_explicit(&h->heartbeat_ns, RLX);
	st->consumer_pid = (int32_t)(atomic_load_explicit(&h->consumer, RLX) >> 32);
	st->producers = producers;
	st->instance = h->instance;
}
