/*
 * shmring: a multi-producer, single-consumer ring of variable-length
 * records in one POSIX shared-memory segment.
 *
 * Memory layout.  The segment is a page-aligned header (struct
 * shmring__hdr, shmring_private.h) followed by the data area of `capacity'
 * bytes, a power of two.  Positions (tail, head, cursors) are absolute
 * 64-bit byte counts that only grow; the offset in the data area is
 * pos & (capacity - 1).  Because a position is never reused, a value such
 * as "the position my last claim started at" can never be mistaken for a
 * later claim at the same offset.  A record is an 8-byte header {int32
 * length, int32 type} followed by the payload, padded to 8 bytes.  The
 * length field holds 8 + payload bytes, so a committed record always has a
 * length >= 8, an empty record included, and zero means "nothing written".
 *
 * Who writes what.  Producers CAS `tail' to claim [tail, tail + size);
 * the consumer alone stores `head' (space released back to producers) and
 * keeps its read cursor private, between head and tail.  `head_cache' is a
 * producers' copy of head, refreshed only when the ring looks full, so the
 * consumer's cache line is not pulled on every claim.  Each producer thread
 * owns one slot in the slot table and is the only writer of it, apart from
 * the `owner' word which is CASed to take or give back the slot.  Counters
 * are atomics on their own lines; `written' lives in the slots (each thread
 * counts its own commits) so that committing touches no shared line.
 *
 * Acquire/release pairs.  (1) A producer fills the payload, then
 * release-stores the header as one 64-bit word {length > 0, type}; the
 * consumer acquire-loads that word before reading the payload.  (2) The
 * consumer zeroes released bytes, then release-stores head; producers
 * acquire-load head (and head_cache, which they store with release after
 * an acquire of head) before writing into that space, so they never race
 * the zeroing.  (3) A producer stores its slot's pending position before
 * the tail CAS (release); the consumer acquire-loads tail before looking at
 * the slots.  (4) The wake-up is a Dekker pair in the seq_cst order: the
 * consumer stores sleeping = 1 and then loads tail; a producer CASes tail
 * and then loads sleeping.  One of them sees the other, so either the
 * consumer does not go to sleep or the producer issues FUTEX_WAKE after
 * its commit.  While the consumer is awake the fast path is one CAS, a
 * memcpy, one release store and loads of lines that stay shared.  A
 * FUTEX_WAKE that finds nobody waiting clears the flag, so a consumer
 * that died asleep does not leave producers paying a system call each,
 * and wakes once more after clearing it (shmring__futex_wake says why).
 *
 * Wrap padding.  A record never crosses the end of the data area.  When
 * it would, the producer claims the rest of the area too and writes a
 * committed padding record (type SHMRING__T_PAD) there; the real record
 * starts at offset 0.
 *
 * Full versus empty.  Positions do not wrap, so used = tail - head is
 * exact: the ring is empty when the cursor equals tail and full when
 * used + size > capacity.  A full ring fails the claim at once with
 * SHMRING_FULL and increments `dropped'.  Released space is zeroed before
 * head moves, so a header left from an earlier lap can never look
 * committed.
 *
 * Dead producers.  Right after its tail CAS a producer writes the header
 * with a negative length and an owner tag (slot index and slot generation)
 * in the type field; before the CAS it stores the position and size it is
 * about to claim in its slot.  So when the record at the consumer's cursor
 * stays uncommitted, the consumer can always name the owner and the size:
 * from the tag, or, if the producer died between the CAS and that header
 * store, from the slot whose pending claim covers the cursor.  It skips the
 * record (rewriting the header by CAS as a committed SHMRING__T_SKIP
 * record, so a producer that commits at the same moment wins and nothing is
 * lost) only when the owner is provably gone: its slot generation changed,
 * kill(pid, 0) says ESRCH, the process is a zombie, or the pid now belongs
 * to a process with another start time.  Liveness is checked at most every
 * 100 ms while the cursor stays stalled.  A live producer (preempted,
 * stopped) is skipped only after the liveness timeout (default 10 s),
 * since it may still write into space that would by then be reused.
 *
 * Everything read from the segment is untrusted: the geometry is copied
 * into the handle once at open, and lengths, types and positions are
 * checked before use, so a corrupt segment yields -EBADMSG or -EPROTO.
 *
 * This file creates and validates segments and holds the producer side;
 * consumer.c has the consumer side and liveness.c the process checks.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SHMRING__LIBRARY
#include "shmring.h"
#include "shmring_private.h"

#define ATTACH_WAIT_MS 2000 /* for a creator to finish the header */

_Static_assert(sizeof(struct shmring__slot) == SHMRING__LINE, "slot is one line");
_Static_assert(SHMRING__NSLOTS <= 256, "slot index must fit the tag");

/* Per-thread slot cache, keyed by handle id and fork epoch. */
struct tcache {
	const struct shmring *r;
	uint64_t id;
	unsigned epoch;
	struct shmring__slot *slot;
	int32_t tag;
};
#define TCACHE_N 4
/* initial-exec: the producer fast path must not call __tls_get_addr. */
static __thread struct tcache tcache[TCACHE_N]
	__attribute__((tls_model("initial-exec")));
static _Atomic unsigned fork_epoch = 1;
static _Atomic uint64_t next_handle_id = 1;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static __thread int last_err;
static __thread char last_reason[192];
static __thread char err_buf[256];

/* ---- small utilities ------------------------------------------------ */

/* Remember why ERR happened, for shmring_strerror(). */
int
shmring__fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_reason, sizeof(last_reason), fmt, ap);
	va_end(ap);
	last_err = err;
	return err;
}

uint64_t
shmring__now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void
shmring__futex_wake(_Atomic uint32_t *w)
{
	/* Nobody was waiting: the consumer died asleep, or is just about to
	 * sleep.  Clear the flag so producers stop paying for wake-ups; a
	 * consumer about to sleep then finds the word changed, does not
	 * sleep, and looks again.  But the consumer may have gone to sleep
	 * between our wake and the clear (we can be preempted there): with
	 * the flag cleared no later producer would wake it, and it would
	 * sleep until its timeout.  So whoever clears the flag wakes once
	 * more. */
	if (syscall(SYS_futex, (uint32_t *)w, FUTEX_WAKE, 1, NULL, NULL, 0) == 0) {
		uint32_t one = 1;

		if (atomic_compare_exchange_strong(w, &one, 0))
			syscall(SYS_futex, (uint32_t *)w, FUTEX_WAKE, 1, NULL, NULL, 0);
	}
}


static void
after_fork_child(void)
{
	atomic_fetch_add(&fork_epoch, 1);
}

static void
install_atfork(void)
{
	pthread_atfork(NULL, NULL, after_fork_child);
}

static bool
name_ok(const char *name)
{
	size_t n;

	if (name == NULL || name[0] != '/')
		return false;
	n = strlen(name);
	return n > 1 && n < NAME_MAX && strchr(name + 1, '/') == NULL;
}

static uint32_t
max_record_limit(uint64_t cap)
{
	uint64_t m = cap / 2 - SHMRING__REC_HDR;

	return m > INT32_MAX - 64 ? INT32_MAX - 64 : (uint32_t)m;
}

static bool
pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

/* ---- open / close ---------------------------------------------------- */

static void
init_header(struct shmring__hdr *h, uint64_t cap, uint32_t max_record)
{
	uint64_t inst = 0;
	unsigned i;

	if (getrandom(&inst, sizeof(inst), 0) != sizeof(inst))
		inst = shmring__now_ns(CLOCK_REALTIME) ^ ((uint64_t)getpid() << 40);
	h->version = SHMRING__VERSION;
	h->hdr_size = (uint32_t)SHMRING__HDR_SIZE;
	h->capacity = cap;
	h->max_record = max_record;
	h->nslots = SHMRING__NSLOTS;
	h->instance = inst;
	h->flags = 0;
	h->created_ns = shmring__now_ns(CLOCK_REALTIME);
	atomic_store_explicit(&h->tail, 0, RLX);
	atomic_store_explicit(&h->head, 0, RLX);
	atomic_store_explicit(&h->head_cache, 0, RLX);
	for (i = 0; i < SHMRING__NSLOTS; i++) {
		atomic_store_explicit(&h->slots[i].pending, POS_NONE, RLX);
		atomic_store_explicit(&h->slots[i].pending_len, 0, RLX);
	}
	/* Attachers acquire the magic: everything above is visible then. */
	atomic_store_explicit(&h->magic, SHMRING__MAGIC, REL);
}

/* Check the header of an existing segment of SIZE bytes against OPTS. */
static int
validate_header(const struct shmring__hdr *h, off_t size, uint64_t want_cap,
		uint32_t want_max)
{
	uint64_t magic = atomic_load_explicit(&h->magic, ACQ);
	uint64_t cap = h->capacity;

	if (magic != SHMRING__MAGIC)
		return shmring__fail(-EINVAL, "bad magic %#llx: not a shmring segment",
			    (unsigned long long)magic);
	if (h->version != SHMRING__VERSION)
		return shmring__fail(-EINVAL, "segment version %u, library speaks %u",
			    h->version, SHMRING__VERSION);
	if (h->hdr_size != SHMRING__HDR_SIZE || h->nslots != SHMRING__NSLOTS)
		return shmring__fail(-EINVAL, "segment header size %u / %u slots, expected %zu / %u",
			    h->hdr_size, h->nslots, SHMRING__HDR_SIZE,
			    SHMRING__NSLOTS);
	if (!pow2(cap) || cap < SHMRING_MIN_CAPACITY || cap > SHMRING_MAX_CAPACITY)
		return shmring__fail(-EINVAL, "segment capacity %llu is not a power of two in [%u, %u]",
			    (unsigned long long)cap, SHMRING_MIN_CAPACITY,
			    SHMRING_MAX_CAPACITY);
	if ((uint64_t)size != SHMRING__HDR_SIZE + cap)
		return shmring__fail(-EINVAL, "segment file is %lld bytes, capacity %llu needs %llu",
			    (long long)size, (unsigned long long)cap,
			    (unsigned long long)(SHMRING__HDR_SIZE + cap));
	if (h->max_record == 0 || h->max_record > max_record_limit(cap))
		return shmring__fail(-EINVAL, "segment record limit %u invalid for capacity %llu",
			    h->max_record, (unsigned long long)cap);
	if (want_cap != 0 && want_cap != cap)
		return shmring__fail(-EEXIST, "segment exists with capacity %llu, not %llu",
			    (unsigned long long)cap, (unsigned long long)want_cap);
	if (want_max != 0 && want_max != h->max_record)
		return shmring__fail(-EEXIST, "segment exists with record limit %u, not %u",
			    h->max_record, want_max);
	return 0;
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Attach to an existing segment: wait for its creator, then validate. */
static int
attach_existing(int fd, uint64_t want_cap, uint32_t want_max, uint8_t **base,
		size_t *len)
{
	struct stat st;
	void *m = MAP_FAILED;
	unsigned waited = 0;
	int rc;

	for (;;) {
		if (fstat(fd, &st) < 0)
			return shmring__fail(-errno, "fstat: %s", strerror(errno));
		if ((uint64_t)st.st_size >= SHMRING__HDR_SIZE)
			break;
		if (waited >= ATTACH_WAIT_MS)
			return shmring__fail(-EINVAL, "segment is %lld bytes, too small for a header",
				    (long long)st.st_size);
		sleep_ms(1);
		waited++;
	}
	m = mmap(NULL, SHMRING__HDR_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return shmring__fail(-errno, "mmap header: %s", strerror(errno));
	while (atomic_load_explicit(&((struct shmring__hdr *)m)->magic, ACQ) == 0 &&
	       waited < ATTACH_WAIT_MS) {
		sleep_ms(1);
		waited++;
	}
	if (fstat(fd, &st) < 0) {
		rc = shmring__fail(-errno, "fstat: %s", strerror(errno));
		goto out;
	}
	rc = validate_header(m, st.st_size, want_cap, want_max);
	if (rc < 0)
		goto out;
	*len = (size_t)st.st_size;
	*base = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		     fd, 0);
	if (*base == MAP_FAILED) {
		rc = shmring__fail(-errno, "mmap: %s", strerror(errno));
		goto out;
	}
	/* Validate the mapping we will use, not the first look. */
	rc = validate_header((struct shmring__hdr *)*base, st.st_size, want_cap,
			     want_max);
	if (rc < 0)
		munmap(*base, *len);
out:
	munmap(m, SHMRING__HDR_SIZE);
	return rc;
}

SHMRING_EXTERN int
shmring_open(struct shmring **out, const char *name,
	     const struct shmring_opts *opts)
{
	struct shmring_opts o = { 0 };
	struct shmring *r = NULL;
	uint8_t *base = MAP_FAILED;
	size_t len = 0;
	uint64_t cap;
	uint32_t max_rec;
	mode_t mode;
	bool creator = false;
	int fd = -1, rc, tries;

	last_err = 0;
	last_reason[0] = '\0';
	if (out == NULL || !name_ok(name))
		return shmring__fail(-EINVAL, "segment name must look like \"/name\"");
	if (opts != NULL)
		o = *opts;
	if (o.capacity != 0 && (!pow2(o.capacity) || o.capacity < SHMRING_MIN_CAPACITY ||
				o.capacity > SHMRING_MAX_CAPACITY))
		return shmring__fail(-EINVAL, "capacity %zu is not a power of two in [%u, %u]",
			    o.capacity, SHMRING_MIN_CAPACITY, SHMRING_MAX_CAPACITY);
	cap = o.capacity ? o.capacity : SHMRING_DEFAULT_CAPACITY;
	if (o.max_record > max_record_limit(cap))
		return shmring__fail(-EINVAL, "record limit %u too large for capacity %llu",
			    o.max_record, (unsigned long long)cap);
	max_rec = o.max_record;
	if (max_rec == 0) {
		max_rec = SHMRING_DEFAULT_MAX_RECORD;
		if (max_rec > max_record_limit(cap))
			max_rec = max_record_limit(cap);
	}
	mode = o.mode ? o.mode : 0600;
	pthread_once(&atfork_once, install_atfork);

	for (tries = 0; tries < 100; tries++) {
		if (!o.no_create) {
			fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
			if (fd >= 0) {
				creator = true;
				break;
			}
			if (errno != EEXIST)
				return shmring__fail(-errno, "shm_open %s: %s", name, strerror(errno));
		}
		fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
		if (fd >= 0)
			break;
		if (errno != ENOENT || o.no_create)
			return shmring__fail(-errno, "shm_open %s: %s", name, strerror(errno));
		/* Unlinked between our two calls: try creating again. */
	}
	if (fd < 0)
		return shmring__fail(-EAGAIN, "shm_open %s: segment keeps vanishing", name);

	if (creator) {
		/* shm_open applied the umask; the caller's mode is what counts. */
		if (fchmod(fd, mode) < 0) {
			rc = shmring__fail(-errno, "fchmod: %s", strerror(errno));
			goto fail_unlink;
		}
		if (o.gid != 0 && o.gid != (gid_t)-1 && fchown(fd, (uid_t)-1, o.gid) < 0) {
			rc = shmring__fail(-errno, "fchown to group %u: %s", (unsigned)o.gid,
				  strerror(errno));
			goto fail_unlink;
		}
		len = SHMRING__HDR_SIZE + cap;
		if (ftruncate(fd, (off_t)len) < 0) {
			rc = shmring__fail(-errno, "ftruncate: %s", strerror(errno));
			goto fail_unlink;
		}
		base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
			    fd, 0);
		if (base == MAP_FAILED) {
			rc = shmring__fail(-errno, "mmap: %s", strerror(errno));
			goto fail_unlink;
		}
		init_header((struct shmring__hdr *)base, cap, max_rec);
	} else {
		rc = attach_existing(fd, o.capacity, o.max_record, &base, &len);
		if (rc < 0)
			goto fail_close;
	}
	close(fd);
	fd = -1;

	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		rc = shmring__fail(-ENOMEM, "out of memory");
		goto fail_unmap;
	}
	if (pthread_mutex_init(&r->lock, NULL) != 0) {
		free(r);
		r = NULL;
		rc = shmring__fail(-ENOMEM, "pthread_mutex_init failed");
		goto fail_unmap;
	}
	r->base = base;
	r->map_len = len;
	r->h = (struct shmring__hdr *)base;
	r->data = base + SHMRING__HDR_SIZE;
	r->cap = r->h->capacity;
	r->mask = r->cap - 1;
	r->max_record = r->h->max_record;
	r->nslots = SHMRING__NSLOTS;
	r->id = atomic_fetch_add(&next_handle_id, 1);
	r->liveness_ns = (uint64_t)(o.liveness_timeout_ms ? o.liveness_timeout_ms
						  : SHMRING_DEFAULT_LIVENESS_MS) * 1000000ull;
	r->stall_pos = POS_NONE;
	*out = r;
	return 0;

fail_unmap:
	munmap(base, len);
	if (creator)
		shm_unlink(name);
	return rc;
fail_unlink:
	if (base != MAP_FAILED)
		munmap(base, len);
	shm_unlink(name);
fail_close:
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Give slot S back if this process still owns it with generation GEN. */
static void
slot_release(struct shmring__hdr *h, const struct owned_slot *o, uint64_t me)
{
	struct shmring__slot *s = &h->slots[o->idx];
	uint64_t want = me;

	if (atomic_load_explicit(&s->gen, RLX) != o->gen)
		return;
	/* The generation moves first: a claim left uncommitted by this
	 * registration is then recognisably orphaned. */
	atomic_store_explicit(&s->gen, o->gen + 1, RLX);
	atomic_compare_exchange_strong(&s->owner, &want, 0);
}

SHMRING_EXTERN void
shmring_close(struct shmring *r)
{
	uint64_t me;
	unsigned i;

	if (r == NULL)
		return;
	me = shmring__self_owner_word();
	pthread_mutex_lock(&r->lock);
	for (i = 0; i < r->nowned; i++)
		if (r->owned[i].pid == getpid())
			slot_release(r->h, &r->owned[i], me);
	r->nowned = 0;
	pthread_mutex_unlock(&r->lock);
	/* A forked child inherits the handle but is not the consumer. */
	if (r->consumer && (pid_t)(r->owner_word >> 32) == getpid()) {
		uint64_t want = r->owner_word;

		atomic_compare_exchange_strong(&r->h->consumer, &want, 0);
	}
	for (i = 0; i < TCACHE_N; i++)
		if (tcache[i].r == r)
			memset(&tcache[i], 0, sizeof(tcache[i]));
	munmap(r->base, r->map_len);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

SHMRING_EXTERN int
shmring_unlink(const char *name)
{
	if (!name_ok(name))
		return -EINVAL;
	return shm_unlink(name) < 0 ? -errno : 0;
}

SHMRING_EXTERN const char *
shmring_strerror(int err)
{
	if (err == SHMRING_FULL)
		return "ring full: record dropped";
	if (err == 0)
		return "success";
	if (err == -ENOSPC)
		return "no free producer slot in the segment";
	if (err == -EBADMSG)
		return "corrupt record in the ring";
	if (err == -EPROTO)
		return "inconsistent ring positions (corrupt segment)";
	if (err == last_err && last_reason[0] != '\0') {
		snprintf(err_buf, sizeof(err_buf), "%s (%s)", strerror(-err),
			 last_reason);
		return err_buf;
	}
	if (err < 0)
		return strerror(-err);
	return "unknown shmring result";
}

/* ---- producer side ---------------------------------------------------- */

/*
 * Is the last claim recorded in a slot (P, PL) of no more interest to the
 * consumer: released, or committed (padding and record)?  Only then may
 * the slot of a dead owner be reused, because until then the slot is what
 * tells the consumer the size of a claim whose header was never written.
 */
static bool
claim_settled(const struct shmring *r, uint64_t head, uint64_t p, uint32_t pl)
{
	uint64_t w;

	if (p == POS_NONE || p + pl <= head)
		return true;
	w = atomic_load_explicit(hdr_at(r, p), ACQ);
	if (word_len(w) <= 0)
		return false;
	if (word_type(w) == SHMRING__T_PAD && (uint64_t)word_len(w) < pl)
		w = atomic_load_explicit(hdr_at(r, p + (uint64_t)word_len(w)), ACQ);
	return word_len(w) > 0;
}

/*
 * Take a free slot, reclaiming those of dead processes or exited threads
 * whose last claim the consumer has already released.  Returns the index
 * or -ENOSPC.
 */
static int
slot_register(struct shmring *r, uint64_t me, pid_t tid, uint32_t *gen_out)
{
	struct shmring__hdr *h = r->h;
	unsigned pass, i;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < r->nslots; i++) {
			struct shmring__slot *s = &h->slots[i];
			uint64_t want = 0;

			if (atomic_load_explicit(&s->owner, RLX) != 0)
				continue;
			if (!atomic_compare_exchange_strong(&s->owner, &want, me))
				continue;
			uint32_t gen = atomic_load_explicit(&s->gen, RLX) + 1;
			atomic_store_explicit(&s->gen, gen, RLX);
			atomic_store_explicit(&s->tid, tid, RLX);
			atomic_store_explicit(&s->pending, POS_NONE, RLX);
			atomic_store_explicit(&s->pending_len, 0, RLX);
			*gen_out = gen;
			return (int)i;
		}
		if (pass > 0)
			break;
		uint64_t head = atomic_load_explicit(&h->head, ACQ);
		for (i = 0; i < r->nslots; i++) {
			struct shmring__slot *s = &h->slots[i];
			uint64_t w = atomic_load_explicit(&s->owner, RLX);
			uint64_t p = atomic_load_explicit(&s->pending, RLX);
			uint32_t pl = atomic_load_explicit(&s->pending_len, RLX);

			if (w == 0)
				continue;
			if (!claim_settled(r, head, p, pl))
				continue; /* the consumer may still need the slot */
			if (!shmring__owner_dead(w) &&
			    !shmring__thread_gone((pid_t)(w >> 32), atomic_load(&s->tid)))
				continue;
			atomic_store_explicit(&s->gen, atomic_load(&s->gen) + 1, RLX);
			atomic_compare_exchange_strong(&s->owner, &w, 0);
		}
	}
	return -ENOSPC;
}

/* Forget registrations that were reclaimed (their thread exited) or that
 * belong to the process we were forked from.  Called with r->lock held. */
static void
prune_owned(struct shmring *r, pid_t pid)
{
	unsigned i, keep = 0;

	for (i = 0; i < r->nowned; i++) {
		struct owned_slot *o = &r->owned[i];

		if (o->pid == pid && atomic_load(&r->h->slots[o->idx].gen) == o->gen)
			r->owned[keep++] = *o;
	}
	r->nowned = keep;
}

/* The calling thread's slot for R: cache miss path. */
static struct tcache *
producer_slow(struct shmring *r)
{
	unsigned epoch = atomic_load_explicit(&fork_epoch, RLX);
	pid_t pid = getpid(), tid = gettid();
	struct tcache found = { 0 };
	unsigned i;

	for (i = 1; i < TCACHE_N; i++) {
		if (tcache[i].r == r && tcache[i].id == r->id && tcache[i].epoch == epoch) {
			found = tcache[i];
			goto promote;
		}
	}
	pthread_mutex_lock(&r->lock);
	for (i = 0; i < r->nowned; i++) {
		struct owned_slot *o = &r->owned[i];

		if (o->pid == pid && o->tid == tid &&
		    atomic_load(&r->h->slots[o->idx].gen) == o->gen) {
			found.slot = &r->h->slots[o->idx];
			found.tag = SHMRING__TAG(o->idx, o->gen);
			break;
		}
	}
	if (found.slot == NULL) {
		uint64_t me = shmring__self_owner_word();
		uint32_t gen = 0;
		int idx = slot_register(r, me, tid, &gen);

		if (idx < 0) {
			pthread_mutex_unlock(&r->lock);
			return NULL;
		}
		prune_owned(r, pid);
		r->owned[r->nowned++] = (struct owned_slot){
			.idx = (uint32_t)idx, .gen = gen, .pid = pid, .tid = tid };
		found.slot = &r->h->slots[idx];
		found.tag = SHMRING__TAG((uint32_t)idx, gen);
	}
	pthread_mutex_unlock(&r->lock);
	found.r = r;
	found.id = r->id;
	found.epoch = epoch;
promote:
	memmove(&tcache[1], &tcache[0], sizeof(tcache[0]) * (TCACHE_N - 1));
	for (i = 1; i < TCACHE_N; i++)
		if (tcache[i].r == r && tcache[i].id == r->id)
			memset(&tcache[i], 0, sizeof(tcache[i]));
	tcache[0] = found;
	return &tcache[0];
}

static inline struct tcache *
producer(struct shmring *r)
{
	struct tcache *t = &tcache[0];

	if (likely(t->r == r && t->id == r->id &&
		   t->epoch == atomic_load_explicit(&fork_epoch, RLX)))
		return t;
	return producer_slow(r);
}

/*
 * Claim SIZE bytes (header included, aligned) for slot T.  Returns 0 with
 * the record position in *pos (wake bit set when the consumer sleeps).
 */
static inline int
claim(struct shmring *r, struct tcache *t, uint64_t size, uint64_t *pos)
{
	struct shmring__hdr *h = r->h;
	uint64_t tail = atomic_load_explicit(&h->tail, RLX);
	uint64_t off, need, head, rec;

	for (;;) {
		off = tail & r->mask;
		need = size;
		if (unlikely(off + size > r->cap))
			need += r->cap - off;
		head = atomic_load_explicit(&h->head_cache, ACQ);
		if (unlikely(tail + need - head > r->cap)) {
			head = atomic_load_explicit(&h->head, ACQ);
			if (unlikely(tail - head > r->cap)) {
				/* Our tail is stale, or the segment is corrupt. */
				uint64_t t2 = atomic_load_explicit(&h->tail, ACQ);

				if (t2 == tail)
					return -EPROTO;
				tail = t2;
				continue;
			}
			atomic_store_explicit(&h->head_cache, head, REL);
			if (tail + need - head > r->cap) {
				if (!r->retry_full)
					atomic_fetch_add_explicit(&h->dropped,
								  1, RLX);
				return SHMRING_FULL;
			}
		}
		atomic_store_explicit(&t->slot->pending_len, (uint32_t)need, RLX);
		atomic_store_explicit(&t->slot->pending, tail, RLX);
		if (likely(atomic_compare_exchange_weak_explicit(
			    &h->tail, &tail, tail + need, SC, RLX)))
			break;
	}
	rec = tail;
	if (unlikely(need != size)) {
		/* Record header first, then the padding: if we die in between,
		 * the consumer still finds our pending claim at `tail'. */
		rec = tail + (need - size);
		atomic_store_explicit(hdr_at(r, rec), hdr_word(-(int32_t)size, t->tag), RLX);
		atomic_store_explicit(hdr_at(r, tail),
				      hdr_word((int32_t)(need - size), SHMRING__T_PAD), REL);
	} else {
		atomic_store_explicit(hdr_at(r, rec), hdr_word(-(int32_t)size, t->tag), RLX);
	}
	*pos = rec;
	if (unlikely(atomic_load_explicit(&h->sleeping, SC) != 0))
		*pos |= WAKE_BIT;
	return 0;
}


SHMRING_EXTERN int
shmring_claim(struct shmring *r, int32_t type, uint32_t len,
	      struct shmring_claim *c)
{
	struct tcache *t;
	uint64_t pos;
	int rc;

	if (unlikely(type <= 0))
		return shmring__fail(-EINVAL, "record type %d is not > 0", (int)type);
	if (unlikely(len > r->max_record))
		return shmring__fail(-EMSGSIZE, "record of %u bytes exceeds the limit of %u",
				     len, r->max_record);
	t = producer(r);
	if (unlikely(t == NULL))
		return shmring__fail(-ENOSPC, "all %u producer slots are taken", r->nslots);
	rc = claim(r, t, align8((uint64_t)len + SHMRING__REC_HDR), &pos);
	if (rc != 0)
		return rc;
	c->data = r->data + ((pos & ~WAKE_BIT) & r->mask) + SHMRING__REC_HDR;
	c->len = len;
	c->type = type;
	c->pos = pos;
	return 0;
}

/* Count a commit in the calling thread's slot (no shared line). */
static inline void
count_written(struct shmring *r)
{
	struct tcache *t = producer(r);

	if (likely(t != NULL))
		atomic_store_explicit(&t->slot->written,
				      atomic_load_explicit(&t->slot->written, RLX) + 1, RLX);
}

static inline void
publish(struct shmring *r, uint64_t pos, uint32_t len, int32_t type)
{
	atomic_store_explicit(hdr_at(r, pos & ~WAKE_BIT),
			      hdr_word((int32_t)(len + SHMRING__REC_HDR), type), REL);
	if (unlikely(pos & WAKE_BIT))
		shmring__futex_wake(&r->h->sleeping);
}

SHMRING_EXTERN void
shmring_commit(struct shmring *r, struct shmring_claim *c)
{
	publish(r, c->pos, c->len, c->type);
	count_written(r);
}

SHMRING_EXTERN void
shmring_abort(struct shmring *r, struct shmring_claim *c)
{
	publish(r, c->pos, c->len, SHMRING__T_ABORT);
	atomic_fetch_add_explicit(&r->h->aborted, 1, RLX);
}

SHMRING_EXTERN int
shmring_write(struct shmring *r, int32_t type, const void *data, uint32_t len)
{
	struct tcache *t;
	uint64_t pos;
	int rc;

	if (unlikely(type <= 0))
		return shmring__fail(-EINVAL, "record type %d is not > 0", (int)type);
	if (unlikely(len > r->max_record))
		return shmring__fail(-EMSGSIZE, "record of %u bytes exceeds the limit of %u",
				     len, r->max_record);
	t = producer(r);
	if (unlikely(t == NULL))
		return shmring__fail(-ENOSPC, "all %u producer slots are taken", r->nslots);
	rc = claim(r, t, align8((uint64_t)len + SHMRING__REC_HDR), &pos);
	if (unlikely(rc != 0))
		return rc;
	if (len != 0) /* data may be NULL for an empty record */
		memcpy(r->data + ((pos & ~WAKE_BIT) & r->mask) + SHMRING__REC_HDR, data, len);
	publish(r, pos, len, type);
	atomic_store_explicit(&t->slot->written,
			      atomic_load_explicit(&t->slot->written, RLX) + 1, RLX);
	return 0;
}

void
shmring_set_retry_full(struct shmring *r, int on)
{
	r->retry_full = on != 0;
}

void
shmring_note_dropped(struct shmring *r)
{
	atomic_fetch_add_explicit(&r->h->dropped, 1, RLX);
}
