/*
 * The layout of a shmring segment, shared by the library and its tests.
 *
 * A segment is one POSIX shared-memory object: a header of SHMRING__HDR_SIZE
 * bytes (page aligned) followed by the data area of `capacity' bytes.  Every
 * field that more than one party writes, or that one party writes often and
 * another reads often, sits alone on a 64-byte cache line so that producers,
 * the consumer and tools do not false-share.  See shmring.c for who writes
 * which field and the memory-ordering pairs.
 *
 * Nothing in this header is installed; tests include it to build corrupt
 * segments on purpose.
 */
#ifndef SHMRING_PRIVATE_H
#define SHMRING_PRIVATE_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>

#define SHMRING__MAGIC UINT64_C(0x31474e4952484d53) /* "SMHRING1" LE */
#define SHMRING__VERSION 1u
#define SHMRING__LINE 64
#define SHMRING__NSLOTS 256 /* producer slots; the index fits in 8 bits */
#define SHMRING__REC_HDR 8  /* {int32 length, int32 type} */
#define SHMRING__ALIGN 8

/* Record types the library writes itself (user types are > 0). */
#define SHMRING__T_PAD 0    /* filler up to the end of the data area */
#define SHMRING__T_ABORT -1 /* claim given up by its producer */
#define SHMRING__T_SKIP -2  /* claim skipped by the consumer (dead owner) */

/* An uncommitted header carries this owner tag in its type field. */
#define SHMRING__TAG(slot, gen) ((int32_t)(((gen) & 0x7fffffu) << 8 | (slot)))
#define SHMRING__TAG_SLOT(tag) ((uint32_t)(tag) & 0xffu)
#define SHMRING__TAG_GEN(tag) (((uint32_t)(tag) >> 8) & 0x7fffffu)

/*
 * One producer thread's registration.  Written by its owner only, except
 * `owner' (CAS by whoever registers or reclaims the slot).  The consumer
 * reads a slot only while a record at its cursor stays uncommitted.
 */
struct shmring__slot {
	alignas(SHMRING__LINE) _Atomic uint64_t owner; /* pid << 32 | start time low 32 bits; 0 = free */
	_Atomic uint32_t gen;        /* bumped on every register and release */
	_Atomic int32_t tid;         /* owning thread (for reclaiming exited threads) */
	_Atomic uint64_t pending;    /* position about to be / last claimed */
	_Atomic uint32_t pending_len; /* bytes of that claim, padding included */
	uint32_t reserved;
	_Atomic uint64_t written;    /* records committed through this slot, ever */
};

struct shmring__hdr {
	/* Immutable after initialisation; magic is stored last (release). */
	alignas(SHMRING__LINE) _Atomic uint64_t magic;
	uint32_t version;
	uint32_t hdr_size;
	uint64_t capacity;
	uint32_t max_record;
	uint32_t nslots;
	uint64_t instance;
	uint64_t flags;
	uint64_t created_ns;

	alignas(SHMRING__LINE) _Atomic uint64_t tail;       /* producers: CAS */
	alignas(SHMRING__LINE) _Atomic uint64_t head;       /* consumer: release store */
	alignas(SHMRING__LINE) _Atomic uint64_t head_cache; /* producers: refreshed when full */
	alignas(SHMRING__LINE) _Atomic uint64_t dropped;
	alignas(SHMRING__LINE) _Atomic uint64_t skipped;
	alignas(SHMRING__LINE) _Atomic uint64_t aborted;
	alignas(SHMRING__LINE) _Atomic uint64_t heartbeat_ns;
	alignas(SHMRING__LINE) _Atomic uint64_t consumer;   /* pid << 32 | start low 32 */
	alignas(SHMRING__LINE) _Atomic uint32_t sleeping;   /* futex word: 1 = consumer sleeps */
	alignas(SHMRING__LINE) struct shmring__slot slots[SHMRING__NSLOTS];
};

/* Header bytes in the segment: the struct rounded up to a page. */
#define SHMRING__HDR_SIZE \
	((sizeof(struct shmring__hdr) + 4095) & ~(size_t)4095)

#ifdef SHMRING__LIBRARY
/*
 * What the library's own files share: the handle, header-word functions and
 * the process-liveness checks.  Tests do not see this part.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define RLX memory_order_relaxed
#define ACQ memory_order_acquire
#define REL memory_order_release
#define SC memory_order_seq_cst

/* A spin-wait hint to the CPU (and to the other hyperthread). */
#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define cpu_relax() __asm__ __volatile__("yield" ::: "memory")
#else
#define cpu_relax() atomic_signal_fence(memory_order_seq_cst)
#endif

#define POS_NONE UINT64_MAX
#define WAKE_BIT UINT64_C(1)       /* in shmring_claim.pos: wake the consumer */
#define CHECK_EVERY_NS 100000000ull /* liveness checks while stalled */
/* The consumer's spin before it sleeps on the futex: about 5 us of PAUSE
 * on this machine's CPUs.  2 000 rounds (46 us) made the hub spin half of
 * its time at 50 000 events/s in bursts, taking a core from the edge and
 * its clients on a small machine (doc/performance.md, Latency, change 6). */
#define SPIN_ROUNDS 200
#define EMPTY_POLLS 64              /* reads at one cursor between stall checks */

/* What a handle of this process remembers about a slot it registered. */
struct owned_slot {
	uint32_t idx;
	uint32_t gen;
	pid_t pid;
	pid_t tid;
};

struct shmring {
	uint8_t *base;  /* the mapping */
	size_t map_len;
	struct shmring__hdr *h;
	uint8_t *data;
	uint64_t cap;   /* copied at open: never re-read from the segment */
	uint64_t mask;
	uint32_t max_record;
	uint32_t nslots;
	uint64_t id;    /* unique per handle in this process */
	bool retry_full; /* a full claim is not counted: the caller retries */
	uint64_t liveness_ns;

	/* Consumer state (one thread). */
	bool consumer;
	uint64_t owner_word; /* what we stored in h->consumer */
	uint64_t cursor;
	uint64_t released;
	uint64_t tail_seen;
	uint64_t stall_pos;
	uint64_t stall_since;
	uint64_t stall_checked;
	unsigned empty_polls; /* reads that found a zero header at the cursor */
	bool stall_hint;      /* wait() saw a claim ahead of the cursor */

	/* Producer slots registered through this handle. */
	pthread_mutex_t lock;
	unsigned nowned;
	struct owned_slot owned[SHMRING__NSLOTS];
};

static inline uint64_t
align8(uint64_t n)
{
	return (n + (SHMRING__ALIGN - 1)) & ~(uint64_t)(SHMRING__ALIGN - 1);
}

/* Does [pos, pos + size) reach past TAIL?  Written without pos + size,
 * which a hostile segment can push past 2^64: the cursor would then wrap
 * and go round the data area for ever. */
static inline bool
past_tail(uint64_t pos, uint64_t size, uint64_t tail)
{
	return tail < pos || size > tail - pos;
}

static inline _Atomic uint64_t *
hdr_at(const struct shmring *r, uint64_t pos)
{
	return (_Atomic uint64_t *)(void *)(r->data + (pos & r->mask));
}

/* Header word as laid out in memory: {int32 length, int32 type}. */
static inline uint64_t
hdr_word(int32_t len, int32_t type)
{
	return (uint64_t)(uint32_t)len | (uint64_t)(uint32_t)type << 32;
}

static inline int32_t
word_len(uint64_t w)
{
	return (int32_t)(uint32_t)w;
}

static inline int32_t
word_type(uint64_t w)
{
	return (int32_t)(uint32_t)(w >> 32);
}

/* Record ERR and a printf-style reason for shmring_strerror(); returns ERR. */
int shmring__fail(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
uint64_t shmring__now_ns(clockid_t clk);
void shmring__futex_wake(_Atomic uint32_t *w);

/* liveness.c: owner words are pid << 32 | low 32 bits of the start time. */
uint64_t shmring__self_owner_word(void);
bool shmring__owner_dead(uint64_t owner);
bool shmring__thread_gone(pid_t pid, pid_t tid);
#endif /* SHMRING__LIBRARY */

#endif /* SHMRING_PRIVATE_H */
