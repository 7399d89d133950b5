#!/bin/sh
# 50 000 msgs/s of junk from one client: rate limited and closed 1008;
# another client's median latency stays within 2x of quiet.
. "$top_srcdir/tests/hostile/lib.sh"
start_hub
start_edge
"$PY" "$HOSTILE/junkflood.py" "$port" "$edge_pid" 50000 4
