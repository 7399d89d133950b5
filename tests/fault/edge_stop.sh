#!/bin/bash
# SIGSTOP of an edge for 10 s, then SIGCONT.  While edge 0 is frozen the
# hub must go on at full rate (its PUB drops for the frozen edge, never
# waits) and edge 1's clients must see no hole and no latency jump.  After
# SIGCONT edge 0 repairs what its link lost; its clients must end with
# every seq (directly, or after a clean 1013 and a resume).
. "$top_srcdir/tests/fault/lib.sh"
fault_init edge_stop 2
fault_fill
fault_start
E0=$PORT0 E1=$((PORT0 + 1))
fault_clients "e0=ws://127.0.0.1:$E0/ws/flow" "e1=ws://127.0.0.1:$E1/ws/flow"
fault_producer 1 --rate 1000 --duration 24
sleep 3
fault_mark steady   # start-up transients end here
sleep 3
pid=$(fault_pid "edge-$E0") || fault_hard "edge-$E0 not running"
kill -STOP "$pid"
fault_mark fault
fault_log "stopped edge-$E0 (pid $pid) for 10 s"
sleep 10
kill -CONT "$pid"
fault_mark resumed
fault_log "continued edge-$E0"
wait "$PROD_PID" || fault_hard "producer failed"
fault_settle
fault_log "restarts: hub $(( $(fault_spawns flowhub-hub) - 1 )), edge-$E0 $(( $(fault_spawns edge-$E0) - 1 )), edge-$E1 $(( $(fault_spawns edge-$E1) - 1 ))"
rc=0
[ "$(fault_spawns flowhub-hub)" = 1 ] || { fault_log "FAIL: the hub restarted"; rc=1; }
[ "$(fault_spawns edge-$E0)" = 1 ] || { fault_log "FAIL: edge-$E0 restarted"; rc=1; }
[ "$(fault_spawns edge-$E1)" = 1 ] || { fault_log "FAIL: edge-$E1 restarted"; rc=1; }
fault_check --fault fault --fault-end resumed --affected e0 $(fault_state_urls) || rc=1
exit $rc
