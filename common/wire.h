/*
 * The hub <-> edge wire over NNG.  Internal to flowhub (edges and hub of
 * one release talk to each other); doc/wire.md explains the design.
 *
 * EVENTS (hub PUB -> edge SUB).  Every NNG message is
 *     topic byte ('E' or 'L') + msgpack array [prev_e, prev_l, events]
 *   prev_e  uint  seq of the last event the hub published on topic E
 *                 before this message (0: none since the hub started
 *                 publishing)
 *   prev_l  uint  the same for topic L
 *   events  array of envelopes, seq ascending, all of this topic
 * Envelope: msgpack array [seq, type, data, ids]
 *   seq     uint  the event's sequence number
 *   type    str   the client message type ("block_started_enhanced", ...)
 *   data    map   the client message's "data" object (PROTOCOL §5)
 *   ids     array of uint: log filter ids the log matched ([] for non-logs)
 * Topic E carries every event but logs; topic L carries logs that matched
 * at least one registered filter (an edge subscribes to L only while it
 * has log subscribers).  An edge tracks the last seq it saw per topic;
 * prev_e/prev_l that differ from them reveal a dropped NNG message, which
 * the edge repairs with the "since" request before forwarding anything.
 *
 * RPC (edge REQ -> hub REP); request and reply are msgpack arrays:
 *   ["hello", edge_id]           -> ["ok", hub_instance, last_seq, oldest]
 *   ["heartbeat", edge_id, clients] -> ["ok", hub_instance, last_seq]
 *   ["state"]                    -> ["ok", seq, state_map]
 *   ["since", S, max]            -> ["ok", [envelope...], more(bool)]
 *                                 | ["too_old", oldest_retained_seq]
 *   ["filter_add", edge_id, levels|nil, tag|nil, module|nil]
 *                                -> ["ok", filter_id, head_seq]
 *   ["filter_del", edge_id, filter_id] -> ["ok"]
 *   ["hw", component, status, details_map] -> ["ok", seq]
 *   ["status"]                   -> ["ok", counters_map]  (flowhub --status)
 *   any failure                  -> ["error", code, message]
 * head_seq is the hub's last seq when the filter was registered: every
 * log with a larger seq that the filter matches is published on topic L
 * (hubs before it answered ["ok", filter_id]; edges read it as optional).
 * state_map is the PROTOCOL §3 object (seq included).  hub_instance
 * changes when the hub restarts: an edge then re-registers its filters.
 * Filters of an edge that sends no heartbeat for WIRE_EDGE_TIMEOUT_MS
 * are dropped.
 */
#ifndef FH_WIRE_H
#define FH_WIRE_H

#define WIRE_TOPIC_EVENTS 'E'
#define WIRE_TOPIC_LOGS 'L'

#define WIRE_HEARTBEAT_MS 2000
#define WIRE_EDGE_TIMEOUT_MS 10000
#define WIRE_SINCE_MAX 4096     /* most envelopes one "since" reply holds */
#define WIRE_BATCH_BYTES 65536  /* a PUB message stops growing past this */
#define WIRE_MAX_MSG (8u << 20) /* NNG_OPT_RECVMAXSZ on both sides */

#define WIRE_LEVEL_DEBUG 0x1
#define WIRE_LEVEL_INFO 0x2
#define WIRE_LEVEL_WARN 0x4
#define WIRE_LEVEL_ERROR 0x8
#define WIRE_LEVEL_ALL 0xf

#endif /* FH_WIRE_H */
