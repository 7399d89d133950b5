/*
 * FNV-1a, 32 bits: the hash of flowhub's small in-memory tables (the
 * hub's block and component index, the edge's per-address counts).  Fast
 * on short keys and good enough where nobody chooses keys to collide in
 * ways that matter: every table it serves is bounded, so a crafted
 * collision costs a longer chain, never memory.
 */
#ifndef FH_FNV_H
#define FH_FNV_H

#include <stddef.h>
#include <stdint.h>

static inline uint32_t
fh_fnv1a(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

#endif
