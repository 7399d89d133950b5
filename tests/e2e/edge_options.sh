#!/bin/sh
# Options: --help/--version, -n with good and bad configurations, a config
# file whose keys are the long options, TLS (wss:// and https://),
# --reuseport (two edges share one port) and keepalive (a peer that never
# answers pings is dropped after --idle-timeout).  Needs no hub.
. "$top_srcdir/tests/e2e/lib/edgelib.sh"

"$EDGE_BIN" --help | grep -q -- "--listen" || fail "--help"
"$EDGE_BIN" --version | grep -q "flowhub-edge" || fail "--version"
"$EDGE_BIN" --no-such-option >/dev/null 2>&1 && fail "unknown option accepted"
"$EDGE_BIN" -n --listen 99999 >/dev/null 2>"$T/err" && fail "port 99999 accepted"
grep -q "listen" "$T/err" || fail "no reason for a bad port"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "bad configuration: more than one line"
"$EDGE_BIN" -n --tls-cert /nonexistent >/dev/null 2>&1 && fail "lone --tls-cert accepted"
"$EDGE_BIN" -n --ping-interval 30 --idle-timeout 10 >/dev/null 2>&1 &&
	fail "idle-timeout shorter than ping-interval accepted"

PORT=$(free_port)
cat >"$T/edge.conf" <<CONF
# flowhub-edge test configuration
listen = 127.0.0.1:$PORT
id = fromconf
runtime-dir = $RUN
max-frame = 2K
[limits]
rate-limit = 50
CONF
"$EDGE_BIN" -n --config "$T/edge.conf" | grep -q ok || fail "-n on a good file"
printf 'listen = 127.0.0.1:%s\nbogus-key = 1\n' "$PORT" >"$T/bad.conf"
"$EDGE_BIN" -n --config "$T/bad.conf" 2>"$T/err" && fail "unknown key accepted"
grep -q "bad.conf:2" "$T/err" || fail "no file:line in the error: $(cat "$T/err")"

# the file sets listen and id; the command line overrides ping-interval
"$EDGE_BIN" --config "$T/edge.conf" --ping-interval 1 --idle-timeout 3 \
	>"$T/conf.log" 2>&1 &
PIDS="$PIDS $!"
wait_http "http://127.0.0.1:$PORT/healthz" || hard "configured edge does not answer"

# TLS
if command -v openssl >/dev/null; then
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" \
		-out "$T/cert.pem" -days 1 -subj /CN=127.0.0.1 >/dev/null 2>&1 ||
		hard "openssl failed"
	PT=$(free_port)
	"$EDGE_BIN" --listen "127.0.0.1:$PT" --id tls --runtime-dir "$RUN" \
		--tls-cert "$T/cert.pem" --tls-key "$T/key.pem" >"$T/tls.log" 2>&1 &
	PIDS="$PIDS $!"
	for _ in $(seq 50); do
		code=$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$PT/healthz")
		[ "$code" = 503 ] && break
		sleep 0.1
	done
	[ "$code" = 503 ] || fail "https /healthz: $code"
	code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PT/healthz")
	[ "$code" = 503 ] && fail "plain http answered on the TLS port"
else
	PT=0
fi

# two edges on one port
PR=$(free_port)
for n in r1 r2; do
	"$EDGE_BIN" --listen "127.0.0.1:$PR" --id "$n" --runtime-dir "$RUN" \
		--reuseport >"$T/$n.log" 2>&1 &
	PIDS="$PIDS $!"
done
wait_http "http://127.0.0.1:$PR/healthz" || hard "reuseport edges do not answer"
sleep 0.3

"$PY" "$LIB/../edge_options.py" "$PORT" "$PT" "$PR" || fail "option checks"
exit 0
