#!/bin/bash
# kill -9 of an edge under load.  Two edges under supervisord, two clients
# on each, faultprod at 1000 events/s.  Edge 0 is killed with SIGKILL:
# the producer's emit latency must not move (it never talks to edges),
# the clients of edge 1 must receive every seq, supervisord must restart
# edge 0, and its clients, reconnecting and resuming, must end with every
# seq, none twice, none out of order.
. "$top_srcdir/tests/fault/lib.sh"
fault_init edge_kill 2
fault_fill
fault_start
E0=$PORT0 E1=$((PORT0 + 1))
fault_clients "e0=ws://127.0.0.1:$E0/ws/flow" "e1=ws://127.0.0.1:$E1/ws/flow"
fault_producer 1 --rate 1000 --duration 20
sleep 3
fault_mark steady   # start-up transients end here
sleep 4
old=$(fault_pid "edge-$E0") || fault_hard "edge-$E0 not running"
kill -KILL "$old"
fault_mark fault
fault_log "killed edge-$E0 (pid $old)"
new=$(fault_wait_restart "edge-$E0" "$old" 30) || { fault_log "FAIL: supervisord did not restart edge-$E0"; exit 1; }
fault_wait_healthy "127.0.0.1:$E0" 20 || { fault_log "FAIL: restarted edge-$E0 never linked"; exit 1; }
fault_mark restarted
fault_log "supervisord restarted edge-$E0: pid $new, $(awk -v a="$(fault_markval fault)" -v b="$(fault_markval restarted)" 'BEGIN{printf "%.2f s", b-a}') after the kill"
wait "$PROD_PID" || fault_hard "producer failed"
fault_settle
fault_log "restarts: hub $(( $(fault_spawns flowhub-hub) - 1 )), edge-$E0 $(( $(fault_spawns edge-$E0) - 1 )), edge-$E1 $(( $(fault_spawns edge-$E1) - 1 ))"
rc=0
[ "$(fault_spawns flowhub-hub)" = 1 ] || { fault_log "FAIL: the hub restarted"; rc=1; }
[ "$(fault_spawns edge-$E1)" = 1 ] || { fault_log "FAIL: edge-$E1 restarted"; rc=1; }
[ "$(fault_spawns edge-$E0)" = 2 ] || { fault_log "FAIL: edge-$E0 spawned $(fault_spawns edge-$E0) times"; rc=1; }
fault_check --fault fault --fault-end restarted --affected e0 $(fault_state_urls) || rc=1
exit $rc
