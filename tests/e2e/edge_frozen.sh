#!/bin/sh
# An edge frozen (SIGSTOP) for longer than the hub keeps the log filters
# of a silent edge: the hub drops them and goes on sequencing logs that
# no filter of the frozen edge claims.  After SIGCONT, a client that
# stayed connected the whole time, subscribed to every log, must still
# get every event and every log exactly once and in order: the edge may
# not forward anything past the point where its filters were in doubt
# before it has them registered again and has read the rest from the
# hub's history.  Logs come slowly, so no message is lost on the way and
# only the dropped filters could lose them.
. "$top_srcdir/tests/e2e/lib/edgelib.sh"
[ -x "$HUB_BIN" ] || skip "flowhub not built"
P=$(free_port)
start_hub
start_edge fz "$P"
wait_linked "$P"
"$PY" "$LIB/../edge_frozen.py" "$P" "$EMIT_BIN" "$RING" "$EDGE_PID_fz" \
	|| fail "frozen edge checks"
grep -q "did not run for" "$T/fz.log" || fail "the edge did not notice it was frozen"
exit 0
