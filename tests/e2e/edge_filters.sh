#!/bin/sh
# Log filters: each client receives exactly the logs its filter matches
# (level set, tag, module; equal filters shared; a new subscription
# replaces the old; unsubscribe stops them), across two edges.
. "$top_srcdir/tests/e2e/lib/edgelib.sh"
start_hub
PA=$(free_port)
PB=$(free_port)
start_edge fa "$PA"
start_edge fb "$PB"
wait_linked "$PA"
wait_linked "$PB"
"$PY" "$LIB/../edge_filters.py" "$PA" "$PB" "$EMIT_BIN" "$RING" ||
	fail "filter checks"
exit 0
