#!/bin/sh
# Waking the hub or an edge must never preempt the interpreter: both
# daemons run every thread (their own, NNG's, the checkpoint writer)
# under SCHED_BATCH.  Checked in /proc for each thread of a hub and an
# edge that are linked and have passed events.
. "$top_srcdir/tests/e2e/lib/edgelib.sh"

start_hub
PORT=$(free_port)
start_edge e1 "$PORT"
wait_linked "$PORT"
echo '{"event":"log","level":"info","message":"wake everyone"}' | emit ||
	fail "emit"
sleep 0.5

# policy: field 41 of /proc/PID/task/TID/stat (after the command name,
# which is in parentheses and may hold spaces); SCHED_BATCH is 3.
check_threads() { # NAME PID
	n=0
	for st in /proc/"$2"/task/*/stat; do
		pol=$(sed 's/.*) //' "$st" | awk '{print $39}')
		tid=$(basename "$(dirname "$st")")
		comm=$(cat /proc/"$2"/task/"$tid"/comm 2>/dev/null)
		[ "$pol" = 3 ] || fail "$1 thread $tid ($comm) has policy $pol, not SCHED_BATCH (3)"
		n=$((n + 1))
	done
	[ "$n" -ge 2 ] || fail "$1: only $n threads seen"
	echo "ok: $1: $n threads, all SCHED_BATCH"
}
check_threads hub "$HUB_PID"
check_threads edge "$EDGE_PID_e1"
