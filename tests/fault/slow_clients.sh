#!/bin/bash
# A client that stops reading, and 200 clients connecting and disconnecting
# in a loop, on edge 0.  The measuring clients (two on each edge) must see
# no hole, and their emit->client latency (from the stamp faultprod puts in
# each event) under that load must stay within 2x of the quiet case.
# The load generator runs at nice 19 so that it competes for the 2 CPUs
# less than the daemons under test do; what is measured is the edge's
# isolation, not the CPU the load script burns.
. "$top_srcdir/tests/fault/lib.sh"
fault_init slow_clients 2
fault_fill
fault_start
E0=$PORT0 E1=$((PORT0 + 1))
fault_clients "e0=ws://127.0.0.1:$E0/ws/flow" "e1=ws://127.0.0.1:$E1/ws/flow"
fault_producer 1 --rate 1000 --duration 25
sleep 3
fault_mark steady   # start-up transients end here
fault_mark quiet
sleep 9
fault_mark loaded
nice -n 19 $PY "$FAULT_SRC/churn.py" --url "ws://127.0.0.1:$E0/ws/flow" \
	--clients 200 --duration 10 --stalled-url "ws://127.0.0.1:$E0/ws/flow" \
	> "$RUN/churn.out" 2> "$RUN/churn.err" 9>&- &
CHURN_PID=$!
FAULT_PIDS+=("$CHURN_PID")
wait "$CHURN_PID"
fault_mark loaded_end
fault_log "load: $(cat "$RUN/churn.out")"
wait "$PROD_PID" || fault_hard "producer failed"
fault_settle
rc=0
$PY - "$RUN/churn.out" <<'PYEOF' || rc=1
import json, sys
r = json.load(open(sys.argv[1]))
ok = r["connects"] > 200 and r.get("stalled_connected")
print("churn: %d connects (%.0f/s), failures %s, stalled client closed by edge: %s (code %s)"
      % (r["connects"], r["connects_per_s"], r["failures"],
         r.get("stalled_closed_by_edge"), r.get("stalled_close_code")))
sys.exit(0 if ok else 1)
PYEOF
fault_check --phases quiet,loaded,loaded_end --latency-factor 2 \
	--latency-slack-ms "${FAULT_LATENCY_SLACK_MS:-1}" $(fault_state_urls) || rc=1
exit $rc
