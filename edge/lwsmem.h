/*
 * Where lws' HTTP header tables live (see lwsmem.c).
 */
#ifndef EDGE_LWSMEM_H
#define EDGE_LWSMEM_H

#include <stddef.h>

/* Slot size: one page, the size of a header table's data area. */
#define EDGE_LWSMEM_SLOT 4096u
/* Free slots kept resident for the next connections; past that a freed
 * slot's page goes back to the kernel at once. */
#define EDGE_LWSMEM_WARM 64u

struct edge_lwsmem_stats {
	size_t slots;     /* size of the region, in slots (0: not open) */
	size_t in_use;    /* slots holding a header table now */
	size_t peak;      /* most in use at once since the region opened */
	size_t warm;      /* free slots still resident */
	size_t fallbacks; /* header tables that went to malloc: region full */
};

/*
 * Reserve address space for NSLOTS slots (not memory: pages are touched
 * only when used) and install the lws allocator that puts header tables
 * there; call before lws_create_context.  Calling it again while open
 * changes nothing.  Returns 0 or -ENOMEM (lws then keeps using malloc).
 */
int edge_lwsmem_open(size_t nslots)
    __attribute__((warn_unused_result));
/*
 * Give the region back once no slot is in use (after
 * lws_context_destroy); with slots still in use it stays, and the call
 * returns -EBUSY.  Safe to call when not open.
 */
int edge_lwsmem_close(void);
void edge_lwsmem_stats(struct edge_lwsmem_stats *st);
/* Header tables alive in the region now: two per connection that is in
 * its HTTP handshake (0 when the region is not open).  For the lws
 * service thread, which is the only one that changes it. */
size_t edge_lwsmem_in_use(void);

/* The allocator itself, lws_set_allocator()'s contract: exposed for the
 * unit test. */
void *edge_lwsmem_realloc(void *ptr, size_t size, const char *reason);

#endif /* EDGE_LWSMEM_H */
