#!/bin/sh
# The hub is killed (-9) and restarted in the middle of a run: the edges
# link up again by themselves and their clients see every event exactly
# once, in order; an edge started before its hub links up too.
. "$top_srcdir/tests/e2e/lib/edgelib.sh"
[ -x "$HUB_BIN" ] || skip "flowhub not built"
PA=$(free_port)
PB=$(free_port)
start_edge ha "$PA"            # before the hub exists
start_hub
wait_linked "$PA"
start_edge hb "$PB"
wait_linked "$PB"
"$PY" "$LIB/../edge_hubrestart.py" "$PA" "$PB" "$EMIT_BIN" "$RING" "$HUB_PID" \
	"$HUB_BIN" "$RUN" "$T/state" "$T/hub2.log" || fail "hub restart checks"
grep -q "hub restarted\|linked to hub" "$T/ha.log" || fail "no relink logged"
exit 0
