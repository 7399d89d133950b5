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

#endif /* SHMRING_PRIVATE_H */
