#!/bin/sh
# 10 000 connections from one address: capped by the per-IP limit (each
# refused upgrade gets 503), while another address is still served.
. "$top_srcdir/tests/hostile/lib.sh"
start_hub
start_edge --max-per-ip 256
"$PY" "$HOSTILE/conn_flood.py" "$port" "$edge_pid" 10000 256
