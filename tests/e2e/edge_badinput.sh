#!/bin/sh
# Every row of the bad-input table: error replies that keep the
# connection, and the close codes 1009, 1003, 1007 and 1008 -- each a real
# close frame -- while another client is not affected.  Needs no hub.
. "$top_srcdir/tests/e2e/lib/edgelib.sh"
PORT=$(free_port)
start_edge bad "$PORT" --max-frame 1024 --rate-limit 20 --rate-burst 40
"$PY" "$LIB/../edge_badinput.py" "ws://127.0.0.1:$PORT/ws/flow" ||
	fail "bad input handling"
grep -q "WebSocket client connected from 127.0.0.1" "$T/bad.log" ||
	fail "no connection log line"
exit 0
