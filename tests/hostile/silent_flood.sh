#!/bin/sh
# Silent sockets from one address: past --max-handshakes-per-ip they are
# closed at accept, while other addresses connect at once; and the count
# goes back down for every way a handshake ends (an upgrade, an HTTP
# request, a refused upgrade, a socket closed unheard).
. "$top_srcdir/tests/hostile/lib.sh"
start_hub
start_edge --max-handshakes-per-ip 64 --max-per-ip 1000
"$PY" "$HOSTILE/silent_flood.py" "$port" 64 300
