/*
 * Log filter table.  Filters are few (bounded) and logs many, so the
 * live filters sit in one dense array sorted by id: matching a log is a
 * linear scan with cheap early outs (level bit first), and the ids come
 * out ascending without sorting.  Holders are a bitmap over edge slots.
 * Ids are never reused while the hub runs; a restarted hub announces a
 * new instance and edges register again.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "filters.h"
#include "wire.h"

void
hub_filters_init(struct hub_filters *fs)
{
	memset(fs, 0, sizeof(*fs));
	fs->next_id = 1;
}

void
hub_filters_fini(struct hub_filters *fs)
{
	for (uint32_t i = 0; i < fs->nlive; i++)
		free(fs->live[i]);
	memset(fs, 0, sizeof(*fs));
}

uint32_t
hub_filters_edges(const struct hub_filters *fs)
{
	uint32_t n = 0;

	for (int i = 0; i < HUB_EDGES_MAX; i++)
		n += fs->edges[i].used;
	return n;
}

int
hub_filters_touch(struct hub_filters *fs, const void *id, uint32_t len,
		  int64_t now_ms)
{
	int free_slot = -1;

	if (len == 0 || len > HUB_EDGE_ID_MAX)
		return -EINVAL;
	for (int i = 0; i < HUB_EDGES_MAX; i++) {
		struct hub_edge *e = &fs->edges[i];
		if (!e->used) {
			if (free_slot < 0)
				free_slot = i;
			continue;
		}
		if (e->idlen == len && memcmp(e->id, id, len) == 0) {
			e->last_ms = now_ms;
			return i;
		}
	}
	if (free_slot < 0)
		return -ENOSPC;
	struct hub_edge *e = &fs->edges[free_slot];
	memset(e, 0, sizeof(*e));
	e->used = true;
	e->idlen = len;
	memcpy(e->id, id, len);
	e->last_ms = now_ms;
	return free_slot;
}

static bool
holds(const struct hub_filter *f, int slot)
{
	return f->holders[slot / 64] >> (slot % 64) & 1;
}

static bool
unheld(const struct hub_filter *f)
{
	for (int i = 0; i < HUB_EDGES_MAX / 64; i++)
		if (f->holders[i])
			return false;
	return true;
}

static void
remove_at(struct hub_filters *fs, uint32_t i)
{
	free(fs->live[i]);
	memmove(&fs->live[i], &fs->live[i + 1],
		(fs->nlive - i - 1) * sizeof(fs->live[0]));
	fs->nlive--;
}

int
hub_filters_add(struct hub_filters *fs, int slot, uint8_t levels,
		const void *tag, uint32_t taglen, const void *module,
		uint32_t modlen, uint32_t *id)
{
	struct hub_filter *f = NULL;

	if (slot < 0 || slot >= HUB_EDGES_MAX || !fs->edges[slot].used)
		return -EINVAL;
	levels &= WIRE_LEVEL_ALL;
	if (levels == 0 || (tag && taglen > HUB_FILTER_STR_MAX) ||
	    (module && modlen > HUB_FILTER_STR_MAX))
		return -EINVAL;
	for (uint32_t i = 0; i < fs->nlive; i++) {
		struct hub_filter *g = fs->live[i];
		if (g->levels == levels && g->has_tag == !!tag &&
		    g->has_module == !!module &&
		    (!tag || (g->taglen == taglen &&
			      memcmp(g->tag, tag, taglen) == 0)) &&
		    (!module || (g->modlen == modlen &&
				 memcmp(g->module, module, modlen) == 0))) {
			f = g;
			break;
		}
	}
	if (!f) {
		/* one catch-all at most exists (identical filters are
		 * shared), so nlive stays within the array */
		if (fs->nlive >= HUB_FILTERS_MAX &&
		    !(levels == WIRE_LEVEL_ALL && !tag && !module))
			return -ENOSPC;
		if (!(f = calloc(1, sizeof(*f))))
			return -ENOMEM;
		f->id = fs->next_id++;
		f->levels = levels;
		if ((f->has_tag = tag != NULL)) {
			f->taglen = taglen;
			memcpy(f->tag, tag, taglen);
		}
		if ((f->has_module = module != NULL)) {
			f->modlen = modlen;
			memcpy(f->module, module, modlen);
		}
		fs->live[fs->nlive++] = f; /* newest id: stays sorted */
	}
	if (!holds(f, slot)) {
		f->holders[slot / 64] |= 1ull << (slot % 64);
		fs->edges[slot].nfilters++;
	}
	*id = f->id;
	return 0;
}

int
hub_filters_del(struct hub_filters *fs, int slot, uint32_t id)
{
	if (slot < 0 || slot >= HUB_EDGES_MAX || !fs->edges[slot].used)
		return -ENOENT;
	for (uint32_t i = 0; i < fs->nlive; i++) {
		struct hub_filter *f = fs->live[i];
		if (f->id != id)
			continue;
		if (!holds(f, slot))
			return -ENOENT;
		f->holders[slot / 64] &= ~(1ull << (slot % 64));
		fs->edges[slot].nfilters--;
		if (unheld(f))
			remove_at(fs, i);
		return 0;
	}
	return -ENOENT;
}

int
hub_filters_expire(struct hub_filters *fs, int64_t now_ms, int64_t timeout_ms)
{
	int n = 0;

	for (int slot = 0; slot < HUB_EDGES_MAX; slot++) {
		struct hub_edge *e = &fs->edges[slot];
		if (!e->used || now_ms - e->last_ms <= timeout_ms)
			continue;
		for (uint32_t i = 0; i < fs->nlive;) {
			struct hub_filter *f = fs->live[i];
			f->holders[slot / 64] &= ~(1ull << (slot % 64));
			if (unheld(f))
				remove_at(fs, i);
			else
				i++;
		}
		memset(e, 0, sizeof(*e));
		fs->expired++;
		n++;
	}
	return n;
}

uint32_t
hub_filters_match(const struct hub_filters *fs, int level, const void *tag,
		  uint32_t taglen, const void *module, uint32_t modlen,
		  uint32_t *ids, uint32_t max)
{
	uint8_t bit = (uint8_t)(1u << level);
	uint32_t n = 0;

	for (uint32_t i = 0; i < fs->nlive && n < max; i++) {
		const struct hub_filter *f = fs->live[i];
		if (!(f->levels & bit))
			continue;
		if (f->has_tag && (!tag || f->taglen != taglen ||
				   memcmp(f->tag, tag, taglen) != 0))
			continue;
		if (f->has_module &&
		    (!module || f->modlen != modlen ||
		     memcmp(f->module, module, modlen) != 0))
			continue;
		ids[n++] = f->id;
	}
	return n;
}
