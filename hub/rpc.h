/*
 * The hub's request/reply endpoint: one NNG rep0 socket with several
 * contexts, so that requests from many edges are served concurrently on
 * NNG's threads.  Every request of common/wire.h plus "status".  Requests
 * are untrusted: parsed with the bounded reader, answered with
 * ["error", code, message] when bad.
 */
#ifndef HUB_RPC_H
#define HUB_RPC_H

#include <stddef.h>
#include <stdint.h>

struct hub;
struct hub_rpc;

/* Listen on the hub's rpc URLs and start WORKERS contexts.  Returns 0 or a
 * negative errno (reason in ERR). */
int hub_rpc_open(struct hub_rpc **out, struct hub *h, char *err,
		 size_t errlen);
/* Stop serving: no request is taken or answered after this returns (an
 * edge's request in flight times out and is retried elsewhere or later).
 * hub_rpc_close stops too, then closes the socket and frees R. */
void hub_rpc_stop(struct hub_rpc *r);
void hub_rpc_close(struct hub_rpc *r);

/* The hardware_health record carrying RID got SEQ (called by the core,
 * with its lock held). */
void hub_rpc_rid_done(void *arg, uint64_t rid, uint64_t seq);

/* Answer "hw" requests whose record was not consumed within TIMEOUT_MS
 * with ["ok", 0] (accepted; seq unknown). */
void hub_rpc_tick(struct hub_rpc *r, int64_t now_ms, int64_t timeout_ms);

/* Handle one request body; the reply is written to OUT (a
 * struct mpbuf).  Returns 1 when the reply is deferred (hw).  Exposed
 * for tests. */
struct mpbuf;
int hub_rpc_handle(struct hub_rpc *r, int worker, const void *req,
		   size_t len, struct mpbuf *out);

#endif /* HUB_RPC_H */
