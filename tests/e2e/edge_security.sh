#!/bin/sh
# Security defaults and limits: loopback-only listening by default
# (checked against a non-loopback address of this machine), Origin
# allowlist, read and write tokens (never logged), per-address and total
# connection limits, and SIGTERM closing clients with 1001.  Needs no hub.
. "$top_srcdir/tests/e2e/lib/edgelib.sh"

# -- loopback only by default --------------------------------------------
addr=$(ip -4 -o addr show scope global 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -1)
DUMMY=
if [ -z "$addr" ]; then
	DUMMY=fhd$$
	if ip link add "$DUMMY" type dummy 2>/dev/null; then
		addr=10.217.$(($$ % 250)).7
		ip addr add "$addr/32" dev "$DUMMY" && ip link set "$DUMMY" up ||
			addr=
	else
		DUMMY=
	fi
fi
cleanup_dummy() { [ -n "$DUMMY" ] && ip link del "$DUMMY" 2>/dev/null; }
PORT_D=$(free_port)
# default address: only the port is given
"$EDGE_BIN" --listen "$PORT_D" --id deflt --runtime-dir "$RUN" >"$T/deflt.log" 2>&1 &
PIDS="$PIDS $!"
DEFLT_PID=$!
wait_http "http://127.0.0.1:$PORT_D/healthz" || hard "default edge does not answer"
if [ -n "$addr" ]; then
	# the control: the address is reachable when an edge listens on it
	PORT_C=$(free_port)
	"$EDGE_BIN" --listen "$addr:$PORT_C" --id ctl --runtime-dir "$RUN" >"$T/ctl.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_http "http://$addr:$PORT_C/healthz" || { cleanup_dummy; hard "control edge does not answer"; }
	code=$(curl -s -o /dev/null -w '%{http_code}' "http://$addr:$PORT_C/healthz")
	[ "$code" = 503 ] || { cleanup_dummy; fail "control edge on $addr answered $code"; }
	code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://$addr:$PORT_D/healthz")
	cleanup_dummy
	[ "$code" = 000 ] || fail "default edge answered $code on $addr"
	echo "loopback only: $addr:$PORT_D refused"
	code6=$(curl -s -m 2 -g -o /dev/null -w '%{http_code}' "http://[::1]:$PORT_D/healthz")
	[ "$code6" = 000 ] || fail "default edge answered $code6 on [::1]"
else
	cleanup_dummy
	echo "no non-loopback address could be made: loopback check skipped"
fi

# -- tokens, origins, limits ---------------------------------------------
PORT_T=$(free_port)
start_edge tok "$PORT_T" --read-token r3ad-T0ken --write-token wr1te-T0ken \
	--origin "http://good.example, https://also.example" --max-per-ip 3
PORT_L=$(free_port)
start_edge lim "$PORT_L" --max-clients 2

"$PY" "$LIB/../edge_security.py" "$PORT_D" "$PORT_T" "$PORT_L" "$DEFLT_PID" ||
	fail "security checks"
if grep -q -e r3ad-T0ken -e wr1te-T0ken "$T"/*.log; then
	fail "a token appears in a log"
fi
grep -q "WebSocket upgrade refused" "$T/tok.log" || fail "refusals not logged"
exit 0
