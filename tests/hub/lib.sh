# Shared by the hub's end-to-end scripts: unique names, a scratch
# directory, start/stop of the daemon by PID, and cleanup on exit.
# Needs top_builddir (set by make check).
: "${top_builddir:?run through make check, or set top_builddir}"
B=$top_builddir
HUB=$B/flowhub
CLIENT=$B/tests/hub/hubclient
FEED=$B/tests/hub/ringfeed
PY=/usr/bin/python3
for p in "$HUB" "$CLIENT" "$FEED"; do
	[ -x "$p" ] || { echo "missing $p (make check builds it)"; exit 99; }
done
WORK=$(mktemp -d /tmp/fhhub.XXXXXX) || exit 99
RING=/fhe2e-$$-$(basename "$WORK")
RPC=ipc://$WORK/run/rpc
EVENTS=ipc://$WORK/run/events
HUB_PID=
cleanup() {
	[ -n "$HUB_PID" ] && kill -KILL "$HUB_PID" 2>/dev/null
	[ -n "$EXTRA_PIDS" ] && kill -KILL $EXTRA_PIDS 2>/dev/null
	rm -f "/dev/shm$RING"
	[ -n "$FH_KEEP" ] && echo "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

fail() { echo "FAIL: $*"; [ -f "$WORK/hub.log" ] && tail -20 "$WORK/hub.log"; exit 1; }

# start_hub [extra options]: background daemon, waits for its rpc socket
start_hub() {
	"$HUB" --ring "$RING" --ring-size "${RING_SIZE:-4M}" \
		--runtime-dir "$WORK/run" --state-dir "$WORK/state" "$@" \
		>>"$WORK/hub.log" 2>&1 &
	HUB_PID=$!
	i=0
	while ! "$CLIENT" req "$RPC" '["status"]' >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt 100 ] && fail "hub did not come up"
		kill -0 "$HUB_PID" 2>/dev/null || fail "hub exited at start"
		sleep 0.05
	done
}

# stop_hub SIGNAL: signal the daemon and reap it; sets HUB_STATUS
stop_hub() {
	kill -"$1" "$HUB_PID"
	wait "$HUB_PID"
	HUB_STATUS=$?
	HUB_PID=
}

# seq of the hub's state
hub_seq() {
	"$CLIENT" req "$RPC" '["state"]' | $PY -c 'import json,sys; print(json.load(sys.stdin)[1])'
}
