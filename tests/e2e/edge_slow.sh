#!/bin/sh
# Slow clients: clients that never read are closed with 1013 once their
# queue passes the limit, while a reading client on the same edge gets
# every event in order; the edge's memory stays bounded meanwhile.
. "$top_srcdir/tests/e2e/lib/edgelib.sh"
start_hub
PA=$(free_port)
start_edge sa "$PA" --queue-limit 12M --queue-msgs 16384  # slack for a Python reader on a loaded machine
wait_linked "$PA"
eval "pid=\$EDGE_PID_sa"
# The bound on the edge's growth: 30 MiB; ASan's shadow memory and
# redzones add about 60 MiB under this load.
EDGE_SLOW_RSS_MIB=30
grep -q 'fsanitize=address' "$top_builddir/Makefile" 2>/dev/null && EDGE_SLOW_RSS_MIB=100
export EDGE_SLOW_RSS_MIB
"$PY" "$LIB/../edge_slow.py" "$PA" "$EMIT_BIN" "$RING" "$pid" ||
	fail "slow client checks"
grep -q "closing slow client" "$T/sa.log" || fail "slow closes not logged"
exit 0
