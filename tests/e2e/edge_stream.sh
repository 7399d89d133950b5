#!/bin/sh
# A full demo run through hub + two edges: every server message validates
# against doc/protocol.schema.json; both edges deliver the same events in
# order without holes or duplicates; logs reach only the clients whose
# filters match; a client's hardware_health_update reaches everyone; the
# REST state equals the state message; /metrics counts what happened.
. "$top_srcdir/tests/e2e/lib/edgelib.sh"
start_hub
PA=$(free_port)
PB=$(free_port)
start_edge ea "$PA"
start_edge eb "$PB"
wait_linked "$PA"
wait_linked "$PB"
"$PY" "$LIB/../edge_stream.py" "$PA" "$PB" "$EMIT_BIN" "$RING" ||
	fail "stream checks"
m=$(curl -s "http://127.0.0.1:$PA/metrics")
echo "$m" | grep -q '^flowhub_edge_hub_linked 1$' || fail "metrics: not linked"
echo "$m" | grep -q '^flowhub_edge_sent_by_type_total{type="block_started_enhanced"} [1-9]' ||
	fail "metrics: no per-type counts"
# the dashboard and static files from --www
ct=$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "http://127.0.0.1:$PA/")
case $ct in "200 text/html"*) ;; *) fail "GET /: $ct" ;; esac
if [ -f "$top_srcdir/edge/www/flowhub-client.js" ]; then
	ct=$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "http://127.0.0.1:$PA/flowhub-client.js")
	case $ct in "200 text/javascript"*) ;; *) fail "GET /flowhub-client.js: $ct" ;; esac
fi
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PA/no-such-file.html")
[ "$code" = 404 ] || fail "missing file: $code"
grep -q "Frontend connected: frontend_" "$T/ea.log" || fail "no Frontend connected line"
grep -q "Broadcasting event" "$T/ea.log" && fail "per-event lines at info level"
exit 0
