/*
 * /metrics in the Prometheus text format.  Counters are plain integers
 * updated on the service thread, which is also the thread that renders
 * them, so no locking is needed.
 */
#include "config.h"

#include <inttypes.h>

#include "edge.h"
#include "lwsmem.h"

static void
metric(struct edge_buf *b, const char *name, const char *type,
       const char *help, uint64_t v)
{
	edge_buf_addf(b, "# HELP %s %s\n# TYPE %s %s\n%s %" PRIu64 "\n", name,
		      help, name, type, name, v);
}

void
edge_metrics_render(struct edge *e, struct edge_buf *b)
{
	struct edge_metrics *m = &e->m;
	struct edge_client *c;
	uint64_t queued = 0, qbytes = 0;
	int i;

	for (c = e->clients; c; c = c->next) {
		queued += c->q.n;
		qbytes += c->q.bytes;
	}
	metric(b, "flowhub_edge_clients", "gauge",
	       "WebSocket clients connected", e->nclients);
	metric(b, "flowhub_edge_connections_total", "counter",
	       "WebSocket connections accepted", m->connections);
	metric(b, "flowhub_edge_disconnections_total", "counter",
	       "WebSocket connections closed", m->disconnections);
	metric(b, "flowhub_edge_upgrades_refused_total", "counter",
	       "WebSocket upgrades refused (path, origin, token, limits)",
	       m->upgrades_refused);
	metric(b, "flowhub_edge_handshakes", "gauge",
	       "HTTP connections holding a header table (upgrades not yet done, requests being read, this one included)",
	       edge_lwsmem_in_use() / 2);
	metric(b, "flowhub_edge_accept_pauses_total", "counter",
	       "times accepting paused for too many handshakes at once",
	       m->accept_pauses);
	metric(b, "flowhub_edge_handshakes_refused_total", "counter",
	       "connections closed at accept: their address had --max-handshakes-per-ip in their handshake",
	       m->hs_refused);
	metric(b, "flowhub_edge_messages_sent_total", "counter",
	       "messages written to clients", m->msgs_sent);
	metric(b, "flowhub_edge_messages_dropped_total", "counter",
	       "messages discarded with the queue of a client closed as slow",
	       m->msgs_dropped);
	metric(b, "flowhub_edge_bytes_sent_total", "counter",
	       "payload bytes written to clients", m->bytes_sent);
	metric(b, "flowhub_edge_slow_client_closes_total", "counter",
	       "clients closed with 1013 for an over-full queue",
	       m->slow_closes);
	metric(b, "flowhub_edge_rate_limited_total", "counter",
	       "client messages refused by the rate limit", m->rate_limited);
	metric(b, "flowhub_edge_rate_limit_closes_total", "counter",
	       "clients closed with 1008 for going on past the rate limit",
	       m->rate_closes);
	metric(b, "flowhub_edge_protocol_errors_total", "counter",
	       "bad client messages (error replies and protocol closes)",
	       m->proto_errors);
	metric(b, "flowhub_edge_queued_messages", "gauge",
	       "messages queued for clients", queued);
	metric(b, "flowhub_edge_queued_bytes", "gauge",
	       "bytes queued for clients", qbytes);
	metric(b, "flowhub_edge_frames_live", "gauge",
	       "distinct message buffers alive", (uint64_t)edge_frames_live);
	metric(b, "flowhub_edge_hub_linked", "gauge",
	       "1 when linked to the hub and in sync", edge_sync_linked(e));
	metric(b, "flowhub_edge_hub_seq", "gauge",
	       "last event seq forwarded", edge_sync_fwd(e));
	metric(b, "flowhub_edge_hub_events_total", "counter",
	       "events received from the hub", m->hub_events);
	metric(b, "flowhub_edge_hub_gaps_total", "counter",
	       "dropped hub messages detected and repaired", m->hub_gaps);
	metric(b, "flowhub_edge_hub_resyncs_total", "counter",
	       "times the edge re-synchronised with the hub", m->hub_resyncs);
	metric(b, "flowhub_edge_hub_bad_messages_total", "counter",
	       "malformed hub messages skipped", m->bad_hub_msgs);
	metric(b, "flowhub_edge_hub_inbox_dropped_total", "counter",
	       "hub messages dropped for a full inbox", m->inbox_dropped);
	edge_buf_adds(b, "# HELP flowhub_edge_sent_by_type_total messages "
			 "written to clients by type\n"
			 "# TYPE flowhub_edge_sent_by_type_total counter\n");
	for (i = 0; i < EDGE_T_COUNT; i++)
		edge_buf_addf(b,
			      "flowhub_edge_sent_by_type_total{type=\"%s\"} %" PRIu64
			      "\n",
			      edge_type_names[i], m->sent[i]);
}
