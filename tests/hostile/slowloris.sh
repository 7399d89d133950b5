#!/bin/sh
# Slowloris upgrades, idle TCP sockets and silent WebSockets are dropped
# by the edge within bounded time; a normal client is served meanwhile.
# Bounds: 30 s for an unfinished HTTP request, ping interval + idle
# timeout + slack for a silent WebSocket.
. "$top_srcdir/tests/hostile/lib.sh"
start_hub
start_edge --ping-interval 2 --idle-timeout 4
"$PY" "$HOSTILE/slowloris.py" "$port" "$edge_pid" 20 30 10
