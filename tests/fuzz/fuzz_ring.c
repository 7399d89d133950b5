/*
 * Fuzz target: the ring consumer over a corrupt or hostile segment.
 *
 * A real POSIX shm segment (created once per process, 64 KiB data area)
 * is rewritten by the fuzzer before every run through a second mapping of
 * our own: the positions (head, tail), the consumer word, a few producer
 * slots, optionally the immutable geometry (magic, version, capacity,
 * record limit), and the data area starting at the head's offset.  Then
 * libshmring attaches through its public API exactly as the hub does
 * (shmring_open with no_create, shmring_consumer_attach) and reads until
 * it reports empty, a stall or an error, releasing as it goes.
 *
 * What must hold whatever the bytes: open and attach either succeed or
 * fail with a negative errno; every record handed to the handler lies
 * inside the data area and is byte-for-byte the one our own view shows at
 * that position; the cursor never leaves [head, tail]; and reading ends
 * -- at most capacity/8 records can exist between head and tail, so more
 * handler calls than that, or read calls that keep returning records
 * without the cursor moving, mean an endless loop.
 *
 * Input layout (little endian, missing bytes are zero):
 *   0   u8   flags: 1 = raw geometry below, 2 = raw tail (else head +
 *            tail % (capacity + 64)), 4 = producer slots below,
 *            8 = release as records are read
 *   1   u64  head      9  u64 tail      17 u64 consumer word
 *   25  64 bytes of geometry (magic .. created_ns), when flags & 1
 *   then 4 x 24 bytes of slots {owner, pending, pending_len, gen},
 *        when flags & 4
 *   rest: data area bytes, written from head's offset, wrapping
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "shmring.h"
#include "shmring_private.h"
#include "fuzz_stale.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "CHECK failed: %s (%s:%d)\n", #c, __FILE__, __LINE__); abort(); } } while (0)
#define CAP SHMRING_MIN_CAPACITY

static char ring_name[64];
static uint8_t *view;        /* our own mapping of the whole segment */
static size_t view_len;
static struct shmring__hdr *vh;
static uint8_t *vdata;
static struct shmring__hdr pristine; /* geometry written by the library */

struct run {
	uint64_t head, tail;
	uint64_t records;
	uint64_t last_end;
	int bad;
};

static void
cleanup(void)
{
	shm_unlink(ring_name);
}

static void
setup(void)
{
	struct shmring *r;
	struct shmring_opts o = { .capacity = CAP };
	int fd;

	remove_stale("/dev/shm", "fhfuzz-ring-", 0);
	snprintf(ring_name, sizeof(ring_name), "/fhfuzz-ring-%ld", (long)getpid());
	shm_unlink(ring_name);
	CHECK(shmring_open(&r, ring_name, &o) == 0);
	shmring_close(r);
	atexit(cleanup);
	fd = shm_open(ring_name, O_RDWR, 0);
	CHECK(fd >= 0);
	view_len = SHMRING__HDR_SIZE + CAP;
	view = mmap(NULL, view_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(view != MAP_FAILED);
	close(fd);
	vh = (struct shmring__hdr *)view;
	vdata = view + SHMRING__HDR_SIZE;
	memcpy(&pristine, vh, offsetof(struct shmring__hdr, tail));
}

static uint64_t
get64(const uint8_t *d, size_t n, size_t off)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < 8 && off + i < n; i++)
		v |= (uint64_t)d[off + i] << (8 * i);
	return v;
}

static void
on_record(int32_t type, const void *p, uint32_t len, uint64_t pos_end,
	  void *arg)
{
	struct run *run = arg;
	uint64_t rec = (SHMRING__REC_HDR + (uint64_t)len + 7) & ~(uint64_t)7;
	uint64_t start = pos_end - rec, off = start & (CAP - 1);

	CHECK(type > 0);
	CHECK(len <= pristine.max_record);
	CHECK(pos_end > run->head && pos_end <= run->tail);
	CHECK(pos_end > run->last_end);
	CHECK(off + rec <= CAP);
	/* The very bytes of our view at that position: in bounds, right
	 * place.  (A pointer elsewhere in the library's mapping would differ
	 * from ours only by the mapping base.) */
	CHECK(memcmp(p, vdata + off + SHMRING__REC_HDR, len) == 0);
	run->last_end = pos_end;
	run->records++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct shmring_opts o = { .no_create = 1 };
	struct shmring *r = NULL;
	struct shmring_stats st;
	struct run run = { 0 };
	uint8_t flags = n > 0 ? d[0] : 0;
	size_t at = 25, i;
	uint64_t head, tail, prev_cursor;
	unsigned calls = 0;
	int rc;

	if (view == NULL)
		setup();

	/* Rewrite the segment: pristine geometry, zeroed state and data. */
	memset(view, 0, view_len);
	memcpy(vh, &pristine, offsetof(struct shmring__hdr, tail));
	head = get64(d, n, 1) & ~(uint64_t)7;
	tail = get64(d, n, 9);
	if (!(flags & 2))
		tail = head + (tail % (CAP + 64));
	atomic_store(&vh->head, head);
	atomic_store(&vh->head_cache, head);
	atomic_store(&vh->tail, tail);
	atomic_store(&vh->consumer, get64(d, n, 17));
	if (flags & 1) {
		size_t k = n > at ? (n - at < 64 ? n - at : 64) : 0;

		memcpy(vh, d + at, k);
		at += 64;
		/* Magic 0 means "creator still initialising": attach then
		 * waits (boundedly, 2 s) for it, which is right but would
		 * stall the fuzzer.  Any other value is validated at once. */
		if (atomic_load(&vh->magic) == 0)
			atomic_store(&vh->magic, 1);
	}
	if (flags & 4) {
		for (i = 0; i < 4; i++, at += 24) {
			atomic_store(&vh->slots[i].owner, get64(d, n, at));
			atomic_store(&vh->slots[i].pending, get64(d, n, at + 8));
			atomic_store(&vh->slots[i].pending_len,
				     (uint32_t)get64(d, n, at + 16));
			atomic_store(&vh->slots[i].gen,
				     (uint32_t)(get64(d, n, at + 16) >> 32));
		}
	}
	for (i = 0; at + i < n && i < CAP; i++)
		vdata[(head + i) & (CAP - 1)] = d[at + i];

	rc = shmring_open(&r, ring_name, &o);
	if (rc != 0) {
		CHECK(rc < 0 && r == NULL);
		CHECK(shmring_strerror(rc) != NULL);
		return 0;
	}
	rc = shmring_consumer_attach(r);
	if (rc != 0) {
		CHECK(rc < 0);
		goto out;
	}
	run.head = atomic_load(&vh->head);
	run.tail = atomic_load(&vh->tail);
	run.last_end = run.head;
	shmring_stats(r, &st);
	prev_cursor = st.read_pos;
	for (;;) {
		rc = shmring_read(r, on_record, &run, 64);
		calls++;
		shmring_stats(r, &st);
		CHECK(st.read_pos >= run.head && st.read_pos <= run.tail);
		CHECK(run.records <= CAP / SHMRING__REC_HDR);
		if (rc <= 0)
			break;
		CHECK(st.read_pos > prev_cursor);
		prev_cursor = st.read_pos;
		if ((flags & 8) && (calls & 1))
			CHECK(shmring_release(r, st.read_pos) == 0);
		/* Records are >= 8 bytes: more calls than this is a loop. */
		CHECK(calls <= CAP / SHMRING__REC_HDR + 2);
	}
	if (rc == 0) /* empty or stalled: asking again finds nothing */
		CHECK(shmring_read(r, on_record, &run, 64) <= 0);
out:
	shmring_close(r);
	return 0;
}
