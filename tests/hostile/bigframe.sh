#!/bin/sh
# Oversized frames (64 KiB+1, 1 MiB, 100 MiB announced, oversized
# fragmented messages) are closed with 1009 at once, without allocating
# for the announced size.
. "$top_srcdir/tests/hostile/lib.sh"
start_hub
start_edge --max-frame 65536
"$PY" "$HOSTILE/bigframe.py" "$port" "$edge_pid" 65536
