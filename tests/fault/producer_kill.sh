#!/bin/bash
# kill -9 of the producer mid-stream, then a new producer continues the
# session.  The hub must go on (a claim the dead producer left open is
# skipped, not waited for forever), every client must get every seq, the
# hub must have sequenced exactly what the producers got into the ring
# (the killed one counts in a mmap'd file that survives the kill), and
# the state must say what the events said (the block the killed producer
# left started stays active).
. "$top_srcdir/tests/fault/lib.sh"
fault_init producer_kill 2
fault_fill
fault_start
E0=$PORT0 E1=$((PORT0 + 1))
fault_clients "e0=ws://127.0.0.1:$E0/ws/flow" "e1=ws://127.0.0.1:$E1/ws/flow"
fault_producer 1 --rate 1000 --duration 60 --count-file "$RUN/prod1.count"
P1=$PROD_PID
sleep 3
fault_mark steady   # start-up transients end here
sleep 3.3
kill -KILL "$P1"
fault_mark fault
wait "$P1" 2>/dev/null
fault_log "killed producer run 1 (pid $P1)"
sleep 1
fault_producer 2 --rate 1000 --duration 6 --no-start
fault_mark restarted
wait "$PROD_PID" || fault_hard "producer run 2 failed"
fault_settle
rc=0
[ "$(fault_spawns flowhub-hub)" = 1 ] || { fault_log "FAIL: the hub restarted"; rc=1; }
# the killed run has only its windows, no summary: its counts come from the file
mv "$RUN/prod1.out" "$RUN/killed1.out"
fault_check --producer "$RUN/killed1.out" --count-file "1=$RUN/prod1.count" \
	--fault fault --fault-end restarted $(fault_state_urls) || rc=1
exit $rc
