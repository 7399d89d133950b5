#!/bin/sh
# since on the upgrade URL: a client that says where it stands
# (/ws/flow?since=S&logs=FILTERS) gets no greeting state but exactly the
# events after S, logs matching its filter included, once and in order:
# from the edge's recent buffer or the hub's history, while events flow,
# for clients that keep reconnecting, and from an edge that is not linked
# to the hub yet; a state when S is older than the hub retains; 400 for
# bad values.
. "$top_srcdir/tests/e2e/lib/edgelib.sh"
start_hub --retain 2000
PA=$(free_port)
PB=$(free_port)
start_edge sa "$PA"
start_edge sb "$PB"
wait_linked "$PA"
wait_linked "$PB"
"$PY" "$LIB/../edge_since.py" "$PA" "$PB" "$EMIT_BIN" "$RING" \
	"$HUB_PID" "$EDGE_BIN" "$RUN" "$top_srcdir/edge/www" "$T" ||
	fail "since checks"
exit 0
