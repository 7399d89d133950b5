#!/bin/sh
# A client that stops reading for a while, long enough for its socket to
# fill and the edge to hold part of a write back, and then reads again:
# it must get every event, in order, without being closed, while a
# reading client beside it gets every event as it comes.  Events that
# reach idle clients are written when a drain of the hub's inbox ends,
# and clients with a held-back remainder wait for WRITEABLE instead: this
# is the test of that hand-over.
. "$top_srcdir/tests/e2e/lib/edgelib.sh"
start_hub
PA=$(free_port)
start_edge ea "$PA" --queue-limit 64M --queue-msgs 100000
wait_linked "$PA"
"$PY" "$LIB/../edge_pause.py" "$PA" "$EMIT_BIN" "$RING" || fail "paused reader"
exit 0
