#!/bin/sh
# Idle connections: client messages in and around the edge's 512-byte
# receive pieces are answered, oversized ones still get a real 1009
# close, accepting pauses at the handshake limit and resumes, and 1000
# subscribed idle clients cost the edge less than 16 KiB each (a leak
# guard; the measured figure is in doc/performance.md).
. "$top_srcdir/tests/e2e/lib/edgelib.sh"
PORT=$(free_port)
start_hub
start_edge idle "$PORT" --max-frame 8192 --max-per-ip 4000 \
	--rate-limit 1000 --rate-burst 1000
wait_linked "$PORT"
eval "EDGE_PID=\$EDGE_PID_idle"
"$PY" "$LIB/../edge_idle.py" "$PORT" "$EDGE_PID" 8192 || fail "idle connections"
exit 0
