/*
 * Log subscriptions.  The hub keeps the set of distinct filters (level
 * set, tag, module; absent = any), each with an id and the set of edges
 * holding it, so a log is evaluated once per distinct filter however
 * many clients share it, and published once with the ids it matched.
 * Edges are known by the id they send; one that stops sending heartbeats
 * for WIRE_EDGE_TIMEOUT_MS loses its filters.  Everything is bounded.
 *
 * The catch-all (every level, any tag, any module) is admitted even when
 * HUB_FILTERS_MAX others are registered: an edge whose narrow filter is
 * refused registers it instead and picks its clients' logs out of
 * everything, since edges match every log against their clients'
 * filters themselves.  So clients that fill the table with distinct
 * filters cost log traffic, never logs.
 */
#ifndef HUB_FILTERS_H
#define HUB_FILTERS_H

#include <stdbool.h>
#include <stdint.h>

#define HUB_EDGES_MAX 256
#define HUB_FILTERS_MAX 1024
#define HUB_EDGE_ID_MAX 64
#define HUB_FILTER_STR_MAX 256

struct hub_edge {
	bool used;
	uint32_t idlen;
	char id[HUB_EDGE_ID_MAX + 1];
	int64_t last_ms;  /* last hello/heartbeat/filter call, monotonic */
	uint32_t clients; /* as the edge reported */
	uint32_t nfilters;
};

struct hub_filter {
	uint32_t id;
	uint8_t levels; /* WIRE_LEVEL_* bits */
	bool has_tag, has_module;
	uint32_t taglen, modlen;
	char tag[HUB_FILTER_STR_MAX];
	char module[HUB_FILTER_STR_MAX];
	uint64_t holders[HUB_EDGES_MAX / 64];
};

struct hub_filters {
	struct hub_edge edges[HUB_EDGES_MAX];
	struct hub_filter *live[HUB_FILTERS_MAX + 1]; /* ascending id; +1:
						       * the catch-all */
	uint32_t nlive;
	uint32_t next_id;
	uint64_t expired; /* edges dropped for silence */
};

void hub_filters_init(struct hub_filters *fs);
void hub_filters_fini(struct hub_filters *fs);

/* Find or register the edge ID and stamp it alive at NOW_MS.  Returns its
 * slot, -EINVAL (bad id) or -ENOSPC. */
int hub_filters_touch(struct hub_filters *fs, const void *id, uint32_t len,
		      int64_t now_ms);

/* Edge SLOT holds the filter (levels, tag, module); TAG/MODULE NULL =
 * any.  An identical filter is shared.  Sets *id.  Returns 0, -EINVAL
 * (levels 0 or strings too long), -ENOSPC or -ENOMEM. */
int hub_filters_add(struct hub_filters *fs, int slot, uint8_t levels,
		    const void *tag, uint32_t taglen, const void *module,
		    uint32_t modlen, uint32_t *id);

/* Edge SLOT no longer holds filter ID.  Returns 0 or -ENOENT. */
int hub_filters_del(struct hub_filters *fs, int slot, uint32_t id);

/* Drop edges silent since before NOW_MS - TIMEOUT_MS.  Returns how many. */
int hub_filters_expire(struct hub_filters *fs, int64_t now_ms,
		       int64_t timeout_ms);

/* Ids of the filters a log matches, ascending, at most MAX.  LEVEL is
 * enum hub_level; TAG/MODULE NULL when the log has none. */
uint32_t hub_filters_match(const struct hub_filters *fs, int level,
			   const void *tag, uint32_t taglen, const void *module,
			   uint32_t modlen, uint32_t *ids, uint32_t max);

/* Edges currently registered. */
uint32_t hub_filters_edges(const struct hub_filters *fs);

#endif /* HUB_FILTERS_H */
