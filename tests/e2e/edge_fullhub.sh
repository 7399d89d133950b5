#!/bin/sh
# A hub whose log filter table is full (another edge registered the
# 1 024 it holds, all for other tags): this edge's clients, one live and
# one resuming from the URL, must still get exactly the logs their filters
# match, every one and in order, through the catch-all the hub keeps room
# for.
. "$top_srcdir/tests/e2e/lib/edgelib.sh"
HC=$top_builddir/tests/hub/hubclient
[ -x "$HC" ] || hard "hubclient not built"
start_hub
P=$(free_port)
start_edge fh "$P"
wait_linked "$P"
RPC=ipc://$RUN/rpc
"$PY" -c '
import json
for i in range(1024):
    print(json.dumps(["filter_add", "filler", None, "filler-%d" % i, None]))
print(json.dumps(["filter_add", "filler", None, "one-more", None]))' |
	"$HC" req "$RPC" - >"$T/fill.out" || hard "hubclient"
n=$(grep -c '^\["ok"' "$T/fill.out")
[ "$n" = 1024 ] || hard "filled $n filters, not 1024"
tail -1 "$T/fill.out" | grep -q '"full"' || hard "the hub took a 1025th filter"
# the filler edge stays alive, or the hub drops its filters after 10 s
(while :; do "$HC" req "$RPC" '["heartbeat", "filler", 0]' >/dev/null 2>&1; sleep 2; done) &
PIDS="$PIDS $!"
"$PY" "$LIB/../edge_fullhub.py" "$P" "$EMIT_BIN" "$RING" || fail "logs through a full hub"
grep -q "no room for another log filter" "$T/fh.log" || fail "the edge did not say the hub was full"
exit 0
