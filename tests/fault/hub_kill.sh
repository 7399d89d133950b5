#!/bin/bash
# kill -9 of the hub under load.  The producer must never block (its emits
# go on into the ring while no one consumes), supervisord restarts the hub,
# the hub recovers its state and seq from the checkpoint and the ring, the
# edges relink by themselves, and every client ends with every seq, once
# and in order; the state both edges serve equals what the events say.
. "$top_srcdir/tests/fault/lib.sh"
fault_init hub_kill 2
fault_fill
fault_start
E0=$PORT0 E1=$((PORT0 + 1))
fault_clients "e0=ws://127.0.0.1:$E0/ws/flow" "e1=ws://127.0.0.1:$E1/ws/flow"
fault_producer 1 --rate 1000 --duration 20
sleep 3
fault_mark steady   # start-up transients end here
sleep 4
old=$(fault_pid flowhub-hub) || fault_hard "hub not running"
kill -KILL "$old"
fault_mark fault
fault_log "killed the hub (pid $old)"
new=$(fault_wait_restart flowhub-hub "$old" 30) || { fault_log "FAIL: supervisord did not restart the hub"; exit 1; }
fault_mark restarted
for port in $E0 $E1; do
	fault_wait_healthy "127.0.0.1:$port" 30 || { fault_log "FAIL: edge-$port never relinked"; exit 1; }
done
fault_mark relinked
fault_log "hub restarted as pid $new; edges relinked $(awk -v a="$(fault_markval fault)" -v b="$(fault_markval relinked)" 'BEGIN{printf "%.2f s", b-a}') after the kill"
wait "$PROD_PID" || fault_hard "producer failed"
fault_settle
fault_log "restarts: hub $(( $(fault_spawns flowhub-hub) - 1 )), edge-$E0 $(( $(fault_spawns edge-$E0) - 1 )), edge-$E1 $(( $(fault_spawns edge-$E1) - 1 ))"
rc=0
[ "$(fault_spawns flowhub-hub)" = 2 ] || { fault_log "FAIL: hub spawned $(fault_spawns flowhub-hub) times"; rc=1; }
[ "$(fault_spawns edge-$E0)" = 1 ] || { fault_log "FAIL: edge-$E0 restarted"; rc=1; }
[ "$(fault_spawns edge-$E1)" = 1 ] || { fault_log "FAIL: edge-$E1 restarted"; rc=1; }
fault_check --fault fault --fault-end relinked --affected e0,e1 $(fault_state_urls) || rc=1
exit $rc
