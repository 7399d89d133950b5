#!/bin/sh
# resume: a client that comes back gets exactly the events it missed, in
# order, from the edge's recent buffer or the hub's history -- also from
# a restarted edge (kill -9) -- and a fresh initial_execution_state when
# what it asks for is older than the hub retains.
. "$top_srcdir/tests/e2e/lib/edgelib.sh"
start_hub --retain 400
PA=$(free_port)
PB=$(free_port)
start_edge ra "$PA"
start_edge rb "$PB"
wait_linked "$PA"
wait_linked "$PB"
eval "pid=\$EDGE_PID_ra"
"$PY" "$LIB/../edge_resume.py" "$PA" "$EMIT_BIN" "$RING" "$pid" \
	"$EDGE_BIN" "$RUN" "$top_srcdir/edge/www" "$T/ra2.log" "$PB" ||
	fail "resume checks"
exit 0
