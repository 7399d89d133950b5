#!/bin/bash
# A client that stops reading, and 200 clients connecting and disconnecting
# in a loop, on edge 0.  The measuring clients (two on each edge) must see
# no hole, and their emit->client latency (from the stamp faultprod puts
# in each event) under that load is compared with the quiet case.
#
# Quiet and loaded windows alternate (quiet 6 s, loaded 15 s, twice) so
# that a change in what else runs on the machine hits both alike.  A
# loaded window lasts 15 s because the kernel's socket buffers take about
# 2 MB (7 s at this rate) before the edge's own queue for the stalled
# client starts to grow to its 1 MiB limit.
# The load generator runs at nice 19: it should compete for the 2 CPUs less
# than the daemons under test, since what is measured is the edge's
# isolation, not the CPU the load script burns.  The 2x latency bound
# (plus 1 ms) is enforced at p50; at p99 it is reported, and enforced only
# with FAULT_STRICT_LATENCY=1, since on a shared 2-CPU machine the tail
# mostly measures what else runs.  No gap, no duplicate, no reorder and
# the slow client's 1013 are always enforced.
. "$top_srcdir/tests/fault/lib.sh"
fault_init slow_clients 2
fault_fill
fault_start
E0=$PORT0 E1=$((PORT0 + 1))
metric() {
	curl -s -m 2 "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m { print $2 }'
}
fault_clients "e0=ws://127.0.0.1:$E0/ws/flow" "e1=ws://127.0.0.1:$E1/ws/flow"
fault_producer 1 --rate 1000 --duration 48
sleep 3
fault_mark steady   # start-up transients end here
load() {
	nice -n 19 $PY "$FAULT_SRC/churn.py" --url "ws://127.0.0.1:$E0/ws/flow" \
		--clients 200 --duration 15 --stalled-url "ws://127.0.0.1:$E0/ws/flow" \
		>> "$RUN/churn.out" 2>> "$RUN/churn.err" 9>&- &
	CHURN_PID=$!
	FAULT_PIDS+=("$CHURN_PID")
	wait "$CHURN_PID"
}
slow0=$(metric "$E0" flowhub_edge_slow_client_closes_total)
fault_mark quiet1
sleep 6
fault_mark loaded1
load
fault_mark quiet2
sleep 6
fault_mark loaded2
load
fault_mark end
slow1=$(metric "$E0" flowhub_edge_slow_client_closes_total)
wait "$PROD_PID" || fault_hard "producer failed"
fault_settle
rc=0
fault_log "slow-client closes on edge 0 during the load: $(( ${slow1:-0} - ${slow0:-0} ))"
[ $(( ${slow1:-0} - ${slow0:-0} )) -ge 1 ] || { fault_log "FAIL: the stalled client was never closed (1013)"; rc=1; }
$PY - "$RUN/churn.out" <<'PYEOF' || rc=1
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
n = sum(r["connects"] for r in runs)
fails = {}
for r in runs:
    for k, v in r["failures"].items():
        fails[k] = fails.get(k, 0) + v
print("churn: %d connect/disconnect cycles by 200 clients (%s/s per window), "
      "failures %s, stalled client connected: %s"
      % (n, "/".join("%.0f" % r["connects_per_s"] for r in runs), fails,
         all(r.get("stalled_connected") for r in runs)))
sys.exit(0 if n >= 200 and all(r.get("stalled_connected") for r in runs) else 1)
PYEOF
strict=
[ "${FAULT_STRICT_LATENCY:-0}" = 1 ] && strict=--latency-strict
fault_check --quiet quiet1,loaded1 --quiet quiet2,loaded2 \
	--loaded loaded1,quiet2 --loaded loaded2,end \
	--latency-factor 2 --latency-slack-ms "${FAULT_LATENCY_SLACK_MS:-1}" $strict \
	$(fault_state_urls) || rc=1
exit $rc
