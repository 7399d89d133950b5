/*
 * A separate region for lws' HTTP header tables, so that a burst of
 * connections does not leave the edge's heap full of holes.
 *
 * lws gives each new connection a header table (a ~1.7 KiB struct and a
 * 4 KiB data area) when it is accepted, and frees it once the WebSocket
 * upgrade is done.  Under a burst, lws accepts the whole listen backlog
 * in one turn, so thousands of tables are alive at once; in the ordinary
 * heap, the long-lived allocations of the same connections (struct lws,
 * its ws part and receive buffer, struct edge_client) are carved out
 * between them, and when the tables are freed the heap is left as a lace
 * of holes that stay resident: 15 000 connections made at full speed
 * cost 4.3-5.2 KiB each instead of 2 KiB, and malloc_trim() gave back
 * only a sixth of the difference (measured, doc/performance.md).
 *
 * So the edge installs an lws allocator (lws_set_allocator) that sends
 * the two allocations lws names "ah struct" and "ah data" to a region of
 * page-sized slots reserved with mmap at start (address space only;
 * MAP_NORESERVE); everything else goes to malloc as before.  Free slots
 * are reused last-freed-first; up to EDGE_LWSMEM_WARM of them stay
 * resident for the next connections, and the page of any slot freed
 * beyond that is handed back with MADV_DONTNEED, so when a burst is over
 * its header tables cost nothing.  When the region is full (more tables
 * at once than it has slots) tables fall back to malloc, and a table
 * lws would grow past a slot moves to malloc: correctness never depends
 * on the region.  The names are lws-internal: if a later lws renames
 * them the edge silently uses malloc again (the unit test
 * test_edge_lwsmem notices).
 *
 * lws allocates only on its service thread, but a mutex guards the
 * region anyway (it is taken only for header tables, twice per
 * connection).
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <libwebsockets.h>

#include "lwsmem.h"

static struct {
	pthread_mutex_t mu;
	unsigned char *base;
	size_t nslots;
	size_t fresh;          /* slots below this index have been used */
	uint32_t *cold;        /* freed slots whose page was given back */
	size_t ncold;
	uint32_t warm[EDGE_LWSMEM_WARM]; /* freed slots still resident */
	size_t nwarm;
	size_t in_use, peak, fallbacks;
} R = { .mu = PTHREAD_MUTEX_INITIALIZER };

static int
is_table(const char *reason)
{
	return reason != NULL && (strcmp(reason, "ah data") == 0 ||
				  strcmp(reason, "ah struct") == 0);
}

static int
in_region(const void *p)
{
	const unsigned char *c = p;

	return R.base != NULL && c >= R.base &&
	       c < R.base + R.nslots * EDGE_LWSMEM_SLOT;
}

static void *
slot_get(void)
{
	uint32_t i;

	pthread_mutex_lock(&R.mu);
	if (R.nwarm > 0)
		i = R.warm[--R.nwarm];
	else if (R.ncold > 0)
		i = R.cold[--R.ncold];
	else if (R.fresh < R.nslots)
		i = (uint32_t)R.fresh++;
	else {
		R.fallbacks++;
		pthread_mutex_unlock(&R.mu);
		return NULL;
	}
	if (++R.in_use > R.peak)
		R.peak = R.in_use;
	pthread_mutex_unlock(&R.mu);
	return R.base + (size_t)i * EDGE_LWSMEM_SLOT;
}

static void
slot_put(void *p)
{
	size_t off = (size_t)((unsigned char *)p - R.base);
	uint32_t i = (uint32_t)(off / EDGE_LWSMEM_SLOT);
	unsigned char *s = R.base + (size_t)i * EDGE_LWSMEM_SLOT;

	pthread_mutex_lock(&R.mu);
	R.in_use--;
	if (R.nwarm < EDGE_LWSMEM_WARM) {
		R.warm[R.nwarm++] = i;
	} else {
		/* Cannot fail on a private anonymous mapping we own; were it
		 * to, the page would merely stay resident. */
		(void)madvise(s, EDGE_LWSMEM_SLOT, MADV_DONTNEED);
		R.cold[R.ncold++] = i;
	}
	pthread_mutex_unlock(&R.mu);
}

void *
edge_lwsmem_realloc(void *ptr, size_t size, const char *reason)
{
	void *n;

	if (ptr != NULL && in_region(ptr)) {
		if (size == 0) {
			slot_put(ptr);
			return NULL;
		}
		if (size <= EDGE_LWSMEM_SLOT)
			return ptr;
		/* Grown past a slot: on to malloc, the slot's bytes with it. */
		if ((n = malloc(size)) == NULL)
			return NULL;
		memcpy(n, ptr, EDGE_LWSMEM_SLOT);
		slot_put(ptr);
		return n;
	}
	if (ptr == NULL && size > 0 && size <= EDGE_LWSMEM_SLOT &&
	    R.base != NULL && is_table(reason) && (n = slot_get()) != NULL)
		return n;
	if (size == 0) {
		free(ptr);
		return NULL;
	}
	return realloc(ptr, size);
}

int
edge_lwsmem_open(size_t nslots)
{
	void *p;

	if (R.base != NULL)
		return 0;
	if (nslots == 0 || nslots > UINT32_MAX)
		return -EINVAL;
	if ((R.cold = calloc(nslots, sizeof(*R.cold))) == NULL)
		return -ENOMEM;
	p = mmap(NULL, nslots * EDGE_LWSMEM_SLOT, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		free(R.cold);
		R.cold = NULL;
		return -ENOMEM;
	}
	R.base = p;
	R.nslots = nslots;
	R.fresh = R.ncold = R.nwarm = 0;
	R.in_use = R.peak = R.fallbacks = 0;
	lws_set_allocator(edge_lwsmem_realloc);
	return 0;
}

int
edge_lwsmem_close(void)
{
	if (R.base == NULL)
		return 0;
	if (R.in_use > 0)
		return -EBUSY;
	munmap(R.base, R.nslots * EDGE_LWSMEM_SLOT);
	R.base = NULL;
	R.nslots = 0;
	free(R.cold);
	R.cold = NULL;
	/* The allocator stays installed: with no region it is malloc. */
	return 0;
}

void
edge_lwsmem_stats(struct edge_lwsmem_stats *st)
{
	pthread_mutex_lock(&R.mu);
	st->slots = R.nslots;
	st->in_use = R.in_use;
	st->peak = R.peak;
	st->warm = R.nwarm;
	st->fallbacks = R.fallbacks;
	pthread_mutex_unlock(&R.mu);
}

size_t
edge_lwsmem_in_use(void)
{
	return R.in_use;
}
