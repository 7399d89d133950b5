/*
 * A growable byte buffer and msgpack-c's packer instantiated on it.
 *
 * msgpack-c's packer calls a write callback through a pointer for every
 * primitive, a few bytes at a time; on the hub's hot path (one envelope
 * per event, a dozen primitives each) that indirect call was the largest
 * single cost.  msgpack-c ships its packer as a template
 * (msgpack/pack_template.h) meant to be instantiated with other sinks, so
 * here it is instantiated with an inline append into this buffer: the
 * same encoder, and the compiler sees through it.  Functions are named
 * mpb_<what> (mpb_map, mpb_str, mpb_uint64, ...).
 *
 * Out of memory sets b->oom and drops further writes; callers check it
 * once at the end.
 */
#ifndef HUB_MPBUF_H
#define HUB_MPBUF_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct mpbuf {
	uint8_t *p;
	size_t len, cap;
	int oom;
};

static inline void
mpbuf_init(struct mpbuf *b)
{
	b->p = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
}

void mpbuf_free(struct mpbuf *b);
/* Make room for N more bytes.  Returns 0 or -1 (b->oom set). */
int mpbuf_grow(struct mpbuf *b, size_t n);

static inline int
mpbuf_put(struct mpbuf *b, const void *p, size_t n)
{
	if (__builtin_expect(b->cap - b->len < n, 0) && mpbuf_grow(b, n) < 0)
		return -1;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

#define msgpack_pack_inline_func(name) static inline int mpb##name
#define msgpack_pack_inline_func_cint(name) static inline int mpb##name
#define msgpack_pack_inline_func_fixint(name) static inline int mpb_fix##name
#define msgpack_pack_user struct mpbuf *
#define msgpack_pack_append_buffer(user, buf, len) \
	return mpbuf_put(user, buf, len)
#include <msgpack/pack_template.h>
#undef msgpack_pack_inline_func_cint
#undef msgpack_pack_inline_func_fixint

#endif /* HUB_MPBUF_H */
