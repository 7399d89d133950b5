#!/bin/bash
# A first load measurement of one flowhub-edge (not run by make check):
#   tests/e2e/lib/edgebench.sh BUILD_DIR CLIENTS RATE SECONDS [wsload args]
# starts a hub and one edge (unique ring, port and runtime dir), connects
# CLIENTS with bench/wsload, emits RATE block events/s for SECONDS with
# bench/emitload (0 = as fast as possible), then prints wsload's and
# emitload's JSON results and the edge's counters.  Build the tools first
# with `make -C BUILD_DIR bench`.
set -u
B=$(cd "$1" && pwd)
N=$2 RATE=$3 SEC=$4
shift 4
HUB=$B/hub/flowhub
[ -x "$HUB" ] || HUB=$B/flowhub
D=$(mktemp -d)
mkdir -m 0700 "$D/rt" "$D/st"
R=/fhbench-$$
P=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$HUB" --ring "$R" --runtime-dir "$D/rt" --state-dir "$D/st" -q >"$D/hub.log" 2>&1 &
H=$!
"$B/edge/flowhub-edge" --listen "127.0.0.1:$P" --runtime-dir "$D/rt" -q \
	--max-per-ip 100000 --max-clients 100000 >"$D/edge.log" 2>&1 &
E=$!
trap 'kill $E $H 2>/dev/null; sleep 0.5; rm -f /dev/shm$R; rm -rf "$D"' EXIT
for _ in $(seq 100); do
	curl -sf "http://127.0.0.1:$P/healthz" >/dev/null && break
	sleep 0.1
done
"$B/bench/wsload" -u "ws://127.0.0.1:$P/ws/flow" -c "$N" -t 2 -d $((SEC + 3)) \
	-i 1500 -p "$E" -R "$D/ready" "$@" 2>"$D/wsload.err" >"$D/wsload.json" &
W=$!
for _ in $(seq 600); do [ -f "$D/ready" ] && break; sleep 0.1; done
"$B/bench/emitload" -r "$R" -R "$RATE" -d "$SEC" -m block 2>"$D/emit.json"
wait $W
cat "$D/wsload.json"
tail -1 "$D/emit.json"
curl -s "http://127.0.0.1:$P/metrics" | grep -E '^flowhub_edge_(messages|slow|hub_gaps|hub_events)'
