#!/bin/bash
# Edges on another host: the hub runs in one network namespace and listens
# on tcp:// on its end of a veth pair; the edges run in a second namespace
# and dial it over the pair.  The private /30 exists only on that pair,
# inside the two namespaces this test creates (nothing else is routed).
# The link is cut for 5 s (veth down) and restored: the edges must relink
# by themselves and their clients must get every seq.  The namespaces are
# deleted at the end.  Skips (77) where network namespaces are not allowed.
. "$top_srcdir/tests/fault/lib.sh"
command -v ip >/dev/null || fault_skip "ip not installed"
fault_init netns_link 2
NSH=fhh$$ NSE=fhe$$
netns_cleanup() {
	ip netns del "$NSH" 2>/dev/null
	ip netns del "$NSE" 2>/dev/null
	ip link del "vh$$" 2>/dev/null
}
ip netns add "$NSH" 2>/dev/null || fault_skip "ip netns add not permitted"
FAULT_EXTRA_CLEANUP=netns_cleanup
ip netns add "$NSE" || fault_hard "ip netns add $NSE"
X=$(( $$ % 250 )) Y=$(( (RANDOM % 60) * 4 ))
HA=10.250.$X.$((Y + 1)) EA=10.250.$X.$((Y + 2))
ip link add "vh$$" type veth peer name "ve$$" || fault_hard "veth"
ip link set "vh$$" netns "$NSH" && ip link set "ve$$" netns "$NSE" || fault_hard "veth move"
ip -n "$NSH" addr add "$HA/30" dev "vh$$" && ip -n "$NSE" addr add "$EA/30" dev "ve$$" ||
	fault_hard "veth addresses"
for ns in "$NSH" "$NSE"; do ip -n "$ns" link set lo up; done
ip -n "$NSH" link set "vh$$" up && ip -n "$NSE" link set "ve$$" up || fault_hard "veth up"
ip -n "$NSE" route get "$HA" >/dev/null || fault_hard "no route over the veth pair"
EV=tcp://$HA:$((20000 + $$ % 20000)) RPC=tcp://$HA:$((20001 + $$ % 20000))

# The installed group, with wrappers as BINDIR that put each daemon into
# its namespace and point it at the tcp:// endpoints.
rm -f "$RUN/bin/flowhub" "$RUN/bin/flowhub-edge"
cat > "$RUN/bin/flowhub" <<W
#!/bin/sh
exec ip netns exec $NSH $HUB_BIN "\$@" --events-url $EV --rpc-url $RPC
W
cat > "$RUN/bin/flowhub-edge" <<W
#!/bin/sh
exec ip netns exec $NSE $EDGE_BIN "\$@" --hub-events $EV --hub-rpc $RPC
W
chmod +x "$RUN/bin/flowhub" "$RUN/bin/flowhub-edge"
fault_fill
FAULT_EDGE_NS=$NSE fault_start
E0=$PORT0 E1=$((PORT0 + 1))
FAULT_CLIENT_PREFIX="ip netns exec $NSE" \
	fault_clients "e0=ws://127.0.0.1:$E0/ws/flow" "e1=ws://127.0.0.1:$E1/ws/flow"
fault_producer 1 --rate 1000 --duration 22
sleep 3
fault_mark steady   # start-up transients end here
sleep 3
ip -n "$NSE" link set "ve$$" down || fault_hard "link down"
fault_mark fault
fault_log "cut the link ($EA <-> $HA) for 5 s"
saw_down=0
for _ in $(seq 25); do
	ip netns exec "$NSE" curl -s -o /dev/null -m 1 -w '%{http_code}' "http://127.0.0.1:$E0/healthz" | grep -q 503 && saw_down=1
	sleep 0.2
done
ip -n "$NSE" link set "ve$$" up || fault_hard "link up"
fault_mark restored
fault_log "link restored (edge reported the hub unavailable meanwhile: $saw_down)"
for port in $E0 $E1; do
	fault_wait_healthy "127.0.0.1:$port" 60 "$NSE" || { fault_log "FAIL: edge-$port never relinked"; exit 1; }
done
fault_mark relinked
wait "$PROD_PID" || fault_hard "producer failed"
fault_settle "$NSE"
rc=0
fault_log "restarts: hub $(( $(fault_spawns flowhub-hub) - 1 )), edge-$E0 $(( $(fault_spawns edge-$E0) - 1 )), edge-$E1 $(( $(fault_spawns edge-$E1) - 1 ))"
[ "$(fault_spawns edge-$E0)" = 1 ] || { fault_log "FAIL: edge-$E0 restarted"; rc=1; }
[ "$(fault_spawns flowhub-hub)" = 1 ] || { fault_log "FAIL: the hub restarted"; rc=1; }
urls=()
for port in $E0 $E1; do urls+=(--state-url "http://127.0.0.1:$port/api/v1/execution-sessions/current-execution"); done
FAULT_CHECK_PREFIX="ip netns exec $NSE" fault_check --fault fault --fault-end restored --affected e0,e1 "${urls[@]}" || rc=1
exit $rc
