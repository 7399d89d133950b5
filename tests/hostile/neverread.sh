#!/bin/sh
# A client that subscribes to every log and never reads is closed with
# 1013 at the queue limit; the edge's RSS stays under baseline + 16 MiB
# while 4000 logs of 2 KiB (8 MB) go out at 2000/s; a reading client
# gets them all.
. "$top_srcdir/tests/hostile/lib.sh"
# ASan's redzones and shadow memory about double the heap's RSS.
bound=16; [ -z "$sanitized" ] || bound=40
RING_SIZE=16M start_hub
start_edge --queue-limit 1M
"$PY" "$HOSTILE/neverread.py" "$port" "$edge_pid" 4000 2000 "$bound" 2000 \
	"$EMIT" "$ring"
