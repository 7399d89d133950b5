/* Request kinds of the hub RPC (cookies are interpreted per kind). */
#ifndef EDGE_SYNC_H
#define EDGE_SYNC_H

enum edge_req_kind {
	EDGE_REQ_HELLO = 1,
	EDGE_REQ_HEARTBEAT,
	EDGE_REQ_STATE,      /* cookie: generation << 1 | background */
	EDGE_REQ_SINCE,      /* the edge's own gap repair; cookie: generation */
	EDGE_REQ_CSINCE,     /* a client's resume; cookie: client serial */
	EDGE_REQ_FILTER_ADD, /* cookie: filter serial */
	EDGE_REQ_FILTER_DEL,
	EDGE_REQ_HW,         /* cookie: client serial */
};

#define EDGE_RPC_TIMEOUT_MS 3000

#endif /* EDGE_SYNC_H */
